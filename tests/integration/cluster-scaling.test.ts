/**
 * Scaling through the formation provider itself (docs/walkthrough.md, "Scaling"), on real cluster-enabled
 * redis-server processes named and ported like the stack's nodes (`shard-<s>-<m>` on 7400 + 100·m + s):
 * the dev cluster's 3 shards × 1 replica grow to 4 (add-node + reshard) and shrink back to 3 (reshard +
 * del-node), while an ioredis Cluster client writes and reads the whole time. The engine's part (create the
 * new containers first, delete the leaving ones after the update) is played by starting and stopping
 * processes around the provider calls, in the same order. Then the replicas: 1 → 2 (each new replica
 * REPLICATEs its shard's master, no slot moves), a failover, 2 → 1 (the promoted replica stays its shard's
 * master) and 1 → 0 (the live master is leaving: it hands mastership back to the staying member first).
 */
import type { Cluster as ClusterClient } from "ioredis";
import { ClusterFormationInputs, ClusterFormationOutputs, clusterFormationProvider } from "../../components/cluster/formation";
import { parseClusterNodes } from "../../components/cluster/observe";
import type { ClusterNodeSpec } from "../../components/cluster/spec";
import { pollUntil } from "../../components/shared/poll";
import { withRedis } from "../../components/shared/redis-connection";
import { clusterNodeConf } from "../support/cluster-test-nodes";
import { RedisProcess, redisCli, startRedis, stopAllRedis } from "../support/redis-process";

jest.setTimeout(120000);

const PASSWORD = "scaling-pw";
const BASE = 7400;
const NODE_TIMEOUT_MS = 1000;
const KEYS = 20000;

const procs = new Map<string, RedisProcess>();
const specOf = (shard: number, member: number): ClusterNodeSpec => {
    const port = BASE + 100 * member + shard;
    return {
        name: `shard-${shard}-${member}`,
        shard,
        role: member === 0 ? "master" : "replica",
        access: { host: "127.0.0.1", port },
        meet: { host: "127.0.0.1", port, busPort: port + 10000 },
        revision: `rev-${shard}-${member}`,
    };
};
const specs = (shards: number, replicas = 1) =>
    Array.from({ length: replicas + 1 }, (_, m) => m).flatMap((m) => Array.from({ length: shards }, (_, s) => specOf(s, m)));
const inputs = (shards: number, replicas = 1): ClusterFormationInputs => ({
    clusterName: "scaling",
    nodes: specs(shards, replicas),
    password: PASSWORD,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
    timeoutMs: 60000,
});

async function start(spec: ClusterNodeSpec): Promise<void> {
    const opts = { basePort: BASE, shards: 4, replicasPerShard: 2, password: PASSWORD, nodeTimeoutMs: NODE_TIMEOUT_MS };
    procs.set(
        spec.name,
        await startRedis({ port: spec.access.port, password: PASSWORD, config: clusterNodeConf(spec.name, spec.access.port, opts) }),
    );
}

const masterSlotCounts = async (shards: number, replicas = 1) =>
    Promise.all(
        specs(shards, replicas).map((n) =>
            withRedis({ ...n.access, password: PASSWORD }, async (c) => {
                const self = parseClusterNodes((await c.call("CLUSTER", "NODES")) as string).find((e) => e.flags.includes("myself"))!;
                return self.flags.includes("master") ? self.slots.reduce((sum, r) => sum + r.end - r.start + 1, 0) : -1;
            }),
        ),
    );

/** A client that keeps writing `live:<i>` and reading it back; counts failures, remembers acknowledged writes. */
function startTraffic(client: ClusterClient) {
    const acked: number[] = [];
    const failures: string[] = [];
    let stop = false;
    const done = (async () => {
        for (let i = 0; !stop; i++) {
            try {
                await client.set(`live:${i}`, String(i));
                acked.push(i);
                if ((await client.get(`live:${i}`)) !== String(i)) failures.push(`live:${i} read back wrong`);
            } catch (err) {
                failures.push((err as Error).message);
            }
        }
    })();
    return {
        acked,
        failures,
        stop: async () => {
            stop = true;
            await done;
        },
    };
}

let client: ClusterClient;
let outs: ClusterFormationOutputs;

beforeAll(async () => {
    await Promise.all(specs(3).map(start));
    outs = (await clusterFormationProvider.create(inputs(3))).outs as ClusterFormationOutputs;
    const Redis = require("ioredis");
    client = new Redis.Cluster([specOf(0, 0).access], { redisOptions: { password: PASSWORD }, maxRedirections: 64 });
    // ioredis sends these concurrently, pipelined per node (a cluster pipeline would need one slot).
    for (let i = 0; i < KEYS; i += 2000) await Promise.all(Array.from({ length: 2000 }, (_, k) => client.set(`key:${i + k}`, `value:${i + k}`)));
});

afterAll(async () => {
    client?.disconnect();
    await stopAllRedis();
});

it("a preview of 3 → 4 shards names the joining nodes and the slots each old master gives", async () => {
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    try {
        const diff = await clusterFormationProvider.diff!("cluster-scaling", outs, inputs(4));
        expect(diff).toMatchObject({ changes: true, replaces: [] });
        expect(log).toHaveBeenCalledWith(
            "Redis Cluster scaling: joining: shard-3-0, shard-3-1; shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2",
        );
    } finally {
        log.mockRestore();
    }
});

it("3 → 4 shards: the new shard joins, every master ends with 4096 slots, no key lost, no client command failed", async () => {
    await Promise.all([specOf(3, 0), specOf(3, 1)].map(start));
    const traffic = startTraffic(client);
    try {
        const updated = await clusterFormationProvider.update!("cluster-scaling", outs, inputs(4));
        outs = updated.outs as ClusterFormationOutputs;
    } finally {
        await traffic.stop();
    }
    expect(outs.lastRebalance).toBe("shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2");
    expect(outs.nodeStatus.find((n) => n.name === "shard-3-1")).toMatchObject({ role: "replica", master: "shard-3-0" });
    expect((await masterSlotCounts(4)).filter((n) => n >= 0)).toEqual([4096, 4096, 4096, 4096]);
    expect(traffic.failures).toEqual([]);
    expect(traffic.acked.length).toBeGreaterThan(0);
    const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => client.get(`key:${i}`)));
    expect(values.filter((v, i) => v !== `value:${i}`)).toEqual([]);
    const live = await Promise.all(traffic.acked.map((i) => client.get(`live:${i}`)));
    expect(live.filter((v, k) => v !== String(traffic.acked[k]))).toEqual([]);
    expect(redisCli(BASE, PASSWORD, "--cluster", "check", `127.0.0.1:${BASE}`)).toMatch(/All 16384 slots covered/);
});

it("4 → 3 shards: the leaving shard's slots move back, its nodes are forgotten before they stop, no key lost", async () => {
    const traffic = startTraffic(client);
    try {
        const updated = await clusterFormationProvider.update!("cluster-scaling", outs, inputs(3));
        outs = updated.outs as ClusterFormationOutputs;
    } finally {
        await traffic.stop();
    }
    // What the engine does next: delete the leaving containers.
    for (const name of ["shard-3-0", "shard-3-1"]) procs.get(name)!.process.kill("SIGKILL");
    expect(outs.lastRebalance).toMatch(
        /^shard-0 takes 1366 slots from shard-3; shard-1 takes 1365 slots from shard-3; shard-2 takes 1365 slots from shard-3$/,
    );
    expect((await masterSlotCounts(3)).filter((n) => n >= 0).sort()).toEqual([5461, 5461, 5462]);
    for (const n of specs(3)) {
        const listed = await withRedis({ ...n.access, password: PASSWORD }, async (c) =>
            parseClusterNodes((await c.call("CLUSTER", "NODES")) as string),
        );
        expect(listed.map((e) => e.port).sort()).toEqual([7400, 7401, 7402, 7500, 7501, 7502]);
        expect(listed.filter((e) => e.flags.some((f) => ["fail", "fail?", "noaddr", "handshake"].includes(f)))).toEqual([]);
    }
    expect(traffic.failures).toEqual([]);
    const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => client.get(`key:${i}`)));
    expect(values.filter((v, i) => v !== `value:${i}`)).toEqual([]);
    const live = await Promise.all(traffic.acked.map((i) => client.get(`live:${i}`)));
    expect(live.filter((v, k) => v !== String(traffic.acked[k]))).toEqual([]);
});

it("a second update with the same spec moves nothing", async () => {
    const again = (await clusterFormationProvider.update!("cluster-scaling", outs, inputs(3))).outs as ClusterFormationOutputs;
    expect(again.lastRebalance).toBe("no slot moves: every master already holds its share");
});

/** Each node's view of itself: role and, for a replica, its master's name. */
async function roles(nodes: ClusterNodeSpec[]): Promise<Record<string, string>> {
    const byId = new Map<string, string>();
    const views = await Promise.all(
        nodes.map((n) =>
            withRedis({ ...n.access, password: PASSWORD }, async (c) => {
                const self = parseClusterNodes((await c.call("CLUSTER", "NODES")) as string).find((e) => e.flags.includes("myself"))!;
                byId.set(self.id, n.name);
                return { name: n.name, self };
            }),
        ),
    );
    return Object.fromEntries(views.map((v) => [v.name, v.self.flags.includes("master") ? "master" : `replica of ${byId.get(v.self.masterId)}`]));
}

const listedPorts = (n: ClusterNodeSpec) =>
    withRedis({ ...n.access, password: PASSWORD }, async (c) => {
        const listed = parseClusterNodes((await c.call("CLUSTER", "NODES")) as string);
        expect(listed.filter((e) => e.flags.some((f) => ["fail", "fail?", "noaddr", "handshake"].includes(f)))).toEqual([]);
        return listed.map((e) => e.port).sort();
    });

async function expectKeysIntact(traffic: ReturnType<typeof startTraffic>): Promise<void> {
    expect(traffic.failures).toEqual([]);
    const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => client.get(`key:${i}`)));
    expect(values.filter((v, i) => v !== `value:${i}`)).toEqual([]);
    const live = await Promise.all(traffic.acked.map((i) => client.get(`live:${i}`)));
    expect(live.filter((v, k) => v !== String(traffic.acked[k]))).toEqual([]);
}

it("replicas 1 → 2: each new replica REPLICATEs its shard's master, no slot moves, no client command failed", async () => {
    await Promise.all([0, 1, 2].map((s) => start(specOf(s, 2))));
    const traffic = startTraffic(client);
    try {
        outs = (await clusterFormationProvider.update!("cluster-scaling", outs, inputs(3, 2))).outs as ClusterFormationOutputs;
    } finally {
        await traffic.stop();
    }
    expect(outs.lastRebalance).toBe("no slot moves: every master already holds its share");
    expect(await roles(specs(3, 2))).toEqual({
        "shard-0-0": "master",
        "shard-1-0": "master",
        "shard-2-0": "master",
        "shard-0-1": "replica of shard-0-0",
        "shard-1-1": "replica of shard-1-0",
        "shard-2-1": "replica of shard-2-0",
        "shard-0-2": "replica of shard-0-0",
        "shard-1-2": "replica of shard-1-0",
        "shard-2-2": "replica of shard-2-0",
    });
    await expectKeysIntact(traffic);
});

it("after a failover, replicas 2 → 1 keeps the promoted replica as its shard's master and removes only the third members", async () => {
    // A failover: shard-0-1 takes over shard 0 (CLUSTER FAILOVER, as when its master had failed and come back).
    await withRedis({ ...specOf(0, 1).access, password: PASSWORD }, (c) => c.call("CLUSTER", "FAILOVER"));
    await pollUntil(
        async () => {
            const r = await roles(specs(3, 2));
            return r["shard-0-1"] === "master" && r["shard-0-0"] === "replica of shard-0-1"
                ? { done: true, value: r }
                : { done: false, observed: JSON.stringify(r) };
        },
        { timeoutMs: 30000, description: "shard-0-1 to be promoted" },
    );
    const traffic = startTraffic(client);
    try {
        outs = (await clusterFormationProvider.update!("cluster-scaling", outs, inputs(3, 1))).outs as ClusterFormationOutputs;
    } finally {
        await traffic.stop();
    }
    for (const s of [0, 1, 2]) procs.get(`shard-${s}-2`)!.process.kill("SIGKILL");
    expect(await roles(specs(3, 1))).toEqual({
        "shard-0-1": "master",
        "shard-0-0": "replica of shard-0-1",
        "shard-1-0": "master",
        "shard-1-1": "replica of shard-1-0",
        "shard-2-0": "master",
        "shard-2-1": "replica of shard-2-0",
    });
    for (const n of specs(3, 1)) expect(await listedPorts(n)).toEqual([7400, 7401, 7402, 7500, 7501, 7502]);
    await expectKeysIntact(traffic);
});

it("replicas 1 → 0 with the promoted replica leaving: it hands shard 0 back to shard-0-0 first, never deleting a live master", async () => {
    const traffic = startTraffic(client);
    try {
        outs = (await clusterFormationProvider.update!("cluster-scaling", outs, inputs(3, 0))).outs as ClusterFormationOutputs;
    } finally {
        await traffic.stop();
    }
    // Before the engine deletes the leaving containers: none of them is a master or owns a slot.
    const leaving = [0, 1, 2].map((s) => specOf(s, 1));
    for (const n of leaving) {
        const self = await withRedis({ ...n.access, password: PASSWORD }, async (c) =>
            parseClusterNodes((await c.call("CLUSTER", "NODES")) as string).find((e) => e.flags.includes("myself"))!,
        );
        expect({ node: n.name, master: self.flags.includes("master"), slots: self.slots.length }).toEqual({ node: n.name, master: false, slots: 0 });
    }
    for (const n of leaving) procs.get(n.name)!.process.kill("SIGKILL");
    expect(await roles(specs(3, 0))).toEqual({ "shard-0-0": "master", "shard-1-0": "master", "shard-2-0": "master" });
    expect((await masterSlotCounts(3, 0)).filter((n) => n >= 0).sort()).toEqual([5461, 5461, 5462]);
    for (const n of specs(3, 0)) expect(await listedPorts(n)).toEqual([7400, 7401, 7402]);
    await expectKeysIntact(traffic);
});
