/**
 * Slot rebalancing for a live Redis Cluster, as a pure plan: which open slots to close first (resuming an
 * interrupted move), which slots move from which master to which, and one line a user can read. No I/O:
 * components/cluster/reshard.ts reads the nodes and runs the plan.
 *
 * The model is the one of `redis-cli --cluster` (its cluster manager in redis-cli.c: reshard, rebalance,
 * fix), with these differences, each on purpose:
 *   - Shares. rebalance gives every master `floor(16384 / masters)` and makes up the rounding with the
 *     receivers; here the 16384 % masters extra slots go to the masters that already hold the most, so the
 *     remainder never has to move (3→4 from 5462/5461/5461 moves exactly 4096 slots) and the final sizes
 *     differ by at most one.
 *   - Who gives to whom. rebalance pairs the most-lacking master with the most-surplus one and moves
 *     min(lack, surplus) between them, so a new master usually drains one old master first. Here every
 *     receiving master takes from every giving master in proportion to what that giver holds above its
 *     share (rounded so each row and column still adds up exactly), so every giver has work and the
 *     executor can drain them all in parallel.
 *   - Fewest slots moved and no slot moves twice: a slot goes straight from its current owner to its final
 *     one; a master is either a giver or a receiver, never both.
 *   - Open slots. `--cluster fix` picks an owner by key count when in doubt, and on BUSYKEY compares the two
 *     copies and migrates with REPLACE when they are equal. Here the owner is the one Redis itself would
 *     pick (the claimant with the highest config epoch), an interrupted move whose target already has
 *     keys or is importing is finished forward (the live path clients already follow through ASK), and
 *     keys stranded on a non-owner are drained to the owner without REPLACE: a duplicate stops the run
 *     (BUSYKEY) instead of overwriting anything.
 */
import { CLUSTER_SLOTS } from "./slots";
import { type MasterSlots, type OpenSlotFix, planOpenSlotFixes } from "./slot-claims";

export interface RebalanceRequest {
    /** Every master of the cluster, joining ones (no slots yet) included. */
    masters: readonly MasterSlots[];
    /** Ids of nodes that leave: their masters give away every slot. Ids of replicas or unknown nodes are ignored. */
    leaving?: readonly string[];
}

export interface SlotMove {
    slot: number;
    from: string;
    to: string;
}

/** How many slots one master hands to another. */
export interface Transfer {
    from: string;
    to: string;
    slots: number;
}

export interface RebalancePlan {
    /** Open slots to close before anything else moves (resume after an interrupted run). */
    fixes: OpenSlotFix[];
    /** One entry per slot that moves, in the order givers are drained; each slot at most once. */
    moves: SlotMove[];
    /** `moves` summed per giver and receiver. */
    transfers: Transfer[];
    /** Slots each remaining master holds once the plan has run, by node id. */
    shares: Record<string, number>;
    /** One line, e.g. `shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2`. */
    description: string;
}

/** One master's memory, from `INFO memory`. */
export interface MasterMemory {
    id: string;
    usedMemory: number;
    /** Bytes of keys and values (`used_memory_dataset`). */
    datasetBytes: number;
    /** `maxmemory`; 0 means unlimited. */
    maxmemory: number;
}

/**
 * Rounds `real[r][g]` (rows summing to integers `rows[r]`, columns to `cols[g]`) to integers, each entry
 * its floor or ceiling, with every row and column sum kept exact. Such a rounding always exists (the
 * fractional parts are a feasible flow); it is found by augmenting paths over the cells, trying the
 * largest fractional parts first.
 */
function roundMatrix(real: number[][], rows: number[], cols: number[]): number[][] {
    const out = real.map((row) => row.map((v) => Math.floor(v + 1e-9)));
    const rowNeed = rows.map((t, r) => t - out[r].reduce((a, b) => a + b, 0));
    const colNeed = cols.map((t, g) => t - out.reduce((a, row) => a + row[g], 0));
    const frac = (r: number, g: number) => real[r][g] - out[r][g];
    // Cells that may still take +1, per row, largest fraction first.
    const options = real.map((row, r) =>
        row
            .map((_, g) => g)
            .filter((g) => frac(r, g) > 1e-9)
            .sort((a, b) => frac(r, b) - frac(r, a)),
    );
    const extra = real.map((row) => row.map(() => 0));
    const colTaken = cols.map(() => 0);
    // Bipartite b-matching: each row r needs rowNeed[r] distinct columns, each column g takes colNeed[g].
    const augment = (r: number, seen: Set<number>): boolean => {
        for (const g of options[r]) {
            if (extra[r][g] || seen.has(g)) continue;
            seen.add(g);
            if (colTaken[g] < colNeed[g]) {
                extra[r][g] = 1;
                colTaken[g]++;
                return true;
            }
            // Column full: try to move one of its other rows elsewhere.
            for (let other = 0; other < real.length; other++) {
                if (other !== r && extra[other][g]) {
                    extra[other][g] = 0;
                    if (augment(other, seen)) {
                        extra[r][g] = 1;
                        return true;
                    }
                    extra[other][g] = 1;
                }
            }
        }
        return false;
    };
    rowNeed.forEach((need, r) => {
        for (let k = 0; k < need; k++) {
            if (!augment(r, new Set())) throw new Error("internal: slot transfer rounding found no solution");
        }
    });
    return out.map((row, r) => row.map((v, g) => v + extra[r][g]));
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The plan's line for users; `labels` maps node ids to names such as `shard-3`. */
export function describeRebalance(plan: Pick<RebalancePlan, "fixes" | "transfers">, labels: Readonly<Record<string, string>>): string {
    const name = (id: string) => labels[id] ?? id.slice(0, 8);
    const parts: string[] = [];
    if (plan.fixes.length > 0) {
        const shown = plan.fixes
            .slice(0, 4)
            .map((f) =>
                f.kind === "finish"
                    ? `${f.slot} (finish move ${name(f.from)} → ${name(f.to)})`
                    : `${f.slot} (stays with ${name(f.owner)}${f.drain.length > 0 ? `, keys drained from ${f.drain.map(name).join(", ")}` : ""})`,
            );
        const more = plan.fixes.length > shown.length ? `, and ${plan.fixes.length - shown.length} more` : "";
        parts.push(`close ${plan.fixes.length === 1 ? "open slot" : `${plan.fixes.length} open slots`} first: ${shown.join(", ")}${more}`);
    }
    const receivers = [...new Set(plan.transfers.map((t) => t.to))];
    for (const to of receivers) {
        const from = plan.transfers.filter((t) => t.to === to);
        parts.push(`${name(to)} takes ${from.map((t, i) => `${i === 0 ? plural(t.slots, "slot") : t.slots} from ${name(t.from)}`).join(", ")}`);
    }
    if (receivers.length === 0) parts.push("no slot moves: every master already holds its share");
    return parts.join("; ");
}

/**
 * The full plan: close open slots, then move slots so every remaining master holds its even share of the
 * 16384 (sizes differing by at most one), leaving masters giving all of theirs, with the fewest slots moved.
 */
export function planRebalance(req: RebalanceRequest): RebalancePlan {
    const masters = req.masters;
    const ids = new Set<string>();
    for (const m of masters) {
        if (ids.has(m.id)) throw new Error(`master ${m.label} (${m.id}) is listed twice`);
        ids.add(m.id);
    }
    const { fixes, owner } = planOpenSlotFixes(masters);
    const unowned = owner.indexOf(-1);
    if (unowned >= 0) throw new Error(`slot ${unowned} is served by no master; the cluster must be formed before it is rebalanced`);
    const leaving = new Set(req.leaving ?? []);
    const stays = masters.map((m) => !leaving.has(m.id));
    const remaining = masters.map((_, i) => i).filter((i) => stays[i]);
    if (remaining.length === 0) throw new Error("every master would leave: at least one must remain to hold the slots");

    const held = masters.map(() => 0);
    const slotsOf: number[][] = masters.map(() => []);
    for (let s = 0; s < CLUSTER_SLOTS; s++) {
        held[owner[s]]++;
        slotsOf[owner[s]].push(s);
    }
    // Even shares; the rounding extras go to the masters holding the most, so they never have to move.
    const base = Math.floor(CLUSTER_SLOTS / remaining.length);
    const extras = CLUSTER_SLOTS % remaining.length;
    const share = masters.map(() => 0);
    [...remaining].sort((a, b) => held[b] - held[a] || a - b).forEach((i, rank) => (share[i] = base + (rank < extras ? 1 : 0)));

    const givers = masters.map((_, i) => i).filter((i) => held[i] > share[i]);
    const receivers = masters.map((_, i) => i).filter((i) => held[i] < share[i]);
    const surplus = givers.map((g) => held[g] - share[g]);
    const deficit = receivers.map((r) => share[r] - held[r]);
    const total = surplus.reduce((a, b) => a + b, 0);
    const amounts =
        total === 0
            ? []
            : roundMatrix(
                  deficit.map((d) => surplus.map((s) => (d * s) / total)),
                  deficit,
                  surplus,
              );

    // Each giver hands out its lowest slots first (as redis-cli's reshard table does), a contiguous run per receiver.
    const next = givers.map(() => 0);
    const moves: SlotMove[] = [];
    const transfers: Transfer[] = [];
    receivers.forEach((r, ri) => {
        givers.forEach((g, gi) => {
            const n = amounts[ri][gi];
            if (n === 0) return;
            for (const slot of slotsOf[g].slice(next[gi], next[gi] + n)) moves.push({ slot, from: masters[g].id, to: masters[r].id });
            next[gi] += n;
            transfers.push({ from: masters[g].id, to: masters[r].id, slots: n });
        });
    });
    const shares: Record<string, number> = {};
    for (const i of remaining) shares[masters[i].id] = share[i];
    const labels = Object.fromEntries(masters.map((m) => [m.id, m.label]));
    return { fixes, moves, transfers, shares, description: describeRebalance({ fixes, transfers }, labels) };
}

/**
 * Refusals for a plan whose receivers could not hold what they would take: a receiver with `maxmemory`
 * set must fit its current use plus the incoming data, estimated per giver as its dataset times the share
 * of its slots it hands over (exact for a leaving master, which hands over everything).
 */
export function memoryRefusals(plan: Pick<RebalancePlan, "transfers">, masters: readonly MasterSlots[], memory: readonly MasterMemory[]): string[] {
    const byId = new Map(memory.map((m) => [m.id, m]));
    const label = new Map(masters.map((m) => [m.id, m.label]));
    const slotCount = new Map(masters.map((m) => [m.id, m.slots.reduce((n, r) => n + r.end - r.start + 1, 0)]));
    const incoming = new Map<string, number>();
    for (const t of plan.transfers) {
        const giver = byId.get(t.from);
        const held = slotCount.get(t.from) ?? 0;
        if (!giver || held === 0) continue;
        incoming.set(t.to, (incoming.get(t.to) ?? 0) + (giver.datasetBytes * t.slots) / held);
    }
    const refusals: string[] = [];
    for (const [id, bytes] of incoming) {
        const m = byId.get(id);
        if (!m || m.maxmemory <= 0) continue;
        if (m.usedMemory + bytes > m.maxmemory) {
            const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
            refusals.push(
                `${label.get(id) ?? id} cannot hold the keys it would take: maxmemory ${mb(m.maxmemory)}, used ${mb(m.usedMemory)}, ` +
                    `about ${mb(bytes)} would move in; raise maxmemory or keep more shards`,
            );
        }
    }
    return refusals;
}
