/**
 * Drives whole stacks for the end-to-end tests on the real Pulumi engine: every call runs
 * `npm run stack:local` (tools/stack-local: the Automation API with this project's program inline), on a
 * file backend in a temporary folder of this test process, with PULUMI_CONFIG_PASSPHRASE set.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RunReport } from "../../../tools/stack-local/cli";
import { runNodeScript } from "../../support/node-child";

export const PROJECT_DIR = path.join(__dirname, "..", "..", "..");
export const LOCAL_IMAGE = process.env.REDIS_HA_LOCAL_IMAGE ?? "redis-ha-local/redis:7.0";
const STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-e2e-state-"));
const PASSPHRASE = "redis-ha-e2e";

export interface UpResult {
    outputs: Record<string, any>;
    /** Operations of this run per resource (urn): create, update, replace, delete, same, … as the engine reported them. */
    operations: Array<{ key: string; op: string }>;
    report: RunReport;
    /** The engine's display of the run (warnings and diagnostics included). */
    display: string;
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

/**
 * One stack:local run in a child process. Asynchronous on purpose: a test's clients (traffic during a roll or
 * a reshard) and samplers keep running in this process while the engine works.
 */
async function stackLocal(
    command: string,
    stack: string,
    args: string[] = [],
    showSecrets = true,
): Promise<{ stdout: string; stderr: string; report: RunReport }> {
    const reportFile = path.join(STATE_DIR, `${stack}.${command}.report.json`);
    fs.rmSync(reportFile, { force: true });
    const { status, stdout, stderr } = await runNodeScript(
        [
            "tools/stack-local/bin.js",
            command,
            "--stack",
            stack,
            "--state-dir",
            STATE_DIR,
            "--report",
            reportFile,
            ...(showSecrets ? ["--show-secrets"] : []),
            ...args,
        ],
        { cwd: PROJECT_DIR, env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE } },
    );
    if (status !== 0) throw new Error(`stack:local ${command} --stack ${stack} failed (exit ${status}):\n${stderr}\n${stdout}`);
    const report = fs.existsSync(reportFile) ? (JSON.parse(fs.readFileSync(reportFile, "utf8")) as RunReport) : { command, summary: {}, steps: [] };
    return { stdout, stderr, report };
}

export const engineDriver = {
    name: "the Pulumi engine (Automation API)",
    /** `secrets`: config paths set as `pulumi config set --secret` would (encrypted in the stack's config). */
    async up(stack: string, config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<UpResult> {
        const secretArgs = Object.entries(secrets).flatMap(([key, value]) => ["--secret", `${key}=${value}`]);
        const { stdout, stderr, report } = await stackLocal("up", stack, [...setArgs(config), ...secretArgs]);
        return { outputs: JSON.parse(stdout), operations: report.steps.map((s) => ({ key: s.urn, op: s.op })), report, display: stderr };
    },
    /** The engine's plan for `config`: change summary and steps, and the engine's display of it (providers' messages included). */
    async preview(stack: string, config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<RunReport & { display: string }> {
        const secretArgs = Object.entries(secrets).flatMap(([key, value]) => ["--secret", `${key}=${value}`]);
        const { report, stderr } = await stackLocal("preview", stack, [...setArgs(config), ...secretArgs]);
        return { ...report, display: stderr };
    },
    /** Refresh (running the program, so stack outputs follow the refreshed resources); returns the outputs. */
    async refresh(stack: string): Promise<Record<string, any>> {
        return JSON.parse((await stackLocal("refresh", stack)).stdout);
    },
    /** The stack outputs as a user sees them without --show-secrets (secret ones as "[secret]"). */
    async outputsWithoutSecrets(stack: string): Promise<Record<string, any>> {
        return JSON.parse((await stackLocal("outputs", stack, [], false)).stdout);
    },
    async destroy(stack: string): Promise<void> {
        await stackLocal("destroy", stack);
    },
    /** The stack's state file in the file backend (checked for secrets in plain text). */
    stateFile(stack: string): string {
        return path.join(STATE_DIR, "backend", ".pulumi", "stacks", "redis-ha", `${stack}.json`);
    },
};
export type StackDriver = typeof engineDriver;

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

/**
 * The steps on the stack's resources (components included), without the engine's own provider resources
 * (`pulumi:providers:*`: in a preview with changes the default dynamic provider shows as updated, yet the
 * change summary does not count it).
 */
export function resourceSteps(report: RunReport): RunReport["steps"] {
    return report.steps.filter((s) => !s.type.startsWith("pulumi:providers:"));
}

/** Steps of a run by operation, as `op type` strings sorted. */
export function stepsByOp(report: RunReport, ...ops: string[]): string[] {
    return resourceSteps(report)
        .filter((s) => ops.includes(s.op))
        .map((s) => `${s.op} ${s.type}`)
        .sort();
}
