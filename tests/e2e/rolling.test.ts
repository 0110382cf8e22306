/**
 * Changing a running stack without downtime, on the real engine and Docker (issue: live config changes and
 * rolling restarts), with a client writing and reading the whole time and a sampler counting the stack's
 * healthy containers:
 *   - the dev-shaped cluster: a fresh `up` creates its containers in parallel; `maxmemory` 0 -> 256mb is six
 *     LiveConfig updates, no container touched, and survives a `docker restart`; a new `image` rolls one node
 *     at a time, replicas first, each master after CLUSTER FAILOVER to its replica; rolling back after that
 *     orders by the live roles, so each shard's current master rolls last and hands over once;
 *   - a Sentinel group: the same image roll, the master handed over with SENTINEL FAILOVER;
 *   - replication without Sentinel: replicas first, the master last, its write outage measured.
 * The roll's second image is the local image plus one label: another image id, the same Redis.
 */
import { execFileSync } from "child_process";
import Redis, { Cluster, type RedisOptions } from "ioredis";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects, stepsByOp } from "./support/stack-driver";
import { percentile, sampleContainers, traffic } from "../support/traffic";

jest.setTimeout(600000);

const ROLLED_IMAGE = `${LOCAL_IMAGE}-rolled`;
const figures: Record<string, unknown> = {};

beforeAll(() => {
    execFileSync("docker", ["build", "-q", "-t", ROLLED_IMAGE, "-"], { input: `FROM ${LOCAL_IMAGE}\nLABEL redis-ha.e2e=rolled\n`, encoding: "utf8" });
}, 120000);
afterAll(() => console.log(`rolling e2e figures: ${JSON.stringify(figures, null, 1)}`));

const AUTH_FILE = "/usr/local/etc/redis/auth";
const cli = (container: string, ...args: string[]) =>
    docker("exec", container, "sh", "-c", `redis-cli --no-auth-warning --askpass ${args.join(" ")} < ${AUTH_FILE}`);
const idsOf = (stack: string) => Object.fromEntries(labelledObjects(stack).containers.map((n) => [n, docker("inspect", "-f", "{{.Id}}", n)]));
const imageOf = (container: string) => docker("inspect", "-f", "{{.Image}}", container);
/** The cluster's masters as the stack outputs of an `up` list them (live roles, read at the end of that up). */
const mastersOf = (outputs: Record<string, any>): string[] =>
    outputs.nodes.filter((n: { role: string }) => n.role === "master").map((n: { name: string }) => n.name);
/** The roll's steps as the plan states them (the display repeats a provider's messages under "Diagnostics"). */
const rollLines = (display: string) => [...new Set(display.split("\n").flatMap((l) => /roll \d+\/\d+: .*/.exec(l) ?? []))];

async function untilPong(container: string, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = "";
    for (;;) {
        try {
            seen = cli(container, "PING");
            if (seen === "PONG") return;
        } catch (err) {
            seen = (err as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`${container} did not answer PING; last seen: ${seen}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** The roll itself: `up` with the rolled image while the client runs and the sampler counts. */
async function rollUnderTraffic(stack: string, config: Record<string, unknown>, client: Redis | Cluster, prefix: string, image = ROLLED_IMAGE) {
    const t = traffic(client, prefix);
    const sampler = sampleContainers(stack);
    const started = Date.now();
    try {
        const up = await driver.up(stack, { ...config, image });
        return { up, upMs: Date.now() - started, ...(await sampler.stop()), result: await t.finish() };
    } catch (err) {
        await sampler.stop();
        await t.finish();
        throw err;
    }
}

describe("cluster: live change, then a rolling image upgrade", () => {
    const stack = "e2e-rolling-cluster";
    const basePort = 7740;
    const config = { topology: "cluster", image: LOCAL_IMAGE, basePort };
    let outputs: Record<string, any>;
    let before: Record<string, string>;
    afterAll(() => driver.destroy(stack).catch(() => undefined));

    it("a fresh up creates the six containers in parallel, not one at a time behind the rolling gates", async () => {
        const up = await driver.up(stack, { ...config, maxmemory: "0" });
        outputs = up.outputs;
        const timeline = up.report.timeline ?? [];
        const creates = timeline.filter((e) => / create docker:index\/container:Container /.test(e));
        expect(creates.filter((e) => e.startsWith("start "))).toHaveLength(6);
        // Most creates in flight at once. Gates that ordered creation would keep it at 1. All six is the usual
        // figure, but the engine checks and diffs resources one after the other, so on a loaded machine the
        // last registrations can arrive after the first container is up: the proof is "more than one".
        let inFlight = 0;
        let most = 0;
        for (const e of creates) {
            inFlight += e.startsWith("start ") ? 1 : -1;
            most = Math.max(most, inFlight);
        }
        expect(most).toBeGreaterThan(1);
        before = idsOf(stack);
        expect(Object.keys(before)).toHaveLength(6);
    });

    it("maxmemory 0 -> 256mb: six LiveConfig updates named in the plan, no container touched, kept across a docker restart", async () => {
        const plan = await driver.preview(stack, { ...config, maxmemory: "256mb" });
        expect(stepsByOp(plan, "create", "replace", "create-replacement", "delete-replaced", "delete")).toEqual([]);
        expect(stepsByOp(plan, "update")).toEqual(Array(6).fill("update pulumi-nodejs:dynamic/redis-ha:LiveConfig"));
        expect(plan.display).toContain(`shard-0-0: maxmemory "0" -> "256mb" live (CONFIG SET, no restart)`);
        const started = Date.now();
        await driver.up(stack, { ...config, maxmemory: "256mb" });
        figures.liveMaxmemoryUpMs = Date.now() - started;
        expect(idsOf(stack)).toEqual(before);
        for (const name of Object.keys(before)) expect(cli(name, "CONFIG", "GET", "maxmemory").split("\n")[1]).toBe(String(256 * 1024 * 1024));
        const restarted = Object.keys(before)[0];
        docker("restart", restarted);
        await untilPong(restarted);
        expect(cli(restarted, "CONFIG", "GET", "maxmemory").split("\n")[1]).toBe(String(256 * 1024 * 1024));
    });

    it("a new image: the plan replaces the six containers in roll order, replicas first, masters after a handover", async () => {
        const plan = await driver.preview(stack, { ...config, maxmemory: "256mb", image: ROLLED_IMAGE });
        expect(stepsByOp(plan, "replace").filter((s) => s.includes("Container"))).toEqual(Array(6).fill("replace docker:index/container:Container"));
        expect(stepsByOp(plan, "update").filter((s) => s.includes("RollGate"))).toEqual(
            Array(6).fill("update pulumi-nodejs:dynamic/redis-ha:RollGate"),
        );
        expect(stepsByOp(plan, "delete", "create").filter((s) => s.includes("Volume"))).toEqual([]);
        expect(rollLines(plan.display)).toEqual([
            "roll 1/6: shard-0-1 (replica) restarts with its new container",
            "roll 2/6: shard-1-1 (replica) restarts with its new container",
            "roll 3/6: shard-2-1 (replica) restarts with its new container",
            "roll 4/6: shard-0-0 is a master: hands over to an in-sync replica (CLUSTER FAILOVER), then restarts",
            "roll 5/6: shard-1-0 is a master: hands over to an in-sync replica (CLUSTER FAILOVER), then restarts",
            "roll 6/6: shard-2-0 is a master: hands over to an in-sync replica (CLUSTER FAILOVER), then restarts",
        ]);
    });

    it("rolls it: never more than one container not running, every container new on the new image, no acknowledged write lost, no failed command", async () => {
        const opts = outputs.ioredisClusterOptions;
        const roll = await rollUnderTraffic(stack, { ...config, maxmemory: "256mb" }, new Cluster(opts.startupNodes, opts.options), "roll");
        const after = idsOf(stack);
        expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
        for (const name of Object.keys(after)) {
            expect(after[name]).not.toBe(before[name]);
            expect(imageOf(name)).toBe(docker("image", "inspect", "-f", "{{.Id}}", ROLLED_IMAGE));
        }
        expect(roll.samples).toBeGreaterThan(10);
        expect(roll.fewestRunning).toBeGreaterThanOrEqual(5);
        // Every master handed over: the layout replicas are the masters now, each with its 1/3 of the slots.
        expect(mastersOf(roll.up.outputs)).toEqual(["shard-0-1", "shard-1-1", "shard-2-1"]);
        figures.clusterRoll = {
            upMs: roll.upMs,
            fewestRunning: roll.fewestRunning,
            fewestHealthy: roll.fewestHealthy,
            acked: roll.result.acked,
            failed: roll.result.failures.length,
            firstFailures: roll.result.failures.slice(0, 3),
            p99Ms: percentile(roll.result.latencies, 99),
            maxMs: Math.max(...roll.result.latencies),
            longestGapMs: roll.result.longestGapMs,
        };
        expect(roll.result.lost).toEqual([]);
        expect(roll.result.acked).toBeGreaterThan(100);
        expect(roll.result.failures).toEqual([]);
    });

    it("rolls back after the first roll moved every master: live roles order it, so each shard hands over once", async () => {
        const opts = outputs.ioredisClusterOptions;
        const back = await rollUnderTraffic(
            stack,
            { ...config, maxmemory: "256mb" },
            new Cluster(opts.startupNodes, opts.options),
            "back",
            LOCAL_IMAGE,
        );
        // The plan read the roles the first roll left: the layout masters are replicas now and roll first.
        expect(back.up.display).toContain(
            "roll order (live roles): shard-0-0 (replica), shard-1-0 (replica), shard-2-0 (replica), shard-0-1 (master), shard-1-1 (master), shard-2-1 (master)",
        );
        // One handover per shard, from the current master to the replica already rolled: the layout masters
        // are masters again. (Ordered by the layout, shard-X-1 would have handed over early and got it back.)
        expect(mastersOf(back.up.outputs)).toEqual(["shard-0-0", "shard-1-0", "shard-2-0"]);
        expect(back.fewestRunning).toBeGreaterThanOrEqual(5);
        figures.clusterRollBack = {
            upMs: back.upMs,
            acked: back.result.acked,
            failed: back.result.failures.length,
            longestGapMs: back.result.longestGapMs,
        };
        expect(back.result.lost).toEqual([]);
        expect(back.result.failures).toEqual([]);
    });
});

describe("sentinel: a rolling image upgrade hands the master over with SENTINEL FAILOVER", () => {
    const stack = "e2e-rolling-sentinel";
    const basePort = 7640;
    const config = { topology: "sentinel", image: LOCAL_IMAGE, basePort, replicas: 1 };
    let outputs: Record<string, any>;
    afterAll(() => driver.destroy(stack).catch(() => undefined));

    it("rolls node-1, then node-0 after SENTINEL FAILOVER, then the sentinels; one container down at most, no acknowledged write lost", async () => {
        ({ outputs } = await driver.up(stack, config));
        const before = idsOf(stack);
        const plan = await driver.preview(stack, { ...config, image: ROLLED_IMAGE });
        expect(rollLines(plan.display)).toEqual([
            "roll 1/5: node-1 (replica) restarts with its new container",
            "roll 2/5: node-0 is the master: hands over with SENTINEL FAILOVER, then restarts",
            "roll 3/5: sentinel-0 (sentinel) restarts with its new container",
            "roll 4/5: sentinel-1 (sentinel) restarts with its new container",
            "roll 5/5: sentinel-2 (sentinel) restarts with its new container",
        ]);
        const client = new Redis({
            ...(outputs.ioredisSentinelOptions as RedisOptions),
            retryStrategy: () => 50,
            sentinelRetryStrategy: () => 50,
            // A demoted master answers READONLY: reconnect (through the sentinels) and resend.
            reconnectOnError: (err) => (/READONLY/.test(err.message) ? 2 : false),
            commandTimeout: 2000,
        });
        client.on("error", () => undefined);
        const roll = await rollUnderTraffic(stack, config, client, "roll");
        const after = idsOf(stack);
        for (const name of Object.keys(before)) expect(after[name]).not.toBe(before[name]);
        expect(roll.fewestRunning).toBeGreaterThanOrEqual(4);
        // node-0 handed over to node-1, which then was already rolled: it stays master.
        const sentinel = outputs.sentinels[0].containerName;
        const master = docker(
            "exec",
            sentinel,
            "sh",
            "-c",
            `redis-cli -p 26379 --no-auth-warning --askpass SENTINEL GET-MASTER-ADDR-BY-NAME mymaster < ${AUTH_FILE}`,
        );
        expect(master.split("\n")[0]).toBe(outputs.nodes[1].containerName);
        figures.sentinelRoll = {
            upMs: roll.upMs,
            fewestRunning: roll.fewestRunning,
            fewestHealthy: roll.fewestHealthy,
            acked: roll.result.acked,
            failed: roll.result.failures.length,
            firstFailures: roll.result.failures.slice(0, 3),
            p99Ms: percentile(roll.result.latencies, 99),
            longestGapMs: roll.result.longestGapMs,
        };
        expect(roll.result.lost).toEqual([]);
        expect(roll.result.acked).toBeGreaterThan(100);
    });
});

describe("replication: replicas first, the master last", () => {
    const stack = "e2e-rolling-replication";
    const basePort = 7660;
    const config = { topology: "replication", image: LOCAL_IMAGE, basePort, replicas: 2 };
    afterAll(() => driver.destroy(stack).catch(() => undefined));

    it("rolls node-1, node-2, then node-0 with a short write outage, measured; no acknowledged write lost", async () => {
        const { outputs } = await driver.up(stack, config);
        const plan = await driver.preview(stack, { ...config, image: ROLLED_IMAGE });
        expect(rollLines(plan.display)).toEqual([
            "roll 1/3: node-1 (replica) restarts with its new container",
            "roll 2/3: node-2 (replica) restarts with its new container",
            "roll 3/3: node-0 is the master and nothing can take over without Sentinel: writes pause until it is back",
        ]);
        const client = new Redis({ ...outputs.ioredisOptions, retryStrategy: () => 50, commandTimeout: 2000, maxRetriesPerRequest: 1 });
        client.on("error", () => undefined);
        const roll = await rollUnderTraffic(stack, config, client, "roll");
        // The engine's order: each replacement of a container completes before the next one starts.
        const timeline = roll.up.report.timeline ?? [];
        const replaced = timeline.filter((e) => e.startsWith("done create-replacement docker:index/container:Container "));
        expect(replaced.map((e) => e.split(" ").pop())).toEqual([
            "redis-ha-e2e-rolling-replication-node-1-container",
            "redis-ha-e2e-rolling-replication-node-2-container",
            "redis-ha-e2e-rolling-replication-node-0-container",
        ]);
        expect(roll.fewestRunning).toBeGreaterThanOrEqual(2);
        figures.replicationRoll = {
            upMs: roll.upMs,
            acked: roll.result.acked,
            failed: roll.result.failures.length,
            writeOutageMs: roll.result.longestGapMs,
        };
        expect(roll.result.lost).toEqual([]);
        expect(roll.result.acked).toBeGreaterThan(100);
    });
});
