/**
 * Pure cluster layout and wiring: one node per (shard, member), named `shard-<shard>-<member>` and ported so
 * that adding a shard or a replica round later never renames or moves an existing node. Member 0 of each
 * shard is its master at first formation; members 1.. are its replicas. Ports follow docs/walkthrough.md
 * ("Cluster"): masters on basePort+shard (6379-6381), replica round r on basePort + 100*r + shard
 * (6479-6481); the cluster bus is the client port + 10000.
 * Also here, per node: its fixed bridge-network address, its cluster directives and its formation spec; and
 * the client options for reaching the cluster from the Docker host (the nodes hand out in-network addresses
 * in CLUSTER SLOTS and MOVED replies, which the natMap of shared/endpoint.ts translates). The component
 * (cluster/component.ts) only feeds in the container ids Docker assigns.
 */
import { CLUSTER_MAX_SHARDS, type ClusterSettings, type NetworkMode, type TlsSettings } from "../settings";
import { CONTAINER_REDIS_PORT, type LayoutInput, type NodeLayout, plaintextPorts } from "../docker/layout";
import { type Endpoint, type NatMap, natMapForLayout } from "../shared/endpoint";
import type { ClusterNodeSpec } from "./spec";

/** Host-port step between replica rounds: 6379-6381 masters, 6479-6481 their first replicas (docs/walkthrough.md, cluster). */
export const CLUSTER_ROUND_PORT_STEP = CLUSTER_MAX_SHARDS;
/** The cluster bus listens on the client port + 10000 (Redis's fixed offset). */
export const CLUSTER_BUS_PORT_OFFSET = 10000;

export interface ClusterLayoutInput extends Omit<LayoutInput, "replicas"> {
    cluster: Pick<ClusterSettings, "shards" | "replicasPerShard">;
}

export interface ClusterNodeLayout extends Omit<NodeLayout, "replicaOf"> {
    shard: number;
    /** 0 for the shard's first master, r for its r-th replica. */
    member: number;
    /** Cluster bus port the node listens on (inside its container in bridge mode). */
    busPort: number;
    /** Host port the bus takes in host mode; undefined in bridge mode (the bus is not published). */
    hostBusPort?: number;
    /**
     * The node's place in the bridge address plan (nodeIp): member × CLUSTER_ROUND_PORT_STEP + shard,
     * the same offset its host port has from basePort. Unlike `index`, it does not move when shards are added,
     * so scaling never changes an existing node's IP (which would replace its container).
     */
    addressIndex: number;
}

export function clusterLayout(input: ClusterLayoutInput): ClusterNodeLayout[] {
    const host = input.network.mode === "host";
    const nodes: ClusterNodeLayout[] = [];
    for (let member = 0; member <= input.cluster.replicasPerShard; member++) {
        for (let shard = 0; shard < input.cluster.shards; shard++) {
            const logicalName = `shard-${shard}-${member}`;
            const containerName = `${input.namePrefix}-${logicalName}`;
            const hostPort = input.basePort + CLUSTER_ROUND_PORT_STEP * member + shard;
            const listenPort = host ? hostPort : CONTAINER_REDIS_PORT;
            nodes.push({
                index: nodes.length,
                logicalName,
                containerName,
                role: member === 0 ? "master" : "replica",
                hostPort,
                listenPort,
                peerHost: host ? input.bindAddress : containerName,
                shard,
                member,
                busPort: listenPort + CLUSTER_BUS_PORT_OFFSET,
                hostBusPort: host ? hostPort + CLUSTER_BUS_PORT_OFFSET : undefined,
                addressIndex: CLUSTER_ROUND_PORT_STEP * member + shard,
            });
        }
    }
    return nodes;
}

/**
 * The redis.conf directives a cluster node needs, on top of the common ones (port, password and masterauth,
 * persistence, `repl-diskless-sync-delay 0`). Pure lines, so the Docker wiring can render them into its
 * template and the integration tests start real nodes from exactly the same text.
 */

export interface ClusterConfInput {
    /** nodes.conf file name, relative to `dir`: inside the data volume so a recreated container keeps its node id. */
    configFile: string;
    /** `cluster-node-timeout`: how long a node may be unreachable before it counts as failed. */
    nodeTimeoutMs: number;
    /**
     * Name clients should use for this node (`cluster-announce-hostname`). In bridge mode: the container name,
     * so in-network clients resolve it by Docker DNS and outside clients map it with ioredis `natMap`.
     */
    announceHostname?: string;
    /** `hostname` makes MOVED/ASK and CLUSTER SLOTS hand out `announceHostname` instead of the IP. */
    preferredEndpointType?: "ip" | "hostname";
    /**
     * Only when peers reach this node through address translation (not the case on one bridge network nor in
     * host mode): what the node tells its peers on the cluster bus.
     */
    announce?: { ip?: string; port?: number; busPort?: number };
}

const HOSTNAME = /^[A-Za-z0-9.-]+$/;

export function clusterConfLines(input: ClusterConfInput): string[] {
    if (!/^[A-Za-z0-9._-]+$/.test(input.configFile))
        throw new Error(`cluster config file name ${JSON.stringify(input.configFile)} must be a plain file name`);
    if (!Number.isInteger(input.nodeTimeoutMs) || input.nodeTimeoutMs < 1)
        throw new Error(`cluster node timeout must be a positive integer, got ${input.nodeTimeoutMs}`);
    const lines = ["cluster-enabled yes", `cluster-config-file ${input.configFile}`, `cluster-node-timeout ${input.nodeTimeoutMs}`];
    if (input.announceHostname !== undefined) {
        // Redis rejects other characters itself; failing here names the value before any container starts.
        if (!HOSTNAME.test(input.announceHostname))
            throw new Error(`cluster announce hostname ${JSON.stringify(input.announceHostname)} may only hold letters, digits, '.' and '-'`);
        lines.push(`cluster-announce-hostname ${input.announceHostname}`);
    }
    if (input.preferredEndpointType) lines.push(`cluster-preferred-endpoint-type ${input.preferredEndpointType}`);
    if (input.announce?.ip) lines.push(`cluster-announce-ip ${input.announce.ip}`);
    if (input.announce?.port) lines.push(`cluster-announce-port ${input.announce.port}`);
    if (input.announce?.busPort) lines.push(`cluster-announce-bus-port ${input.announce.busPort}`);
    return lines;
}

export interface ClusterWiringInput {
    bindAddress: string;
    network: { mode: NetworkMode };
    cluster: Pick<ClusterSettings, "nodeTimeoutMs">;
    /** tls.allowPlaintext: the natMap also maps each node's plain port (clusterClientOptions). */
    tls?: Pick<TlsSettings, "enabled" | "allowPlaintext">;
}

/** nodes.conf sits in `dir` (/data, the volume): a recreated container keeps its node id and peers. */
export const CLUSTER_CONFIG_FILE = "nodes.conf";

/**
 * Bridge mode: the node announces its container name and hands it out in MOVED/CLUSTER SLOTS, so in-network
 * clients resolve it by Docker DNS and outside clients map `<name>:6379` with natMap. Host mode: nodes are
 * reached at bindAddress:port, which is what they see themselves as; nothing to announce.
 */
export function clusterNodeConfLines(input: ClusterWiringInput, node: ClusterNodeLayout): string[] {
    const bridge = input.network.mode === "bridge";
    return clusterConfLines({
        configFile: CLUSTER_CONFIG_FILE,
        nodeTimeoutMs: input.cluster.nodeTimeoutMs,
        announceHostname: bridge ? node.containerName : undefined,
        preferredEndpointType: bridge ? "hostname" : undefined,
    });
}

/** One node's container: its id (known after creation) and its fixed IP on the stack network (bridge mode). */
export interface DeployedContainer {
    id: string;
    /** `nodeIp` above; unused in host mode. */
    ip?: string;
}

/**
 * The formation spec of one node. access: where the provider (on the Docker host) connects, the published
 * port. meet: where the other nodes reach it: the node's fixed IP on the stack network (Redis 7.0 MEET takes
 * IPs only), or bindAddress:hostPort in host mode. revision: the container id, so a replaced container
 * re-runs formation.
 */
export function clusterNodeSpec(input: ClusterWiringInput, node: ClusterNodeLayout, container: DeployedContainer): ClusterNodeSpec {
    const host = input.network.mode === "host";
    return {
        name: node.logicalName,
        shard: node.shard,
        role: node.role,
        access: { host: input.bindAddress, port: node.hostPort },
        meet: {
            host: host ? input.bindAddress : (container.ip ?? ""),
            port: node.listenPort,
            busPort: node.busPort,
        },
        revision: container.id,
    };
}

export interface ClusterClientOptions {
    startupNodes: Endpoint[];
    /** `redisOptions.tls` on TLS stacks: every node verified with the stack's CA (see clusterClientOptions). */
    options: {
        natMap?: NatMap;
        redisOptions: { username?: string; password: string; tls?: { ca: string; cert?: string; key?: string } };
        maxRedirections?: number;
    };
}

/**
 * With a natMap, ioredis follows MOVED by recording the unmapped address, which its connection pool does not
 * know, so each retry goes to a random master until one serves the slot. Over a reshard (slots moving, ASK
 * and MOVED for a while) its default of 16 tries ran out in the scaling tests; 128 did not.
 */
const NAT_MAX_REDIRECTIONS = 128;

/** Each shard's first master: a client needs one that answers; more survive a node being down. */
export function clusterSeedNodes(input: ClusterWiringInput, layout: ClusterNodeLayout[]): Endpoint[] {
    return layout.filter((n) => n.member === 0).map((n) => ({ host: input.bindAddress, port: n.hostPort }));
}

/**
 * `new Redis.Cluster(startupNodes, options)` from the Docker host. Bridge mode needs natMap: nodes hand out
 * `<container name>:6379`, which only resolves inside the network. Host mode addresses are already reachable.
 * TLS stacks (`caCert`): ioredis opens every node's connection with `redisOptions.tls`, to the address the
 * natMap gives (bindAddress), and checks the certificate against that address. Every node's certificate
 * carries bindAddress and 127.0.0.1 (security/certificates.ts), so no `servername` is needed; one would be
 * wrong anyway, since the same options serve every node and each node has its own certificate.
 * ACL stacks with the default user off: `username` is the user clients log in as (security/stack-acl.ts).
 * tls.allowPlaintext: nodes name `<container name>:<TLS port + 1000>` in MOVED to a plain client, so the one
 * natMap maps those too (to the published plain ports). A plain client takes these options without
 * `redisOptions.tls` and a startup node on a `plainPort`; the TLS client never meets the plain entries.
 */
export function clusterClientOptions(
    input: ClusterWiringInput,
    layout: ClusterNodeLayout[],
    login: { username?: string; password: string },
    caCert?: string,
    /** tls.authClients yes or optional: the client certificate every node connection presents. */
    client?: { cert: string; key: string },
): ClusterClientOptions {
    const plain = input.tls?.enabled && input.tls.allowPlaintext ? layout.map((n) => ({ ...n, ...plaintextPorts(n) })) : [];
    const natMap = input.network.mode === "bridge" ? natMapForLayout([...layout, ...plain], input.bindAddress) : undefined;
    return {
        startupNodes: clusterSeedNodes(input, layout),
        options: {
            ...(natMap ? { natMap, maxRedirections: NAT_MAX_REDIRECTIONS } : {}),
            redisOptions: {
                ...(login.username ? { username: login.username } : {}),
                password: login.password,
                ...(caCert === undefined ? {} : { tls: { ca: caCert, ...(client ? { cert: client.cert, key: client.key } : {}) } }),
            },
        },
    };
}
