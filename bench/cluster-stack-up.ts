/**
 * Wall time of `stack:local up` of the dev stack (Pulumi.dev.yaml: the six-node cluster, bridge network)
 * from nothing to ready (formation done: every node ok, one slot map, replicas linked), then a no-op
 * second `up` (the harness's fixed cost: ts-node type-checks the program and the harness), then `destroy`.
 * Also prints the durations the harness reports for the containers and the formation resource.
 * Median of BENCH_ROUNDS (default 3). Run: npx ts-node --project tsconfig.json bench/cluster-stack-up.ts
 * BENCH_BASE_PORT moves the stack off 6379 if something else listens there.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import { LOCAL_IMAGE, PROJECT_DIR, median } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STACK = "dev";
const extra = process.env.BENCH_BASE_PORT ? ["--set", `basePort=${process.env.BENCH_BASE_PORT}`] : [];

function run(args: string[]): { ms: number; stderr: string } {
    const start = process.hrtime.bigint();
    const r = spawnSync("npx", ["ts-node", "--project", "tsconfig.json", "tests/harness/cli.ts", ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`stack:local ${args.join(" ")} failed:\n${r.stderr}`);
    return { ms, stderr: r.stderr };
}

/** The harness prints `+ create <type> "<name>" (N ms)` per resource. */
function durations(stderr: string, typeSuffix: string): number[] {
    return [...stderr.matchAll(/^\+ create (\S+) "[^"]*" \((\d+) ms\)$/gm)].filter((m) => m[1].endsWith(typeSuffix)).map((m) => Number(m[2]));
}

const s = (ms: number) => (ms / 1000).toFixed(1);

function main(): void {
    console.log(`# stack:local up of the dev stack (6-node cluster, bridge), ${os.cpus().length} cores, image ${LOCAL_IMAGE}, ${ROUNDS} rounds`);
    const ups: number[] = [];
    const noops: number[] = [];
    const formations: number[] = [];
    const slowestContainers: number[] = [];
    run(["destroy", "--stack", STACK]);
    for (let i = 0; i < ROUNDS; i++) {
        const up = run(["up", "--stack", STACK, "--set", `image=${LOCAL_IMAGE}`, ...extra]);
        const noop = run(["up", "--stack", STACK, "--set", `image=${LOCAL_IMAGE}`, ...extra]);
        run(["destroy", "--stack", STACK]);
        const formation = durations(up.stderr, ":ClusterFormation")[0] ?? NaN;
        const slowest = Math.max(...durations(up.stderr, ":Container"));
        ups.push(up.ms);
        noops.push(noop.ms);
        formations.push(formation);
        slowestContainers.push(slowest);
        console.log(
            `round ${i + 1}: up ${s(up.ms)} s (slowest container to healthy ${s(slowest)} s, formation ${s(formation)} s); no-op up ${s(noop.ms)} s`,
        );
    }
    console.log(
        `median: up from nothing to ready ${s(median(ups))} s; no-op up ${s(median(noops))} s; ` +
            `slowest container ${s(median(slowestContainers))} s; formation resource ${s(median(formations))} s`,
    );
}

main();
