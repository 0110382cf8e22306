/**
 * The preload of the plugins stack:local starts (scripts/lazy-typescript.js): in a provider plugin's
 * process, loading @pulumi/pulumi no longer loads TypeScript, and the SDK's closure parser still works
 * through the stand-in, on the TypeScript the SDK's own shim picks. Each case runs in a fresh Node.js
 * process, as the engine starts a plugin, with the plugin's script path as its argv[1].
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.join(__dirname, "..", "..");
const PRELOAD = path.join(REPO, "scripts", "lazy-typescript.js");
const TYPESCRIPT = "node_modules/typescript/lib/typescript.js";

/** Runs `body` as a plugin script placed under the project's node_modules (where the SDK resolves from). */
function runPlugin(body: string, preload: boolean): Record<string, unknown> {
    const dir = fs.mkdtempSync(path.join(REPO, "node_modules", ".cache", "lazy-ts-test-"));
    try {
        const script = path.join(dir, "plugin.js");
        fs.writeFileSync(script, `${body}\n`);
        const args = [...(preload ? [`--require=${PRELOAD}`] : []), script];
        return JSON.parse(execFileSync(process.execPath, args, { cwd: os.tmpdir(), encoding: "utf8" })) as Record<string, unknown>;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const tsLoaded = `Object.keys(require.cache).some((k) => k.endsWith(${JSON.stringify(TYPESCRIPT)}))`;

beforeAll(() => fs.mkdirSync(path.join(REPO, "node_modules", ".cache"), { recursive: true }));

it("a plugin that loads @pulumi/pulumi does not load TypeScript with the preload, and does without it", () => {
    const body = `require("@pulumi/pulumi"); require("@pulumi/pulumi/provider"); console.log(JSON.stringify({ ts: ${tsLoaded} }));`;
    expect(runPlugin(body, true)).toEqual({ ts: false });
    expect(runPlugin(body, false)).toEqual({ ts: true });
});

it("the closure parser works through the stand-in, on the TypeScript the SDK's shim chooses", () => {
    const body = [
        `const { parseFunction } = require("@pulumi/pulumi/runtime/closure/parseFunction");`,
        `const before = ${tsLoaded};`,
        `const [error, parsed] = parseFunction("function f(a) { return a + captured; }");`,
        `const shim = require("@pulumi/pulumi/typescript-shim");`,
        `console.log(JSON.stringify({ before, after: ${tsLoaded}, error, name: parsed.functionDeclarationName,`,
        `  captured: [...parsed.capturedVariables.required.keys()], version: shim.version === require("typescript").version }));`,
    ].join("\n");
    expect(runPlugin(body, true)).toEqual({ before: false, after: true, error: "", name: "f", captured: ["captured"], version: true });
});

it("a script outside any project starts unchanged: no SDK to stand in for", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lazy-ts-none-"));
    try {
        const script = path.join(dir, "plugin.js");
        fs.writeFileSync(script, `console.log(JSON.stringify({ ok: true, cached: Object.keys(require.cache).length }));\n`);
        const out = JSON.parse(execFileSync(process.execPath, [`--require=${PRELOAD}`, script], { encoding: "utf8" })) as {
            ok: boolean;
            cached: number;
        };
        expect(out.ok).toBe(true);
        // The preload and the script itself; no stand-in module.
        expect(out.cached).toBe(2);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
