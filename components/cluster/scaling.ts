/**
 * A change of `cluster.shards` or `cluster.replicasPerShard` on a formed cluster, in pure terms: which nodes
 * join and leave, which live nodes are strangers to the new spec, which shard must hand its mastership back
 * before a node leaves, and the text a preview prints. The formation provider (formation.ts) runs the steps;
 * resharding itself is rebalance.ts (plan) and reshard.ts (live moves).
 *
 * The order formation follows, as the walkthrough does by hand with `redis-cli --cluster add-node`,
 * `reshard` and `del-node` (docs/walkthrough.md, "Scaling"):
 *   1. handover  a node about to leave that is the live master of a shard that stays (a replica promoted by
 *                a failover, then scaled away) gives mastership to a staying member with CLUSTER FAILOVER.
 *                redis-cli has no such step: del-node simply refuses a node that owns slots.
 *   2. join      new nodes are met and new replicas REPLICATE (converge.ts, as at first formation).
 *   3. reshard   every staying master ends with its even share; leaving masters give all their slots
 *                (reshard.ts; add-node + reshard / rebalance --cluster-use-empty-masters in one step).
 *   4. forget    every staying node CLUSTER FORGETs the strangers, replicas first (del-node's FORGET loop).
 *                Their containers are deleted by the engine after this resource's update, so within the
 *                60 s forget window. Unlike del-node we do not SHUTDOWN them: Docker would restart them.
 */
import type { Endpoint } from "../shared/endpoint";
import { type ClusterNodeEntry, type ClusterNodeStatus, type ClusterSnapshot, inHandshake, isMaster, reachable, selfEntry } from "./observe";
import { describeRebalance, planRebalance } from "./rebalance";
import { type MasterSlots } from "./slot-claims";
import { type SlotRange, parseSlotRange } from "./slots";
import type { ClusterNodeSpec } from "./spec";

export interface MembershipChange {
    joining: string[];
    leaving: string[];
}

/** Nodes (by logical name) in `after` but not `before`, and the reverse. */
export function membershipChange(
    before: readonly Pick<ClusterNodeSpec, "name">[],
    after: readonly Pick<ClusterNodeSpec, "name">[],
): MembershipChange {
    const was = new Set(before.map((n) => n.name));
    const is = new Set(after.map((n) => n.name));
    return { joining: after.map((n) => n.name).filter((n) => !was.has(n)), leaving: before.map((n) => n.name).filter((n) => !is.has(n)) };
}

const addressKey = (host: string, port: number) => `${host}:${port}`;

/**
 * Where the provider reaches a node named by its cluster address (the `ip:port` in CLUSTER NODES), from the
 * specs that know it: the current ones and those of nodes that are leaving. Undefined for an address no
 * spec names (then the node is reached at its cluster address, right in host mode).
 */
export function accessByClusterAddress(specs: readonly ClusterNodeSpec[]): (ip: string, port: number) => Endpoint | undefined {
    const table = new Map(specs.map((n) => [addressKey(n.meet.host, n.meet.port), n.access]));
    return (ip, port) => table.get(addressKey(ip, port));
}

/** The spec node (current or leaving) a cluster address belongs to. */
export function specByClusterAddress(specs: readonly ClusterNodeSpec[]): (ip: string, port: number) => ClusterNodeSpec | undefined {
    const table = new Map(specs.map((n) => [addressKey(n.meet.host, n.meet.port), n]));
    return (ip, port) => table.get(addressKey(ip, port));
}

/** A node some spec node knows that is not in the spec: it is leaving (or a stale entry left behind). */
export interface Stranger {
    id: string;
    entry: ClusterNodeEntry;
    /** Owns slots in the viewer's map: it must give them away before it can be forgotten. */
    ownsSlots: boolean;
    /** Marked fail/noaddr by the viewer: a node already gone. */
    gone: boolean;
}

/** Every node the reachable spec nodes list that is not one of the spec's (matched by cluster address and id). */
export function strangers(spec: readonly ClusterNodeSpec[], snapshot: ClusterSnapshot): Stranger[] {
    const ids = new Set(snapshot.nodes.flatMap((o) => (reachable(o) ? [o.myId] : [])));
    const addresses = new Set(spec.map((n) => addressKey(n.meet.host, n.meet.port)));
    const found = new Map<string, Stranger>();
    for (const o of snapshot.nodes) {
        if (!reachable(o)) continue;
        for (const e of o.view) {
            if (inHandshake(e) || ids.has(e.id) || found.has(e.id)) continue;
            // A spec node that is down is still known by the address it was met on.
            if (e.ip && addresses.has(addressKey(e.ip, e.port))) continue;
            found.set(e.id, {
                id: e.id,
                entry: e,
                ownsSlots: e.slots.length > 0,
                gone: e.flags.includes("fail") || e.flags.includes("noaddr"),
            });
        }
    }
    return [...found.values()];
}

/** A staying replica that takes over from a leaving master of its own shard. */
export interface Handover {
    /** Spec node that runs CLUSTER FAILOVER. */
    node: string;
    /** Id of the leaving master it replaces. */
    from: string;
}

/**
 * Staying nodes that must take over before a stranger leaves: the stranger is a master with slots and the
 * staying node replicates it. This is a replica round scaled away after a failover promoted one of its nodes
 * (a whole shard leaving has no staying replica; its slots are resharded instead).
 */
export function planHandovers(spec: readonly ClusterNodeSpec[], snapshot: ClusterSnapshot, leaving: readonly Stranger[]): Handover[] {
    const handovers: Handover[] = [];
    for (const s of leaving) {
        if (!s.ownsSlots || !isMaster(s.entry)) continue;
        const heir = spec.find((n) => {
            const o = snapshot.nodes.find((x) => x.name === n.name);
            const self = reachable(o) ? selfEntry(o) : undefined;
            return self?.masterId === s.id;
        });
        if (heir) handovers.push({ node: heir.name, from: s.id });
    }
    return handovers;
}

const parseRanges = (tokens: readonly string[]): SlotRange[] => tokens.flatMap((t) => parseSlotRange(t) ?? []);

/**
 * What `up` will do to the cluster, from the last known status (the formation's `nodeStatus` output) and the
 * new spec, without touching Redis: for `preview`. Undefined when no node joins or leaves. Slots are
 * planned with the same planner `up` uses, so the numbers match unless the cluster changed since the last
 * `up` or `refresh` (a failover, say); `up` plans again from the live cluster.
 */
export function describeScaling(
    before: readonly ClusterNodeSpec[],
    status: readonly ClusterNodeStatus[],
    after: readonly ClusterNodeSpec[],
): string | undefined {
    const change = membershipChange(before, after);
    if (change.joining.length === 0 && change.leaving.length === 0) return undefined;
    const staying = new Set(after.map((n) => n.name));
    const label = (shard: number) => `shard-${shard}`;
    const masters: MasterSlots[] = status
        .filter((n) => n.role === "master" && n.slots.length > 0)
        .map((n) => ({ id: n.name, label: label(n.shard), slots: parseRanges(n.slots), configEpoch: 0, migrating: [], importing: [] }));
    const handedOver: string[] = [];
    // A leaving live master of a staying shard hands over first; its slots stay with its shard.
    for (const m of masters) {
        const shard = status.find((n) => n.name === m.id)!.shard;
        const heir = after.find((n) => n.shard === shard);
        if (!staying.has(m.id) && heir) {
            handedOver.push(`${m.id} hands shard ${shard} over to ${heir.name}`);
            m.id = heir.name;
        }
    }
    const served = new Set(masters.map((m) => m.label));
    for (const n of after) {
        if (n.role === "master" && !served.has(label(n.shard))) {
            masters.push({ id: n.name, label: label(n.shard), slots: [], configEpoch: 0, migrating: [], importing: [] });
        }
    }
    const leavingMasters = masters.filter((m) => !staying.has(m.id)).map((m) => m.id);
    let slots: string;
    try {
        const plan = planRebalance({ masters, leaving: leavingMasters });
        slots = describeRebalance(plan, Object.fromEntries(masters.map((m) => [m.id, m.label])));
    } catch (err) {
        // The last status does not cover every slot (a node was down at the last up or refresh).
        slots = `slot moves are planned by up from the live cluster (${(err as Error).message})`;
    }
    return [
        change.joining.length > 0 ? `joining: ${change.joining.join(", ")}` : "",
        change.leaving.length > 0 ? `leaving (forgotten, then deleted): ${change.leaving.join(", ")}` : "",
        ...handedOver,
        slots,
    ]
        .filter(Boolean)
        .join("; ");
}
