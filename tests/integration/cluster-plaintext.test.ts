/**
 * tls.allowPlaintext on a cluster, on real redis-server 7.0 processes with the stack's TLS directives
 * (`port` beside `tls-port`, `tls-replication yes`, `tls-cluster yes`), laid out like bridge mode: each node
 * announces a hostname (`node-i`, as a container announces its name) and is reached only through forwarders
 * (its "published" TLS and plain ports). The formation works over TLS with the bus on the TLS port + 10000;
 * then a plain ioredis Cluster client, started on a plain port, writes and reads keys on every master by
 * following MOVED to the nodes' plain ports through the natMap, while a TLS client does the same through the
 * TLS ports with the same natMap (cluster/layout.ts clusterClientOptions maps both).
 *
 * Ports: node i serves TLS on 9700 + i (bus 19700 + i) and plain text on 9710 + i; forwarders: TLS 9720 + i,
 * plain 9730 + i.
 */
import { localTlsFiles } from "../support/tls-files";
import Redis, { Cluster } from "ioredis";
import { convergeCluster } from "../../components/cluster/formation";
import { readinessProblems } from "../../components/cluster/readiness";
import { natMapForLayout } from "../../components/shared/endpoint";
import { type ClusterTestNode, startClusterNodes, startForwarder, stopForwarders } from "../support/cluster-test-nodes";
import { redisCli, stopAllRedis } from "../support/redis-process";

jest.setTimeout(60000);

const PASSWORD = "plain-cluster-pw";
const TLS_BASE = 9700;
const PLAIN_BASE = 9710;
const TLS_PROXY = 9720;
const PLAIN_PROXY = 9730;
const SHARDS = 3;
const KEYS = 600;

let nodes: ClusterTestNode[];
let tls: { ca: string };

beforeAll(async () => {
    const { issued, files } = await localTlsFiles("redis-ha-cluster-plain");
    tls = { ca: issued.caCert };
    nodes = await startClusterNodes({
        basePort: PLAIN_BASE,
        shards: SHARDS,
        replicasPerShard: 0,
        password: PASSWORD,
        nodeTimeoutMs: 1000,
        proxyBasePort: TLS_PROXY,
        tls: { tlsBasePort: TLS_BASE, files },
    });
    for (let i = 0; i < SHARDS; i++) await startForwarder(PLAIN_PROXY + i, PLAIN_BASE + i);
});
afterAll(async () => {
    await stopForwarders();
    stopAllRedis();
});

/** As clusterClientOptions builds it in bridge mode: `<announced name>:<TLS port>` and `:<plain port>` to the forwarders. */
function natMap() {
    return natMapForLayout(
        nodes.flatMap((n, i) => [
            { peerHost: n.spec.name, listenPort: TLS_BASE + i, hostPort: TLS_PROXY + i },
            { peerHost: n.spec.name, listenPort: PLAIN_BASE + i, hostPort: PLAIN_PROXY + i },
        ]),
        "127.0.0.1",
    );
}

async function writeAndRead(cluster: Cluster, prefix: string): Promise<string[]> {
    try {
        await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.set(`${prefix}:${i}`, `v${i}`)));
        const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.get(`${prefix}:${i}`)));
        expect(values).toEqual(Array.from({ length: KEYS }, (_, i) => `v${i}`));
        // Where the client's connections went: the forwarders it was mapped to.
        return cluster
            .nodes("master")
            .map((r) => `${r.options.host}:${r.options.port}`)
            .sort();
    } finally {
        cluster.disconnect();
    }
}

it("forms over TLS (bus on the TLS port + 10000), then plain and TLS clients each reach every master on their own ports", async () => {
    const { snapshot } = await convergeCluster({
        clusterName: "it-plain",
        nodes: nodes.map((n) => n.spec),
        password: PASSWORD,
        tls,
        nodeTimeoutMs: 1000,
        timeoutMs: 20000,
    });
    expect(readinessProblems({ nodes: nodes.map((n) => n.spec) }, snapshot)).toEqual([]);
    const nodesText = redisCli(PLAIN_BASE, PASSWORD, "cluster", "nodes");
    for (let i = 0; i < SHARDS; i++) expect(nodesText).toContain(`@${TLS_BASE + i + 10000},node-${i}`);

    // MOVED names the announced hostname with the plain port to a plain client, the TLS port to a TLS one: ask
    // every node for one key; the two that do not own its slot both name the owner.
    const moved = async (opts: { port: number; tls?: { ca: string } }): Promise<string[]> => {
        const c = new Redis({ host: "127.0.0.1", password: PASSWORD, lazyConnect: true, ...opts });
        try {
            return await c.get("k:moved").then(
                () => [],
                (e: Error) => [e.message],
            );
        } finally {
            c.disconnect();
        }
    };
    const plainReplies = (await Promise.all(nodes.map((_, i) => moved({ port: PLAIN_PROXY + i })))).flat();
    const tlsReplies = (await Promise.all(nodes.map((_, i) => moved({ port: TLS_PROXY + i, tls })))).flat();
    expect(plainReplies).toHaveLength(SHARDS - 1);
    const owner = Number(/^MOVED \d+ node-(\d+):/.exec(plainReplies[0])![1]);
    for (const r of plainReplies) expect(r).toMatch(new RegExp(`^MOVED \\d+ node-${owner}:${PLAIN_BASE + owner}$`));
    expect(tlsReplies).toHaveLength(SHARDS - 1);
    for (const r of tlsReplies) expect(r).toMatch(new RegExp(`^MOVED \\d+ node-${owner}:${TLS_BASE + owner}$`));

    const options = { natMap: natMap(), maxRedirections: 128, scaleReads: "master" as const };
    const plainMasters = await writeAndRead(
        new Cluster([{ host: "127.0.0.1", port: PLAIN_PROXY }], { ...options, redisOptions: { password: PASSWORD } }),
        "plain",
    );
    expect(plainMasters).toEqual(Array.from({ length: SHARDS }, (_, i) => `127.0.0.1:${PLAIN_PROXY + i}`));
    const tlsMasters = await writeAndRead(
        new Cluster([{ host: "127.0.0.1", port: TLS_PROXY }], { ...options, redisOptions: { password: PASSWORD, tls } }),
        "tls",
    );
    expect(tlsMasters).toEqual(Array.from({ length: SHARDS }, (_, i) => `127.0.0.1:${TLS_PROXY + i}`));
    // Both clients' keys landed on every master (each holds its slots' share of 2 × KEYS).
    for (let i = 0; i < SHARDS; i++) expect(Number(redisCli(PLAIN_BASE + i, PASSWORD, "dbsize"))).toBeGreaterThan((2 * KEYS) / 6);
});
