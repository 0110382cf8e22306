/**
 * What the formation provider saw on the live nodes, in a form the pure planner can reason about, and the
 * parser for `CLUSTER NODES` that turns each node's view into it. Tests build snapshots from literal
 * CLUSTER NODES text, so the planner is exercised against what Redis really prints.
 */
import { CLUSTER_SLOTS, SlotRange, countSlots, formatSlotRanges, parseSlotRange, rangesWhere } from "./slots";
import { ClusterNodeSpec, ClusterSpec, shardCount, shardMembers } from "./spec";

/** One line of `CLUSTER NODES`: how the viewing node sees one member (itself included). */
export interface ClusterNodeEntry {
    id: string;
    /** Empty until the node has been met (its own line reads `:6379@16379`). */
    ip: string;
    port: number;
    busPort: number;
    /** `cluster-announce-hostname`, when set. */
    hostname: string;
    flags: string[];
    /** Id of the master this entry replicates, or "" for a master. */
    masterId: string;
    configEpoch: number;
    linkState: string;
    slots: SlotRange[];
    /** Slots this node is importing into or migrating out of (`[5798-<-id]`, `[5798->-id]`). */
    openSlots: number[];
}

export type NodeObservation =
    | {
          name: string;
          reachable: true;
          /** `CLUSTER MYID`. */
          myId: string;
          /** Its `CLUSTER NODES`, parsed. */
          view: ClusterNodeEntry[];
          /** Its `CLUSTER INFO` fields (`cluster_state`, `cluster_known_nodes`, ...). */
          clusterInfo: Record<string, string>;
          /** Its `INFO replication` fields (`role`, `master_link_status`, ...). */
          replication: Record<string, string>;
          /** `DBSIZE`: a master holding keys is never turned into a replica (that would discard them). */
          keys: number;
          /** Live `cluster-node-timeout`; undefined where CONFIG is not available (e.g. renamed away). */
          nodeTimeoutMs?: number;
      }
    | { name: string; reachable: false; error: string };

export type ReachableObservation = Extract<NodeObservation, { reachable: true }>;

/** Every node of the spec, in spec order, as seen in one polling round. */
export interface ClusterSnapshot {
    nodes: NodeObservation[];
}

export function parseClusterNodes(text: string): ClusterNodeEntry[] {
    const entries: ClusterNodeEntry[] = [];
    for (const line of text.split(/\r?\n/)) {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 8) continue;
        const [id, address, flags, master, , , epoch, linkState, ...slotTokens] = fields;
        const [endpoint, hostname = ""] = address.split(",");
        const at = endpoint.lastIndexOf("@");
        const hostPort = at >= 0 ? endpoint.slice(0, at) : endpoint;
        const colon = hostPort.lastIndexOf(":");
        const slots: SlotRange[] = [];
        const openSlots: number[] = [];
        for (const token of slotTokens) {
            const range = parseSlotRange(token);
            if (range) slots.push(range);
            else if (token.startsWith("[")) openSlots.push(Number(token.slice(1).split("-")[0]));
        }
        entries.push({
            id,
            ip: hostPort.slice(0, colon),
            port: Number(hostPort.slice(colon + 1)),
            busPort: at >= 0 ? Number(endpoint.slice(at + 1)) : 0,
            hostname,
            flags: flags.split(",").filter((f) => f !== "" && f !== "noflags"),
            masterId: master === "-" ? "" : master,
            configEpoch: Number(epoch),
            linkState,
            slots,
            openSlots,
        });
    }
    return entries;
}

export function isMaster(e: ClusterNodeEntry): boolean {
    return e.flags.includes("master");
}
export function isReplica(e: ClusterNodeEntry): boolean {
    return e.flags.includes("slave");
}
export function isMyself(e: ClusterNodeEntry): boolean {
    return e.flags.includes("myself");
}
/** Still shaking hands: the id is a placeholder, the real one arrives with the first PONG. */
export function inHandshake(e: ClusterNodeEntry): boolean {
    return e.flags.includes("handshake");
}
/** Flags that mean the viewer does not (yet) have a healthy link to this member. */
export const UNHEALTHY_FLAGS = ["fail", "fail?", "handshake", "noaddr"];

export function selfEntry(o: ReachableObservation): ClusterNodeEntry | undefined {
    return o.view.find(isMyself);
}

/**
 * One consistent reading of a polling round: which node id is which logical node, who owns each slot, and
 * which member of each shard is its master right now. Pure.
 *
 * Slot ownership merges every node's view the way Redis itself resolves disagreements: per slot, the claim
 * with the highest config epoch wins. So a restarted old master that still claims its slots for a moment
 * (its configEpoch is older than the promoted replica's) never looks like the owner, and formation never
 * "fixes" a failover back.
 *
 * A shard's master is role-agnostic: the member that owns its slots. Only before any slot is assigned does
 * the spec's initial master matter.
 */
export interface LiveShard {
    shard: number;
    /** Member names, the spec's initial master first. */
    members: string[];
    /** The member acting as master now, if one can be told. */
    master?: string;
    /** Why no master could be told (shown while waiting). */
    problem?: string;
}

export interface LiveView {
    spec: ClusterSpec;
    byName: Map<string, NodeObservation>;
    /** Logical name → node id, from CLUSTER MYID or, for an unreachable node, its address in a peer's view. */
    idOf: Map<string, string>;
    nameOf: Map<string, string>;
    /** Slot → owning node id under the highest-config-epoch rule; undefined while unassigned everywhere. */
    owner: Array<string | undefined>;
    /** Slots two nodes claim with the same config epoch (Redis only settles these by hand). */
    conflicts: SlotRange[];
    shards: LiveShard[];
}

// A function declaration, not an exported arrow: in-module calls then compile to `reachable(o)` instead of
// `exports.reachable(o)`, which Pulumi's closure serializer (under ts-node) captured without the property.
export function reachable(o: NodeObservation | undefined): o is ReachableObservation {
    return !!o && o.reachable;
}

export function describeNode(spec: ClusterNodeSpec): string {
    return `${spec.name} (${spec.access.host}:${spec.access.port})`;
}

export function deriveLiveView(spec: ClusterSpec, snapshot: ClusterSnapshot): LiveView {
    const byName = new Map(snapshot.nodes.map((o) => [o.name, o]));
    const idOf = new Map<string, string>();
    for (const o of snapshot.nodes) if (reachable(o)) idOf.set(o.name, o.myId);
    // A node that is down is still listed by its peers: recognise it by the address it was met on.
    for (const n of spec.nodes) {
        if (idOf.has(n.name)) continue;
        for (const o of snapshot.nodes) {
            const e = reachable(o) ? o.view.find((x) => !inHandshake(x) && x.ip === n.meet.host && x.port === n.meet.port) : undefined;
            if (e) {
                idOf.set(n.name, e.id);
                break;
            }
        }
    }
    const nameOf = new Map([...idOf].map(([name, id]) => [id, name]));

    const owner: Array<string | undefined> = new Array(CLUSTER_SLOTS).fill(undefined);
    const epoch = new Array<number>(CLUSTER_SLOTS).fill(-1);
    const conflict = new Array<boolean>(CLUSTER_SLOTS).fill(false);
    for (const o of snapshot.nodes) {
        if (!reachable(o)) continue;
        for (const e of o.view) {
            for (const r of e.slots) {
                for (let s = r.start; s <= r.end; s++) {
                    if (e.configEpoch > epoch[s]) {
                        owner[s] = e.id;
                        epoch[s] = e.configEpoch;
                        conflict[s] = false;
                    } else if (e.configEpoch === epoch[s] && owner[s] !== e.id) {
                        conflict[s] = true;
                    }
                }
            }
        }
    }
    const view: LiveView = { spec, byName, idOf, nameOf, owner, conflicts: rangesWhere((s) => conflict[s]), shards: [] };
    for (let s = 0; s < shardCount(spec); s++) view.shards.push(liveShard(view, s));
    return view;
}

/** The slot ranges a node owns in the merged map. */
export function ownedRanges(view: LiveView, nodeId: string | undefined): SlotRange[] {
    return nodeId ? rangesWhere((s) => view.owner[s] === nodeId) : [];
}

function liveShard(view: LiveView, shard: number): LiveShard {
    const members = shardMembers(view.spec, shard).map((n) => n.name);
    const result: LiveShard = { shard, members };
    const owning = members.filter((m) => {
        const id = view.idOf.get(m);
        return id !== undefined && view.owner.includes(id);
    });
    if (owning.length === 1) return { ...result, master: owning[0] };
    if (owning.length > 1) {
        return {
            ...result,
            problem: `shard ${shard} has slots on ${owning.join(" and ")}; merging them needs resharding, which formation does not do`,
        };
    }
    // No slots yet: keep a master that members already replicate (a partial formation done by hand) ...
    const selfOf = (m: string) => {
        const o = view.byName.get(m);
        return reachable(o) ? selfEntry(o) : undefined;
    };
    const replicated = members.find((m) => {
        const id = view.idOf.get(m);
        return selfOf(m)?.flags.includes("master") && members.some((r) => r !== m && selfOf(r)?.masterId === id);
    });
    if (replicated) return { ...result, master: replicated };
    // ... else the spec's initial master; only if it is up but already a replica elsewhere, the next member
    // that is a master. An initial master that is merely not up yet is waited for, not replaced.
    if (!reachable(view.byName.get(members[0]))) {
        return { ...result, problem: `shard ${shard} waits for its initial master ${members[0]} to be reachable` };
    }
    const firstMaster = members.find((m) => selfOf(m)?.flags.includes("master"));
    if (firstMaster) return { ...result, master: firstMaster };
    return { ...result, problem: `shard ${shard} has no reachable member that is a master (members: ${members.join(", ")})` };
}

/**
 * A cluster nobody has formed yet: every node answers, none holds a key, and no node's view has a slot
 * assigned. Only such a cluster may run with a shortened node timeout while it forms.
 */
export function isUnformed(spec: ClusterSpec, snapshot: ClusterSnapshot): boolean {
    return spec.nodes.every((n) => {
        const o = snapshot.nodes.find((x) => x.name === n.name);
        return reachable(o) && o.keys === 0 && o.view.every((e) => e.slots.length === 0);
    });
}

/**
 * The formation resource's outputs: every node's live role, node id and slot ranges, and one word for the
 * cluster's health. Derived from a snapshot, so `read` (refresh) reports roles as they are after a failover.
 */
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
            master: role === "replica" ? (view.nameOf.get(self!.masterId) ?? self!.masterId) : "",
            slots: formatSlotRanges(slots),
            slotCount: countSlots(slots),
        };
    });
    const answering = snapshot.nodes.filter(reachable);
    const allOk = answering.length > 0 && answering.every((o) => o.clusterInfo.cluster_state === "ok");
    const clusterState: ClusterHealth = !allOk ? "fail" : answering.length === spec.nodes.length ? "ok" : "degraded";
    return { clusterState, nodes };
}
