/**
 * The slot-rebalance planner (components/cluster/rebalance.ts): scale out and in with even shares after,
 * the fewest slots moved, each receiver taking from every giver in proportion, no slot moving twice;
 * closing open slots left by an interrupted move; and the line users read.
 */
import { RebalancePlan, memoryRefusals, planRebalance } from "../../components/cluster/rebalance";
import { MasterSlots, parseOpenSlots, planOpenSlotFixes, slotsToCount } from "../../components/cluster/slot-claims";
import { migrateTimeout } from "../../components/cluster/slot-mover";
import { CLUSTER_SLOTS, SlotRange, countSlots, planSlotRanges } from "../../components/cluster/slots";

const idOf = (shard: number) => `${shard}`.padStart(40, "a");

function master(shard: number, slots: SlotRange[], extra: Partial<MasterSlots> = {}): MasterSlots {
    return { id: idOf(shard), label: `shard-${shard}`, slots, configEpoch: shard + 1, migrating: [], importing: [], ...extra };
}

/** `shards` masters with the even split of a formed cluster, then `joining` empty ones. */
function evenCluster(shards: number, joining = 0): MasterSlots[] {
    const ranges = planSlotRanges(shards);
    return [...ranges.map((r, i) => master(i, [r])), ...Array.from({ length: joining }, (_, j) => master(shards + j, []))];
}

/** Slot counts after the plan has run, checking every move starts at the slot's owner and no slot moves twice. */
function applyPlan(masters: MasterSlots[], plan: RebalancePlan): Record<string, number> {
    const owner = new Array<string>(CLUSTER_SLOTS);
    for (const m of masters) for (const r of m.slots) for (let s = r.start; s <= r.end; s++) owner[s] = m.id;
    for (const f of plan.fixes) owner[f.slot] = f.kind === "finish" ? f.to : f.owner;
    const seen = new Set<number>();
    const wrong: string[] = [];
    for (const mv of plan.moves) {
        if (seen.has(mv.slot)) wrong.push(`slot ${mv.slot} moves twice`);
        if (owner[mv.slot] !== mv.from) wrong.push(`slot ${mv.slot} moves from ${mv.from}, owned by ${owner[mv.slot]}`);
        seen.add(mv.slot);
        owner[mv.slot] = mv.to;
    }
    expect(wrong).toEqual([]);
    const counts: Record<string, number> = Object.fromEntries(masters.map((m) => [m.id, 0]));
    for (const id of owner) counts[id]++;
    return counts;
}

/** Even shares for the remaining masters, nothing left on the leaving ones, and the transfers add up. */
function expectBalanced(masters: MasterSlots[], plan: RebalancePlan, leaving: string[] = []): void {
    const counts = applyPlan(masters, plan);
    const remaining = masters.filter((m) => !leaving.includes(m.id));
    const sizes = remaining.map((m) => counts[m.id]);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(CLUSTER_SLOTS);
    for (const id of leaving) expect(counts[id]).toBe(0);
    expect(plan.shares).toEqual(Object.fromEntries(remaining.map((m) => [m.id, counts[m.id]])));
    expect(plan.transfers.reduce((n, t) => n + t.slots, 0)).toBe(plan.moves.length);
    // No master both gives and takes.
    const givers = new Set(plan.transfers.map((t) => t.from));
    for (const t of plan.transfers) expect(givers.has(t.to)).toBe(false);
}

/** Each receiver's take from each giver is within one slot of its proportional part. */
function expectProportional(masters: MasterSlots[], plan: RebalancePlan): void {
    const held = (id: string) => countSlots(masters.find((m) => m.id === id)!.slots);
    const give = new Map<string, number>();
    const take = new Map<string, number>();
    for (const t of plan.transfers) {
        give.set(t.from, (give.get(t.from) ?? 0) + t.slots);
        take.set(t.to, (take.get(t.to) ?? 0) + t.slots);
    }
    const total = plan.moves.length;
    for (const to of take.keys()) {
        for (const from of give.keys()) {
            const got = plan.transfers.find((t) => t.from === from && t.to === to)?.slots ?? 0;
            expect(Math.abs(got - (take.get(to)! * give.get(from)!) / total)).toBeLessThan(1);
        }
    }
    // Givers hand over exactly their surplus over their final share (leaving ones everything).
    for (const [from, n] of give) expect(n).toBe(held(from) - (plan.shares[from] ?? 0));
}

describe("planRebalance: scaling", () => {
    it("3→4: the new master takes 1366/1365/1365 from the three old ones, 4096 slots in all, 4096 each after", () => {
        const masters = evenCluster(3, 1);
        const plan = planRebalance({ masters });
        expectBalanced(masters, plan);
        expectProportional(masters, plan);
        // The new master must end with 4096 and starts with none: 4096 is the fewest possible.
        expect(plan.moves).toHaveLength(4096);
        expect(Object.values(plan.shares)).toEqual([4096, 4096, 4096, 4096]);
        expect(plan.description).toBe("shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2");
        expect(plan.fixes).toEqual([]);
        // Lowest slots of each giver first, as redis-cli's reshard table picks them.
        expect(plan.moves.filter((m) => m.from === idOf(0)).map((m) => m.slot)).toEqual(Array.from({ length: 1366 }, (_, i) => i));
        expect(plan.moves.filter((m) => m.from === idOf(1))[0].slot).toBe(5462);
    });

    it("4→3: the leaving master gives all 4096 slots, split 1366/1365/1365 over the three that stay", () => {
        const masters = evenCluster(4);
        const leaving = [idOf(3)];
        const plan = planRebalance({ masters, leaving });
        expectBalanced(masters, plan, leaving);
        expectProportional(masters, plan);
        expect(plan.moves).toHaveLength(4096);
        expect(plan.moves.every((m) => m.from === idOf(3))).toBe(true);
        expect(plan.description).toBe(
            "shard-0 takes 1366 slots from shard-3; shard-1 takes 1365 slots from shard-3; shard-2 takes 1365 slots from shard-3",
        );
    });

    it("3→5: two new masters each take from all three old ones; 6553 slots move (the old masters' surplus)", () => {
        const masters = evenCluster(3, 2);
        const plan = planRebalance({ masters });
        expectBalanced(masters, plan);
        expectProportional(masters, plan);
        // Shares 3277×4 + 3276: the old masters keep 3277 each, so they give 2185 + 2184 + 2184.
        expect(plan.moves).toHaveLength(2185 + 2184 + 2184);
        expect(new Set(plan.transfers.filter((t) => t.to === idOf(3)).map((t) => t.from))).toEqual(new Set([idOf(0), idOf(1), idOf(2)]));
        expect(new Set(plan.transfers.filter((t) => t.to === idOf(4)).map((t) => t.from))).toEqual(new Set([idOf(0), idOf(1), idOf(2)]));
        expect(plan.description).toMatch(
            /^shard-3 takes \d+ slots from shard-0, \d+ from shard-1, \d+ from shard-2; shard-4 takes \d+ slots from shard-0, \d+ from shard-1, \d+ from shard-2$/,
        );
    });

    it("5→3: the two leaving masters give everything (3277 + 3276), each remaining one takes from both", () => {
        const masters = evenCluster(5);
        const leaving = [idOf(3), idOf(4)];
        const plan = planRebalance({ masters, leaving });
        expectBalanced(masters, plan, leaving);
        expectProportional(masters, plan);
        expect(plan.moves).toHaveLength(3277 + 3276);
        for (const to of [idOf(0), idOf(1), idOf(2)]) {
            expect(new Set(plan.transfers.filter((t) => t.to === to).map((t) => t.from))).toEqual(new Set(leaving));
        }
    });

    it("3→4 from uneven shares: an old master below its share receives too, the surplus splits in proportion", () => {
        // 8000 / 5000 / 3384 and a new master: shares 4096; shard-0 gives 3904, shard-1 904; shard-2 lacks 712.
        const masters = [
            master(0, [{ start: 0, end: 7999 }]),
            master(1, [{ start: 8000, end: 12999 }]),
            master(2, [{ start: 13000, end: 16383 }]),
            master(3, []),
        ];
        const plan = planRebalance({ masters });
        expectBalanced(masters, plan);
        expectProportional(masters, plan);
        expect(plan.moves).toHaveLength(3904 + 904);
        expect(plan.transfers.map((t) => [t.from, t.to, t.slots])).toEqual([
            [idOf(0), idOf(2), 578],
            [idOf(1), idOf(2), 134],
            [idOf(0), idOf(3), 3326],
            [idOf(1), idOf(3), 770],
        ]);
        expect(plan.description).toBe(
            "shard-2 takes 578 slots from shard-0, 134 from shard-1; shard-3 takes 3326 slots from shard-0, 770 from shard-1",
        );
    });

    it("gives the rounding extra to a master that already holds it, so it does not move", () => {
        // Three masters, one slot off even in the other direction: nothing needs to move at all.
        const masters = [master(0, [{ start: 0, end: 5460 }]), master(1, [{ start: 5461, end: 10921 }]), master(2, [{ start: 10922, end: 16383 }])];
        const plan = planRebalance({ masters });
        expect(plan.moves).toEqual([]);
        expect(plan.description).toBe("no slot moves: every master already holds its share");
    });

    it("refuses plans that cannot be carried out, naming the problem", () => {
        expect(() => planRebalance({ masters: evenCluster(3), leaving: [idOf(0), idOf(1), idOf(2)] })).toThrow(/at least one must remain/);
        expect(() => planRebalance({ masters: [master(0, [{ start: 0, end: 16000 }])] })).toThrow(/slot 16001 is served by no master/);
    });
});

describe("planOpenSlotFixes: resuming an interrupted move", () => {
    const withState = (masters: MasterSlots[], i: number, extra: Partial<MasterSlots>) => masters.map((m, k) => (k === i ? { ...m, ...extra } : m));

    it("names the slots whose keys must be counted: open anywhere or claimed twice", () => {
        let masters = evenCluster(3, 1);
        masters = withState(masters, 0, { migrating: [{ slot: 7, to: idOf(3) }] });
        masters = withState(masters, 3, {
            importing: [
                { slot: 7, from: idOf(0) },
                { slot: 9, from: idOf(0) },
            ],
            slots: [{ start: 12, end: 12 }],
        });
        expect(slotsToCount(masters)).toEqual([7, 9, 12]);
    });

    it("MIGRATING on the source only, no keys on the target: closes it (STABLE), the slot stays", () => {
        const masters = withState(evenCluster(3, 1), 0, { migrating: [{ slot: 5, to: idOf(3) }], keysInSlot: { 5: 3 } });
        const { fixes, owner } = planOpenSlotFixes(masters);
        expect(fixes).toEqual([{ kind: "settle", slot: 5, owner: idOf(0), drain: [], stable: [idOf(0)], announce: false }]);
        expect(owner[5]).toBe(0);
    });

    it("IMPORTING on the target only (stopped before MIGRATING): closes it on the target", () => {
        const masters = withState(evenCluster(3, 1), 3, { importing: [{ slot: 5, from: idOf(0) }] });
        expect(planOpenSlotFixes(masters).fixes).toEqual([
            { kind: "settle", slot: 5, owner: idOf(0), drain: [], stable: [idOf(3)], announce: false },
        ]);
    });

    it("MIGRATING and IMPORTING with keys on both sides: finishes the move, and the plan carries on without moving that slot again", () => {
        let masters = withState(evenCluster(3, 1), 0, { migrating: [{ slot: 5, to: idOf(3) }], keysInSlot: { 5: 4 } });
        masters = withState(masters, 3, { importing: [{ slot: 5, from: idOf(0) }], keysInSlot: { 5: 6 } });
        const plan = planRebalance({ masters });
        expect(plan.fixes).toEqual([{ kind: "finish", slot: 5, from: idOf(0), to: idOf(3), stable: [] }]);
        expect(plan.moves.some((m) => m.slot === 5)).toBe(false);
        // The finished slot counts toward the new master's share: 4095 more, 4096 in all.
        expect(plan.moves).toHaveLength(4095);
        expectBalanced(masters, plan);
        expect(plan.description).toBe(
            "close open slot first: 5 (finish move shard-0 → shard-3); shard-3 takes 1365 slots from shard-0, 1365 from shard-1, 1365 from shard-2",
        );
    });

    it("keys on both sides but the target lost its IMPORTING state: still finishes forward (it re-opens the slot)", () => {
        let masters = withState(evenCluster(3, 1), 0, { migrating: [{ slot: 5, to: idOf(3) }], keysInSlot: { 5: 4 } });
        masters = withState(masters, 3, { keysInSlot: { 5: 6 } });
        expect(planOpenSlotFixes(masters).fixes).toEqual([{ kind: "finish", slot: 5, from: idOf(0), to: idOf(3), stable: [] }]);
    });

    it("stopped after the target took the slot (higher epoch) but before the source was told: confirms the target everywhere", () => {
        let masters = withState(evenCluster(3, 1), 0, { migrating: [{ slot: 5, to: idOf(3) }] });
        masters = withState(masters, 3, { slots: [{ start: 5, end: 5 }], configEpoch: 10 });
        const { fixes, owner } = planOpenSlotFixes(masters);
        expect(fixes).toEqual([{ kind: "settle", slot: 5, owner: idOf(3), drain: [], stable: [idOf(0)], announce: true }]);
        expect(owner[5]).toBe(3);
    });

    it("keys stranded on an importing node whose source closed the slot: drains them back to the owner", () => {
        const masters = withState(evenCluster(3, 1), 3, { importing: [{ slot: 5, from: idOf(0) }], keysInSlot: { 5: 2 } });
        expect(planOpenSlotFixes(masters).fixes).toEqual([
            { kind: "settle", slot: 5, owner: idOf(0), drain: [idOf(3)], stable: [idOf(3)], announce: true },
        ]);
    });

    it("refuses, naming the slot, when a third master also holds keys of a slot being moved", () => {
        let masters = withState(evenCluster(3, 1), 0, { migrating: [{ slot: 5, to: idOf(3) }], keysInSlot: { 5: 1 } });
        masters = withState(masters, 3, { importing: [{ slot: 5, from: idOf(0) }] });
        masters = withState(masters, 1, { importing: [{ slot: 5, from: idOf(0) }], keysInSlot: { 5: 1 } });
        expect(() => planOpenSlotFixes(masters)).toThrow(/slot 5 is being moved from shard-0 to shard-3, but shard-1 also hold/);
    });

    it("reads the open-slot markers from a node's own CLUSTER NODES line only", () => {
        const a = "a".repeat(40);
        const b = "b".repeat(40);
        const text = [
            `${a} 127.0.0.1:7300@17300,node-0 myself,master - 0 0 1 connected 0-5461 [5462-<-${b}] [17->-${b}]`,
            `${b} 127.0.0.1:7301@17301,node-1 master - 0 1700000000000 2 connected 5462-10922`,
        ].join("\n");
        expect(parseOpenSlots(text)).toEqual({ migrating: [{ slot: 17, to: b }], importing: [{ slot: 5462, from: b }] });
    });
});

describe("memoryRefusals", () => {
    it("refuses a scale-in whose remaining masters cannot fit the leaving master's keys under maxmemory", () => {
        const masters = evenCluster(4);
        const plan = planRebalance({ masters, leaving: [idOf(3)] });
        const mb = 1048576;
        const memory = masters.map((m, i) => ({ id: m.id, usedMemory: 90 * mb, datasetBytes: 88 * mb, maxmemory: i === 3 ? 0 : 100 * mb }));
        const refusals = memoryRefusals(plan, masters, memory);
        expect(refusals).toHaveLength(3);
        expect(refusals[0]).toMatch(/^shard-0 cannot hold the keys it would take: maxmemory 100.0 MB, used 90.0 MB, about 29.3 MB would move in/);
        // Enough room, or no maxmemory: no refusal.
        expect(
            memoryRefusals(
                plan,
                masters,
                memory.map((m) => ({ ...m, maxmemory: m.maxmemory && 200 * mb })),
            ),
        ).toEqual([]);
        expect(
            memoryRefusals(
                plan,
                masters,
                memory.map((m) => ({ ...m, maxmemory: 0 })),
            ),
        ).toEqual([]);
    });
});

describe("migrateTimeout", () => {
    it("keeps the floor for ordinary batches and grows with a big key (10 KB per ms)", () => {
        expect(migrateTimeout(64 * 200, 10000)).toBe(10000);
        expect(migrateTimeout(512 * 1048576, 10000)).toBe(52429);
        expect(migrateTimeout(512 * 1048576, 60000)).toBe(60000);
    });
});
