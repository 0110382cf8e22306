/**
 * The cluster's deploy-time code over TLS, on real redis-server 7.0 processes with the stack's TLS directives
 * (`tls-port`, `tls-replication yes`, `tls-cluster yes`) and a generated CA and node certificate: formation
 * reaches every node only through its TLS port, the rolling gates' health check and handover work over TLS,
 * and a reshard onto a fourth shard moves keys with MIGRATE, which the nodes then open over TLS themselves.
 * Also the control for the bus probe the e2e uses (tests/support/cluster-bus.ts): a plain-text cluster bus
 * answers its PING; a TLS bus answers it only inside TLS with a certificate of the CA.
 *
 * Ports: node i (layout index) keeps a plain port 8120 + i for the harness, serves TLS on 8140 + i, bus 18140 + i.
 */
import { localTlsFiles } from "../support/tls-files";
import Redis, { Cluster, type RedisOptions } from "ioredis";
import { convergeCluster } from "../../components/cluster/formation";
import { observeCluster } from "../../components/cluster/formation-io";
import { readinessProblems } from "../../components/cluster/readiness";
import { groupProblems, handOver } from "../../components/rolling/health";
import { type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { withRedis } from "../../components/shared/redis-connection";
import { pingClusterBus } from "../support/cluster-bus";
import { type ClusterTestNode, startClusterNodes } from "../support/cluster-test-nodes";
import { redisCli, startRedis, stopAllRedis } from "../support/redis-process";

jest.setTimeout(90000);

const PASSWORD = "tls-cluster-pw";
const PLAIN_BASE = 8120;
const TLS_BASE = 8140;
const NODE_TIMEOUT_MS = 1000;
const KEYS = 2000;

let issued: TlsCertificatesOutputs;
let nodes: ClusterTestNode[];
let tls: { ca: string };
let files: { caCertFile: string; certFile: string; keyFile: string };

beforeAll(async () => {
    ({ issued, files } = await localTlsFiles("redis-ha-cluster-tls"));
    tls = { ca: issued.caCert };
    // The 4-shard layout; the first six nodes (shards 0-2 with their replicas) form first, shard 3 joins later.
    nodes = await startClusterNodes({
        basePort: PLAIN_BASE,
        shards: 4,
        replicasPerShard: 1,
        password: PASSWORD,
        nodeTimeoutMs: NODE_TIMEOUT_MS,
        tls: { tlsBasePort: TLS_BASE, files },
    });
});
afterAll(() => stopAllRedis());

const specs = (shards: number) => nodes.filter((n) => n.spec.shard < shards).map((n) => n.spec);
const inputs = (shards: number) => ({
    clusterName: "it-tls",
    nodes: specs(shards),
    password: PASSWORD,
    tls,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
    timeoutMs: 30000,
});

function tlsCluster(): Cluster {
    return new Cluster(
        specs(3).map((s) => s.access),
        { redisOptions: { password: PASSWORD, tls }, scaleReads: "master" },
    );
}

it("forms three shards through the TLS ports only, every node announcing its TLS port and replicating over TLS", async () => {
    // Without the CA the provider cannot reach a node at all: nothing is formed over plain text by accident.
    const blind = await observeCluster(specs(3), { password: PASSWORD });
    expect(blind.nodes.every((o) => !o.reachable)).toBe(true);

    const { snapshot } = await convergeCluster(inputs(3));
    expect(readinessProblems({ nodes: specs(3) }, snapshot)).toEqual([]);
    // Over TLS (as the provider and the nodes' MIGRATE see it; a plain-text client would be shown the plain ports).
    const text = await withRedis({ ...specs(3)[0].access, password: PASSWORD, tls }, (c) => c.call("CLUSTER", "NODES") as Promise<string>);
    for (const s of specs(3)) expect(text).toContain(`127.0.0.1:${s.access.port}@${s.access.port + 10000}`);
    const replica = nodes.find((n) => n.spec.name === "node-4")!;
    const info = redisCli(replica.port, PASSWORD, "info", "replication");
    expect(info).toMatch(/^master_link_status:up\r?$/m);
    // The replica's link goes to its master's TLS port: plain text would not get there.
    expect(info).toMatch(new RegExp(`^master_port:${TLS_BASE}\\r?$`, "m"));

    const cluster = tlsCluster();
    try {
        await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.set(`k:${i}`, `v${i}`)));
    } finally {
        cluster.disconnect();
    }
});

it("a rolling gate's health check and handover work over TLS", async () => {
    const group = { kind: "cluster" as const, nodes: specs(3) };
    expect(await groupProblems(group, { password: PASSWORD, tls })).toEqual([]);
    // Without the CA every node is unreachable: the check really went over TLS.
    expect((await groupProblems(group, { password: PASSWORD })).join("; ")).toMatch(/not reachable/);
    const master = specs(3).find((s) => s.name === "node-1")!;
    const done = await handOver(group, master.name, master.access, { password: PASSWORD, tls }, 20000);
    expect(done).toBe("node-1 handed over to node-5 with CLUSTER FAILOVER");
});

it("a fourth shard joins: resharding moves its share of the keys by MIGRATE between the nodes, over TLS", async () => {
    const result = await convergeCluster(inputs(4));
    expect(result.rebalance).toMatch(/^shard-3 takes \d+ slots from/);
    expect(readinessProblems({ nodes: specs(4) }, result.snapshot)).toEqual([]);
    const joined = nodes.find((n) => n.spec.name === "node-3")!;
    // Only MIGRATE could have put keys there: nothing else wrote to it. MIGRATE names the port the sources list for
    // it over TLS, its TLS port, which speaks nothing else: the sources opened those connections over TLS.
    expect(Number(redisCli(joined.port, PASSWORD, "dbsize"))).toBeGreaterThan(KEYS / 8);
    const cluster = tlsCluster();
    try {
        const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.get(`k:${i}`)));
        expect(values).toEqual(Array.from({ length: KEYS }, (_, i) => `v${i}`));
    } finally {
        cluster.disconnect();
    }
});

describe("the bus probe", () => {
    it("a plain-text cluster bus answers the probe's PING with a PONG (so the probe is a well-formed cluster message)", async () => {
        const port = PLAIN_BASE + 10;
        await startRedis({ port, password: PASSWORD, config: "cluster-enabled yes\ncluster-config-file nodes.conf\n" });
        expect(await pingClusterBus("127.0.0.1", port + 10000)).toMatchObject({ pong: true, closed: false });
    });

    it("a TLS bus closes it in plain text, refuses it without a client certificate, and answers it inside TLS with one", async () => {
        const bus = TLS_BASE + 10000;
        expect(await pingClusterBus("127.0.0.1", bus)).toMatchObject({ pong: false, bytes: 0, closed: true });
        expect((await pingClusterBus("127.0.0.1", bus, { ca: issued.caCert })).pong).toBe(false);
        expect(await pingClusterBus("127.0.0.1", bus, { ca: issued.caCert, cert: issued.certs.node.cert, key: issued.keys.node })).toMatchObject({
            pong: true,
            handshake: true,
        });
    });
});

it("a client must trust the stack's CA: a plain connection to the TLS port and an unverified TLS one both fail", async () => {
    const port = TLS_BASE;
    const attempt = async (options: RedisOptions) => {
        const c = new Redis({
            ...options,
            host: "127.0.0.1",
            port,
            password: PASSWORD,
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
            connectTimeout: 2000,
        });
        let cause = "";
        c.on("error", (err: Error) => (cause ||= err.message));
        try {
            await c.connect();
            return String(await c.ping());
        } catch (err) {
            return cause || (err as Error).message;
        } finally {
            c.disconnect();
        }
    };
    expect(await attempt({})).not.toBe("PONG");
    expect(await attempt({ tls: {} })).toMatch(/certificate/i);
    expect(await attempt({ tls })).toBe("PONG");
});
