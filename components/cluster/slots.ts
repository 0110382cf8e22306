/**
 * Hash-slot arithmetic for Redis Cluster: the even split of the 16384 slots over shards, and the range
 * algebra the formation planner needs (what is still unowned, how to print ranges the way Redis does).
 * Pure: no Pulumi, no network.
 */

/** Redis Cluster always has exactly this many hash slots (0..16383). Local name for provider code (shared/dynamic.ts). */
const SLOTS = 16384;
export const CLUSTER_SLOTS = SLOTS;

/** An inclusive slot range, as in `CLUSTER ADDSLOTSRANGE start end` and `CLUSTER NODES` (`0-5461`). */
export interface SlotRange {
    start: number;
    end: number;
}

/**
 * One contiguous range per shard, sizes differing by at most one, larger shards first: three shards get
 * 5462/5461/5461 (0-5461, 5462-10922, 10923-16383). `redis-cli --cluster create` rounds the other way
 * (0-5460, 5461-10922, 10923-16383); any even split serves, and this one is what deployed clusters own.
 */
export function planSlotRanges(shards: number): SlotRange[] {
    if (!Number.isInteger(shards) || shards < 1 || shards > SLOTS) {
        throw new Error(`cannot split ${SLOTS} slots over ${shards} shards`);
    }
    const base = Math.floor(SLOTS / shards);
    const extra = SLOTS % shards;
    const ranges: SlotRange[] = [];
    let start = 0;
    for (let i = 0; i < shards; i++) {
        const size = base + (i < extra ? 1 : 0);
        ranges.push({ start, end: start + size - 1 });
        start += size;
    }
    return ranges;
}

export function countSlots(ranges: readonly SlotRange[]): number {
    return ranges.reduce((n, r) => n + (r.end - r.start + 1), 0);
}

/** Ranges covering exactly the slots for which `member(slot)` holds, in ascending order. */
export function rangesWhere(member: (slot: number) => boolean, within: SlotRange = { start: 0, end: SLOTS - 1 }): SlotRange[] {
    const ranges: SlotRange[] = [];
    let open = -1;
    for (let slot = within.start; slot <= within.end + 1; slot++) {
        const inside = slot <= within.end && member(slot);
        if (inside && open < 0) open = slot;
        if (!inside && open >= 0) {
            ranges.push({ start: open, end: slot - 1 });
            open = -1;
        }
    }
    return ranges;
}

/** `0-5461`, or `5798` for a single slot: the notation of `CLUSTER NODES`. */
export function formatSlotRange(r: SlotRange): string {
    return r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`;
}

export function formatSlotRanges(ranges: readonly SlotRange[]): string[] {
    return ranges.map(formatSlotRange);
}

/** Parses `0-5461` or `5798`; returns undefined for anything else (e.g. `[5798->-id]` migration markers). */
export function parseSlotRange(token: string): SlotRange | undefined {
    const m = /^(\d+)(?:-(\d+))?$/.exec(token);
    if (!m) return undefined;
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (end < start || end >= SLOTS) return undefined;
    return { start, end };
}
