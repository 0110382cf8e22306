/**
 * Which node is what at first formation: `shards` masters followed by their replicas, the walkthrough's
 * order (6379/6380/6381 masters, 6479/6480/6481 replicas of them in turn). With three shards and one
 * replica each: node-0..2 masters of shards 0..2, node-3..5 replicas of shards 0..2. A second replica
 * round follows the same pattern (node-6..8), so adding a replica round never renumbers existing nodes.
 */

export type ClusterRole = "master" | "replica";

export interface ClusterNodeRole {
    index: number;
    /** Stable logical id, `node-<index>`; the formation provider names nodes by it. */
    name: string;
    shard: number;
    /** Role at first formation only; after a failover the live role wins. */
    role: ClusterRole;
}

export function planClusterRoles(shards: number, replicasPerShard: number): ClusterNodeRole[] {
    if (!Number.isInteger(shards) || shards < 1) throw new Error(`cluster shards must be a positive integer, got ${shards}`);
    if (!Number.isInteger(replicasPerShard) || replicasPerShard < 0) {
        throw new Error(`cluster replicasPerShard must be a non-negative integer, got ${replicasPerShard}`);
    }
    const nodes: ClusterNodeRole[] = [];
    for (let round = 0; round <= replicasPerShard; round++) {
        for (let shard = 0; shard < shards; shard++) {
            const index = nodes.length;
            nodes.push({ index, name: `node-${index}`, shard, role: round === 0 ? "master" : "replica" });
        }
    }
    return nodes;
}
