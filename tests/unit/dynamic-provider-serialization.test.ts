/**
 * Every dynamic provider runs as Pulumi ships it: closure-serialized into the dynamic-provider host
 * (components/shared/dynamic.ts explains the constraint). An exported const or arrow read inside its own
 * module compiles to `exports.X`, which the serializer does not always carry along: under ts-node `up` failed
 * with `exports.reachable is not a function` in formation (and the slot count came out undefined, so no slot
 * was ever assigned), and with "Cannot convert undefined or null to object" in the sentinel gate's
 * tunableDrift (exports.TUNABLE_FIELDS). Guard: no serialized provider reads a module's `exports`.
 */
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_PROVIDERS as providers } from "./support/dynamic-providers";

it.each(providers)("the serialized %s provider reads no `exports.X` of its own modules", async (_name, provider) => {
    const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const reads = [...text.matchAll(/\bexports\.(\w+)/g)].map((m) => m[1]).filter((name) => name !== "handler");
    expect(reads).toEqual([]);
});
