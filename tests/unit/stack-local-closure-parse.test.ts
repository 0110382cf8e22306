/**
 * stack:local keeps the SDK's parse of function text from run to run (tools/stack-local/closure-parse-memo.js).
 * What the engine receives must not change: every provider serializes to the same text with the parse
 * taken fresh, from the run's memory (the providers share helpers), and from the file a previous run wrote.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_PROVIDERS } from "./support/dynamic-providers";

const { memoizeClosureParse, writeClosureParse } = require("../../tools/stack-local/closure-parse-memo") as {
    memoizeClosureParse(projectRequire: NodeRequire, cacheDir: string): boolean;
    writeClosureParse(): void;
};
const parseModule = require("@pulumi/pulumi/runtime/closure/parseFunction") as { parseFunction: (text: string) => unknown };
const original = parseModule.parseFunction;
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-closure-parse-"));

const serializeAll = async () =>
    Promise.all(DYNAMIC_PROVIDERS.map(async ([, p]) => (await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true })).text));

afterAll(() => {
    parseModule.parseFunction = original;
    fs.rmSync(cacheDir, { recursive: true, force: true });
});

it("serializes every provider to the same text fresh, memoized, and from the file of an earlier run", async () => {
    const fresh = await serializeAll();

    expect(memoizeClosureParse(require, cacheDir)).toBe(true);
    expect(memoizeClosureParse(require, cacheDir)).toBe(false); // installed once
    const firstRun = await serializeAll();
    // What the process writes as it exits, for the next run.
    writeClosureParse();
    const [file] = fs.readdirSync(cacheDir);
    expect(file).toMatch(/^closure-parse-[0-9a-f]{16}\.json$/);

    // A next run: the SDK's own parse again, memoized anew from the file.
    parseModule.parseFunction = original;
    let parsedFresh = 0;
    parseModule.parseFunction = (text: string) => {
        parsedFresh++;
        return original(text);
    };
    expect(memoizeClosureParse(require, cacheDir)).toBe(true);
    const nextRun = await serializeAll();

    expect(firstRun).toEqual(fresh);
    expect(nextRun).toEqual(fresh);
    expect(parsedFresh).toBe(0);
});
