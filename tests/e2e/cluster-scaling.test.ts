/**
 * Scaling the cluster through the stack (docs/walkthrough.md, "Scaling"), in the walkthrough's order, on the
 * real engine and Docker: the dev cluster holding keys; `cluster.shards=4` previewed (the engine's plan: two
 * containers and two volumes to create, the formation updated, nothing replaced, and the formation's own text
 * naming the joining nodes and slot moves), then applied (the new master on basePort+3 with its replica on
 * basePort+103, each master owning 4096 slots, every key readable through the natMap client, existing
 * containers untouched); then back to 3 (slots move back, the leaving nodes are forgotten and only then
 * deleted: six containers, every node lists exactly the six, keys intact, the removed volumes gone).
 * A client writes and reads through both changes; none of its commands may fail.
 */
import Redis, { Cluster } from "ioredis";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects, stepsByOp } from "./support/stack-driver";
import { traffic } from "../support/traffic";

/** The shared writer/reader (tests/support/traffic.ts) through a Cluster client built from the stack's options. */
const trafficThrough = (opts: ClusterOptions) => traffic(new Cluster(opts.startupNodes, opts.options));

jest.setTimeout(300000);

interface NodeOut {
    name: string;
    containerName: string;
    role: string;
    host: string;
    port: number;
    shard: number;
    slots: string[];
}
interface ClusterOptions {
    startupNodes: Array<{ host: string; port: number }>;
    options: { natMap?: Record<string, { host: string; port: number }>; redisOptions: { password: string } };
}

const KEYS = 20000;

const slotCount = (ranges: string[]) =>
    ranges.reduce((sum, r) => {
        const [a, b = a] = r.split("-").map(Number);
        return sum + b - a + 1;
    }, 0);

/**
 * The natMap a bridge-mode client needs once shard 3 has joined: the output's entries plus shard 3's, which
 * follow the layout's naming and port scheme. A client keeps the natMap it was built with, so one that
 * must follow the cluster through a scale-out is built with the nodes it is going to meet.
 */
function withShard3(opts: ClusterOptions, basePort: number): ClusterOptions {
    if (!opts.options.natMap) return opts;
    const some = Object.keys(opts.options.natMap).find((k) => /-shard-0-0:6379$/.test(k))!;
    const prefix = some.replace(/shard-0-0:6379$/, "");
    const natMap = { ...opts.options.natMap };
    for (const m of [0, 1]) natMap[`${prefix}shard-3-${m}:6379`] = { host: "127.0.0.1", port: basePort + 100 * m + 3 };
    return { ...opts, options: { ...opts.options, natMap } };
}

async function allKeysReadable(opts: ClusterOptions): Promise<string[]> {
    const client = new Cluster(opts.startupNodes, opts.options);
    try {
        const wrong: string[] = [];
        for (let i = 0; i < KEYS; i += 1000) {
            const values = await Promise.all(Array.from({ length: 1000 }, (_, k) => client.get(`key:${i + k}`)));
            values.forEach((v, k) => v !== `value:${i + k}` && wrong.push(`key:${i + k}`));
        }
        return wrong;
    } finally {
        client.disconnect();
    }
}

async function clusterNodesOf(node: NodeOut, password: string): Promise<string> {
    const c = new Redis({ host: node.host, port: node.port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
        await c.connect();
        return (await c.call("CLUSTER", "NODES")) as string;
    } finally {
        c.disconnect();
    }
}

const containerIds = (names: string[]) => Object.fromEntries(names.map((n) => [n, docker("inspect", "-f", "{{.Id}}", n)]));

describe.each([
    ["bridge", "e2e-scale-bridge", 7900],
    ["host", "e2e-scale-host", 7920],
] as const)("cluster scaling, %s network", (mode, stack, basePort) => {
    const config = (shards: number) => ({ topology: "cluster", image: LOCAL_IMAGE, basePort, network: { mode }, cluster: { shards } });
    let outputs: Record<string, any>;
    let opts: ClusterOptions;
    let password: string;
    let sixIds: Record<string, string>;
    afterAll(() => driver.destroy(stack).catch(() => undefined));

    it("the dev cluster, holding keys", async () => {
        ({ outputs } = await driver.up(stack, config(3)));
        opts = outputs.ioredisClusterOptions;
        password = opts.options.redisOptions.password;
        const client = new Cluster(opts.startupNodes, opts.options);
        try {
            for (let i = 0; i < KEYS; i += 1000)
                await Promise.all(Array.from({ length: 1000 }, (_, k) => client.set(`key:${i + k}`, `value:${i + k}`)));
        } finally {
            client.disconnect();
        }
        sixIds = containerIds(outputs.nodes.map((n: NodeOut) => n.containerName));
    });

    it("preview of cluster.shards=4: two containers and volumes to create, the formation updated, nothing replaced, the moves named", async () => {
        const plan = await driver.preview(stack, config(4));
        expect(stepsByOp(plan, "create")).toEqual([
            "create docker:index/container:Container",
            "create docker:index/container:Container",
            "create docker:index/volume:Volume",
            "create docker:index/volume:Volume",
            "create pulumi-nodejs:dynamic/redis-ha:LiveConfig",
            "create pulumi-nodejs:dynamic/redis-ha:LiveConfig",
            "create pulumi-nodejs:dynamic/redis-ha:RollGate",
            "create pulumi-nodejs:dynamic/redis-ha:RollGate",
            "create redis-ha:index:RedisNode",
            "create redis-ha:index:RedisNode",
        ]);
        expect(stepsByOp(plan, "replace", "create-replacement", "delete-replaced", "delete")).toEqual([]);
        expect(stepsByOp(plan, "update")).toEqual(["update pulumi-nodejs:dynamic/redis-ha:ClusterFormation"]);
        expect(plan.display).toContain(`joining: shard-3-0, shard-3-1; shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2`);
    });

    it("cluster.shards=4: eight nodes, the new master on basePort+3 and its replica on basePort+103, 4096 slots each, no key lost", async () => {
        const t = trafficThrough(withShard3(opts, basePort));
        const up = await driver.up(stack, config(4));
        const result = await t.finish();
        outputs = up.outputs;
        opts = outputs.ioredisClusterOptions;
        expect(outputs.nodes.filter((n: NodeOut) => n.shard === 3).map((n: NodeOut) => [n.name, n.role, n.port])).toEqual([
            ["shard-3-0", "master", basePort + 3],
            ["shard-3-1", "replica", basePort + 103],
        ]);
        expect(outputs.nodes.filter((n: NodeOut) => n.role === "master").map((n: NodeOut) => slotCount(n.slots))).toEqual([4096, 4096, 4096, 4096]);
        expect(outputs.lastRebalance).toBe("shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2");
        expect(labelledObjects(stack).containers).toHaveLength(8);
        // The six existing containers were not touched.
        expect(containerIds(Object.keys(sixIds))).toEqual(sixIds);
        expect(await allKeysReadable(opts)).toEqual([]);
        expect(result.failures).toEqual([]);
        expect(result.lost).toEqual([]);
        expect(result.acked).toBeGreaterThan(0);
    });

    it("back to 3 shards: slots move back, the leaving nodes are forgotten and deleted, their volumes gone, no key lost", async () => {
        const plan = await driver.preview(stack, config(3));
        expect(stepsByOp(plan, "delete")).toEqual([
            "delete docker:index/container:Container",
            "delete docker:index/container:Container",
            "delete docker:index/volume:Volume",
            "delete docker:index/volume:Volume",
            "delete pulumi-nodejs:dynamic/redis-ha:LiveConfig",
            "delete pulumi-nodejs:dynamic/redis-ha:LiveConfig",
            "delete pulumi-nodejs:dynamic/redis-ha:RollGate",
            "delete pulumi-nodejs:dynamic/redis-ha:RollGate",
            "delete redis-ha:index:RedisNode",
            "delete redis-ha:index:RedisNode",
        ]);
        expect(plan.display).toMatch(/leaving \(forgotten, then deleted\): shard-3-0, shard-3-1; shard-0 takes 1366 slots from shard-3/);
        const t = trafficThrough(withShard3(opts, basePort));
        const up = await driver.up(stack, config(3));
        const result = await t.finish();
        outputs = up.outputs;
        // The engine's own order: the formation's update (slots moved away, nodes forgotten) completes before any delete starts.
        const timeline = up.report.timeline ?? [];
        const formationUpdate = timeline.findIndex((st) => st.startsWith("done update pulumi-nodejs:dynamic/redis-ha:ClusterFormation "));
        const firstDelete = timeline.findIndex((st) => st.startsWith("start delete docker:"));
        expect(formationUpdate).toBeGreaterThanOrEqual(0);
        expect(firstDelete).toBeGreaterThan(formationUpdate);
        opts = outputs.ioredisClusterOptions;
        const objects = labelledObjects(stack);
        expect(objects.containers.sort()).toEqual(Object.keys(sixIds).sort());
        expect(objects.volumes.filter((v) => /shard-3-/.test(v))).toEqual([]);
        expect(
            outputs.nodes
                .filter((n: NodeOut) => n.role === "master")
                .map((n: NodeOut) => slotCount(n.slots))
                .sort(),
        ).toEqual([5461, 5461, 5462]);
        for (const node of outputs.nodes as NodeOut[]) {
            const lines = (await clusterNodesOf(node, password)).trim().split("\n");
            expect(lines).toHaveLength(6);
            expect(lines.filter((l) => /fail|noaddr|handshake/.test(l))).toEqual([]);
        }
        expect(containerIds(Object.keys(sixIds))).toEqual(sixIds);
        expect(await allKeysReadable(opts)).toEqual([]);
        expect(result.failures).toEqual([]);
        expect(result.lost).toEqual([]);
    });
});
