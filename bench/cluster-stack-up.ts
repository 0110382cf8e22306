/**
 * Speed of the dev stack as a user feels it, on the real Pulumi engine (`stack:local`: the Automation API
 * with the program inline): `up` of Pulumi.dev.yaml (the six-node cluster, bridge network) from nothing
 * to ready (formation done: every node ok, one slot map, replicas linked), then a no-op second `up`
 * (nothing changed: the program runs and the engine diffs every resource), then `destroy`. Also prints
 * the time the engine itself reports ("Duration") and the formation resource's create time from its
 * display. Median of BENCH_ROUNDS (default 3). Run: npm run bench -- cluster-stack-up
 * BENCH_BASE_PORT moves the stack off 6379 if something else listens there.
 */
import * as os from "os";
import { LOCAL_IMAGE, median, stackLocalRun, timed } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STACK = "dev";
const extra = process.env.BENCH_BASE_PORT ? ["--set", `basePort=${process.env.BENCH_BASE_PORT}`] : [];

/** The engine's display ends with "Duration: 12s" (or "1m2s"). */
function engineSeconds(stderr: string): number {
    const m = /^Duration: (?:(\d+)m)?(\d+)s$/m.exec(stderr);
    return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : NaN;
}

/** The display line `+  pulumi-nodejs:dynamic/redis-ha:ClusterFormation <name> created (3s)`. */
function formationSeconds(stderr: string): number {
    const m = /:ClusterFormation \S+ created \((\d+)s\)/.exec(stderr);
    return m ? Number(m[1]) : NaN;
}

/** stack:local's own line: the command's time and how much of it went to opening the workspace. */
function phases(stderr: string): { commandMs: number; openMs: number } {
    const m = /^stack:local: \w+ took (\d+) ms \((\d+) ms to open/m.exec(stderr);
    return m ? { commandMs: Number(m[1]), openMs: Number(m[2]) } : { commandMs: NaN, openMs: NaN };
}

const s = (ms: number) => (ms / 1000).toFixed(1);

function main(): void {
    console.log(
        `# stack:local (real engine) up of the dev stack (6-node cluster, bridge), ${os.cpus().length} cores, image ${LOCAL_IMAGE}, ${ROUNDS} rounds`,
    );
    const ups: number[] = [];
    const noops: number[] = [];
    const noopEngine: number[] = [];
    stackLocalRun(["destroy", "--stack", STACK]);
    for (let i = 0; i < ROUNDS; i++) {
        const up = timed(() => stackLocalRun(["up", "--stack", STACK, "--set", `image=${LOCAL_IMAGE}`, ...extra]));
        const noop = timed(() => stackLocalRun(["up", "--stack", STACK, "--set", `image=${LOCAL_IMAGE}`, ...extra]));
        stackLocalRun(["destroy", "--stack", STACK]);
        ups.push(up.ms);
        noops.push(noop.ms);
        noopEngine.push(engineSeconds(noop.value.stderr) * 1000);
        const p = phases(noop.value.stderr);
        console.log(
            `round ${i + 1}: up ${s(up.ms)} s (engine ${engineSeconds(up.value.stderr)} s, formation ${formationSeconds(up.value.stderr)} s); ` +
                `no-op up ${s(noop.ms)} s = node and tool start ${s(noop.ms - p.commandMs)} s + workspace/stack select ${s(p.openMs)} s ` +
                `+ pulumi up, stack output and history ${s(p.commandMs - p.openMs)} s (engine-reported ${engineSeconds(noop.value.stderr)} s)`,
        );
    }
    console.log(
        `median: up from nothing to ready ${s(median(ups))} s; no-op up ${s(median(noops))} s (engine-reported ${s(median(noopEngine))} s; target <= 5 s)`,
    );
}

main();
