// Keeps the Pulumi SDK's parse of function text (closure serialization) from one run to the next, for the
// program stack:local loads. Each dynamic resource's provider is serialized once per run, and serializing
// walks every function the provider reaches, parsing each one's text with the TypeScript parser
// (@pulumi/pulumi runtime/closure/parseFunction.js) to learn which variables it captures. That parse was
// most of the serialization's CPU (about 160 functions for the dev stack, 1-2 s), and the engine waits
// through it for the program's first registrations. The parse is a pure function of the text (for one
// SDK and one TypeScript version), and its result is only read, so it is kept per text: in memory for the
// run (the providers share most helpers) and in a file under the project's node_modules/.cache, keyed by
// those versions, for the next run. The values the functions capture are still looked up live on every
// run; only the parse is reused. Plain JavaScript, installed by ts-program.ts with the project's SDK.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const FORMAT = "stack-local closure-parse 1";

/** [error, parsed] as JSON: the captured-variable Maps as entry lists. */
function encode([error, parsed]) {
    if (!parsed) return [error, null];
    const cv = parsed.capturedVariables;
    return [error, { ...parsed, capturedVariables: cv && { required: [...cv.required], optional: [...cv.optional] } }];
}

function decode([error, parsed]) {
    if (!parsed) return [error, undefined];
    const cv = parsed.capturedVariables;
    return [error, { ...parsed, capturedVariables: cv && { required: new Map(cv.required), optional: new Map(cv.optional) } }];
}

function versionOf(req, name) {
    try {
        return JSON.parse(fs.readFileSync(req.resolve(`${name}/package.json`), "utf8")).version;
    } catch {
        return "?";
    }
}

/** Wraps parseFunction of the project's SDK; returns false (and changes nothing) where the SDK has no such module. */
function memoizeClosureParse(projectRequire, cacheDir) {
    let mod;
    try {
        mod = projectRequire("@pulumi/pulumi/runtime/closure/parseFunction");
    } catch {
        return false;
    }
    const inner = mod.parseFunction;
    if (typeof inner !== "function" || inner.closureParseMemo) return false;

    const sdkRequire = require("module").createRequire(projectRequire.resolve("@pulumi/pulumi/package.json"));
    const key = `${FORMAT}\npulumi ${versionOf(projectRequire, "@pulumi/pulumi")}\ntypescript ${versionOf(sdkRequire, "typescript")}`;
    const file = path.join(cacheDir, `closure-parse-${crypto.createHash("sha1").update(key).digest("hex").slice(0, 16)}.json`);
    // One process may install the memo into several copies of the SDK (the unit tests load a fresh SDK for
    // each mock stack): what the previous copy parsed is written first, so this one reads it.
    pendingWrite();
    let stored = {};
    try {
        stored = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        stored = {};
    }
    const cache = new Map();
    let added = 0;
    const memo = function parseFunction(funcString) {
        let hit = cache.get(funcString);
        if (hit !== undefined) return hit;
        const id = crypto.createHash("sha1").update(funcString).digest("hex");
        if (stored[id] !== undefined) {
            hit = decode(stored[id]);
        } else {
            hit = inner(funcString);
            stored[id] = encode(hit);
            added++;
        }
        cache.set(funcString, hit);
        return hit;
    };
    memo.closureParseMemo = true;
    mod.parseFunction = memo;
    pendingWrite = () => {
        if (added === 0) return;
        added = 0;
        try {
            // Through a temporary file and a rename: a concurrent run reads a whole file or none.
            fs.mkdirSync(cacheDir, { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, JSON.stringify(stored));
            fs.renameSync(tmp, file);
        } catch {
            // A cache that cannot be written only costs the next run the parse.
        }
    };
    if (!exitHooked) process.on("exit", writeClosureParse);
    exitHooked = true;
    return true;
}

let pendingWrite = () => {};
let exitHooked = false;

/** Writes what this run parsed for the next one (done as the process exits). */
function writeClosureParse() {
    pendingWrite();
}

module.exports = { memoizeClosureParse, writeClosureParse };
