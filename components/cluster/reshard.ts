/**
 * Online resharding: runs a rebalance plan (components/cluster/rebalance.ts) against the live nodes
 * (membership.ts) while clients keep working, moving slots with slot-mover.ts. Nodes that have left are
 * forgotten by forget.ts.
 *
 * Each slot moves by `redis-cli --cluster reshard`'s steps (slot-mover.ts). A client meanwhile gets ASK for
 * a key already moved (or TRYAGAIN for a multi-key command over a split slot), both of which cluster
 * clients retry; nothing fails.
 *
 * Where speed comes from, compared with `redis-cli --cluster reshard` (one slot at a time, 10 keys per
 * MIGRATE, every command waiting for the previous reply): many keys per MIGRATE; slots moved in waves, each
 * protocol step sent for the whole wave in one round trip on one pipelined connection per node (which also
 * lets each node save nodes.conf once per step of a wave instead of once per slot); two waves per source in
 * flight; and every source working in parallel. What is kept sequential on purpose: one MIGRATE at a time
 * per source, because MIGRATE blocks the source until the target has restored the keys and the source's
 * clients wait behind it (bench/cluster-reshard.ts reports the p99 a client sees).
 */
import { CLUSTER_SLOTS } from "./slots";
import { pollUntil } from "../shared/poll";
import { parseInfo } from "../shared/redis-connection";
import { type Member, Membership } from "./membership";
import { type MasterMemory, type RebalancePlan, type SlotMove, memoryRefusals, planRebalance } from "./rebalance";
import { type MasterSlots, parseOpenSlots, slotsToCount } from "./slot-claims";
import { type MoveOptions, Mover } from "./slot-mover";

export interface ReshardOptions extends MoveOptions {
    /** Node ids leaving the cluster: their masters give away every slot (replicas are left to `forgetNodes`). */
    leaving?: string[];
    /**
     * Slots moved together as one wave (one source, one target): each step of the per-slot protocol is sent
     * for the whole wave at once, so it costs one round trip, and one nodes.conf save on each node, per wave
     * rather than per slot. Default 32.
     */
    slotsPerWave?: number;
    /** Waves of one source in flight at once (default 2), so one wave's MIGRATEs overlap another's SETSLOTs. */
    wavesPerSource?: number;
    /** Bound on waiting for every node to agree on the new slot map at the end (default 30 s). */
    timeoutMs?: number;
    onProgress?: (p: ReshardProgress) => void;
}

export interface ReshardProgress {
    slotsDone: number;
    slotsTotal: number;
    keysMoved: number;
}

export interface ReshardResult {
    plan: RebalancePlan;
    slotsMoved: number;
    keysMoved: number;
    ms: number;
}

const DEFAULT_SLOTS_PER_WAVE = 32;
const DEFAULT_WAVES_PER_SOURCE = 2;

/** The planner's view of each master, with key counts for the slots that need them. */
async function readMasters(ms: Membership): Promise<MasterSlots[]> {
    // Planner order (which receiver is named first, which master gets a rounding extra on a tie): masters by
    // their lowest slot, as shards are numbered, then the empty ones by label.
    const first = (m: Member) => (m.self.slots.length > 0 ? Math.min(...m.self.slots.map((r) => r.start)) : Infinity);
    const ordered = ms.masters().sort((a, b) => first(a) - first(b) || a.label.localeCompare(b.label, undefined, { numeric: true }));
    const masters: MasterSlots[] = ordered.map((m) => ({
        id: m.address.id,
        label: m.label,
        slots: m.self.slots,
        configEpoch: m.self.configEpoch,
        ...parseOpenSlots(m.text),
    }));
    const toCount = slotsToCount(masters);
    if (toCount.length === 0) return masters;
    return Promise.all(
        masters.map(async (m) => {
            const conn = ms.get(m.id).conn;
            const counts = (await Promise.all(toCount.map((s) => conn.call("CLUSTER", "COUNTKEYSINSLOT", s)))) as number[];
            return { ...m, keysInSlot: Object.fromEntries(toCount.map((s, i) => [s, Number(counts[i])])) };
        }),
    );
}

async function readMemory(ms: Membership, ids: string[]): Promise<MasterMemory[]> {
    return Promise.all(
        ids.map(async (id) => {
            const info = parseInfo((await ms.get(id).conn.call("INFO", "memory")) as string);
            return {
                id,
                usedMemory: Number(info.used_memory ?? 0),
                datasetBytes: Number(info.used_memory_dataset ?? 0),
                maxmemory: Number(info.maxmemory ?? 0),
            };
        }),
    );
}

export interface RebalancePreview {
    plan: RebalancePlan;
    /** Reasons the plan would be refused (memory); empty when it can run. An unreachable node throws instead. */
    refusals: string[];
}

/** Reads the cluster and plans, without changing anything. */
export async function previewRebalance(opts: ReshardOptions): Promise<RebalancePreview> {
    const ms = await Membership.open(opts);
    try {
        return await previewWith(ms, opts);
    } finally {
        ms.close();
    }
}

async function previewWith(ms: Membership, opts: ReshardOptions): Promise<RebalancePreview> {
    // Without every node the slot map itself is unknown, so there is nothing to plan from.
    const unreachable = ms.unreachableProblem();
    if (unreachable) throw new Error(`cannot rebalance, nothing was moved: ${unreachable}`);
    const refusals: string[] = [];
    const masters = await readMasters(ms);
    const plan = planRebalance({ masters, leaving: opts.leaving });
    const receivers = [...new Set(plan.transfers.map((t) => t.to))];
    const givers = [...new Set(plan.transfers.map((t) => t.from))];
    refusals.push(...memoryRefusals(plan, masters, await readMemory(ms, [...receivers, ...givers])));
    return { plan, refusals };
}

/**
 * Until every node reports cluster_state:ok. A master that has just joined reports `fail` for a while
 * (it waits out its own rejoin delay), and while it does it answers MIGRATE's RESTORE with CLUSTERDOWN.
 */
async function awaitClusterOk(ms: Membership, timeoutMs: number): Promise<void> {
    await pollUntil(
        async () => {
            const states = await Promise.all(
                [...ms.members.values()].map(async (m) => ({ m, state: parseInfo((await m.conn.call("CLUSTER", "INFO")) as string).cluster_state })),
            );
            const bad = states.filter((s) => s.state !== "ok");
            return bad.length === 0
                ? { done: true, value: undefined }
                : { done: false, observed: bad.map((s) => `${s.m.label}: cluster_state:${s.state}`).join("; ") };
        },
        { timeoutMs, intervalMs: 50, description: "every node to report cluster_state:ok before slots move" },
    );
}

/** Until every node's view of every slot's owner matches `owner`. */
async function awaitAgreement(ms: Membership, owner: string[], timeoutMs: number): Promise<void> {
    await pollUntil(
        async () => {
            await ms.refresh();
            for (const m of ms.members.values()) {
                const seen = new Array<string>(CLUSTER_SLOTS);
                for (const e of m.view) for (const r of e.slots) for (let s = r.start; s <= r.end; s++) seen[s] = e.id;
                const off = owner.findIndex((id, s) => seen[s] !== id);
                if (off >= 0)
                    return {
                        done: false,
                        observed: `${m.label} still sees slot ${off} at ${seen[off] ? ms.label(m.view.find((e) => e.id === seen[off])!) : "no node"}`,
                    };
            }
            return { done: true, value: undefined };
        },
        { timeoutMs, intervalMs: 50, description: "every node to agree on the new slot map" },
    );
}

/**
 * Rebalances the live cluster: refuses first (unreachable node, not enough memory), closes open slots
 * left by an interrupted run, moves the planned slots, and returns once every node agrees on the result.
 */
export async function rebalanceCluster(opts: ReshardOptions): Promise<ReshardResult> {
    const started = Date.now();
    const ms = await Membership.open(opts);
    try {
        const { plan, refusals } = await previewWith(ms, opts);
        if (refusals.length > 0) throw new Error(`cannot rebalance, nothing was moved: ${refusals.join("; ")}`);
        if (plan.fixes.length + plan.moves.length > 0) await awaitClusterOk(ms, opts.timeoutMs ?? 30000);
        const mover = new Mover(ms, opts);
        for (const f of plan.fixes) await mover.fix(f);

        const bySource = new Map<string, SlotMove[]>();
        for (const mv of plan.moves) {
            if (!bySource.has(mv.from)) bySource.set(mv.from, []);
            bySource.get(mv.from)!.push(mv);
        }
        let done = 0;
        let failure: Error | undefined;
        const perWave = opts.slotsPerWave ?? DEFAULT_SLOTS_PER_WAVE;
        await Promise.all(
            [...bySource.values()].flatMap((queue) =>
                Array.from({ length: opts.wavesPerSource ?? DEFAULT_WAVES_PER_SOURCE }, async () => {
                    // On the first failure no new wave starts; waves already in flight finish, so as few slots as possible stay open.
                    while (!failure && queue.length > 0) {
                        // The next run of moves to one target, up to a wave.
                        let n = 1;
                        while (n < perWave && n < queue.length && queue[n].to === queue[0].to) n++;
                        const wave = queue.splice(0, n);
                        try {
                            await mover.moveWave(
                                wave.map((mv) => mv.slot),
                                wave[0].from,
                                wave[0].to,
                            );
                            done += wave.length;
                            opts.onProgress?.({ slotsDone: done, slotsTotal: plan.moves.length, keysMoved: mover.keysMoved });
                        } catch (err) {
                            failure ??= err as Error;
                        }
                    }
                }),
            ),
        );
        if (failure) throw failure;

        const owner = new Array<string>(CLUSTER_SLOTS);
        for (const m of await readMastersAfter(plan, ms)) for (const r of m.slots) for (let s = r.start; s <= r.end; s++) owner[s] = m.id;
        await awaitAgreement(ms, owner, opts.timeoutMs ?? 30000);
        return { plan, slotsMoved: plan.moves.length, keysMoved: mover.keysMoved, ms: Date.now() - started };
    } finally {
        ms.close();
    }
}

/** The slot map the plan leads to, as `{id, slots}` per master. */
async function readMastersAfter(plan: RebalancePlan, ms: Membership): Promise<Array<{ id: string; slots: Array<{ start: number; end: number }> }>> {
    // The masters' own claims now (every SETSLOT NODE has been acknowledged), checked against the plan.
    await ms.refresh();
    const claims = ms.masters().map((m) => ({ id: m.address.id, slots: m.self.slots }));
    const count = new Map(claims.map((c) => [c.id, c.slots.reduce((n, r) => n + r.end - r.start + 1, 0)]));
    for (const [id, share] of Object.entries(plan.shares)) {
        if (count.get(id) !== share) throw new Error(`after moving, ${ms.get(id).label} holds ${count.get(id) ?? 0} slots instead of ${share}`);
    }
    return claims;
}
