/**
 * Speed of the dev stack as a user feels it, on the real Pulumi engine (`stack:local`: the Automation API
 * with the program inline): `up` of Pulumi.dev.yaml (the six-node cluster, bridge network) from nothing
 * to ready (formation done: every node ok, one slot map, replicas linked), then a no-op second `up`
 * (nothing changed: the program runs and the engine diffs every resource), then `destroy`. Each no-op is
 * broken down with stack:local's own timing line (tool start, workspace and stack selection, type check,
 * program load, the rest of the engine run) and the engine's "Duration". The floor under any no-op `up`
 * is measured the same way on bench/empty-program (no resources: tool and CLI starts, workspace, engine,
 * state). Median of BENCH_ROUNDS (default 3). Run: npm run bench -- cluster-stack-up
 * BENCH_BASE_PORT moves the stack off 6379 if something else listens there.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_IMAGE, PROJECT_DIR, median, stackLocalRun, timed } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STACK = "dev";
const extra = process.env.BENCH_BASE_PORT ? ["--set", `basePort=${process.env.BENCH_BASE_PORT}`] : [];
const TARGET_MS = 5000;

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

interface Phases {
    commandMs: number;
    openMs: number;
    prepareMs: number;
    typeCheck: string;
    loadMs: number;
}

/** stack:local's own line: the command's time, opening the workspace, preparing (type check) and loading the program. */
function phases(stderr: string): Phases {
    const m =
        /^stack:local: \w+ took (\d+) ms \((\d+) ms to open the workspace and select the stack, (\d+) ms to prepare the program \(type check ([\w ]+)\) and (\d+) ms to load it\)/m.exec(
            stderr,
        );
    if (!m) return { commandMs: NaN, openMs: NaN, prepareMs: NaN, typeCheck: "?", loadMs: NaN };
    return { commandMs: Number(m[1]), openMs: Number(m[2]), prepareMs: Number(m[3]), typeCheck: m[4], loadMs: Number(m[5]) };
}

const s = (ms: number) => (ms / 1000).toFixed(1);

/** One no-op `up`'s time split by where it went. */
interface Breakdown {
    totalMs: number;
    toolStartMs: number;
    openMs: number;
    prepareMs: number;
    loadMs: number;
    /** Engine start, providers, diffs, state write, stack outputs: the command minus the rest. */
    engineRestMs: number;
}

function breakdown(totalMs: number, p: Phases): Breakdown {
    return {
        totalMs,
        toolStartMs: totalMs - p.commandMs,
        openMs: p.openMs,
        prepareMs: p.prepareMs,
        loadMs: p.loadMs,
        engineRestMs: p.commandMs - p.openMs - p.prepareMs - p.loadMs,
    };
}

function describe(b: Breakdown): string {
    return (
        `${s(b.totalMs)} s = tool start ${s(b.toolStartMs)} + workspace/stack select ${s(b.openMs)} + type check ${s(b.prepareMs)} ` +
        `+ program load ${s(b.loadMs)} + engine (start, providers, diffs, state) and outputs ${s(b.engineRestMs)}`
    );
}

function medianBreakdown(all: Breakdown[]): Breakdown {
    const pick = (k: keyof Breakdown) => median(all.map((b) => b[k]));
    return {
        totalMs: pick("totalMs"),
        toolStartMs: pick("toolStartMs"),
        openMs: pick("openMs"),
        prepareMs: pick("prepareMs"),
        loadMs: pick("loadMs"),
        engineRestMs: pick("engineRestMs"),
    };
}

/** No-op `up`s of bench/empty-program in a state directory of its own: the floor. */
function emptyProgramFloor(): Breakdown[] {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-bench-empty-"));
    const cwd = path.join(PROJECT_DIR, "bench", "empty-program");
    const run = () => stackLocalRun(["up", "--stack", "bench", "--cwd", cwd, "--state-dir", stateDir]);
    try {
        run();
        return Array.from({ length: ROUNDS }, () => {
            const r = timed(run);
            return breakdown(r.ms, phases(r.value.stderr));
        });
    } finally {
        stackLocalRun(["destroy", "--stack", "bench", "--cwd", cwd, "--state-dir", stateDir]);
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
}

function main(): void {
    console.log(
        `# stack:local (real engine) up of the dev stack (6-node cluster, bridge), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, ` +
            `image ${LOCAL_IMAGE}, ${ROUNDS} rounds`,
    );
    const ups: number[] = [];
    const noops: Breakdown[] = [];
    const noopEngine: number[] = [];
    stackLocalRun(["destroy", "--stack", STACK]);
    for (let i = 0; i < ROUNDS; i++) {
        const up = timed(() => stackLocalRun(["up", "--stack", STACK, "--set", `image=${LOCAL_IMAGE}`, ...extra]));
        const noop = timed(() => stackLocalRun(["up", "--stack", STACK, "--set", `image=${LOCAL_IMAGE}`, ...extra]));
        stackLocalRun(["destroy", "--stack", STACK]);
        ups.push(up.ms);
        const p = phases(noop.value.stderr);
        const b = breakdown(noop.ms, p);
        noops.push(b);
        noopEngine.push(engineSeconds(noop.value.stderr) * 1000);
        console.log(
            `round ${i + 1}: up ${s(up.ms)} s (engine ${engineSeconds(up.value.stderr)} s, formation ${formationSeconds(up.value.stderr)} s, ` +
                `type check ${phases(up.value.stderr).typeCheck}); no-op up ${describe(b)} (type check ${p.typeCheck}; engine-reported ${engineSeconds(noop.value.stderr)} s)`,
        );
    }
    const floor = emptyProgramFloor();
    floor.forEach((b, i) => console.log(`empty program, no-op up ${i + 1}: ${describe(b)}`));
    const noop = medianBreakdown(noops);
    const floorMedian = medianBreakdown(floor);
    console.log(`median: up from nothing to ready ${s(median(ups))} s; no-op up ${describe(noop)} (engine-reported ${s(median(noopEngine))} s)`);
    console.log(`median floor (empty program, no-op up): ${describe(floorMedian)}`);
    console.log(
        `no-op up ${s(noop.totalMs)} s vs target <= ${s(TARGET_MS)} s: ${noop.totalMs <= TARGET_MS ? "met" : "NOT met"}; ` +
            `the dev program adds ${s(noop.totalMs - floorMedian.totalMs)} s over the empty one (${(noop.totalMs / floorMedian.totalMs).toFixed(2)}x)`,
    );
}

main();
