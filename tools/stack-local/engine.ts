/**
 * The real Pulumi engine for a project, through the Automation API: a LocalWorkspace on the project
 * directory with the program inline (the Node.js language host cannot be had here, see README), a file
 * backend and the stack's config file under the state directory, and the plugins the program needs:
 * `pulumi-resource-pulumi-nodejs` (dynamic providers) from the project's @pulumi/pulumi, and the Docker
 * provider, which is the real one where `pulumi plugin ls` lists it and otherwise the test double of
 * tests/docker-provider installed into the state directory's own PULUMI_HOME.
 */
import { execFile, execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createRequire } from "module";
import { promisify } from "util";
import type * as automation from "@pulumi/pulumi/automation";
import { type ConfigSet, projectName, qualifyKey, recordSecret, runConfigFiles, writeRunConfig } from "./config";
import { projectProgram, type ProgramTimes } from "./ts-program";

const execFileAsync = promisify(execFile);
const REPO_DIR = path.resolve(__dirname, "..", "..");
/** The double's sources (relative to the repo): its own folder and the one helper it borrows. */
const DOUBLE_SOURCES = ["tests/docker-provider", "components/shared/poll.ts"];

export interface EngineOptions {
    projectDir: string;
    stack: string;
    stateDir: string;
    sets: ConfigSet[];
    /** Whether secret outputs will be shown (else they are only read masked). */
    showSecrets: boolean;
    savedExtensions: NodeJS.RequireExtensions;
    log: (line: string) => void;
    /** Filled in as the program loads (cli.ts prints it). */
    programTimes?: ProgramTimes;
}

export interface OpenStack {
    stack: automation.Stack;
    configFile: string;
    auto: typeof automation;
}

/** The directory holding `pulumi`: on PATH, else the cache scripts/install-pulumi.sh fills. */
export function pulumiDir(sdkVersion: string): string {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && fs.existsSync(path.join(dir, "pulumi"))) return dir;
    }
    const cached = path.join(os.homedir(), ".cache", "redis-ha", "pulumi", `v${sdkVersion}`);
    if (fs.existsSync(path.join(cached, "pulumi"))) return cached;
    throw new Error("no pulumi CLI on PATH: install Pulumi, or run `bash scripts/install-pulumi.sh` to build it");
}

function dockerPluginVersion(projectRequire: NodeRequire): string {
    return (projectRequire("@pulumi/docker/package.json") as { version: string }).version;
}

/** `pulumi plugin ls` lists what is in $PULUMI_HOME/plugins: look there directly (a CLI call costs ~0.5 s per run). */
function hasDockerPlugin(home: string, version: string): boolean {
    return fs.existsSync(path.join(home, "plugins", `resource-docker-v${version}`, "pulumi-resource-docker"));
}

/** The double's source files, relative to the repo. */
function doubleFiles(): string[] {
    return DOUBLE_SOURCES.flatMap((rel) => {
        const abs = path.join(REPO_DIR, rel);
        return fs.statSync(abs).isDirectory()
            ? fs
                  .readdirSync(abs)
                  .filter((f) => f.endsWith(".ts"))
                  .sort()
                  .map((f) => path.join(rel, f))
            : [rel];
    });
}

/**
 * The double as JavaScript (mirroring the repo layout) with the Docker schema it checks inputs against,
 * built once per content of its sources, @pulumi/docker version and TypeScript version into the repo's
 * node_modules/.cache: the engine starts a plain node process for it, and a run whose double is
 * unchanged neither loads the compiler nor parses @pulumi/docker's declarations (together most of a
 * second per run). Returns the entry point.
 */
function builtDouble(dockerVersion: string): string {
    const files = doubleFiles();
    const tsVersion = (require("typescript/package.json") as { version: string }).version;
    const hash = crypto.createHash("sha1").update(`docker ${dockerVersion}\ntypescript ${tsVersion}\n`);
    for (const rel of files) hash.update(`${rel}\n`).update(fs.readFileSync(path.join(REPO_DIR, rel)));
    const outDir = path.join(REPO_DIR, "node_modules", ".cache", "stack-local", `docker-double-${hash.digest("hex").slice(0, 16)}`);
    const main = path.join(outDir, "tests", "docker-provider", "main.js");
    if (fs.existsSync(main)) return main;

    // Built beside, then renamed into place: a concurrent run sees the whole double or none.
    const tmp = `${outDir}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const ts = require("typescript") as typeof import("typescript");
    for (const rel of files) {
        const { outputText } = ts.transpileModule(fs.readFileSync(path.join(REPO_DIR, rel), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
            fileName: rel,
        });
        const out = path.join(tmp, rel.replace(/\.ts$/, ".js"));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, outputText);
    }
    const schema = require("../../tests/docker-provider/schema") as typeof import("../../tests/docker-provider/schema");
    fs.writeFileSync(path.join(tmp, "tests", "docker-provider", schema.SCHEMA_FILE), JSON.stringify(schema.parseDockerSchema()));
    try {
        fs.renameSync(tmp, outDir);
    } catch (err) {
        // Another run built the same double meanwhile: theirs is identical.
        fs.rmSync(tmp, { recursive: true, force: true });
        if (!fs.existsSync(main)) throw err;
    }
    return main;
}

/**
 * PULUMI_HOME for the engine: the user's own when it holds the real Docker provider of the version the
 * program asks for, else `<stateDir>/pulumi-home` with the test double installed under that version.
 */
function pluginHome(pulumi: string, stateDir: string, version: string, log: (l: string) => void): string | undefined {
    const userHome = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    if (hasDockerPlugin(userHome, version)) return undefined;
    const home = path.join(stateDir, "pulumi-home");
    const launcher = path.join(stateDir, "pulumi-resource-docker");
    const main = builtDouble(version);
    const script = [
        "#!/bin/sh",
        "# TEST DOUBLE of pulumi-resource-docker (tests/docker-provider), not the real Docker provider.",
        // The preload spares the plugin's start TypeScript's load (scripts/lazy-typescript.js).
        `NODE_PATH=${JSON.stringify(path.join(REPO_DIR, "node_modules"))} exec node --require=${JSON.stringify(path.join(REPO_DIR, "scripts", "lazy-typescript.js"))} ${JSON.stringify(main)} "$@"`,
        "",
    ].join("\n");
    // The installed plugin is a copy of the launcher: compare that copy, the one the engine runs.
    const installed = path.join(home, "plugins", `resource-docker-v${version}`, "pulumi-resource-docker");
    const current = fs.existsSync(installed) ? fs.readFileSync(installed, "utf8") : "";
    if (current !== script) {
        fs.mkdirSync(stateDir, { recursive: true });
        fs.writeFileSync(launcher, script, { mode: 0o755 });
        // --reinstall: the plugin is a copy of the launcher, and an install over an existing one is
        // otherwise skipped ("already installed"), leaving it pointing at a double that is gone.
        execFileSync(pulumi, ["plugin", "install", "resource", "docker", version, "--file", launcher, "--reinstall"], {
            env: { ...process.env, PULUMI_HOME: home },
            stdio: ["ignore", "ignore", "pipe"],
        });
        log(`docker provider: no pulumi-resource-docker ${version} installed; using the test double (tests/docker-provider)`);
    }
    return home;
}

/**
 * Keeps the project's Pulumi.<stack>.yaml as it was around CLI calls that write it (stack init writes the
 * passphrase salt there, and so does an operation on a stack whose config file has none yet): the engine
 * reads the run's own config file instead (config.ts).
 */
export async function preservingProjectStackFile<T>(projectDir: string, stack: string, fn: () => Promise<T>): Promise<T> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    try {
        return await fn();
    } finally {
        if (before === undefined) fs.rmSync(file, { force: true });
        else fs.writeFileSync(file, before);
    }
}

export async function openStack(opts: EngineOptions): Promise<OpenStack> {
    const projectRequire = createRequire(path.join(opts.projectDir, "package.json"));
    // The program and the Automation API must share one SDK instance: the project's.
    const auto = projectRequire("@pulumi/pulumi/automation") as typeof automation;
    const sdkDir = path.dirname(projectRequire.resolve("@pulumi/pulumi/package.json"));
    const sdkVersion = (projectRequire("@pulumi/pulumi/package.json") as { version: string }).version;
    const cliDir = pulumiDir(sdkVersion);
    const pulumi = path.join(cliDir, "pulumi");
    fs.mkdirSync(opts.stateDir, { recursive: true });
    const backend = path.join(opts.stateDir, "backend");
    fs.mkdirSync(backend, { recursive: true });

    const home = pluginHome(pulumi, opts.stateDir, dockerPluginVersion(projectRequire), opts.log);
    // A normal Pulumi install has pulumi-resource-pulumi-nodejs beside the CLI (install-pulumi.sh puts it
    // there too); otherwise the engine finds the project SDK's copy on PATH.
    const bundled = fs.existsSync(path.join(cliDir, "pulumi-resource-pulumi-nodejs"));
    process.env.PATH = [...(bundled ? [] : [sdkDir]), cliDir, process.env.PATH].join(path.delimiter);
    const envVars: Record<string, string> = {
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
        ...(home ? { PULUMI_HOME: home } : {}),
    };
    if (process.env.PULUMI_CONFIG_PASSPHRASE === undefined && process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
        opts.log("PULUMI_CONFIG_PASSPHRASE is not set: secrets in this local state are encrypted with an empty passphrase");
    }
    const pulumiCommand = await cliCommand(auto, pulumi, opts.stateDir, createRequire(path.join(sdkDir, "package.json")));
    const workspace = await auto.LocalWorkspace.create({
        workDir: opts.projectDir,
        program: projectProgram(opts.projectDir, opts.savedExtensions, opts.programTimes),
        envVars,
        pulumiCommand,
    });
    selectingOnlyNewStacks(workspace, backend, projectName(opts.projectDir));
    const stack = await auto.Stack.createOrSelect(opts.stack, workspace);
    const { configFile, plainSecrets } = writeRunConfig(opts.projectDir, opts.stateDir, opts.stack, opts.sets);
    for (const secret of plainSecrets) {
        // The engine encrypts with the stack's secrets provider; the value goes through stdin, not argv.
        const key = qualifyKey(projectName(opts.projectDir), secret.key);
        execFileSync(pulumi, ["config", "set", "--secret", "--path", key, "--config-file", configFile, "--stack", opts.stack], {
            cwd: opts.projectDir,
            env: { ...process.env, ...envVars },
            input: secret.value,
            stdio: ["pipe", "ignore", "pipe"],
        });
        recordSecret(opts.projectDir, opts.stateDir, opts.stack, secret);
    }
    return { stack: withoutUnusedCalls(stack, pulumi, workspace, opts.showSecrets), configFile, auto };
}

/**
 * The CLI for the Automation API. `PulumiCommand.get()` runs `pulumi version` on every start (0.2-0.6 s
 * here) to learn the version, which only changes with the binary: it is asked once per binary (path,
 * size, modification time) and kept in the state directory; a changed binary is asked again.
 */
async function cliCommand(auto: typeof automation, pulumi: string, stateDir: string, sdkRequire: NodeRequire): Promise<automation.PulumiCommand> {
    const file = path.join(stateDir, "pulumi-version.json");
    const st = fs.statSync(pulumi);
    const binary = { path: pulumi, size: st.size, mtimeMs: st.mtimeMs };
    type Known = typeof binary & { version: string };
    let known: Known | undefined;
    try {
        known = JSON.parse(fs.readFileSync(file, "utf8")) as Known;
    } catch {
        known = undefined;
    }
    if (known && known.path === binary.path && known.size === binary.size && known.mtimeMs === binary.mtimeMs) {
        // What get() builds from the same answer: the command it runs ("pulumi", found on PATH, where
        // openStack put this binary first) and the parsed version.
        const semver = sdkRequire("semver") as typeof import("semver");
        const command = Object.create(auto.PulumiCommand.prototype) as automation.PulumiCommand;
        return Object.assign(command, { command: "pulumi", version: semver.parse(known.version) });
    }
    const command = await auto.PulumiCommand.get();
    if (command.version) fs.writeFileSync(file, JSON.stringify({ ...binary, version: command.version.format() }));
    return command;
}

/**
 * `Stack.createOrSelect` selects the stack with a CLI call (`stack select`, 0.3-0.5 s here) whose one
 * effect is the workspace's "current stack" setting, which nothing here reads: every command a Stack
 * runs names its stack with `--stack`. For a stack the backend already holds, selecting is skipped; a
 * new one is selected (and, not found, created) as before.
 */
function selectingOnlyNewStacks(workspace: automation.LocalWorkspace, backend: string, project: string): void {
    const select = workspace.selectStack.bind(workspace);
    workspace.selectStack = async (name: string) => {
        const state = path.join(backend, ".pulumi", "stacks", project, `${name}.json`);
        if (fs.existsSync(state) || fs.existsSync(`${state}.gz`)) return;
        await select(name);
    };
}

/**
 * Stack.up, refresh and destroy end with CLI calls for what this tool already has or does not show:
 * `stack history` for the run's change summary (cli.ts takes the same counts from the engine's summary
 * event of the run), and `stack output` twice, masked and with secrets in plain text. Each is a CLI
 * start, and the plaintext ones add the passphrase's key derivation: 1.5-2 s of a no-op `up` here. The
 * stack answers `info()` with nothing, and `outputs()` with the masked outputs alone unless secrets are
 * to be shown (an output masked as "[secret]" is how the Automation API itself tells a secret).
 */
function withoutUnusedCalls(stack: automation.Stack, pulumi: string, workspace: automation.LocalWorkspace, showSecrets: boolean): automation.Stack {
    stack.info = async () => undefined;
    if (!showSecrets) {
        stack.outputs = async () => {
            const { stdout } = await execFileAsync(pulumi, ["stack", "output", "--json", "--stack", stack.name, "--non-interactive"], {
                cwd: workspace.workDir,
                env: { ...process.env, ...workspace.envVars },
                maxBuffer: 64 * 1024 * 1024,
            });
            const values = JSON.parse(stdout) as Record<string, unknown>;
            return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: value === "[secret]" }]));
        };
    }
    return stack;
}

export async function removeStack(open: OpenStack, stateDir: string, stackName: string): Promise<void> {
    await open.stack.workspace.removeStack(stackName, { preserveConfig: true });
    for (const file of Object.values(runConfigFiles(stateDir, stackName))) fs.rmSync(file, { force: true });
}
