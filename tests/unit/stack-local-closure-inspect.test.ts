/**
 * stack:local asks V8 about each function once, through a session without the debugger, when the SDK
 * serializes dynamic providers (tools/stack-local/closure-inspect-memo.js). What the engine receives must
 * not change: every provider serializes to the same text as the SDK's own way, captured values are read
 * live (a change after one serialization shows in the next), and a failed serialization reports the
 * SDK's own error.
 */
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_PROVIDERS } from "./support/dynamic-providers";

const { memoizeClosureInspection } = require("../../tools/stack-local/closure-inspect-memo") as {
    memoizeClosureInspection(projectRequire: NodeRequire): boolean;
};
const v8Module = require("@pulumi/pulumi/runtime/closure/v8") as Record<string, unknown>;
const closureModule = require("@pulumi/pulumi/runtime/closure/serializeClosure") as Record<string, unknown>;
const runtimeModule = require("@pulumi/pulumi/runtime") as Record<string, unknown>;
const saved = {
    location: v8Module.getFunctionLocationAsync,
    lookup: v8Module.lookupCapturedVariableValueAsync,
    serialize: closureModule.serializeFunction,
    runtimeSerialize: runtimeModule.serializeFunction,
};

const serialize = async (f: () => unknown) => (await pulumi.runtime.serializeFunction(f, { allowSecrets: true })).text;
const serializeAll = async () => Promise.all(DYNAMIC_PROVIDERS.map(([, p]) => serialize(() => p)));

// A closure that captures a variable the test changes between serializations.
let counter = 1;
const readsCounter = () => counter + 1;
// One that cannot be serialized: it reaches a bound native function through a named function.
const boundNative = Math.max.bind(null, 1);
function callsBoundNative(): number {
    return boundNative(2);
}
const unserializable = () => callsBoundNative();
const errorOf = async (f: () => unknown) =>
    serialize(f).then(
        () => "serialized",
        (e: Error) => e.message,
    );

afterAll(() => {
    v8Module.getFunctionLocationAsync = saved.location;
    v8Module.lookupCapturedVariableValueAsync = saved.lookup;
    closureModule.serializeFunction = saved.serialize;
    runtimeModule.serializeFunction = saved.runtimeSerialize;
});

it("serializes every provider to the SDK's text, reads captured values live, and fails with the SDK's error", async () => {
    const sdkTexts = await serializeAll();
    const sdkError = await errorOf(unserializable);
    expect(sdkError).toMatch(/^Error serializing/);
    expect(sdkError).toContain("function 'callsBoundNative'");

    expect(memoizeClosureInspection(require)).toBe(true);
    expect(memoizeClosureInspection(require)).toBe(false); // installed once
    expect(v8Module.getFunctionLocationAsync).not.toBe(saved.location);
    expect(runtimeModule.serializeFunction).not.toBe(saved.runtimeSerialize);

    expect(await serializeAll()).toEqual(sdkTexts);
    expect(await serializeAll()).toEqual(sdkTexts); // from the kept answers

    const before = await serialize(readsCounter);
    expect(before).toContain("counter: 1");
    counter = 7;
    const after = await serialize(readsCounter);
    expect(after).toContain("counter: 7");

    // The failure is run again the SDK's way: the same message.
    expect(await errorOf(unserializable)).toBe(sdkError);
    // And the SDK's way stays for the rest of the run.
    expect(await serializeAll()).toEqual(sdkTexts);
});
