/**
 * Pure cluster layout: one node per (shard, member), named and ported so that adding a shard or a replica
 * round later never renames or moves an existing node (the scaling issue builds on this).
 * Member 0 of each shard is its master at first formation; members 1.. are its replicas.
 * Ports follow the walkthrough (4.1): masters on basePort+shard (6379-6381), replica round r on
 * basePort + 100*r + shard (6479-6481). The cluster bus is the client port + 10000.
 */
import type { ClusterSettings } from "../settings";
import { CLUSTER_BUS_PORT_OFFSET, CLUSTER_ROUND_PORT_STEP } from "./port-offsets";
import { type LayoutInput, type NodeLayout, CONTAINER_REDIS_PORT } from "./layout";

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
            });
        }
    }
    return nodes;
}
