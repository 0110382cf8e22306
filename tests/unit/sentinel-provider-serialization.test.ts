/**
 * The sentinel readiness provider runs as Pulumi ships it: closure-serialized into the dynamic-provider host.
 * An exported const read inside its own module compiles to `exports.X`, which the serializer does not always
 * carry along: under ts-node `up` failed with "Cannot convert undefined or null to object" in tunableDrift
 * (exports.TUNABLE_FIELDS). Guard: the serialized text reads no module `exports`.
 */
import * as pulumi from "@pulumi/pulumi";
import { sentinelReadinessProvider } from "../../components/sentinel/readiness";

it("the serialized SentinelReadiness provider reads no `exports.X` of its own modules", async () => {
    const { text } = await pulumi.runtime.serializeFunction(() => sentinelReadinessProvider, { allowSecrets: true });
    const reads = [...text.matchAll(/\bexports\.(\w+)/g)].map((m) => m[1]).filter((name) => name !== "handler");
    expect(reads).toEqual([]);
});
