/**
 * Loads a Pulumi program the way the Node.js language host does (@pulumi/pulumi/cmd/run/run.js, the
 * CommonJS branch): ts-node from the project, registered with the project's tsconfig and type checking
 * on (unless PULUMI_NODEJS_TRANSPILE_ONLY or `noCheck` says otherwise), then the entry point resolved from
 * Pulumi.yaml `main`, else package.json. The Automation API runs it as an inline program, in this process.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import * as yaml from "js-yaml";

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

function registerTypeScript(projectDir: string, projectRequire: NodeRequire, packageObject: Record<string, unknown>): void {
    const tsutils = projectRequire("@pulumi/pulumi/tsutils") as TsUtils;
    const tsConfigPath = path.resolve(projectDir, process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json");
    const skipProject = !fs.existsSync(tsConfigPath);
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly = transpileOnlyEnv ? transpileOnlyEnv === "true" : (compilerOptions.noCheck as boolean | undefined);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    if (packageObject.type === "module") throw new Error("ES module programs (package.json type: module) are not supported by stack:local");
    const tsn = projectRequire(tsnodeRequire) as { register(opts: object): unknown };
    tsn.register({
        compiler: typescriptRequire,
        transpileOnly,
        project: tsConfigPath,
        skipProject,
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    });
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

/** The inline program: loads the project's entry point and hands its exports to the engine as stack outputs. */
export function projectProgram(projectDir: string, savedExtensions: NodeJS.RequireExtensions): () => Promise<Record<string, unknown>> {
    return async () => {
        const pkgFile = path.join(projectDir, "package.json");
        const packageObject = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as Record<string, unknown>) : {};
        restoreExtensions(savedExtensions);
        registerTypeScript(projectDir, createRequire(pkgFile), packageObject);
        process.chdir(projectDir);

        const exported = require(programPath(projectDir, packageObject));
        return exported instanceof Function ? await exported() : exported;
    };
}
