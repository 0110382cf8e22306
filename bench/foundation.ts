/**
 * Foundation figures (issue 2), all measured in one run on this machine:
 *  1. wall time of `stack:local up` for the replication topology, from nothing to ready (median of 3);
 *  2. redis-benchmark `-t set,get -P 16 -c 50` through a container's published port (bridge) and in host
 *     mode, each as a ratio to a bare redis-server on the host with the same rendered redis.conf.
 * Run: npx ts-node bench/foundation.ts
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { renderRedisConf } from "../components/docker/templates";
import { parseSettings } from "../components/config";
import { LOCAL_IMAGE, median, redisBenchmark, stackLocal, timed } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400000);

async function bareRedis(port: number, password: string): Promise<() => void> {
    const settings = parseSettings({}, "redis-ha", "bench");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-bench-"));
    const conf = renderRedisConf({
        nodeName: "bare",
        role: "master",
        bind: "127.0.0.1",
        port,
        password,
        persistence: settings.persistence,
        maxmemory: settings.maxmemory,
        maxmemoryPolicy: settings.maxmemoryPolicy,
    }).replace(/^dir .*$/m, `dir ${dir}`);
    fs.writeFileSync(path.join(dir, "redis.conf"), conf);
    const child = spawn("redis-server", [path.join(dir, "redis.conf")], { stdio: "ignore" });
    const deadline = Date.now() + 10000;
    for (;;) {
        try {
            execFileSync("redis-cli", ["-p", String(port), "-a", password, "--no-auth-warning", "ping"], { stdio: "pipe" });
            break;
        } catch {
            if (Date.now() > deadline) throw new Error("bare redis-server did not start");
            await new Promise((r) => setTimeout(r, 25));
        }
    }
    return () => {
        child.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    };
}

async function main(): Promise<void> {
    console.log(`# redis-ha foundation benchmark (${os.cpus().length} cores, image ${LOCAL_IMAGE})`);

    // 1. replication up, from nothing to ready.
    const upTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
        const args = ["--stack", "bench-replication", "--set", `image=${LOCAL_IMAGE}`, "--set", "topology=replication", "--set", "basePort=7630"];
        const { ms } = timed(() => stackLocal(["up", ...args]));
        upTimes.push(ms);
        stackLocal(["destroy", "--stack", "bench-replication"]);
    }
    console.log(
        `stack:local up, replication (1 master + 1 replica) from nothing to ready: median ${(median(upTimes) / 1000).toFixed(2)} s over ${ROUNDS} runs [${upTimes.map((t) => (t / 1000).toFixed(2)).join(", ")}]`,
    );

    // 2. throughput: bare host process vs bridge-published port vs host network.
    const bridge = JSON.parse(
        stackLocal(["up", "--stack", "bench-bridge", "--show-secrets", "--set", `image=${LOCAL_IMAGE}`, "--set", "basePort=7640"]),
    );
    const host = JSON.parse(
        stackLocal([
            "up",
            "--stack",
            "bench-host",
            "--show-secrets",
            "--set",
            `image=${LOCAL_IMAGE}`,
            "--set",
            "basePort=7650",
            "--set",
            "network.mode=host",
        ]),
    );
    const stopBare = await bareRedis(7660, bridge.password);
    try {
        const rows: Array<[string, Record<string, number>[]]> = [
            ["bare redis-server", []],
            ["container, bridge + published port", []],
            ["container, host network", []],
        ];
        // Interleave the targets so machine noise hits all three alike.
        for (let i = 0; i < ROUNDS; i++) {
            rows[0][1].push(redisBenchmark(7660, bridge.password, REQUESTS));
            rows[1][1].push(redisBenchmark(7640, bridge.password, REQUESTS));
            rows[2][1].push(redisBenchmark(7650, host.password, REQUESTS));
        }
        const med = (runs: Record<string, number>[], t: string) => median(runs.map((r) => r[t]));
        const bare = { SET: med(rows[0][1], "SET"), GET: med(rows[0][1], "GET") };
        console.log(`redis-benchmark -t set,get -P 16 -c 50 -n ${REQUESTS}, median of ${ROUNDS}:`);
        for (const [label, runs] of rows) {
            const set = med(runs, "SET");
            const get = med(runs, "GET");
            console.log(
                `  ${label.padEnd(38)} SET ${Math.round(set).toString().padStart(8)} rps (${(set / bare.SET).toFixed(2)}x bare)   GET ${Math.round(get).toString().padStart(8)} rps (${(get / bare.GET).toFixed(2)}x bare)`,
            );
        }
    } finally {
        stopBare();
        stackLocal(["destroy", "--stack", "bench-bridge"]);
        stackLocal(["destroy", "--stack", "bench-host"]);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
