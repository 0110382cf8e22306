/**
 * Loads a Pulumi program the way the Node.js language host does (@pulumi/pulumi/cmd/run/run.js, the
 * CommonJS branch): ts-node from the project, registered with the project's tsconfig, the program type
 * checked (unless PULUMI_NODEJS_TRANSPILE_ONLY or `noCheck` says otherwise), then the entry point resolved
 * from Pulumi.yaml `main`, else package.json. The Automation API runs it as an inline program, in this
 * process. The type check is the one difference in how: the language host has ts-node check each file as
 * it loads, here the whole program is checked first, once per change of its inputs (type-check.ts), and
 * ts-node then only transpiles. A type error stops the run before the program starts, as it does there.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import * as yaml from "js-yaml";
import { typeCheckProgram } from "./type-check";

/** ts-cache.js (plain JavaScript, shared with bin.js). */
const { cacheCompiles } = require("./ts-cache") as {
    cacheCompiles(service: unknown, opts: { cacheDir: string; tsConfigPath: string; registerOptions: object; projectRequire: NodeRequire }): boolean;
};

/** stack-trace-memo.js (plain JavaScript, like ts-cache.js). */
const { memoizeStackTraces } = require("./stack-trace-memo") as { memoizeStackTraces(): void };
/** closure-parse-memo.js (plain JavaScript, like ts-cache.js). */
const { memoizeClosureParse } = require("./closure-parse-memo") as { memoizeClosureParse(projectRequire: NodeRequire, cacheDir: string): boolean };
/** closure-inspect-memo.js (plain JavaScript, like ts-cache.js). */
const { memoizeClosureInspection } = require("./closure-inspect-memo") as { memoizeClosureInspection(projectRequire: NodeRequire): boolean };

interface TsUtils {
    loadTypeScriptCompilerOptions(tsConfigPath: string): Record<string, unknown>;
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
}

/** Drops the tool's own transpile-only hook (bin.js): the program gets a fresh registration below. */
function restoreExtensions(saved: NodeJS.RequireExtensions): void {
    const current = require.extensions as unknown as Record<string, unknown>;
    for (const ext of Object.keys(current)) if (!(ext in saved)) delete current[ext];
    Object.assign(current, saved);
}

type TypeCheck = "ran" | "up to date" | "off";

/** Registers ts-node for the program and type-checks the program. */
function registerTypeScript(projectDir: string, projectRequire: NodeRequire, packageObject: Record<string, unknown>, entry: string): TypeCheck {
    const tsutils = projectRequire("@pulumi/pulumi/tsutils") as TsUtils;
    const tsConfigPath = path.resolve(projectDir, process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json");
    const skipProject = !fs.existsSync(tsConfigPath);
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly = transpileOnlyEnv ? transpileOnlyEnv === "true" : (compilerOptions.noCheck as boolean | undefined);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    if (packageObject.type === "module") throw new Error("ES module programs (package.json type: module) are not supported by stack:local");
    const tsn = projectRequire(tsnodeRequire) as { register(opts: object): unknown };
    const registerOptions = {
        compiler: typescriptRequire,
        transpileOnly: true,
        project: tsConfigPath,
        skipProject,
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    };
    // Caches (type-check stamps, transpiled files) live with the project's dependencies, which they
    // depend on: one per project, shared by every stack and state directory.
    const cacheDir = path.join(projectDir, "node_modules", ".cache", "stack-local");
    cacheCompiles(tsn.register(registerOptions), { cacheDir: path.join(cacheDir, "ts"), tsConfigPath, registerOptions, projectRequire });
    memoizeStackTraces();
    if (transpileOnly) return "off";
    // Resolved with .ts registered, as `require` will resolve it.
    return typeCheckProgram({ typescriptRequire, projectRequire, tsConfigPath, entry: require.resolve(entry), cacheDir }) ? "ran" : "up to date";
}

/** The entry point, resolved like run.js: Pulumi.yaml `main`, else package.json exports/main, else the directory. */
function programPath(projectDir: string, packageObject: Record<string, unknown>): string {
    const project = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { main?: string };
    if (typeof project.main === "string") return path.resolve(projectDir, project.main);
    const exp = packageObject.exports as string | Record<string, unknown> | undefined;
    const mainExport = typeof exp === "object" ? (exp["."] as string | Record<string, string> | undefined) : exp;
    const entry =
        typeof mainExport === "string"
            ? mainExport
            : typeof mainExport === "object"
              ? (mainExport.default ?? mainExport.require)
              : (packageObject.main as string | undefined);
    const p = path.resolve(projectDir, entry ?? ".");
    return fs.existsSync(p) && fs.statSync(p).isDirectory() ? p + path.sep : p;
}

/** Where loading the program went, for the run's timing line (cli.ts). */
export interface ProgramTimes {
    /** TypeScript registration and the type check (or the stamp comparison that made it unnecessary). */
    prepareMs?: number;
    /** The type check: ran, up to date (inputs unchanged since it last passed), or off (transpile only). */
    typeCheck?: TypeCheck;
    /** Requiring the entry point: transpiling and running the program's modules. */
    loadMs?: number;
}

/** The inline program: loads the project's entry point and hands its exports to the engine as stack outputs. */
export function projectProgram(
    projectDir: string,
    savedExtensions: NodeJS.RequireExtensions,
    times: ProgramTimes = {},
): () => Promise<Record<string, unknown>> {
    return async () => {
        const started = Date.now();
        const pkgFile = path.join(projectDir, "package.json");
        const packageObject = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as Record<string, unknown>) : {};
        restoreExtensions(savedExtensions);
        const entry = programPath(projectDir, packageObject);
        const projectRequire = createRequire(pkgFile);
        times.typeCheck = registerTypeScript(projectDir, projectRequire, packageObject, entry);
        memoizeClosureParse(projectRequire, path.join(projectDir, "node_modules", ".cache", "stack-local"));
        memoizeClosureInspection(projectRequire);
        process.chdir(projectDir);
        const prepared = Date.now();
        times.prepareMs = prepared - started;

        const exported = require(entry);
        times.loadMs = Date.now() - prepared;
        return exported instanceof Function ? await exported() : exported;
    };
}
