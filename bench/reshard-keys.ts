/**
 * The data set of bench/cluster-reshard.ts, shared with its latency probe: `count` keys spread evenly over
 * exactly the 4096 slots a 3→4 reshard moves (the lowest 1366 of the first master's, 1365 of the second's
 * and of the third's, which redis-cli's reshard and rebalance pick, and so does the planner), each a
 * 64-byte string. Each key is `{tag}:i` with a hash tag chosen to land in its slot.
 */
import { planSlotRanges } from "../components/cluster/slots";

const keySlot: (key: string) => number = require("cluster-key-slot");

export const VALUE = "v".repeat(64);

/** The 4096 slots that move from three even masters to a fourth. */
export function movedSlots(): number[] {
    const [a, b, c] = planSlotRanges(3);
    const take = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);
    return [...take(a.start, 1366), ...take(b.start, 1365), ...take(c.start, 1365)];
}

/** One hash tag per slot in `slots`. */
export function tagsFor(slots: number[]): Map<number, string> {
    const wanted = new Set(slots);
    const tags = new Map<number, string>();
    for (let i = 0; tags.size < wanted.size; i++) {
        const tag = `t${i}`;
        const s = keySlot(tag);
        if (wanted.has(s) && !tags.has(s)) tags.set(s, tag);
    }
    return tags;
}

export function benchKeys(count: number): string[] {
    const slots = movedSlots();
    const tags = tagsFor(slots);
    return Array.from({ length: count }, (_, i) => `{${tags.get(slots[i % slots.length])}}:${i}`);
}
