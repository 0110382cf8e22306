/**
 * Drives whole stacks for the end-to-end tests. The harness driver (`npm run stack:local`) always runs;
 * where a `pulumi` CLI is on PATH, the same scenarios also run through the Automation API on a local file
 * backend (see automationDrivers).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const PROJECT_DIR = path.join(__dirname, "..", "..", "..");
export const LOCAL_IMAGE = process.env.REDIS_HA_LOCAL_IMAGE ?? "redis-ha-local/redis:7.0";

export interface UpResult {
    outputs: Record<string, any>;
    /** Operations of this run per resource key: create, update, replace, delete, same. */
    operations: Array<{ key: string; op: string }>;
}

export interface StackDriver {
    name: string;
    up(stack: string, config: Record<string, unknown>): Promise<UpResult>;
    destroy(stack: string): Promise<void>;
}

/** Flattens nested config into `--set a.b=value` arguments. */
export function setArgs(config: Record<string, unknown>, prefix = ""): string[] {
    const args: string[] = [];
    for (const [k, v] of Object.entries(config)) {
        const key = prefix ? `${prefix}.${k}` : k;
        if (v !== null && typeof v === "object" && !Array.isArray(v)) args.push(...setArgs(v as Record<string, unknown>, key));
        else args.push("--set", `${key}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    }
    return args;
}

function runHarness(args: string[]): string {
    const result = spawnSync("npx", ["ts-node", "--project", "tsconfig.json", "tests/harness/cli.ts", ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
        throw new Error(`stack:local ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr}\n${result.stdout}`);
    }
    return result.stdout;
}

export const harnessDriver: StackDriver = {
    name: "stack:local harness",
    async up(stack, config) {
        const stdout = runHarness(["up", "--stack", stack, "--show-secrets", ...setArgs(config)]);
        const state = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, ".stack-local", `${stack}.json`), "utf8"));
        return { outputs: JSON.parse(stdout), operations: state.lastRun?.operations ?? state.operations ?? [] };
    },
    async destroy(stack) {
        runHarness(["destroy", "--stack", stack]);
    },
};

function hasPulumiCli(): boolean {
    return spawnSync("pulumi", ["version"], { encoding: "utf8" }).status === 0;
}

/** Automation API drivers, present only where a pulumi CLI exists (none can be installed here). */
export function automationDrivers(): StackDriver[] {
    if (!hasPulumiCli()) return [];
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { LocalWorkspace } = require("@pulumi/pulumi/automation");
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-backend-"));
    const envVars = { PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "redis-ha-e2e" };
    const select = (stack: string) => LocalWorkspace.createOrSelectStack({ stackName: stack, workDir: PROJECT_DIR }, { envVars });
    return [
        {
            name: "pulumi automation api",
            async up(stack, config) {
                const s = await select(stack);
                for (const [key, value] of Object.entries(flatten(config))) {
                    await s.setConfig(key, { value: typeof value === "string" ? value : JSON.stringify(value) }, true);
                }
                const result = await s.up({ onOutput: () => undefined });
                const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]: [string, any]) => [k, v.value]));
                const ops = Object.entries(result.summary.resourceChanges ?? {}).flatMap(([op, n]) => Array.from({ length: n as number }, () => ({ key: op, op })));
                return { outputs, operations: ops };
            },
            async destroy(stack) {
                const s = await select(stack);
                await s.destroy({ onOutput: () => undefined });
                await s.workspace.removeStack(stack);
            },
        },
    ];
}

function flatten(config: Record<string, unknown>, prefix = ""): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        const key = prefix ? `${prefix}.${k}` : k;
        if (v !== null && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, key));
        else out[key] = v;
    }
    return out;
}

export function allDrivers(): StackDriver[] {
    return [harnessDriver, ...automationDrivers()];
}

/** Docker objects carrying the stack's label, for "destroy leaves nothing" checks. */
export function labelledObjects(stack: string): { containers: string[]; networks: string[]; volumes: string[] } {
    const list = (cmd: string[]) =>
        execFileSync("docker", cmd, { encoding: "utf8" })
            .split("\n")
            .map((s) => s.trim())
            .filter(Boolean);
    const filter = `label=redis-ha.stack=${stack}`;
    return {
        containers: list(["ps", "-a", "--filter", filter, "--format", "{{.Names}}"]),
        networks: list(["network", "ls", "--filter", filter, "--format", "{{.Name}}"]),
        volumes: list(["volume", "ls", "--filter", filter, "--format", "{{.Name}}"]),
    };
}

export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8" }).trim();
}
