/**
 * The real Pulumi engine for a project, through the Automation API: a LocalWorkspace on the project
 * directory with the program inline (the Node.js language host cannot be had here, see README), a file
 * backend and the stack's config file under the state directory, and the plugins the program needs:
 * `pulumi-resource-pulumi-nodejs` (dynamic providers) from the project's @pulumi/pulumi, and the Docker
 * provider, which is the real one where `pulumi plugin ls` lists it and otherwise the test double of
 * tests/docker-provider installed into the state directory's own PULUMI_HOME.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createRequire } from "module";
import type * as automation from "@pulumi/pulumi/automation";
import { SCHEMA_FILE, parseDockerSchema } from "../../tests/docker-provider/schema";
import { runConfigFiles, writeRunConfig } from "./config";
import { projectProgram } from "./ts-program";

const REPO_DIR = path.resolve(__dirname, "..", "..");
/** The double's sources (relative to the repo): its own folder and the one helper it borrows. */
const DOUBLE_SOURCES = ["tests/docker-provider", "components/shared/poll.ts"];

export interface EngineOptions {
    projectDir: string;
    stack: string;
    stateDir: string;
    sets: Array<{ key: string; value: string }>;
    savedExtensions: NodeJS.RequireExtensions;
    log: (line: string) => void;
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

/**
 * Transpiles the double to JavaScript under `outDir` (mirroring the repo layout), so the engine starts a
 * plain node process for it instead of compiling it on every start; returns its entry point.
 */
function transpileDouble(outDir: string): string {
    const ts = require("typescript") as typeof import("typescript");
    const files = DOUBLE_SOURCES.flatMap((rel) => {
        const abs = path.join(REPO_DIR, rel);
        return fs.statSync(abs).isDirectory()
            ? fs
                  .readdirSync(abs)
                  .filter((f) => f.endsWith(".ts"))
                  .map((f) => path.join(rel, f))
            : [rel];
    });
    for (const rel of files) {
        const { outputText } = ts.transpileModule(fs.readFileSync(path.join(REPO_DIR, rel), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
            fileName: rel,
        });
        const out = path.join(outDir, rel.replace(/\.ts$/, ".js"));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, outputText);
    }
    const doubleDir = path.join(outDir, "tests", "docker-provider");
    fs.writeFileSync(path.join(doubleDir, SCHEMA_FILE), JSON.stringify(parseDockerSchema()));
    return path.join(doubleDir, "main.js");
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
    const main = transpileDouble(path.join(stateDir, "docker-provider-js"));
    const script = [
        "#!/bin/sh",
        "# TEST DOUBLE of pulumi-resource-docker (tests/docker-provider), not the real Docker provider.",
        `NODE_PATH=${JSON.stringify(path.join(REPO_DIR, "node_modules"))} exec node ${JSON.stringify(main)} "$@"`,
        "",
    ].join("\n");
    const current = fs.existsSync(launcher) ? fs.readFileSync(launcher, "utf8") : "";
    if (current !== script || !hasDockerPlugin(home, version)) {
        fs.mkdirSync(stateDir, { recursive: true });
        fs.writeFileSync(launcher, script, { mode: 0o755 });
        execFileSync(pulumi, ["plugin", "install", "resource", "docker", version, "--file", launcher], {
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
    const pulumiCommand = await auto.PulumiCommand.get();
    const workspace = await auto.LocalWorkspace.create({
        workDir: opts.projectDir,
        program: projectProgram(opts.projectDir, opts.savedExtensions),
        envVars,
        pulumiCommand,
    });
    const stack = await auto.Stack.createOrSelect(opts.stack, workspace);
    const configFile = writeRunConfig(opts.projectDir, opts.stateDir, opts.stack, opts.sets);
    return { stack, configFile, auto };
}

export async function removeStack(open: OpenStack, stateDir: string, stackName: string): Promise<void> {
    await open.stack.workspace.removeStack(stackName, { preserveConfig: true });
    for (const file of Object.values(runConfigFiles(stateDir, stackName))) fs.rmSync(file, { force: true });
}
