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
import { ClusterSnapshot, NodeObservation, ReachableObservation, inHandshake, selfEntry } from "./cluster-observed";
import { CLUSTER_SLOTS, SlotRange, rangesWhere } from "./cluster-slots";
import { ClusterNodeSpec, ClusterSpec, shardCount, shardMembers } from "./cluster-spec";

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
        return { ...result, problem: `shard ${shard} has slots on ${owning.join(" and ")}; merging them needs resharding, which formation does not do` };
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
