/**
 * Real cluster-enabled redis-server processes for the cluster integration tests and the formation
 * benchmark, configured from the same template and cluster directives the Docker nodes use.
 *
 * Optional NAT emulation (`proxyBasePort`): each node is then reached by the provider only through a TCP
 * forwarder on another port, and announces a hostname (`node-i`) instead of its IP, like a bridge-mode
 * container published on 127.0.0.1:<port>. The provider must then connect via access endpoints but MEET
 * via the nodes' own addresses, and clients need a natMap, exactly as outside Docker.
 */
import * as net from "net";
import { clusterConfLines, clusterLayout } from "../../components/cluster/layout";
import { ClusterNodeSpec } from "../../components/cluster/spec";
import type { NodeSecurityConf, RedisConfInput } from "../../components/docker/redis-conf";
import { renderRedisConf } from "../../components/docker/templates";
import { TOPOLOGY_COMMANDS } from "../../components/cluster/formation-io";
import { RedisProcess, redisCli, startRedis } from "./redis-process";

/**
 * The production cluster layout (components/cluster/layout.ts) reduced to what tests need: each node's layout
 * index, shard and first role. Tests name a node `node-<layout index>` for short; the stack names the same
 * node `shard-<shard>-<member>` (index = member * shards + shard).
 */
export function layoutNodes(
    shards: number,
    replicasPerShard: number,
): Array<{ index: number; name: string; shard: number; role: "master" | "replica" }> {
    const layout = clusterLayout({
        namePrefix: "test",
        basePort: 0,
        bindAddress: "127.0.0.1",
        network: { mode: "host" },
        cluster: { shards, replicasPerShard },
    });
    return layout.map((n) => ({ index: n.index, name: `node-${n.index}`, shard: n.shard, role: n.role }));
}

export interface ClusterNodesOptions {
    /** Node i listens on basePort + i; its bus on basePort + i + 10000. */
    basePort: number;
    shards: number;
    replicasPerShard: number;
    password: string;
    nodeTimeoutMs: number;
    /** When set, node i is reached through a forwarder on proxyBasePort + i and announces hostname node-i. */
    proxyBasePort?: number;
    /**
     * When set, node i serves TLS on tlsBasePort + i with these files, and runs replication and the cluster bus
     * (tlsBasePort + i + 10000) over TLS, as a TLS stack's nodes do; the specs name the TLS port. basePort + i
     * stays open in plain text for the harness's own readiness PING and INFO reads.
     */
    tls?: { tlsBasePort: number; files: { caCertFile: string; certFile: string; keyFile: string } };
    /**
     * ACL nodes: the stack's own `user` lines, `masteruser` and the default user as nodeSecurityConf renders them
     * for a cluster node, and the user the harness's readiness PING logs in as (with its password).
     */
    acl?: { security: Omit<NodeSecurityConf, "tls">; login: { user: string; password: string } };
}

export interface ClusterTestNode {
    spec: ClusterNodeSpec;
    /** The port redis-server itself listens on. */
    port: number;
    proc: RedisProcess;
}

export function clusterNodeConf(name: string, port: number, opts: ClusterNodesOptions, tlsPort?: number): string {
    const tls = opts.tls && tlsPort !== undefined ? { ...opts.tls.files, authClients: "no", cluster: true, plaintextPort: port } : undefined;
    const security: NodeSecurityConf | undefined = opts.acl ? { ...opts.acl.security, tls } : tls && { tls, userLines: [], defaultUser: "on" };
    const input: RedisConfInput = {
        nodeName: name,
        role: "cluster node",
        bind: "127.0.0.1",
        port: tls ? tlsPort! : port,
        ...(security ? { security } : {}),
        password: opts.password,
        persistence: { save: [], appendonly: false, appendfsync: "everysec" },
        maxmemory: "0",
        maxmemoryPolicy: "noeviction",
    };
    const cluster = clusterConfLines({
        configFile: "nodes.conf",
        nodeTimeoutMs: opts.nodeTimeoutMs,
        ...(opts.proxyBasePort !== undefined ? { announceHostname: name, preferredEndpointType: "hostname" as const } : {}),
    });
    return `${renderRedisConf(input)}\n# --- cluster\n${cluster.join("\n")}\n`;
}

export async function startClusterNodes(opts: ClusterNodesOptions): Promise<ClusterTestNode[]> {
    const roles = layoutNodes(opts.shards, opts.replicasPerShard);
    return Promise.all(
        roles.map(async (r) => {
            const port = opts.basePort + r.index;
            const tlsPort = opts.tls && opts.tls.tlsBasePort + r.index;
            const login = opts.acl ? opts.acl.login : { password: opts.password };
            const proc = await startRedis({ port, ...login, config: clusterNodeConf(r.name, port, opts, tlsPort) });
            // Peers and the provider reach a TLS node on its TLS port.
            const served = tlsPort ?? port;
            const accessPort = opts.proxyBasePort !== undefined ? await startForwarder(opts.proxyBasePort + r.index, served) : served;
            const spec: ClusterNodeSpec = {
                name: r.name,
                shard: r.shard,
                role: r.role,
                access: { host: "127.0.0.1", port: accessPort },
                meet: { host: "127.0.0.1", port: served, busPort: served + 10000 },
            };
            return { spec, port, proc };
        }),
    );
}

const forwarders = new Set<net.Server>();
const sockets = new Set<net.Socket>();

/** A plain TCP forwarder on 127.0.0.1:listenPort → 127.0.0.1:targetPort (the "published port"). */
export async function startForwarder(listenPort: number, targetPort: number): Promise<number> {
    const server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on("close", () => sockets.delete(s));
            s.on("error", () => {
                client.destroy();
                upstream.destroy();
            });
        }
        client.pipe(upstream);
        upstream.pipe(client);
    });
    forwarders.add(server);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(listenPort, "127.0.0.1", () => resolve());
    });
    return listenPort;
}

export async function stopForwarders(): Promise<void> {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all([...forwarders].map((f) => new Promise<void>((resolve) => f.close(() => resolve()))));
    forwarders.clear();
}

/** Calls per command from INFO commandstats (`cluster|meet`, `config|set`, ...): proof of what was sent. */
export function commandCounts(port: number, password: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of redisCli(port, password, "info", "commandstats").split(/\r?\n/)) {
        const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
        if (m) counts[m[1]] = Number(m[2]);
    }
    return counts;
}

/** The commands a re-run must not send: every topology change, plus CONFIG SET. */
export function changingCommandCounts(
    nodes: ClusterTestNode[],
    password: string,
    alive: (n: ClusterTestNode) => boolean = () => true,
): Record<string, number> {
    const watched = [...TOPOLOGY_COMMANDS, "config|set"];
    const out: Record<string, number> = {};
    for (const n of nodes.filter(alive)) {
        const counts = commandCounts(n.port, password);
        for (const c of watched) out[`${n.spec.name} ${c}`] = counts[c] ?? 0;
    }
    return out;
}
