/**
 * The child process that runs a Pulumi program, standing in for the Node language host
 * (@pulumi/pulumi/cmd/run/run.js): it registers ts-node with the same options, installs the SDK's own
 * mocks (setMocks/MockMonitor) and runs the program inside runInPulumiStack. Each resource registration is
 * forwarded to the parent engine over IPC and answered with what the engine created.
 *
 * Started by program-runner.ts through a bootstrap that loaded this file with a transpile-only ts-node;
 * that hook is removed before the program's own ts-node is registered, so the program is compiled (and
 * type-checked) exactly once, with the project's tsconfig.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import type * as pulumiTypes from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceOutputsRequest, ReadResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import { keyFromUrn } from "./plan";
import { PROGRAM_OPTIONS_ENV, type ChildMessage, type ParentMessage, type ProgramHostOptions, type Registration } from "./program-protocol";
import type { WireObject } from "./wire";

type Callback = (err: Error | null, resp?: unknown) => void;
interface MonitorLike {
    registerResource(req: RegisterResourceRequest, cb: Callback): void;
    registerResourceOutputs(req: RegisterResourceOutputsRequest, cb: Callback): void;
    readResource(req: ReadResourceRequest, cb: Callback): void;
}
interface SettingsInternals {
    getMonitor(): MonitorLike | undefined;
    waitForRPCs(): Promise<void>;
}
interface TsUtils {
    loadTypeScriptCompilerOptions(tsConfigPath: string): Record<string, unknown>;
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
}

function send(msg: ChildMessage): Promise<void> {
    return new Promise((resolve) => process.send!(msg, () => resolve()));
}

/** Drops the bootstrap's transpile-only ts-node hook: the program gets a fresh registration below. */
function restoreExtensions(saved: NodeJS.RequireExtensions): void {
    const current = require.extensions as unknown as Record<string, unknown>;
    for (const ext of Object.keys(current)) if (!(ext in saved)) delete current[ext];
    Object.assign(current, saved);
}

/** ts-node registration as in run.js (the CommonJS branch). */
function registerTypeScript(projectRequire: NodeRequire, packageObject: Record<string, unknown>): void {
    const tsutils = projectRequire("@pulumi/pulumi/tsutils") as TsUtils;
    const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
    const skipProject = !fs.existsSync(tsConfigPath);
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly = transpileOnlyEnv ? transpileOnlyEnv === "true" : (compilerOptions.noCheck as boolean | undefined);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    if (packageObject.type === "module") {
        throw new Error("ES module programs (package.json type: module) are not supported by the local harness");
    }
    const tsn = projectRequire(tsnodeRequire) as { register(opts: object): unknown };
    tsn.register({
        compiler: typescriptRequire,
        transpileOnly,
        project: tsConfigPath,
        skipProject,
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    });
}

/** The entry point, resolved like run.js: explicit `main`, else package.json exports/main, else the directory. */
function programPath(opts: ProgramHostOptions, packageObject: Record<string, unknown>): string {
    if (opts.main) return path.resolve(opts.projectDir, opts.main);
    const exp = packageObject.exports as string | Record<string, unknown> | undefined;
    const mainExport = typeof exp === "object" ? (exp["."] as string | Record<string, string> | undefined) : exp;
    const entry =
        typeof mainExport === "string"
            ? mainExport
            : typeof mainExport === "object"
              ? (mainExport.default ?? mainExport.require)
              : (packageObject.main as string | undefined);
    const p = path.resolve(opts.projectDir, entry ?? ".");
    return fs.existsSync(p) && fs.statSync(p).isDirectory() ? p + path.sep : p;
}

function registrationOf(req: RegisterResourceRequest, urn: string): Registration {
    const deps = new Set(req.getDependenciesList());
    req.getPropertydependenciesMap().forEach((d) => d.getUrnsList().forEach((u) => deps.add(u)));
    return {
        type: req.getType(),
        name: req.getName(),
        urn,
        custom: req.getCustom(),
        inputs: (req.getObject()?.toJavaScript() ?? {}) as WireObject,
        parent: req.getParent() ? keyFromUrn(req.getParent()) : undefined,
        dependencies: [...deps].map(keyFromUrn),
        options: {
            deleteBeforeReplace: req.getDeletebeforereplace(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
        },
        provider: req.getProvider(),
        importId: req.getImportid(),
    };
}

export async function main(savedExtensions: NodeJS.RequireExtensions): Promise<void> {
    const opts = JSON.parse(process.env[PROGRAM_OPTIONS_ENV] ?? "null") as ProgramHostOptions;
    if (!opts || !process.send) throw new Error("program-host must be started by program-runner (IPC + options)");
    process.chdir(opts.projectDir);
    restoreExtensions(savedExtensions);

    let reported = false;
    const further = new Set<string>();
    const fail = async (err: unknown) => {
        if (reported) {
            // One failed resource rejects every output depending on it: show each distinct message once.
            const message = (err as Error)?.message ?? String(err);
            if (!further.has(message)) console.error(`(further error) ${message}`);
            further.add(message);
            return;
        }
        reported = true;
        const e = err instanceof Error ? err : new Error(String(err));
        // RunErrors and compile errors are user-facing as they are; anything else keeps its stack.
        const plain = e.name === "RunError" || e.name === "TSError" || e.constructor?.name === "RunError";
        await send({ kind: "failed", message: e.message, detail: plain ? undefined : e.stack });
        process.exit(1);
    };
    process.on("uncaughtException", fail);
    process.on("unhandledRejection", fail);

    const projectRequire = createRequire(path.join(opts.projectDir, "package.json"));
    const pkgFile = path.join(opts.projectDir, "package.json");
    const packageObject = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as Record<string, unknown>) : {};
    if (opts.typescript) registerTypeScript(projectRequire, packageObject);

    // The SDK instance the program itself will load, so setMocks affects the program's resources.
    const pulumi = projectRequire("@pulumi/pulumi") as typeof pulumiTypes;
    const settings = projectRequire("@pulumi/pulumi/runtime/settings") as SettingsInternals;

    let seq = 0;
    const waiting = new Map<number, (m: ParentMessage) => void>();
    process.on("message", (m: ParentMessage) => {
        const w = waiting.get(m.seq);
        waiting.delete(m.seq);
        w?.(m);
    });

    const pendingRequests = new Map<string, RegisterResourceRequest>();
    const mocks: pulumiTypes.runtime.Mocks = {
        async newResource(args) {
            const key = `${args.type}::${args.name}`;
            const req = pendingRequests.get(key);
            pendingRequests.delete(key);
            if (!req) throw new Error(`internal: no RegisterResource request seen for ${key}`);
            const registration = registrationOf(req, (monitor as unknown as { newUrn(p: string, t: string, n: string): string }).newUrn(req.getParent(), req.getType(), req.getName()));
            const mySeq = ++seq;
            const reply = await new Promise<ParentMessage>((resolve) => {
                waiting.set(mySeq, resolve);
                void send({ kind: "register", seq: mySeq, registration });
            });
            if (reply.kind === "register-failed") throw new Error(reply.message);
            return { id: reply.id, state: reply.outputs };
        },
        call(args) {
            throw new Error(`invoke ${args.token} is not supported by the local harness (no provider functions here)`);
        },
    };
    await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, opts.preview);

    // Observe the raw requests MockMonitor receives: they carry what the mocks API drops (wire-form inputs
    // with secret markers, parent, dependencies, deleteBeforeReplace, additionalSecretOutputs, ...).
    const monitor = settings.getMonitor() as MonitorLike;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        pendingRequests.set(`${req.getType()}::${req.getName()}`, req);
        registerResource(req, cb);
    };
    let stackOutputs: WireObject | undefined;
    const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) => {
        const key = keyFromUrn(req.getUrn());
        const outputs = (req.getOutputs()?.toJavaScript() ?? {}) as WireObject;
        if (key.startsWith("pulumi:pulumi:Stack::")) stackOutputs = outputs;
        else void send({ kind: "component-outputs", key, outputs });
        registerResourceOutputs(req, cb);
    };
    monitor.readResource = (req, cb) => {
        cb(new Error(`reading existing resources (${req.getType()} "${req.getName()}" via .get) is not supported by the local harness`));
    };

    const program = programPath(opts, packageObject);
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            const exported = require(program);
            return exported instanceof Function ? exported() : exported;
        });
        await settings.waitForRPCs();
        if (!stackOutputs) throw new Error("internal: the stack registered no outputs");
    } catch (err) {
        await fail(err);
        return;
    }
    await send({ kind: "done", outputs: stackOutputs });
    process.exit(0);
}
