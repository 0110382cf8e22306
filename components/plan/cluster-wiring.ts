/**
 * Pure Docker wiring of a cluster: per node its cluster directives and its formation spec, and the client
 * options for reaching the cluster from the Docker host. The component (components/cluster.ts) only feeds in
 * the container ids Docker assigns and, in bridge mode, the fixed IPs of plan/cluster-addresses.ts.
 */
import type { ClusterSettings, NetworkMode } from "../settings";
import { clusterConfLines } from "./cluster-conf";
import type { ClusterNodeLayout } from "./cluster-layout";
import { clusterNatMap } from "./cluster-nat-map";
import type { ClusterNodeSpec, HostPort } from "./cluster-spec";

export interface ClusterWiringInput {
    bindAddress: string;
    network: { mode: NetworkMode };
    cluster: Pick<ClusterSettings, "nodeTimeoutMs">;
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
    /** plan/cluster-addresses.ts `clusterNodeIp`; unused in host mode. */
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
    startupNodes: HostPort[];
    options: { natMap?: Record<string, HostPort>; redisOptions: { password: string } };
}

/** Each shard's first master: a client needs one that answers; more survive a node being down. */
export function clusterSeedNodes(input: ClusterWiringInput, layout: ClusterNodeLayout[]): HostPort[] {
    return layout.filter((n) => n.member === 0).map((n) => ({ host: input.bindAddress, port: n.hostPort }));
}

/**
 * `new Redis.Cluster(startupNodes, options)` from the Docker host. Bridge mode needs natMap: nodes hand out
 * `<container name>:6379`, which only resolves inside the network. Host mode addresses are already reachable.
 */
export function clusterClientOptions(input: ClusterWiringInput, layout: ClusterNodeLayout[], password: string): ClusterClientOptions {
    const natMap =
        input.network.mode === "bridge"
            ? clusterNatMap(layout.map((n) => ({ announced: [{ host: n.containerName, port: n.listenPort }], access: { host: input.bindAddress, port: n.hostPort } })))
            : undefined;
    return { startupNodes: clusterSeedNodes(input, layout), options: { ...(natMap ? { natMap } : {}), redisOptions: { password } } };
}
