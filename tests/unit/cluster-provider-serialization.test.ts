/**
 * The formation provider runs as Pulumi ships it: closure-serialized into the dynamic-provider host. An
 * exported const or arrow read inside its own module compiles to `exports.X`, which the serializer does not
 * carry along (under ts-node `up` failed with `exports.reachable is not a function`, and the slot count came
 * out undefined, so no slot was ever assigned). Guard: the serialized text reads no module `exports`.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterFormationProvider } from "../../components/cluster/formation";

it("the serialized ClusterFormation provider reads no `exports.X` of its own modules", async () => {
    const { text } = await pulumi.runtime.serializeFunction(() => clusterFormationProvider, { allowSecrets: true });
    const reads = [...text.matchAll(/\bexports\.(\w+)/g)].map((m) => m[1]).filter((name) => name !== "handler");
    expect(reads).toEqual([]);
});
