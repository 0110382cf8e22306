/** Shared bits of the benchmarks: timing, medians, and driving `stack:local` (the real Pulumi engine). */
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { runNodeScript } from "../tests/support/node-child";

export const PROJECT_DIR = path.join(__dirname, "..");
export const LOCAL_IMAGE = process.env.REDIS_HA_LOCAL_IMAGE ?? "redis-ha-local/redis:7.0";

export function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs `npm run stack:local -- ARGS` (state in .stack-local/); returns its stdout and stderr (the engine's display). */
export function stackLocalRun(args: string[]): { stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["tools/stack-local/bin.js", ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { PULUMI_CONFIG_PASSPHRASE: "redis-ha-bench", ...process.env },
    });
    if (r.status !== 0) throw new Error(`stack:local ${args.join(" ")} failed:\n${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
}

/** stackLocalRun in a child process that does not block this one: clients measuring the change keep running. */
export async function stackLocalAsync(args: string[]): Promise<{ stdout: string; stderr: string }> {
    const { status, stdout, stderr } = await runNodeScript(["tools/stack-local/bin.js", ...args], {
        cwd: PROJECT_DIR,
        env: { PULUMI_CONFIG_PASSPHRASE: "redis-ha-bench", ...process.env },
    });
    if (status !== 0) throw new Error(`stack:local ${args.join(" ")} failed:\n${stderr}`);
    return { stdout, stderr };
}

export function stackLocal(args: string[]): string {
    return stackLocalRun(args).stdout;
}

export function timed<T>(fn: () => T): { ms: number; value: T } {
    const start = process.hrtime.bigint();
    const value = fn();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Runs redis-benchmark and returns requests per second per test (SET, GET); `extraArgs` e.g. `--tls --cacert F`. */
export function redisBenchmark(port: number, password: string, requests: number, extraArgs: string[] = []): Record<string, number> {
    const out = execFileSync(
        "redis-benchmark",
        [
            "-h",
            "127.0.0.1",
            "-p",
            String(port),
            "-a",
            password,
            "-t",
            "set,get",
            "-P",
            "16",
            "-c",
            "50",
            "-n",
            String(requests),
            "--csv",
            ...extraArgs,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    const rps: Record<string, number> = {};
    for (const line of out.split("\n")) {
        const m = /^"(SET|GET)","([\d.]+)"/.exec(line);
        if (m) rps[m[1]] = Number(m[2]);
    }
    if (!rps.SET || !rps.GET) throw new Error(`could not parse redis-benchmark output:\n${out}`);
    return rps;
}
