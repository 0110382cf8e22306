/**
 * What each master claims about the slots (its own CLUSTER NODES line: the slots it serves, the slots it has
 * open for a move, its config epoch), and how the open or contested slots an interrupted move leaves behind
 * are closed: the first part of every rebalance plan (rebalance.ts). Pure: reshard.ts reads the nodes and
 * runs the fixes. The rules differ from `redis-cli --cluster fix` as rebalance.ts's header says ("Open slots").
 */
import { CLUSTER_SLOTS, SlotRange } from "./slots";

/** A slot this master is moving out (`[slot->-to]` in its own CLUSTER NODES line). */
export interface MigratingSlot {
    slot: number;
    to: string;
}
/** A slot this master is taking in (`[slot-<-from]`). */
export interface ImportingSlot {
    slot: number;
    from: string;
}

/** One master as it sees itself: what the planner needs. */
export interface MasterSlots {
    /** Node id (CLUSTER MYID). */
    id: string;
    /** How messages name it, e.g. `shard-3`. */
    label: string;
    /** Slots it serves in its own view (its `myself` line). */
    slots: readonly SlotRange[];
    /** Its config epoch: when two masters both claim a slot, the higher epoch owns it (Redis's own rule). */
    configEpoch: number;
    migrating: readonly MigratingSlot[];
    importing: readonly ImportingSlot[];
    /**
     * `CLUSTER COUNTKEYSINSLOT` on this master for every slot `slotsToCount` names (open or contested
     * slots); a slot missing here counts as holding no keys.
     */
    keysInSlot?: Readonly<Record<number, number>>;
}

/**
 * Closing one open slot.
 *   finish  the owner was moving it to `to` and `to` is importing it or already holds some of its keys:
 *           run the rest of that live move (re-opening IMPORTING/MIGRATING where needed); `stable` are
 *           other nodes left importing it, with no keys, that are set STABLE.
 *   settle  the slot stays with (or is confirmed at) `owner`: keys found on other masters are drained to
 *           it (`drain`), the open state is cleared where it is set (`stable`), and when ownership was in
 *           doubt (`announce`) every master is told `SETSLOT NODE owner`, the owner first.
 */
export type OpenSlotFix =
    | { kind: "finish"; slot: number; from: string; to: string; stable: string[] }
    | { kind: "settle"; slot: number; owner: string; drain: string[]; stable: string[]; announce: boolean };

/** Open-slot markers of a node's own `CLUSTER NODES` line: `[5798->-<id>]` (migrating), `[5798-<-<id>]` (importing). */
export function parseOpenSlots(clusterNodesText: string): { migrating: MigratingSlot[]; importing: ImportingSlot[] } {
    const migrating: MigratingSlot[] = [];
    const importing: ImportingSlot[] = [];
    const self = clusterNodesText.split(/\r?\n/).find((line) => line.split(/\s+/)[2]?.split(",").includes("myself"));
    for (const token of self?.trim().split(/\s+/).slice(8) ?? []) {
        const m = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(token);
        if (!m) continue;
        if (m[2] === ">") migrating.push({ slot: Number(m[1]), to: m[3] });
        else importing.push({ slot: Number(m[1]), from: m[3] });
    }
    return { migrating, importing };
}

/** Slot owner per slot from the masters' own claims; contested slots go to the highest config epoch. */
function claimedOwners(masters: readonly MasterSlots[]): { owner: Int32Array; contested: Set<number> } {
    const owner = new Int32Array(CLUSTER_SLOTS).fill(-1);
    const contested = new Set<number>();
    masters.forEach((m, i) => {
        for (const r of m.slots) {
            for (let s = r.start; s <= r.end; s++) {
                const current = owner[s];
                if (current < 0) owner[s] = i;
                else {
                    contested.add(s);
                    if (m.configEpoch > masters[current].configEpoch) owner[s] = i;
                }
            }
        }
    });
    return { owner, contested };
}

/**
 * The slots whose key counts the planner needs on every master: every open slot (a node importing or
 * migrating it) and every slot two masters claim. Like `--cluster fix`, slots that are neither are trusted
 * to hold keys only on their owner.
 */
export function slotsToCount(masters: readonly MasterSlots[]): number[] {
    const slots = new Set<number>(claimedOwners(masters).contested);
    for (const m of masters) {
        for (const o of m.migrating) slots.add(o.slot);
        for (const o of m.importing) slots.add(o.slot);
    }
    return [...slots].sort((a, b) => a - b);
}

/**
 * How to close every open slot, and who owns each slot afterwards (index into `masters`). Throws, naming
 * the slot, for a state that cannot be closed without choosing between two copies of data.
 */
export function planOpenSlotFixes(masters: readonly MasterSlots[]): { fixes: OpenSlotFix[]; owner: Int32Array } {
    const { owner, contested } = claimedOwners(masters);
    const index = new Map(masters.map((m, i) => [m.id, i]));
    const keys = (i: number, slot: number) => masters[i].keysInSlot?.[slot] ?? 0;
    const fixes: OpenSlotFix[] = [];
    for (const slot of slotsToCount(masters)) {
        const migratingTo = new Map<number, string>();
        const importing = new Set<number>();
        masters.forEach((m, i) => {
            const out = m.migrating.find((o) => o.slot === slot);
            if (out) migratingTo.set(i, out.to);
            if (m.importing.some((o) => o.slot === slot)) importing.add(i);
        });
        const holders = masters.map((_, i) => i).filter((i) => keys(i, slot) > 0);
        let o = owner[slot];
        if (o < 0) {
            // Nobody claims it: the one holding its keys must own it, as `--cluster fix` decides.
            if (holders.length === 0) throw new Error(`slot ${slot} is served by no master and no master holds keys in it; form the cluster first`);
            o = holders.reduce((best, i) => (keys(i, slot) > keys(best, slot) ? i : best));
        }
        const d = migratingTo.has(o) ? index.get(migratingTo.get(o)!) : undefined;
        if (d !== undefined && d !== o && (importing.has(d) || keys(d, slot) > 0)) {
            // An interrupted live move: clients already follow it through ASK, so it is finished forward.
            const others = [...new Set([...importing, ...migratingTo.keys()])].filter((i) => i !== o && i !== d);
            const stray = [...others, ...holders].filter((i) => i !== o && i !== d && keys(i, slot) > 0);
            if (stray.length > 0) {
                throw new Error(
                    `slot ${slot} is being moved from ${masters[o].label} to ${masters[d].label}, but ${[...new Set(stray)].map((i) => masters[i].label).join(", ")} ` +
                        `also hold keys in it; resolve by hand (nothing was changed)`,
                );
            }
            fixes.push({ kind: "finish", slot, from: masters[o].id, to: masters[d].id, stable: others.map((i) => masters[i].id) });
            owner[slot] = d;
            continue;
        }
        const drain = holders.filter((i) => i !== o);
        const open = [...new Set([...importing, ...migratingTo.keys()])];
        const announce = contested.has(slot) || owner[slot] !== o || drain.length > 0 || importing.has(o);
        fixes.push({
            kind: "settle",
            slot,
            owner: masters[o].id,
            drain: drain.map((i) => masters[i].id),
            // An owner left importing is cleared by `SETSLOT NODE owner` on itself (which also bumps its epoch).
            stable: open.filter((i) => !(i === o && importing.has(o) && !migratingTo.has(o))).map((i) => masters[i].id),
            announce,
        });
        owner[slot] = o;
    }
    return { fixes, owner };
}
