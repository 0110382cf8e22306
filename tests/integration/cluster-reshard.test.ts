/**
 * Online resharding on real cluster-enabled redis-server processes, set up like bridge mode: nodes listen
 * on 7320-7328 (bus +10000) and announce hostnames node-i, while the engine and the clients reach them only
 * through forwarders on 7340-7348. So the engine connects via access endpoints but has each source MIGRATE
 * to the target's own address, and clients need the natMap.
 *
 * In order, on one cluster (3 shards × 1 replica, formed by the formation provider, with a password):
 *   3→4→3 with 50,000 keys while an ioredis Cluster writer and reader run the whole time; the fourth master
 *   (and its replica) join by MEET, take their share, give it back and are forgotten;
 *   a rebalance process SIGKILLed mid-move, then run again: open slots closed, no key lost or duplicated;
 *   a duplicate key on the target stops the move with BUSYKEY, naming slot and key, both copies kept.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as path from "path";
import type { Cluster as ClusterClient, Redis as RedisClient } from "ioredis";
import { forgetNodes } from "../../components/cluster/forget";
import type { NodeAddress } from "../../components/cluster/membership";
import { previewRebalance, rebalanceCluster, type ReshardOptions } from "../../components/cluster/reshard";
import { buildNatMap } from "../../components/shared/endpoint";
import { ClusterNodeEntry, parseClusterNodes } from "../../components/cluster/observe";
import { convergeCluster } from "../../components/cluster/formation";
import { pollUntil } from "../../components/shared/poll";
import { withRedis } from "../../components/shared/redis-connection";
import { redisCli, startRedis, stopAllRedis } from "../support/redis-process";
import { ClusterNodesOptions, clusterNodeConf, startClusterNodes, startForwarder, stopForwarders } from "../support/cluster-test-nodes";

jest.setTimeout(120000);

const PASSWORD = 'reshard pw "quoted"';
const BASE = 7320;
const PROXY = 7340;
const KEYS = 50000;
const NODE_OPTS: ClusterNodesOptions = {
    basePort: BASE,
    proxyBasePort: PROXY,
    shards: 3,
    replicasPerShard: 1,
    password: PASSWORD,
    nodeTimeoutMs: 1000,
};

const access = (a: { port: number }) => ({ host: "127.0.0.1", port: a.port - BASE + PROXY });
const options = (extra: Partial<ReshardOptions> = {}): ReshardOptions => ({
    seeds: [access({ port: BASE })],
    password: PASSWORD,
    access,
    label: (a: NodeAddress) => a.hostname,
    ...extra,
});

const valueOf = (key: string) => `v:${key}`;
/** A hash of about 20 MB in slot 0, which moves to the fourth master and back. */
const BIG_KEY = "{big-id4}:hash";
const BIG_FIELDS = 200000;
const loadedKey = (i: number) => `reshard:key:${i}`;

/** Starts node-<index> on BASE+index (and its forwarder), not yet part of the cluster. */
async function startExtraNode(index: number): Promise<number> {
    const port = BASE + index;
    await startRedis({ port, password: PASSWORD, config: clusterNodeConf(`node-${index}`, port, NODE_OPTS) });
    await startForwarder(PROXY + index, port);
    return port;
}

function view(port: number): ClusterNodeEntry[] {
    return parseClusterNodes(redisCli(port, PASSWORD, "cluster", "nodes"));
}
const idAt = (port: number) => view(port).find((e) => e.flags.includes("myself"))!.id;

/** CLUSTER MEET from node-0, then waits until every listed node knows every other one. */
async function join(ports: number[], known: number[]): Promise<void> {
    for (const p of ports) redisCli(BASE, PASSWORD, "cluster", "meet", "127.0.0.1", String(p), String(p + 10000));
    const all = [...known, ...ports];
    await pollUntil(
        async () => {
            const counts = all.map((p) => view(p).filter((e) => !e.flags.includes("handshake") && !e.flags.includes("fail")).length);
            return counts.every((c) => c === all.length)
                ? { done: true, value: undefined }
                : { done: false, observed: `known nodes ${counts.join(",")}` };
        },
        { timeoutMs: 20000, description: "the new nodes to be known everywhere" },
    );
}

function masterSlotCounts(port: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of view(port)) {
        if (e.flags.includes("master") && e.slots.length > 0) counts[e.hostname] = e.slots.reduce((n, r) => n + r.end - r.start + 1, 0);
    }
    return counts;
}

function openSlotMarkers(ports: number[]): string[] {
    return ports.flatMap((p) =>
        redisCli(p, PASSWORD, "cluster", "nodes")
            .split("\n")
            .filter((l) => l.includes("myself") && l.includes("[")),
    );
}

function clusterCheck(): string {
    return execFileSync("redis-cli", ["--no-auth-warning", "-a", PASSWORD, "--cluster", "check", `127.0.0.1:${BASE}`], {
        encoding: "utf8",
        timeout: 20000,
    });
}

function clusterClient(nodeCount: number, extra: Record<string, unknown> = {}): ClusterClient {
    const Redis = require("ioredis");
    const natMap = buildNatMap(
        Array.from({ length: nodeCount }, (_, i) =>
            [
                { host: `node-${i}`, port: BASE + i },
                { host: "127.0.0.1", port: BASE + i },
            ].map((internal) => ({ internal, published: access({ port: BASE + i }) })),
        ).flat(),
    );
    return new Redis.Cluster([access({ port: BASE })], {
        natMap,
        // With a natMap, ioredis follows MOVED by recording the unmapped address, which its connection pool
        // does not know, so each retry goes to a random master until one serves the slot: with M masters a
        // command fails after maxRedirections tries with probability ((M-1)/M)^maxRedirections (1% for the
        // default 16 and four masters). ioredisClusterOptions must carry the same setting.
        maxRedirections: 128,
        redisOptions: { password: PASSWORD, retryStrategy: () => null },
        clusterRetryStrategy: () => null,
        ...extra,
    });
}

/** Writers and a reader on their own clients until stopped; every failure is recorded, never retried by hand. */
function startTraffic() {
    const writer = clusterClient(9);
    const reader = clusterClient(9);
    const acked: string[] = [];
    const errors: string[] = [];
    let reads = 0;
    let running = true;
    let n = 0;
    const writeLoop = async () => {
        while (running) {
            const key = `live:w:${n++}`;
            try {
                await writer.set(key, valueOf(key));
                acked.push(key);
            } catch (err) {
                errors.push(`SET ${key}: ${(err as Error).message}`);
            }
        }
    };
    const readLoop = async () => {
        while (running) {
            const key = loadedKey(Math.floor(Math.random() * KEYS));
            try {
                const v = await reader.get(key);
                if (v !== valueOf(key)) errors.push(`GET ${key} returned ${v}`);
                reads++;
            } catch (err) {
                errors.push(`GET ${key}: ${(err as Error).message}`);
            }
        }
    };
    const loops = [writeLoop(), writeLoop(), readLoop(), readLoop()];
    return {
        acked,
        errors,
        reads: () => reads,
        async stop() {
            running = false;
            await Promise.all(loops);
            writer.disconnect();
            reader.disconnect();
        },
    };
}

/**
 * Every key in `keys` reads back its value through a fresh cluster client. Not auto-pipelined: ioredis
 * follows ASK for a single command but fails a pipeline whose replies mix ASK and values (an open slot).
 */
async function missingKeys(keys: string[]): Promise<string[]> {
    const client = clusterClient(9);
    try {
        const missing: string[] = [];
        for (let i = 0; i < keys.length; i += 5000) {
            const chunk = keys.slice(i, i + 5000);
            const values = await Promise.all(chunk.map((k) => client.get(k)));
            chunk.forEach((k, j) => values[j] !== valueOf(k) && missing.push(k));
        }
        return missing;
    } finally {
        client.disconnect();
    }
}

function dbsizeOfMasters(ports: number[]): number {
    return ports
        .filter((p) => /role:master/.test(redisCli(p, PASSWORD, "info", "replication")))
        .reduce((n, p) => n + Number(redisCli(p, PASSWORD, "dbsize").trim()), 0);
}

const formed = [0, 1, 2, 3, 4, 5].map((i) => BASE + i);
let allKeys: string[] = [];

beforeAll(async () => {
    const nodes = await startClusterNodes(NODE_OPTS);
    await convergeCluster({ clusterName: "reshard", nodes: nodes.map((n) => n.spec), password: PASSWORD, nodeTimeoutMs: 1000, timeoutMs: 30000 });
    const loader = clusterClient(6, { enableAutoPipelining: true });
    try {
        for (let i = 0; i < KEYS; i += 5000) {
            await Promise.all(Array.from({ length: Math.min(5000, KEYS - i) }, (_, j) => loader.set(loadedKey(i + j), valueOf(loadedKey(i + j)))));
        }
    } finally {
        loader.disconnect();
    }
    allKeys = Array.from({ length: KEYS }, (_, i) => loadedKey(i));
    await withRedis({ ...access({ port: BASE }), password: PASSWORD }, async (c: RedisClient) => {
        expect(Number(await c.call("CLUSTER", "KEYSLOT", BIG_KEY))).toBe(0);
        for (let i = 0; i < BIG_FIELDS; i += 10000) {
            await c.call("HSET", BIG_KEY, ...Array.from({ length: 10000 }, (_, j) => [`field:${i + j}`, "x".repeat(64)]).flat());
        }
    });
});

afterAll(async () => {
    await stopForwarders();
    await stopAllRedis();
});

it("3→4→3 with 50,000 keys under a live writer and reader: even shares, nothing failed or lost, leaving nodes forgotten, check clean", async () => {
    const master3 = await startExtraNode(6);
    const replica3 = await startExtraNode(7);
    const traffic = startTraffic();
    try {
        await join([master3, replica3], formed);
        const id6 = idAt(master3);
        const id7 = idAt(replica3);
        redisCli(replica3, PASSWORD, "cluster", "replicate", id6);

        const out = await rebalanceCluster(options());
        expect(out.plan.description).toBe("node-6 takes 1366 slots from node-0, 1365 from node-1, 1365 from node-2");
        // The big hash went along, whole, in a MIGRATE of its own.
        expect(redisCli(master3, PASSWORD, "hlen", BIG_KEY).trim()).toBe(String(BIG_FIELDS));
        expect(out.slotsMoved).toBe(4096);
        expect(masterSlotCounts(BASE)).toEqual({ "node-0": 4096, "node-1": 4096, "node-2": 4096, "node-6": 4096 });
        // The moved slots' keys went to node-6: about a quarter of them.
        expect(Number(redisCli(master3, PASSWORD, "dbsize").trim())).toBeGreaterThan(KEYS / 5);

        const back = await rebalanceCluster(options({ leaving: [id6, id7] }));
        expect(back.plan.description).toBe(
            "node-0 takes 1366 slots from node-6; node-1 takes 1365 slots from node-6; node-2 takes 1365 slots from node-6",
        );
        expect(masterSlotCounts(BASE)).toEqual({ "node-0": 5462, "node-1": 5461, "node-2": 5461 });

        expect(redisCli(BASE, PASSWORD, "hlen", BIG_KEY).trim()).toBe(String(BIG_FIELDS));

        await forgetNodes({ ...options(), leaving: [id6, id7] });
        for (const p of formed) expect(view(p).map((e) => e.id)).not.toEqual(expect.arrayContaining([id6]));
    } finally {
        await traffic.stop();
        allKeys.push(...traffic.acked);
    }
    expect(traffic.errors).toEqual([]);
    expect(traffic.acked.length).toBeGreaterThan(100);
    expect(traffic.reads()).toBeGreaterThan(100);
    expect(await missingKeys(allKeys)).toEqual([]);

    // Their containers would now be deleted: stop the two processes, the six others list exactly each other.
    for (const port of [master3, replica3]) redisCli(port, PASSWORD, "shutdown", "nosave").toString();
    for (const p of formed) {
        const entries = view(p);
        expect(entries.map((e) => e.port).sort()).toEqual(formed);
        expect(entries.filter((e) => ["fail", "fail?", "handshake", "noaddr"].some((f) => e.flags.includes(f)))).toEqual([]);
    }
    const check = clusterCheck();
    expect(check).toMatch(/\[OK\] All 16384 slots covered/);
    expect(check).not.toMatch(/\[WARNING\]|\[ERR\]/);
    expect(dbsizeOfMasters(formed)).toBe(allKeys.length + 1);
});

it("a rebalance SIGKILLed mid-move resumes: open slots closed, no key lost or duplicated", async () => {
    const port = await startExtraNode(8);
    await join([port], formed);
    const child: ChildProcess = spawn(
        process.execPath,
        [
            "-r",
            "ts-node/register/transpile-only",
            path.join(__dirname, "reshard-child.ts"),
            JSON.stringify({
                seedPort: PROXY,
                basePort: BASE,
                proxyBasePort: PROXY,
                password: PASSWORD,
                slotsPerWave: 2,
                wavesPerSource: 1,
                keysPerMigrate: 4,
            }),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const killedAt = await new Promise<number>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
            const m = /progress (\d+) \d+\n(?![\s\S]*progress)/.exec(d.toString());
            if (m && Number(m[1]) >= 300 && child.exitCode === null) {
                child.kill("SIGKILL");
                resolve(Number(m[1]));
            }
        });
        child.on("exit", (code, signal) => signal !== "SIGKILL" && reject(new Error(`child exited (${code}) before it was killed: ${stderr}`)));
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
    expect(killedAt).toBeGreaterThanOrEqual(300);
    const nodes = [...formed, port];
    // The kill left slots open (MIGRATING on a source, IMPORTING on node-8).
    expect(openSlotMarkers(nodes).length).toBeGreaterThan(0);

    const resumed = await rebalanceCluster(options());
    expect(resumed.plan.fixes.length).toBeGreaterThan(0);
    expect(resumed.plan.description).toMatch(/^close (open slot|\d+ open slots) first: /);
    expect(openSlotMarkers(nodes)).toEqual([]);
    expect(masterSlotCounts(BASE)).toEqual({ "node-0": 4096, "node-1": 4096, "node-2": 4096, "node-8": 4096 });
    expect(await missingKeys(allKeys)).toEqual([]);
    // No key exists twice: the masters together hold exactly the keys written.
    expect(dbsizeOfMasters(nodes)).toBe(allKeys.length + 1);
    expect(clusterCheck()).not.toMatch(/\[WARNING\]|\[ERR\]/);
});

it("refuses before anything moves: an unreachable node, or remaining masters whose maxmemory cannot take the leaving one's keys", async () => {
    const nodes = [...formed, BASE + 8];
    const slotsBefore = masterSlotCounts(BASE);
    const unreachable = options({ access: (a) => (a.port === BASE + 5 ? { host: "127.0.0.1", port: 1 } : access(a)) });
    await expect(rebalanceCluster(unreachable)).rejects.toThrow(
        /^cannot rebalance, nothing was moved: node-5 \(127\.0\.0\.1:7325, reached at 127\.0\.0\.1:1\) is unreachable: /,
    );

    const id8 = idAt(BASE + 8);
    const used = (port: number) => Number(/used_memory:(\d+)/.exec(redisCli(port, PASSWORD, "info", "memory"))![1]);
    try {
        // Room for 1 MB more on each remaining master; node-8 holds several MB of keys.
        for (const p of [BASE, BASE + 1, BASE + 2]) redisCli(p, PASSWORD, "config", "set", "maxmemory", String(used(p) + 1024 * 1024));
        await expect(rebalanceCluster(options({ leaving: [id8] }))).rejects.toThrow(
            /^cannot rebalance, nothing was moved: node-0 cannot hold the keys it would take: maxmemory [\d.]+ MB, used [\d.]+ MB, about [\d.]+ MB would move in/,
        );
    } finally {
        for (const p of [BASE, BASE + 1, BASE + 2]) redisCli(p, PASSWORD, "config", "set", "maxmemory", "0");
    }
    expect(masterSlotCounts(BASE)).toEqual(slotsBefore);
    expect(openSlotMarkers(nodes)).toEqual([]);
});

it("a key already on the target stops the move with BUSYKEY, naming slot and key; both copies kept", async () => {
    const port = BASE + 8;
    const id8 = idAt(port);
    const { plan } = await previewRebalance(options({ leaving: [id8] }));
    const id0 = idAt(BASE);
    // A slot node-8 gives to node-0 that holds keys, and one of them.
    const slot = plan.moves
        .filter((m) => m.to === id0 && m.slot !== 0)
        .map((m) => m.slot)
        .find((s) => Number(redisCli(port, PASSWORD, "cluster", "countkeysinslot", String(s)).trim()) > 0)!;
    const key = redisCli(port, PASSWORD, "cluster", "getkeysinslot", String(slot), "1").trim();
    // A stray copy on node-0, put there the only way Redis allows: importing + ASKING, then closed again.
    await withRedis({ ...access({ port: BASE }), password: PASSWORD }, async (c: RedisClient) => {
        await c.call("CLUSTER", "SETSLOT", String(slot), "IMPORTING", id8);
        await c.call("ASKING");
        await c.call("SET", key, "stray");
        await c.call("CLUSTER", "SETSLOT", String(slot), "STABLE");
    });
    const before = dbsizeOfMasters([...formed, port]);

    await expect(rebalanceCluster(options({ leaving: [id8] }))).rejects.toThrow(
        new RegExp(`slot ${slot}: key "${key}" already exists on node-0 while moving it from node-8 \\(BUSYKEY\\); stopped without overwriting`),
    );
    // Nothing deleted: the original is still on node-8, the stray on node-0, and no other key went missing.
    expect(redisCli(port, PASSWORD, "get", key).trim()).toBe(valueOf(key));
    await withRedis({ ...access({ port: BASE }), password: PASSWORD }, async (c: RedisClient) => {
        await c.call("ASKING");
        expect(await c.call("GET", key)).toBe("stray");
    });
    expect(dbsizeOfMasters([...formed, port])).toBe(before);
    expect(await missingKeys(allKeys)).toEqual([]);
});
