/**
 * Cluster actions and the formation planner.
 *
 * How `redis-cli --cluster create` forms a cluster (docs/walkthrough.md, "Cluster"), and what stands for
 * each step here:
 *
 *   redis-cli --cluster create step           here
 *   ----------------------------------------  ------------------------------------------------------------------
 *   check every node is empty and unclustered  never planned away: a master holding keys or slots is never made a
 *                                              replica, a slot someone owns is never taken (reported as waiting)
 *   split 16384 slots, pair replicas           cluster/slots.ts planSlotRanges; replicas come from the layout
 *                                              (shard-S-M, member 0 the first master), not chosen at run time
 *   "type yes to accept"                       `pulumi up`'s preview and confirmation
 *   CLUSTER ADDSLOTS on each master            `addSlots` (CLUSTER ADDSLOTSRANGE), only for slots nobody owns, or
 *                                              that every peer already credits to a master which does not claim them
 *   CLUSTER SET-CONFIG-EPOCH 1..n              no action: Redis itself bumps one of two equal config epochs (the
 *                                              node with the smaller id), and a master's first ADDSLOTSRANGE
 *                                              claims slots no other node claims, so the slot map still agrees
 *   every other node MEETs the first one       `meet`: one anchor MEETs every node it does not know yet (the
 *                                              reverse direction, as the walkthrough does by hand from 6379;
 *                                              still a star, gossip introduces the rest)
 *   wait for the cluster to join               the provider's polling rounds (observe.ts reads each node)
 *   CLUSTER REPLICATE on each replica          `replicate`, once the replica knows its master's id
 *   check the cluster (all slots covered)      readiness.ts readinessProblems, until `up` may finish
 *   (none)                                     `setNodeTimeout`: a brand-new cluster forms with a short
 *                                              cluster-node-timeout and gets the configured one back (formation.ts)
 *
 * The planner: desired spec + one observed snapshot → the commands that move the cluster closer
 * to the spec, plus what is being waited for. Pure; the provider runs it every polling round until it
 * returns no actions and the readiness check passes. Because it only ever looks at the live state, the same
 * code forms a fresh cluster, finishes a half-formed one, and does nothing on a formed one.
 *
 * What it never plans: FLUSHALL, CLUSTER RESET, taking a slot someone owns, or turning a master that holds
 * keys or slots into a replica. Those cases are reported as waiting conditions (the timeout names them).
 *
 * Scaling later adds action kinds (migrate slots, forget a node) to the same union, driven by the same
 * desired-vs-observed comparison.
 */
import { ClusterSnapshot, LiveView, ReachableObservation, deriveLiveView, describeNode, inHandshake, reachable, selfEntry } from "./observe";
import { SlotRange, formatSlotRanges, planSlotRanges, rangesWhere } from "./slots";
import { ClusterNodeSpec, ClusterSpec, shardCount } from "./spec";

export type ClusterAction =
    /** `CLUSTER MEET ip port busPort`, sent to `node`, introducing `peer`. */
    | { kind: "meet"; node: string; peer: string; ip: string; port: number; busPort: number }
    /** `CLUSTER ADDSLOTSRANGE` on `node`, for slots no node owns yet. */
    | { kind: "addSlots"; node: string; ranges: SlotRange[] }
    /** `CLUSTER REPLICATE masterId` on `node`. */
    | { kind: "replicate"; node: string; master: string; masterId: string }
    /** `CONFIG SET cluster-node-timeout ms` on `node` (live value only; the config file is the wiring's). */
    | { kind: "setNodeTimeout"; node: string; ms: number };

export function describeAction(a: ClusterAction): string {
    switch (a.kind) {
        case "meet":
            return `${a.node}: CLUSTER MEET ${a.ip} ${a.port} ${a.busPort} (${a.peer})`;
        case "addSlots":
            return `${a.node}: CLUSTER ADDSLOTSRANGE ${formatSlotRanges(a.ranges).join(",")}`;
        case "replicate":
            return `${a.node}: CLUSTER REPLICATE ${a.masterId} (${a.master})`;
        case "setNodeTimeout":
            return `${a.node}: CONFIG SET cluster-node-timeout ${a.ms}`;
    }
}

export function commandOf(a: ClusterAction): string[] {
    switch (a.kind) {
        case "meet":
            return ["CLUSTER", "MEET", a.ip, String(a.port), String(a.busPort)];
        case "addSlots":
            return ["CLUSTER", "ADDSLOTSRANGE", ...a.ranges.flatMap((r) => [String(r.start), String(r.end)])];
        case "replicate":
            return ["CLUSTER", "REPLICATE", a.masterId];
        case "setNodeTimeout":
            return ["CONFIG", "SET", "cluster-node-timeout", String(a.ms)];
    }
}

export interface ConvergencePlan {
    actions: ClusterAction[];
    /** Conditions that block progress for now, each naming the node; shown if the deadline passes. */
    waiting: string[];
}

/** Whether `viewer` knows `target`: by id, or by a handshake already under way to its meet address. */
export function knows(viewer: ReachableObservation, target: ClusterNodeSpec, targetId: string | undefined): boolean {
    return viewer.view.some((e) => (inHandshake(e) ? e.ip === target.meet.host && e.port === target.meet.port : e.id === targetId));
}

/**
 * Meets go out from one anchor (the node that already knows most of the others; the spec's first node on
 * fresh nodes) to each node it does not know, and gossip introduces the rest. (`redis-cli --cluster create`
 * has every other node MEET the first one instead; both form a star.) Measured on 7.0: a star reaches an
 * agreed slot map in about 1 s, a full pairwise mesh in about 2.7 s, because Redis ignores the slots in a
 * handshake's messages and pairs that met directly then wait for the next periodic ping (node timeout / 2),
 * while gossip-driven handshakes exchange them sooner.
 */
function planMeets(view: LiveView): ClusterAction[] {
    const up = view.spec.nodes.filter((n) => reachable(view.byName.get(n.name)));
    if (up.length < 2) return [];
    const known = (viewer: ClusterNodeSpec) =>
        up.filter((t) => t !== viewer && knows(view.byName.get(viewer.name) as ReachableObservation, t, view.idOf.get(t.name))).length;
    const anchor = up.reduce((best, n) => (known(n) > known(best) ? n : best), up[0]);
    const anchorSeen = view.byName.get(anchor.name) as ReachableObservation;
    return up
        .filter((t) => t !== anchor && !knows(anchorSeen, t, view.idOf.get(t.name)))
        .map((t) => ({ kind: "meet", node: anchor.name, peer: t.name, ip: t.meet.host, port: t.meet.port, busPort: t.meet.busPort }));
}

/** Nodes whose live cluster-node-timeout differs from the spec's (when the spec names one). */
function planNodeTimeouts(view: LiveView): ClusterAction[] {
    const want = view.spec.nodeTimeoutMs;
    if (want === undefined) return [];
    return view.spec.nodes.flatMap((n) => {
        const o = view.byName.get(n.name);
        return reachable(o) && o.nodeTimeoutMs !== undefined && o.nodeTimeoutMs !== want
            ? [{ kind: "setNodeTimeout" as const, node: n.name, ms: want }]
            : [];
    });
}

function planSlots(view: LiveView, waiting: string[]): ClusterAction[] {
    const actions: ClusterAction[] = [];
    const planned = planSlotRanges(shardCount(view.spec));
    for (const shard of view.shards) {
        const free = rangesWhere((s) => view.owner[s] === undefined, planned[shard.shard]);
        if (free.length === 0) continue;
        if (!shard.master) {
            waiting.push(`shard ${shard.shard}: ${free.length} unassigned slot range(s) wait for a master: ${shard.problem ?? "none"}`);
            continue;
        }
        const o = view.byName.get(shard.master);
        if (!reachable(o)) {
            waiting.push(`shard ${shard.shard}: unassigned slots wait for ${shard.master} to be reachable`);
            continue;
        }
        actions.push({ kind: "addSlots", node: shard.master, ranges: free });
    }
    return actions;
}

/**
 * Slots every other node credits to a shard's master while the master itself claims none of them, and sees
 * them unassigned: it is told to claim them (ADDSLOTSRANGE), which changes no owner anywhere. Redis 7.0 gets
 * here after a failover: peers move the demoted master's slots to the new master, while the new master took
 * over only the slots its own view then gave the old one; the slot then has no server and the cluster stays
 * in `fail`. The keys are the new master's already (it replicated them), so nothing is taken from anyone.
 */
function planOwnClaims(view: LiveView): ClusterAction[] {
    const actions: ClusterAction[] = [];
    for (const shard of view.shards) {
        const o = shard.master ? view.byName.get(shard.master) : undefined;
        const id = shard.master ? view.idOf.get(shard.master) : undefined;
        const self = reachable(o) ? selfEntry(o) : undefined;
        if (!reachable(o) || !id || !self || !self.flags.includes("master")) continue;
        const seenOwned = new Set<number>();
        for (const e of o.view) if (!inHandshake(e)) for (const r of e.slots) for (let s = r.start; s <= r.end; s++) seenOwned.add(s);
        const unclaimed = rangesWhere((s) => view.owner[s] === id && !seenOwned.has(s));
        if (unclaimed.length > 0) actions.push({ kind: "addSlots", node: shard.master!, ranges: unclaimed });
    }
    return actions;
}

function planReplicas(view: LiveView, waiting: string[]): ClusterAction[] {
    const actions: ClusterAction[] = [];
    for (const shard of view.shards) {
        if (!shard.master) {
            if (shard.members.length > 1) waiting.push(`shard ${shard.shard}: replicas wait for a master: ${shard.problem ?? "none"}`);
            continue;
        }
        const masterId = view.idOf.get(shard.master);
        for (const name of shard.members) {
            if (name === shard.master) continue;
            const o = view.byName.get(name);
            if (!reachable(o)) continue; // reported once, above
            const self = selfEntry(o);
            if (!masterId || !self) {
                waiting.push(`${name} waits for the node id of its master ${shard.master}`);
                continue;
            }
            if (self.masterId === masterId) continue;
            const blocker = replicateBlocker(o, view, shard.master, masterId);
            if (blocker) {
                waiting.push(blocker);
                continue;
            }
            actions.push({ kind: "replicate", node: name, master: shard.master, masterId });
        }
    }
    return actions;
}

/** Why `o` cannot be told to replicate `master` yet, or undefined when it can. */
function replicateBlocker(o: ReachableObservation, view: LiveView, master: string, masterId: string): string | undefined {
    const self = selfEntry(o)!;
    if (self.flags.includes("master")) {
        if (self.slots.length > 0) {
            // Either a restarted old master that has not yet seen the newer config, or slots added by hand.
            return `${o.name} is a master that still claims slots; it must become a replica of ${master} (waiting for it to accept the newer slot owner)`;
        }
        if (o.keys > 0) {
            return `${o.name} is a master holding ${o.keys} keys but must replicate ${master}; formation never flushes data, move or delete those keys first`;
        }
    }
    const masterEntry = o.view.find((e) => e.id === masterId && !inHandshake(e));
    if (!masterEntry) return `${o.name} does not know ${master} yet (meet/gossip in progress)`;
    if (!masterEntry.flags.includes("master")) return `${o.name} does not yet see ${master} as a master`;
    return undefined;
}

export function planConvergence(spec: ClusterSpec, snapshot: ClusterSnapshot, view: LiveView = deriveLiveView(spec, snapshot)): ConvergencePlan {
    const waiting: string[] = [];
    for (const n of spec.nodes) {
        const o = view.byName.get(n.name);
        if (!reachable(o)) waiting.push(`${describeNode(n)} is not reachable: ${o ? o.error : "not observed"}`);
    }
    // Slots before meets: a node's slots travel in the header of every cluster-bus message, so slots that
    // exist before the handshakes reach every peer with them, instead of on the next random ping (which,
    // with a 5 s node timeout, may be seconds away).
    // Timeouts first: a master's wait before it reports ok is derived from the live node timeout.
    const actions = [
        ...planNodeTimeouts(view),
        ...planSlots(view, waiting),
        ...planOwnClaims(view),
        ...planMeets(view),
        ...planReplicas(view, waiting),
    ];
    return { actions, waiting: [...new Set(waiting)] };
}
