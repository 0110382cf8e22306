/**
 * The order a rolling restart takes, and what the plan says about each step. Pure.
 *
 * A roll happens when a node's container must be replaced (a new `image`, a setting Redis reads only at
 * start, a changed port): the RollGate in front of each container (rolling/gate.ts) makes the engine replace
 * one container at a time, in the order computed here:
 *   1. replicas, in layout order (a replica's restart costs clients nothing);
 *   2. masters, in layout order: each hands over to an in-sync replica first (CLUSTER FAILOVER, SENTINEL
 *      FAILOVER), so its restart costs clients a failover, not an outage;
 *   3. sentinels, one at a time (the others keep the quorum).
 * The roles are the live ones when the roll starts (rolling/plan.ts reads them): after a failover the node
 * that is master now rolls last in its shard and hands over once, to a replica already on the new version.
 * A node that does not answer keeps its layout role. What a gate does at its turn depends on the live role
 * then: a node that is master at its turn hands over, whatever the plan thought. A master with no replica
 * (`cluster.replicasPerShard: 0`, `replication` without Sentinel) cannot hand over: its restart is a short
 * write outage for its shard.
 */

/** How a group keeps serving while one node restarts: who can take over from a master. */
export type RollKind = "replication" | "sentinel" | "cluster";

export type RollRole = "master" | "replica" | "sentinel";

export interface RollMember {
    /** Logical node name (`node-1`, `shard-0-1`, `sentinel-2`). */
    name: string;
    /** The role it has: live when the plan could read it, else the layout's. */
    role: RollRole;
}

const PHASE: Record<RollRole, number> = { replica: 0, master: 1, sentinel: 2 };

/** Names in roll order: replicas, then masters, then sentinels; layout order within each. */
export function rollOrder(members: RollMember[]): string[] {
    return members
        .map((m, i) => ({ m, i }))
        .sort((a, b) => PHASE[a.m.role] - PHASE[b.m.role] || a.i - b.i)
        .map(({ m }) => m.name);
}

/** What a node does at its turn, given its live role then (undefined: not reachable now). */
export function describeRollStep(kind: RollKind, name: string, position: number, total: number, liveRole: string | undefined): string {
    const head = `roll ${position}/${total}: ${name}`;
    if (liveRole === undefined) return `${head} is not reachable now; its container is replaced without waiting on it`;
    if (liveRole !== "master") return `${head} (${liveRole}) restarts with its new container`;
    if (kind === "cluster") return `${head} is a master: hands over to an in-sync replica (CLUSTER FAILOVER), then restarts`;
    if (kind === "sentinel") return `${head} is the master: hands over with SENTINEL FAILOVER, then restarts`;
    return `${head} is the master and nothing can take over without Sentinel: writes pause until it is back`;
}
