/**
 * Cluster formation time, six fresh redis-server processes (3 shards × 1 replica) on 127.0.0.1 to fully
 * ready — every node cluster_state:ok, one agreed slot map, every replica master_link_status:up — with the
 * formation provider versus `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes` followed by
 * the same readiness wait (the same polling check the provider uses). Same redis config, same run, the two
 * tools alternate round by round; median of BENCH_ROUNDS (default 3) each.
 *
 * Two starting points, both on never-formed nodes:
 *   "just started"  formation begins as soon as the six nodes answer PING (what a deploy does). A master
 *                   refuses to report cluster_state:ok until 2 s after it started (CLUSTER_WRITABLE_DELAY in
 *                   Redis), which floors both tools.
 *   "warm"          the nodes have been up ≥ 2.5 s, so the time is the tool's own formation work.
 * Ports 7380-7385 (bus 17380-17385). Run: npx ts-node bench/cluster-formation.ts
 */
import { execFile } from "child_process";
import { ClusterSpec } from "../components/cluster/spec";
import { parseClusterNodes } from "../components/cluster/observe";
import { readinessProblems } from "../components/cluster/readiness";
import { convergeCluster } from "../components/cluster/formation";
import { observeCluster } from "../components/cluster/formation-io";
import { pollUntil } from "../components/shared/poll";
import { ClusterTestNode, startClusterNodes } from "../tests/support/cluster-test-nodes";
import { redisCli, stopAllRedis } from "../tests/support/redis-process";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NODE_TIMEOUT_MS = Number(process.env.BENCH_NODE_TIMEOUT_MS ?? 5000);
const PASSWORD = "bench-pw";
const BASE_PORT = 7380;
const TIMEOUT_MS = 60000;

type Tool = "provider" | "redis-cli";

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function freshNodes(warmMs: number): Promise<ClusterTestNode[]> {
    const nodes = await startClusterNodes({
        basePort: BASE_PORT,
        shards: 3,
        replicasPerShard: 1,
        password: PASSWORD,
        nodeTimeoutMs: NODE_TIMEOUT_MS,
    });
    // Not a readiness wait: the "warm" scenario deliberately lets Redis's post-start writable delay pass.
    if (warmMs > 0) await new Promise((r) => setTimeout(r, warmMs));
    return nodes;
}

/** The shard layout redis-cli chose, read back so the same readiness check can judge it. */
function specFromLiveCluster(nodes: ClusterTestNode[]): ClusterSpec {
    const view = parseClusterNodes(redisCli(nodes[0].port, PASSWORD, "cluster", "nodes"));
    const masters = view.filter((e) => e.flags.includes("master") && e.slots.length > 0).sort((a, b) => a.slots[0].start - b.slots[0].start);
    return {
        nodes: nodes.map((n) => {
            const e = view.find((x) => x.port === n.port)!;
            const shard = masters.findIndex((m) => m.id === (e.masterId || e.id));
            return { ...n.spec, shard, role: e.masterId ? ("replica" as const) : ("master" as const) };
        }),
    };
}

async function waitReady(spec: ClusterSpec): Promise<void> {
    await pollUntil(
        async () => {
            const problems = readinessProblems(spec, await observeCluster(spec.nodes, { password: PASSWORD }));
            return problems.length === 0 ? { done: true, value: undefined } : { done: false, observed: problems.join("; ") };
        },
        { timeoutMs: TIMEOUT_MS, intervalMs: 25, description: "the cluster to be ready" },
    );
}

async function formWith(tool: Tool, nodes: ClusterTestNode[]): Promise<number> {
    const start = process.hrtime.bigint();
    if (tool === "provider") {
        await convergeCluster({
            clusterName: "bench",
            nodes: nodes.map((n) => n.spec),
            password: PASSWORD,
            nodeTimeoutMs: NODE_TIMEOUT_MS,
            timeoutMs: TIMEOUT_MS,
        });
    } else {
        const args = [
            "--no-auth-warning",
            "-a",
            PASSWORD,
            "--cluster",
            "create",
            ...nodes.map((n) => `127.0.0.1:${n.port}`),
            "--cluster-replicas",
            "1",
            "--cluster-yes",
        ];
        await new Promise<void>((resolve, reject) =>
            execFile("redis-cli", args, { timeout: TIMEOUT_MS }, (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve())),
        );
        await waitReady(specFromLiveCluster(nodes));
    }
    return Number(process.hrtime.bigint() - start) / 1e6;
}

async function scenario(label: string, warmMs: number): Promise<{ provider: number; cli: number }> {
    const times: Record<Tool, number[]> = { provider: [], "redis-cli": [] };
    for (let round = 0; round < ROUNDS; round++) {
        const order: Tool[] = round % 2 === 0 ? ["provider", "redis-cli"] : ["redis-cli", "provider"];
        for (const tool of order) {
            const nodes = await freshNodes(warmMs);
            try {
                times[tool].push(await formWith(tool, nodes));
            } finally {
                await stopAllRedis();
            }
        }
        console.log(
            `  ${label} round ${round + 1}: provider ${times.provider[round].toFixed(0)} ms, redis-cli ${times["redis-cli"][round].toFixed(0)} ms`,
        );
    }
    return { provider: median(times.provider), cli: median(times["redis-cli"]) };
}

async function main(): Promise<void> {
    console.log(`cluster formation, 3 shards x 1 replica, cluster-node-timeout ${NODE_TIMEOUT_MS} ms, ${ROUNDS} rounds per tool and scenario`);
    const results: Array<[string, { provider: number; cli: number }]> = [];
    results.push(["just started", await scenario("just started", 0)]);
    results.push(["warm (nodes up 2.5 s)", await scenario("warm", 2500)]);
    for (const [label, r] of results) {
        console.log(
            `${label}: provider median ${r.provider.toFixed(0)} ms, redis-cli --cluster create + same wait median ${r.cli.toFixed(0)} ms, ` +
                `ratio ${(r.cli / r.provider).toFixed(2)}x`,
        );
    }
}

main()
    .catch((err) => {
        console.error(err);
        process.exitCode = 1;
    })
    .finally(() => stopAllRedis());
