import { ChildProcess, spawn, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Real redis-server (or sentinel) processes on 127.0.0.1 for integration tests. Readiness is polled
 * with PING, never slept for.
 */
export interface RedisProcess {
    port: number;
    dir: string;
    configPath: string;
    process: ChildProcess;
    /** SIGKILL, like a crashed host. Resolves once the process is gone. */
    kill(signal?: NodeJS.Signals): Promise<void>;
    /** Starts the same config again (same dir, so same data and cluster/sentinel state). */
    restart(): Promise<void>;
}

export interface StartOptions {
    port: number;
    /** Full config text; `port`, `bind`, `dir` and `logfile` are set by the helper (dir/logfile lines are replaced). */
    config?: string;
    password?: string;
    /** ACL user the readiness PING authenticates as (with `password`); the default user when absent. */
    user?: string;
    sentinel?: boolean;
    dir?: string;
}

const started = new Set<RedisProcess>();

export async function startRedis(opts: StartOptions): Promise<RedisProcess> {
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `redis-ha-test-${opts.port}-`));
    const configPath = path.join(dir, opts.sentinel ? "sentinel.conf" : "redis.conf");
    // `dir` is applied while parsing (chdir), so a container path like /data is swapped for the temp dir.
    const given = (opts.config ?? "").replace(/^(dir|logfile) .*$/gm, "");
    const text =
        [given, `port ${opts.port}`, "bind 127.0.0.1", `dir ${dir}`, "daemonize no", `logfile ${path.join(dir, "server.log")}`].join("\n") + "\n";
    fs.writeFileSync(configPath, text);
    const rp: RedisProcess = {
        port: opts.port,
        dir,
        configPath,
        process: undefined as unknown as ChildProcess,
        async kill(signal: NodeJS.Signals = "SIGKILL") {
            const p = rp.process;
            if (p.exitCode !== null || p.signalCode !== null) return;
            await new Promise<void>((resolve) => {
                p.once("exit", () => resolve());
                p.kill(signal);
            });
        },
        async restart() {
            await rp.kill();
            rp.process = launch(configPath, !!opts.sentinel);
            await waitForPing(opts.port, opts.password, 10000, rp, opts.user);
        },
    };
    rp.process = launch(configPath, !!opts.sentinel);
    started.add(rp);
    await waitForPing(opts.port, opts.password, 10000, rp, opts.user);
    return rp;
}

const stderrOf = new WeakMap<ChildProcess, string[]>();

function readLog(rp: RedisProcess): string {
    const log = path.join(rp.dir, "server.log");
    const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "";
    return [(stderrOf.get(rp.process) ?? []).join(""), tail].join("\n").trim() || "(no output)";
}

function launch(configPath: string, sentinel: boolean): ChildProcess {
    const args = sentinel ? [configPath, "--sentinel"] : [configPath];
    // stderr is kept: config errors are printed there before the log file opens.
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    const chunks: string[] = [];
    stderrOf.set(child, chunks);
    child.stderr?.on("data", (d: Buffer) => chunks.push(d.toString()));
    return child;
}

/** Polls PING until the server answers (PONG, or NOAUTH when a password is set but not given). */
export async function waitForPing(port: number, password?: string, timeoutMs = 10000, owner?: RedisProcess, user?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (owner && (owner.process.exitCode !== null || owner.process.signalCode !== null)) {
            // Redis refused to start (e.g. a config it rejects): fail now, with its own words.
            throw new Error(`redis on port ${port} exited during start-up: ${readLog(owner)}`);
        }
        try {
            const args = ["-h", "127.0.0.1", "-p", String(port)];
            if (user) args.push("--user", user);
            if (password) args.push("--no-auth-warning", "-a", password);
            const out = execFileSync("redis-cli", [...args, "ping"], { encoding: "utf8", timeout: 2000, stdio: ["ignore", "pipe", "ignore"] }).trim();
            if (out === "PONG") return;
        } catch {
            /* not up yet */
        }
        if (Date.now() > deadline) throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
    }
}

export function redisCli(port: number, password: string | undefined, ...args: string[]): string {
    const base = ["-h", "127.0.0.1", "-p", String(port)];
    if (password) base.push("--no-auth-warning", "-a", password);
    return execFileSync("redis-cli", [...base, ...args], { encoding: "utf8", timeout: 10000 });
}

/** Kills every process started by this module; call from afterAll/afterEach. */
export async function stopAllRedis(): Promise<void> {
    await Promise.all([...started].map((p) => p.kill()));
    for (const p of started) fs.rmSync(p.dir, { recursive: true, force: true });
    started.clear();
}
