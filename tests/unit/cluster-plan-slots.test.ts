/** Slot planning: the even split of 16384 slots, and the range helpers the formation planner uses. */
import { CLUSTER_SLOTS, SlotRange, countSlots, formatSlotRanges, parseSlotRange, planSlotRanges, rangesWhere } from "../../components/cluster/slots";

describe("planSlotRanges", () => {
    it("splits three shards 5462/5461/5461 like redis-cli --cluster create", () => {
        expect(planSlotRanges(3)).toEqual([
            { start: 0, end: 5461 },
            { start: 5462, end: 10922 },
            { start: 10923, end: 16383 },
        ]);
        expect(planSlotRanges(3).map((r) => countSlots([r]))).toEqual([5462, 5461, 5461]);
    });

    it.each([1, 2, 3, 4, 5, 6, 7, 10, 16, 100, 1000, 16384])(
        "gives %i shards contiguous ranges covering 0..16383 exactly once, sizes within one",
        (shards) => {
            const ranges = planSlotRanges(shards);
            expect(ranges).toHaveLength(shards);
            expect(ranges[0].start).toBe(0);
            expect(ranges[shards - 1].end).toBe(CLUSTER_SLOTS - 1);
            ranges.forEach((r, i) => {
                expect(r.end).toBeGreaterThanOrEqual(r.start);
                if (i > 0) expect(r.start).toBe(ranges[i - 1].end + 1);
            });
            const covered = new Array(CLUSTER_SLOTS).fill(0);
            for (const r of ranges) for (let s = r.start; s <= r.end; s++) covered[s]++;
            expect(covered.every((c) => c === 1)).toBe(true);
            const sizes = ranges.map((r) => r.end - r.start + 1);
            expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
            // Larger shards first, as redis-cli does.
            expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
        },
    );

    it("splits four and five shards as expected", () => {
        expect(formatSlotRanges(planSlotRanges(4))).toEqual(["0-4095", "4096-8191", "8192-12287", "12288-16383"]);
        expect(planSlotRanges(5).map((r) => countSlots([r]))).toEqual([3277, 3277, 3277, 3277, 3276]);
    });

    it("rejects impossible shard counts", () => {
        expect(() => planSlotRanges(0)).toThrow(/0 shards/);
        expect(() => planSlotRanges(2.5)).toThrow();
        expect(() => planSlotRanges(16385)).toThrow();
    });
});

describe("slot range helpers", () => {
    it("finds the ranges where a predicate holds, within bounds", () => {
        const owned = new Set([0, 1, 2, 10, 20, 21]);
        expect(rangesWhere((s) => owned.has(s), { start: 0, end: 30 })).toEqual([
            { start: 0, end: 2 },
            { start: 10, end: 10 },
            { start: 20, end: 21 },
        ]);
        expect(rangesWhere((s) => !owned.has(s), { start: 0, end: 11 })).toEqual([
            { start: 3, end: 9 },
            { start: 11, end: 11 },
        ]);
        expect(rangesWhere(() => true)).toEqual([{ start: 0, end: 16383 }]);
        expect(rangesWhere(() => false)).toEqual([]);
    });

    it("formats and parses CLUSTER NODES notation, ignoring migration markers", () => {
        const ranges: SlotRange[] = [
            { start: 0, end: 5461 },
            { start: 5798, end: 5798 },
        ];
        expect(formatSlotRanges(ranges)).toEqual(["0-5461", "5798"]);
        expect(parseSlotRange("0-5461")).toEqual({ start: 0, end: 5461 });
        expect(parseSlotRange("5798")).toEqual({ start: 5798, end: 5798 });
        expect(parseSlotRange("[5798->-abc]")).toBeUndefined();
        expect(parseSlotRange("10-5")).toBeUndefined();
        expect(parseSlotRange("16384")).toBeUndefined();
    });
});
