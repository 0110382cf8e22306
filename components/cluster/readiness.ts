/**
 * When a cluster counts as formed: every node answers and says `cluster_state:ok`, knows every other node
 * over a healthy link, all nodes agree on one slot map covering all 16384 slots with no slot mid-migration,
 * every shard has one master owning its slots, and every other member replicates that master with
 * `master_link_status:up`. Pure: returns what is missing, each entry naming the node and the condition.
 */
import {
    ClusterNodeEntry,
    ClusterSnapshot,
    LiveView,
    UNHEALTHY_FLAGS,
    deriveLiveView,
    describeNode,
    inHandshake,
    isReplica,
    ownedRanges,
    reachable,
    selfEntry,
} from "./observe";
import { CLUSTER_SLOTS, formatSlotRanges, rangesWhere } from "./slots";
import { ClusterSpec } from "./spec";

const describeId = (view: LiveView, id: string | undefined) => (id === undefined ? "nobody" : (view.nameOf.get(id) ?? `unknown node ${id}`));

const roleText = (view: LiveView, e: ClusterNodeEntry) => (isReplica(e) ? `a replica of ${describeId(view, e.masterId)}` : "a master");

/**
 * `membership`: the check formation runs before it moves slots while the cluster changes size. Joining masters
 * own nothing yet and leaving nodes (not in the spec) still own slots; both are what resharding then fixes,
 * so they are not problems at this stage. `full` (the default) is the final check.
 */
export type ReadinessStage = "membership" | "full";

function slotMapProblems(view: LiveView, snapshot: ClusterSnapshot, stage: ReadinessStage): string[] {
    const problems: string[] = [];
    const unassigned = rangesWhere((s) => view.owner[s] === undefined);
    if (unassigned.length > 0) problems.push(`slots ${formatSlotRanges(unassigned).join(",")} are not assigned to any node`);
    if (view.conflicts.length > 0)
        problems.push(`slots ${formatSlotRanges(view.conflicts).join(",")} are claimed by two nodes with the same config epoch`);
    const strangers = new Set(view.owner.filter((id): id is string => id !== undefined && !view.nameOf.has(id)));
    for (const id of stage === "full" ? strangers : []) {
        problems.push(`slots ${formatSlotRanges(ownedRanges(view, id)).join(",")} are owned by node ${id}, which is not one of this cluster's nodes`);
    }
    for (const o of snapshot.nodes) {
        if (!reachable(o)) continue;
        const seen: Array<string | undefined> = new Array(CLUSTER_SLOTS).fill(undefined);
        for (const e of o.view) if (!inHandshake(e)) for (const r of e.slots) for (let s = r.start; s <= r.end; s++) seen[s] = e.id;
        const differs = rangesWhere((s) => seen[s] !== view.owner[s]);
        if (differs.length > 0) {
            const s = differs[0].start;
            problems.push(
                `${o.name} disagrees on the slot map for slots ${formatSlotRanges(differs).slice(0, 3).join(",")}${differs.length > 3 ? ",..." : ""}` +
                    ` (slot ${s}: ${describeId(view, seen[s])} there, ${describeId(view, view.owner[s])} by the newest config epoch)`,
            );
        }
        const open = selfEntry(o)?.openSlots ?? [];
        if (open.length > 0) problems.push(`${o.name} has slots being imported or migrated: ${open.join(",")}`);
    }
    return problems;
}

function membershipProblems(view: LiveView, snapshot: ClusterSnapshot): string[] {
    const problems: string[] = [];
    for (const o of snapshot.nodes) {
        if (!reachable(o)) continue;
        if (view.spec.nodeTimeoutMs !== undefined && o.nodeTimeoutMs !== undefined && o.nodeTimeoutMs !== view.spec.nodeTimeoutMs) {
            problems.push(`${o.name} runs with cluster-node-timeout ${o.nodeTimeoutMs}, want ${view.spec.nodeTimeoutMs}`);
        }
        if (o.clusterInfo.cluster_state !== "ok") {
            problems.push(
                `${o.name} reports cluster_state:${o.clusterInfo.cluster_state ?? "unknown"}` +
                    ` (slots assigned ${o.clusterInfo.cluster_slots_assigned ?? "?"}, known nodes ${o.clusterInfo.cluster_known_nodes ?? "?"})`,
            );
        }
        for (const peer of view.spec.nodes) {
            const peerId = view.idOf.get(peer.name);
            if (peer.name === o.name || !reachable(view.byName.get(peer.name))) continue;
            const e = o.view.find((x) => x.id === peerId && !inHandshake(x));
            const shaking = o.view.some((x) => inHandshake(x) && x.ip === peer.meet.host && x.port === peer.meet.port);
            if (!e && shaking) {
                problems.push(
                    `${o.name} is still shaking hands with ${peer.name} at ${peer.meet.host}:${peer.meet.port}@${peer.meet.busPort}` +
                        ` (if this persists, that meet address or its bus port is not reachable from ${o.name})`,
                );
            } else if (!e) problems.push(`${o.name} does not know ${peer.name} yet`);
            else if (e.flags.some((f) => UNHEALTHY_FLAGS.includes(f))) problems.push(`${o.name} sees ${peer.name} with flags ${e.flags.join(",")}`);
            else if (e.linkState !== "connected") problems.push(`${o.name} has no cluster-bus link to ${peer.name} (${e.linkState})`);
            else {
                // Roles travel by ping like slots do; a master that still sees a replica as a master would
                // deny that replica's failover vote, so "formed" includes agreeing on who replicates whom.
                const peerObs = view.byName.get(peer.name);
                const own = reachable(peerObs) ? selfEntry(peerObs) : undefined;
                if (own && (isReplica(e) !== isReplica(own) || e.masterId !== own.masterId)) {
                    problems.push(`${o.name} still sees ${peer.name} as ${roleText(view, e)}, but it is ${roleText(view, own)}`);
                }
            }
        }
    }
    return problems;
}

function shardProblems(view: LiveView, stage: ReadinessStage): string[] {
    const problems: string[] = [];
    for (const shard of view.shards) {
        if (!shard.master) {
            problems.push(shard.problem ?? `shard ${shard.shard} has no master`);
            continue;
        }
        const masterId = view.idOf.get(shard.master);
        if (stage === "full" && ownedRanges(view, masterId).length === 0) problems.push(`shard ${shard.shard}: master ${shard.master} owns no slots`);
        for (const name of shard.members) {
            const o = view.byName.get(name);
            if (name === shard.master || !reachable(o)) continue;
            const self = selfEntry(o);
            const r = o.replication;
            if (!self || self.masterId !== masterId || !self.flags.includes("slave")) {
                problems.push(
                    `${name} is not yet a replica of ${shard.master} (its flags: ${self?.flags.join(",") ?? "unknown"}, master ${describeId(view, self?.masterId || undefined)})`,
                );
            } else if (r.role !== "slave" || r.master_link_status !== "up" || r.master_sync_in_progress === "1") {
                problems.push(
                    `${name} reports master_link_status:${r.master_link_status ?? "none"} towards ${shard.master}` +
                        (r.master_sync_in_progress === "1" ? " (sync in progress)" : ""),
                );
            }
        }
    }
    return problems;
}

export function readinessProblems(
    spec: ClusterSpec,
    snapshot: ClusterSnapshot,
    view: LiveView = deriveLiveView(spec, snapshot),
    stage: ReadinessStage = "full",
): string[] {
    const unreachable = spec.nodes.flatMap((n) => {
        const o = view.byName.get(n.name);
        return reachable(o) ? [] : [`${describeNode(n)} is not reachable: ${o ? o.error : "not observed"}`];
    });
    return [...unreachable, ...membershipProblems(view, snapshot), ...slotMapProblems(view, snapshot, stage), ...shardProblems(view, stage)];
}
