// A disk cache in front of ts-node's transpile-only compile, for stack:local's own files (bin.js) and
// the program it loads (ts-program.ts). Transpiling is per file and costs tens of milliseconds each on a
// cold compiler (the program's ~35 files took 2 s of a no-op `up` here, the tool's own 0.7 s), for an
// output that only changes with the file. ts-node keeps its hooks, ignore rules and options; only its
// `compile(code, fileName)` is wrapped: the output is kept under `cacheDir`, keyed by everything it
// depends on (ts-node and TypeScript versions, the registration options, the tsconfig's text, the
// file's path and content), and reused while none of them changes. Type checking is not involved: with
// transpileOnly, ts-node's compile is a pure function of those inputs (type-check.ts does the checking).
// Plain JavaScript: bin.js uses it before any TypeScript can be loaded.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

function sha1(text) {
    return crypto.createHash("sha1").update(text).digest("hex");
}

/** Version of a package as the given require resolves it (the one ts-node will load), without loading it. */
function versionOf(req, name) {
    try {
        return JSON.parse(fs.readFileSync(req.resolve(`${name}/package.json`), "utf8")).version;
    } catch {
        return "?";
    }
}

/**
 * Wraps `service.compile` (the ts-node service `register` returned) with the cache. Returns false, and
 * leaves ts-node as it is, where the key could miss an input: a tsconfig that extends another.
 */
function cacheCompiles(service, { cacheDir, tsConfigPath, registerOptions, projectRequire }) {
    const tsconfig = fs.existsSync(tsConfigPath) ? fs.readFileSync(tsConfigPath, "utf8") : "";
    if (/"extends"\s*:/.test(tsconfig)) return false;
    const key = [
        "stack-local ts-cache 1",
        `ts-node ${versionOf(projectRequire, "ts-node")}`,
        `typescript ${versionOf(projectRequire, "typescript")}`,
        JSON.stringify(registerOptions),
        tsconfig,
    ].join("\n");
    const compile = service.compile.bind(service);
    // Outputs served from the cache, for stack traces: ts-node's source-map-support only knows the ones it compiled.
    const served = new Map();
    const tsnodeRequire = createRequire(projectRequire.resolve("ts-node"));
    tsnodeRequire("@cspotcode/source-map-support").install({ retrieveFile: (file) => served.get(file) });

    service.compile = (code, fileName, lineOffset) => {
        if (lineOffset) return compile(code, fileName, lineOffset);
        const hash = sha1(`${key}\n${fileName}\n${code}`);
        const file = path.join(cacheDir, hash.slice(0, 2), `${hash}.js`);
        let output;
        try {
            output = fs.readFileSync(file, "utf8");
        } catch {
            output = compile(code, fileName);
            // Through a temporary file and a rename: a concurrent run reads a whole output or none.
            fs.mkdirSync(path.dirname(file), { recursive: true });
            const tmp = `${file}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, output);
            fs.renameSync(tmp, file);
            return output;
        }
        served.set(fileName, output);
        return output;
    };
    return true;
}

module.exports = { cacheCompiles };
