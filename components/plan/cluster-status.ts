/**
 * The formation resource's outputs: every node's live role, node id and slot ranges, and one word for the
 * cluster's health. Derived from a snapshot, so `read` (refresh) reports roles as they are after a failover.
 */
import { ClusterSnapshot, selfEntry } from "./cluster-observed";
import { deriveLiveView, ownedRanges, reachable } from "./cluster-live-view";
import { countSlots, formatSlotRanges } from "./cluster-slots";
import { ClusterSpec } from "./cluster-spec";

export interface ClusterNodeStatus {
    name: string;
    shard: number;
    /** 40-hex cluster node id; "" if the node was never seen. */
    nodeId: string;
    /** Live role; `unreachable` when the node did not answer this time. */
    role: "master" | "replica" | "unreachable";
    /** For a replica, the name of the node it replicates; otherwise "". */
    master: string;
    /** Slot ranges owned, `CLUSTER NODES` notation (`0-5461`); empty for replicas. */
    slots: string[];
    slotCount: number;
}

/** `ok`: every node answers and reports ok. `degraded`: the ones that answer report ok. `fail`: otherwise. */
export type ClusterHealth = "ok" | "degraded" | "fail";

export interface ClusterStatus {
    clusterState: ClusterHealth;
    nodes: ClusterNodeStatus[];
}

export function clusterStatus(spec: ClusterSpec, snapshot: ClusterSnapshot): ClusterStatus {
    const view = deriveLiveView(spec, snapshot);
    const nodes = spec.nodes.map((n): ClusterNodeStatus => {
        const id = view.idOf.get(n.name) ?? "";
        const o = view.byName.get(n.name);
        const self = reachable(o) ? selfEntry(o) : undefined;
        const role = !self ? "unreachable" : self.flags.includes("slave") ? "replica" : "master";
        const slots = role === "master" ? ownedRanges(view, id) : [];
        return {
            name: n.name,
            shard: n.shard,
            nodeId: id,
            role,
            master: role === "replica" ? view.nameOf.get(self!.masterId) ?? self!.masterId : "",
            slots: formatSlotRanges(slots),
            slotCount: countSlots(slots),
        };
    });
    const answering = snapshot.nodes.filter(reachable);
    const allOk = answering.length > 0 && answering.every((o) => o.clusterInfo.cluster_state === "ok");
    const clusterState: ClusterHealth = !allOk ? "fail" : answering.length === spec.nodes.length ? "ok" : "degraded";
    return { clusterState, nodes };
}
