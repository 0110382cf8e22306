/**
 * Online resharding throughput: 4096 slots holding 50,000 keys (and again 500,000) move from three masters
 * to a fourth, empty one, on four fresh redis-server processes on 127.0.0.1 (ports 7560-7563, bus +10000,
 * password, cluster-node-timeout 5000). Three tools on the same nodes and data shape, alternating round by
 * round, median of BENCH_ROUNDS (default 3):
 *   ours        rebalanceCluster (components/cluster/reshard.ts), including its start and end checks
 *   reshard     redis-cli --cluster reshard --cluster-from <3 masters> --cluster-to <new> --cluster-slots 4096
 *               --cluster-yes (its default pipeline of 10 keys per MIGRATE)
 *   rebalance   redis-cli --cluster rebalance --cluster-use-empty-masters
 * All three pick the same 4096 slots. Reported: keys/s, the ratio to each redis-cli mode, and the p99
 * latency of GETs a separate client process (bench/reshard-probe.ts) saw during the move against the 2 s
 * before it. Key counts: BENCH_KEYS (default "50000,500000"). Tuning knobs of ours: BENCH_OURS (JSON ReshardOptions).
 * Run: npx ts-node bench/cluster-reshard.ts
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as path from "path";
import type { Redis as RedisClient } from "ioredis";
import { rebalanceCluster } from "../components/cluster/reshard";
import { parseClusterNodes } from "../components/cluster/observe";
import { planSlotRanges } from "../components/cluster/slots";
import { convergeCluster } from "../components/cluster/formation";
import { pollUntil } from "../components/shared/poll";
import { parseInfo, withRedis } from "../components/shared/redis-connection";
import { startClusterNodes } from "../tests/support/cluster-test-nodes";
import { redisCli, stopAllRedis } from "../tests/support/redis-process";
import { VALUE, benchKeys } from "./reshard-keys";
import { median } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEY_COUNTS = (process.env.BENCH_KEYS ?? "50000,500000").split(",").map(Number);
const PASSWORD = "bench-pw";
const BASE = 7560;
const NODE_TIMEOUT_MS = 5000;
const ALL_TOOLS = ["ours", "reshard", "rebalance"] as const;
type Tool = (typeof ALL_TOOLS)[number];
/** BENCH_TOOLS=ours (comma-separated) runs a subset, for tuning; ratios need all three. */
const TOOLS = ALL_TOOLS.filter((t) => (process.env.BENCH_TOOLS ?? ALL_TOOLS.join(",")).split(",").includes(t));

interface Run {
    keysPerSec: number;
    ms: number;
    p99Before: number;
    p99During: number;
    failed: number;
}

const endpoint = (port: number) => ({ host: "127.0.0.1", port });

/** Three formed masters holding `keys`, and a fourth that has joined empty; every node cluster_state:ok. */
async function freshCluster(keys: string[]): Promise<string[]> {
    const nodes = await startClusterNodes({ basePort: BASE, shards: 4, replicasPerShard: 0, password: PASSWORD, nodeTimeoutMs: NODE_TIMEOUT_MS });
    await convergeCluster({
        clusterName: "bench",
        nodes: nodes.slice(0, 3).map((n) => n.spec),
        password: PASSWORD,
        nodeTimeoutMs: NODE_TIMEOUT_MS,
        timeoutMs: 60000,
    });
    redisCli(BASE, PASSWORD, "cluster", "meet", "127.0.0.1", String(BASE + 3), String(BASE + 3 + 10000));
    const ports = nodes.map((n) => n.port);
    await pollUntil(
        async () => {
            const states = ports.map(
                (p) => [parseInfo(redisCli(p, PASSWORD, "cluster", "info")), parseClusterNodes(redisCli(p, PASSWORD, "cluster", "nodes"))] as const,
            );
            const ok = states.every(
                ([info, view]) => info.cluster_state === "ok" && view.length === 4 && view.every((e) => !e.flags.includes("handshake")),
            );
            return ok
                ? { done: true, value: undefined }
                : { done: false, observed: states.map(([info, view]) => `${info.cluster_state}/${view.length}`).join(" ") };
        },
        { timeoutMs: 30000, description: "the fourth master to join and every node to report ok" },
    );
    // Load each master directly, pipelined.
    const ranges = planSlotRanges(3);

    const keySlot: (key: string) => number = require("cluster-key-slot");
    const byOwner = new Map<number, string[]>();
    for (const k of keys) {
        const s = keySlot(k);
        const owner = ranges.findIndex((r) => s >= r.start && s <= r.end);
        if (!byOwner.has(owner)) byOwner.set(owner, []);
        byOwner.get(owner)!.push(k);
    }
    await Promise.all(
        [...byOwner].map(([owner, list]) =>
            withRedis({ ...endpoint(BASE + owner), password: PASSWORD }, async (c: RedisClient) => {
                for (let i = 0; i < list.length; i += 10000) {
                    const p = c.pipeline();
                    for (const k of list.slice(i, i + 10000)) p.set(k, VALUE);
                    await p.exec();
                }
            }),
        ),
    );
    return ports.map((p) => parseClusterNodes(redisCli(p, PASSWORD, "cluster", "nodes")).find((e) => e.flags.includes("myself"))!.id);
}

function startProbe(count: number): Promise<ChildProcess> {
    const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(__dirname, "reshard-probe.ts"), String(BASE), PASSWORD, String(count)],
        {
            stdio: ["pipe", "pipe", "inherit"],
        },
    );
    return new Promise((resolve, reject) => {
        child.stdout!.once("data", (d: Buffer) => (/ready/.test(d.toString()) ? resolve(child) : reject(new Error(`probe: ${d}`))));
        child.once("exit", (code) => reject(new Error(`probe exited (${code}) before it was ready`)));
    });
}

function probeReport(child: ChildProcess, t0: number, t1: number): Promise<{ before: number; during: number; failed: number }> {
    return new Promise((resolve) => {
        child.stdout!.on("data", (d: Buffer) => {
            const line = d.toString().trim().split("\n").pop()!;
            if (line.startsWith("{")) resolve(JSON.parse(line));
        });
        child.stdin!.write(`report ${t0} ${t1}\n`);
    });
}

function redisCliCluster(args: string[]): Promise<void> {
    return new Promise((resolve, reject) =>
        execFile(
            "redis-cli",
            ["--no-auth-warning", "-a", PASSWORD, "--cluster", ...args],
            { timeout: 600000, maxBuffer: 256 * 1024 * 1024 },
            (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout.slice(-2000)}`)) : resolve()),
        ),
    );
}

async function runTool(tool: Tool, ids: string[]): Promise<void> {
    switch (tool) {
        case "ours":
            await rebalanceCluster({
                seeds: [endpoint(BASE)],
                password: PASSWORD,
                access: (a) => endpoint(a.port),
                ...JSON.parse(process.env.BENCH_OURS ?? "{}"),
            });
            return;
        case "reshard":
            await redisCliCluster([
                "reshard",
                `127.0.0.1:${BASE}`,
                "--cluster-from",
                ids.slice(0, 3).join(","),
                "--cluster-to",
                ids[3],
                "--cluster-slots",
                "4096",
                "--cluster-yes",
            ]);
            return;
        case "rebalance":
            await redisCliCluster(["rebalance", `127.0.0.1:${BASE}`, "--cluster-use-empty-masters"]);
            return;
    }
}

async function oneRun(tool: Tool, count: number, keys: string[]): Promise<Run> {
    try {
        const ids = await freshCluster(keys);
        const probe = await startProbe(count);
        // Measurement window for the "before" latency, not a readiness wait.
        await new Promise((r) => setTimeout(r, 2200));
        const t0 = Date.now();
        await runTool(tool, ids);
        const t1 = Date.now();
        const latency = await probeReport(probe, t0, t1);
        const moved = Number(redisCli(BASE + 3, PASSWORD, "dbsize").trim());
        if (moved !== count) throw new Error(`${tool}: the new master holds ${moved} keys, expected ${count}`);
        return { keysPerSec: count / ((t1 - t0) / 1000), ms: t1 - t0, p99Before: latency.before, p99During: latency.during, failed: latency.failed };
    } finally {
        await stopAllRedis();
    }
}

async function main(): Promise<void> {
    console.log(`online resharding 3→4 masters, 4096 slots, ${ROUNDS} rounds per tool, tools alternating`);
    for (const count of KEY_COUNTS) {
        const keys = benchKeys(count);
        const runs: Record<Tool, Run[]> = { ours: [], reshard: [], rebalance: [] };
        for (let round = 0; round < ROUNDS; round++) {
            const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]);
            for (const tool of order) {
                const r = await oneRun(tool, count, keys);
                runs[tool].push(r);
                console.log(
                    `  ${count} keys, round ${round + 1}, ${tool}: ${r.ms} ms, ${r.keysPerSec.toFixed(0)} keys/s, ` +
                        `client p99 ${r.p99Before.toFixed(2)} ms before / ${r.p99During.toFixed(2)} ms during, ${r.failed} failed reads`,
                );
            }
        }
        const med = (tool: Tool, f: (r: Run) => number) => median(runs[tool].map(f));
        const ours = med("ours", (r) => r.keysPerSec);
        console.log(`${count} keys in 4096 slots:`);
        for (const tool of TOOLS) {
            console.log(
                `  ${tool.padEnd(9)} median ${med(tool, (r) => r.keysPerSec).toFixed(0)} keys/s (${med(tool, (r) => r.ms).toFixed(0)} ms), ` +
                    `client p99 ${med(tool, (r) => r.p99Before).toFixed(2)} ms before → ${med(tool, (r) => r.p99During).toFixed(2)} ms during`,
            );
        }
        if (TOOLS.length < ALL_TOOLS.length) continue;
        console.log(
            `  ratio ours / redis-cli reshard ${(ours / med("reshard", (r) => r.keysPerSec)).toFixed(2)}x, ours / redis-cli rebalance ${(ours / med("rebalance", (r) => r.keysPerSec)).toFixed(2)}x`,
        );
    }
}

main()
    .catch((err) => {
        console.error(err);
        process.exitCode = 1;
    })
    .finally(() => stopAllRedis());
