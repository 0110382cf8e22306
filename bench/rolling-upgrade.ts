/**
 * Changing the running dev cluster (six nodes, bridge network) under load, on the real engine:
 *   - a live `maxmemory` change: the time of its `up` (CONFIG SET on six nodes, no container touched);
 *   - a rolling image upgrade (a second tag of the local image with another id): the time of its `up`, the
 *     client's failed commands, its p99 and maximum latency during the roll against the same client before it;
 *   - against what `up` did before rolling restarts existed, measured on the same cluster in the same run:
 *     every container restarted at once (`docker restart` of all six together), which is what replacing all
 *     containers in parallel does to clients.
 * One client (ioredis Cluster with the stack's natMap) writes and reads back `<prefix>:<i>` in a loop.
 * Run: npm run bench -- rolling-upgrade   (BENCH_BASE_PORT moves the stack; default 7760)
 */
import { execFile, execFileSync } from "child_process";
import { Cluster } from "ioredis";
import { LOCAL_IMAGE, stackLocalAsync, stackLocalRun } from "./support";
import { percentile, sampleContainers, traffic } from "../tests/support/traffic";

const STACK = "bench-rolling";
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 7760);
const ROLLED_IMAGE = `${LOCAL_IMAGE}-rolled`;
const BEFORE_MS = 10000;

const set = (image: string, maxmemory: string) => [
    "--show-secrets",
    "--set",
    "topology=cluster",
    "--set",
    `image=${image}`,
    "--set",
    `basePort=${BASE_PORT}`,
    "--set",
    `maxmemory=${maxmemory}`,
];
const s = (ms: number) => (ms / 1000).toFixed(1);

interface ClusterOptions {
    startupNodes: Array<{ host: string; port: number }>;
    options: Record<string, unknown>;
}

/** Runs `during` while a client writes and reads; returns what the client saw and how long `during` took. */
async function underLoad(opts: ClusterOptions, prefix: string, during: () => Promise<unknown>) {
    const t = traffic(new Cluster(opts.startupNodes, opts.options), prefix);
    const sampler = sampleContainers(STACK);
    const started = Date.now();
    await during();
    const ms = Date.now() - started;
    const { fewestRunning, fewestHealthy } = await sampler.stop();
    const r = await t.finish();
    return { ms, fewestRunning, fewestHealthy, ...r, p99: percentile(r.latencies, 99), max: Math.max(0, ...r.latencies) };
}

const report = (label: string, r: Awaited<ReturnType<typeof underLoad>>) =>
    console.log(
        `${label}: ${s(r.ms)} s; fewest running containers ${r.fewestRunning}/6 (fewest Docker reported healthy ${r.fewestHealthy}); ${r.acked} writes acknowledged, ${r.failures.length} failed commands, ` +
            `${r.lost.length} acknowledged writes lost; latency p99 ${r.p99} ms, max ${r.max} ms; longest gap between writes ${r.longestGapMs} ms`,
    );

async function main(): Promise<void> {
    execFileSync("docker", ["build", "-q", "-t", ROLLED_IMAGE, "-"], { input: `FROM ${LOCAL_IMAGE}\nLABEL redis-ha.e2e=rolled\n` });
    console.log(`# rolling changes of the dev cluster (6 nodes, bridge) under load; image ${LOCAL_IMAGE} -> ${ROLLED_IMAGE}`);
    stackLocalRun(["destroy", "--stack", STACK]);
    try {
        const opts = JSON.parse(stackLocalRun(["up", "--stack", STACK, ...set(LOCAL_IMAGE, "0")]).stdout).ioredisClusterOptions as ClusterOptions;

        const before = await underLoad(opts, "before", () => new Promise((r) => setTimeout(r, BEFORE_MS)));
        report("before (nothing changing, 10 s)", before);

        const live = await underLoad(opts, "live", () => stackLocalAsync(["up", "--stack", STACK, ...set(LOCAL_IMAGE, "256mb")]));
        report("live maxmemory 0 -> 256mb (up)", live);

        const roll = await underLoad(opts, "roll", () => stackLocalAsync(["up", "--stack", STACK, ...set(ROLLED_IMAGE, "256mb")]));
        report("rolling image upgrade (up)", roll);

        const names = execFileSync("docker", ["ps", "--filter", `label=redis-ha.stack=${STACK}`, "--format", "{{.Names}}"], { encoding: "utf8" })
            .split("\n")
            .filter(Boolean);
        const allAtOnce = await underLoad(opts, "all", async () => {
            await new Promise((resolve, reject) => execFile("docker", ["restart", ...names], (err) => (err ? reject(err) : resolve(undefined))));
            // The client's own view decides when it is over: wait (bounded) until writes are acknowledged again.
            const probe = new Cluster(opts.startupNodes, opts.options);
            const deadline = Date.now() + 120000;
            try {
                for (;;) {
                    const ok = await probe.set("all:probe", "1").then(
                        () => true,
                        () => false,
                    );
                    if (ok || Date.now() > deadline) break;
                    await new Promise((r) => setTimeout(r, 50));
                }
            } finally {
                probe.disconnect();
            }
        });
        report("baseline: all six containers restarted at once", allAtOnce);

        const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? "1.0" : "inf") : (a / b).toFixed(1));
        console.log(
            `rolling vs before: p99 ${roll.p99} vs ${before.p99} ms (${ratio(roll.p99, before.p99)}x), max ${roll.max} vs ${before.max} ms (${ratio(roll.max, before.max)}x)`,
        );
        console.log(
            `rolling vs all at once: failed commands ${roll.failures.length} vs ${allAtOnce.failures.length}; ` +
                `longest gap between writes ${roll.longestGapMs} vs ${allAtOnce.longestGapMs} ms (${ratio(allAtOnce.longestGapMs, roll.longestGapMs)}x shorter rolling)`,
        );
    } finally {
        stackLocalRun(["destroy", "--stack", STACK]);
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
