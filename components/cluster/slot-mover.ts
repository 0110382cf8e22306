/**
 * The live move of slots from one master to another, as clients can follow it: `CLUSTER SETSLOT s IMPORTING
 * src` on the target, then `MIGRATING dst` on the source, then batches of `CLUSTER GETKEYSINSLOT` +
 * `MIGRATE ... KEYS k1 … kn` (never REPLACE), then `SETSLOT s NODE dst` on the target first (it bumps its
 * epoch and so wins everywhere), the source, and every other master: `redis-cli --cluster reshard`'s steps,
 * sent for a whole wave of slots at once (reshard.ts says why), with many keys per MIGRATE sized by the keys'
 * memory, and one MIGRATE at a time per source (MIGRATE blocks the source's clients until the target has
 * restored the keys).
 *
 * MIGRATE is run by the source node itself, so it names the target as the source sees it in its own
 * CLUSTER NODES, not at the engine's access endpoint.
 */
import type { OpenSlotFix } from "./slot-claims";
import type { ClusterAccess, Member, Membership } from "./membership";

/** How slots move: the tuning of MIGRATE, and who the target logs in as. */
export interface MoveOptions extends ClusterAccess {
    /** MIGRATEs in flight per source (default 1): each blocks the source, so this bounds what its clients wait. */
    migratesPerSource?: number;
    /** Keys per MIGRATE, at most (default 200). */
    keysPerMigrate?: number;
    /** MIGRATE's I/O timeout for ordinary batches; a batch with big keys gets more (see `migrateTimeout`). Default 10 s. */
    migrateTimeoutMs?: number;
}

const DEFAULT_MIGRATES_PER_SOURCE = 1;
const DEFAULT_KEYS_PER_MIGRATE = 200;
const DEFAULT_MIGRATE_TIMEOUT_MS = 10000;
/** A MIGRATE batch carries at most this many bytes (by MEMORY USAGE); a bigger key goes alone. */
const BYTES_PER_MIGRATE = 8 * 1024 * 1024;
/**
 * Throughput assumed when sizing MIGRATE's timeout for big keys: the timeout bounds each write to the
 * target and the wait for each RESTORE reply, and restoring a big value takes time on the target.
 */
const MIGRATE_BYTES_PER_MS = 10 * 1024;
/** Returns MEMORY USAGE of each of KEYS (0 for a key that is gone). */
const SIZES_SCRIPT = "local r = {} for i, k in ipairs(KEYS) do r[i] = redis.call('MEMORY', 'USAGE', k) or 0 end return r";

/** MIGRATE's timeout for a batch of `bytes`: the floor, or more when the batch is big. */
export function migrateTimeout(bytes: number, floorMs: number): number {
    return Math.max(floorMs, Math.ceil(bytes / MIGRATE_BYTES_PER_MS));
}

export class Mover {
    keysMoved = 0;
    private readonly lanes = new Map<Member, { active: number; waiting: Array<() => void> }>();
    private readonly auth: string[];

    constructor(
        private readonly ms: Membership,
        private readonly opts: MoveOptions,
    ) {
        // The target takes the keys from the source as this user: with the default user off, only AUTH2 logs in.
        this.auth = !opts.password ? [] : opts.username ? ["AUTH2", opts.username, opts.password] : ["AUTH", opts.password];
    }

    /**
     * The live move of a wave of slots from one source to one target, resumable: re-opening a slot already
     * open the same way is harmless. Commands issued in the same tick go out back to back on the node's one
     * connection (pipelined). A slot whose keys fail to move stays open (resume closes it); the others of
     * the wave are still assigned, then the first failure is thrown.
     */
    async moveWave(slots: number[], srcId: string, dstId: string): Promise<void> {
        const src = this.ms.get(srcId);
        const dst = this.ms.get(dstId);
        const batch = this.opts.keysPerMigrate ?? DEFAULT_KEYS_PER_MIGRATE;
        // Target first: a client the source sends on with ASK must find the target importing.
        await Promise.all(slots.map((slot) => this.step(dst, slot, ["CLUSTER", "SETSLOT", slot, "IMPORTING", srcId])));
        const listed = await Promise.all(
            slots.map(async (slot) => {
                const [, keys] = await Promise.all([
                    this.step(src, slot, ["CLUSTER", "SETSLOT", slot, "MIGRATING", dstId]),
                    src.conn.callBuffer("CLUSTER", "GETKEYSINSLOT", slot, batch) as Promise<Buffer[]>,
                ]);
                return keys;
            }),
        );
        const moved = await Promise.allSettled(slots.map((slot, i) => this.migrateAll(slot, src, dst, listed[i])));
        await this.assign(
            slots.filter((_, i) => moved[i].status === "fulfilled"),
            dst,
            src,
        );
        const failed = moved.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failed) throw failed.reason;
    }

    /** Closes one open slot as planned. */
    async fix(f: OpenSlotFix): Promise<void> {
        if (f.kind === "finish") {
            await this.moveWave([f.slot], f.from, f.to);
            await Promise.all(f.stable.map((id) => this.step(this.ms.get(id), f.slot, ["CLUSTER", "SETSLOT", f.slot, "STABLE"])));
            return;
        }
        const owner = this.ms.get(f.owner);
        const batch = this.opts.keysPerMigrate ?? DEFAULT_KEYS_PER_MIGRATE;
        for (const id of f.drain) {
            const holder = this.ms.get(id);
            // The owner serves the slot, so it accepts the keys without being set importing.
            await this.migrateAll(f.slot, holder, owner, (await holder.conn.callBuffer("CLUSTER", "GETKEYSINSLOT", f.slot, batch)) as Buffer[]);
        }
        await Promise.all(f.stable.map((id) => this.step(this.ms.get(id), f.slot, ["CLUSTER", "SETSLOT", f.slot, "STABLE"])));
        if (f.announce) await this.assign([f.slot], owner);
    }

    /** `SETSLOT slot NODE owner` for each slot on the owner first, then on every other master. */
    private async assign(slots: number[], owner: Member, source?: Member): Promise<void> {
        await Promise.all(slots.map((slot) => this.step(owner, slot, ["CLUSTER", "SETSLOT", slot, "NODE", owner.address.id])));
        const rest = this.ms.masters().filter((m) => m !== owner);
        if (source && !rest.includes(source)) rest.push(source);
        await Promise.all(
            rest.flatMap((m) =>
                slots.map((slot) =>
                    this.step(m, slot, ["CLUSTER", "SETSLOT", slot, "NODE", owner.address.id]).catch((err: Error) => {
                        // A master that gave away its last slot turns itself into a replica of the taker
                        // (cluster-allow-replica-migration), possibly before we tell it; replicas refuse SETSLOT.
                        if (!/only with masters/.test(err.message)) throw err;
                    }),
                ),
            ),
        );
    }

    private async step(m: Member, slot: number, args: (string | number)[]): Promise<unknown> {
        try {
            return await m.conn.call(String(args[0]), ...args.slice(1).map(String));
        } catch (err) {
            throw new Error(`slot ${slot}: ${args.join(" ")} on ${m.label} failed: ${(err as Error).message}`);
        }
    }

    /**
     * MIGRATEs `keys` and whatever else GETKEYSINSLOT still lists, until the holder has none left in the slot.
     * A listing shorter than the limit was complete, and no key can appear behind it: while a slot is
     * MIGRATING (or not served at all) the holder sends writes to a missing key away (ASK/MOVED). Should
     * one remain anyway, the holder refuses `SETSLOT NODE` for the slot and the run stops, keys intact.
     */
    private async migrateAll(slot: number, from: Member, to: Member, keys: Buffer[]): Promise<void> {
        const target = from.view.find((e) => e.id === to.address.id);
        if (!target || !target.ip) throw new Error(`slot ${slot}: ${from.label} does not know ${to.label}'s address; it must have met it first`);
        const batch = this.opts.keysPerMigrate ?? DEFAULT_KEYS_PER_MIGRATE;
        while (keys.length > 0) {
            // Sizes decide the batches and their timeouts, so one big key neither stalls nor times out the rest.
            const sizes = await this.sizes(from, keys);
            const chunks: Array<{ keys: Buffer[]; bytes: number }> = [];
            keys.forEach((k, i) => {
                const bytes = Number(sizes[i] ?? 0);
                const last = chunks[chunks.length - 1];
                if (last && last.keys.length < batch && last.bytes + bytes <= BYTES_PER_MIGRATE) {
                    last.keys.push(k);
                    last.bytes += bytes;
                } else chunks.push({ keys: [k], bytes });
            });
            let next: Buffer[] = [];
            for (let c = 0; c < chunks.length; c++) {
                const chunk = chunks[c];
                const timeout = migrateTimeout(chunk.bytes, this.opts.migrateTimeoutMs ?? DEFAULT_MIGRATE_TIMEOUT_MS);
                let listing: Promise<Buffer[]> | undefined;
                try {
                    await this.inLane(from, () => {
                        const migrate = from.conn.call(
                            "MIGRATE",
                            target.ip,
                            String(target.port),
                            "",
                            "0",
                            String(timeout),
                            ...this.auth,
                            "KEYS",
                            ...chunk.keys,
                        );
                        // The next listing (only needed after a full one) rides in the same round trip as the last MIGRATE.
                        if (c === chunks.length - 1 && keys.length >= batch) {
                            listing = from.conn.callBuffer("CLUSTER", "GETKEYSINSLOT", slot, batch) as Promise<Buffer[]>;
                            listing.catch(() => undefined);
                        }
                        return migrate;
                    });
                } catch (err) {
                    throw await this.migrateError(slot, from, to, chunk, timeout, err as Error);
                }
                this.keysMoved += chunk.keys.length;
                if (listing) next = await listing;
            }
            keys = next;
        }
    }

    /**
     * Runs `fn` (a MIGRATE) once fewer than `migratesPerSource` of the holder's MIGRATEs are in flight.
     * MIGRATE blocks the holder until the target has restored the keys, so MIGRATEs queued back to back
     * would stall the holder's clients for all of them; one at a time they wait for at most one.
     */
    private async inLane<T>(from: Member, fn: () => Promise<T>): Promise<T> {
        const limit = this.opts.migratesPerSource ?? DEFAULT_MIGRATES_PER_SOURCE;
        let lane = this.lanes.get(from);
        if (!lane) this.lanes.set(from, (lane = { active: 0, waiting: [] }));
        while (lane.active >= limit) await new Promise<void>((resolve) => lane!.waiting.push(resolve));
        lane.active++;
        try {
            return await fn();
        } finally {
            lane.active--;
            lane.waiting.shift()?.();
        }
    }

    /**
     * MEMORY USAGE of each key, in one script call rather than a command per key (a third of all commands
     * otherwise). Unknown sizes (e.g. TRYAGAIN because a client deleted a listed key meanwhile) count as
     * small: the batch then gets the floor timeout.
     */
    private async sizes(from: Member, keys: Buffer[]): Promise<number[]> {
        try {
            return ((await from.conn.call("EVAL", SIZES_SCRIPT, String(keys.length), ...keys)) as number[]).map(Number);
        } catch {
            return keys.map(() => 0);
        }
    }

    private async migrateError(
        slot: number,
        from: Member,
        to: Member,
        chunk: { keys: Buffer[]; bytes: number },
        timeout: number,
        err: Error,
    ): Promise<Error> {
        if (/BUSYKEY/.test(err.message)) {
            // MIGRATE does not say which key; look for one present on both sides. Keys of an open slot are
            // readable on the target only after ASKING, sent right before each EXISTS on the same connection.
            const onSource = (await Promise.all(chunk.keys.map((k) => from.conn.call("EXISTS", k).catch(() => 0)))) as number[];
            const onTarget = (await Promise.all(
                chunk.keys.map((k) => {
                    to.conn.call("ASKING").catch(() => undefined);
                    return to.conn.call("EXISTS", k).catch(() => 0);
                }),
            )) as number[];
            const both = chunk.keys.filter((_, i) => Number(onSource[i]) === 1 && Number(onTarget[i]) === 1).map((k) => k.toString());
            const which =
                both.length > 0
                    ? `key "${both[0]}"${both.length > 1 ? ` (and ${both.length - 1} more)` : ""}`
                    : `one of the keys ${chunk.keys.map((k) => `"${k}"`).join(", ")}`;
            return new Error(
                `slot ${slot}: ${which} already exists on ${to.label} while moving it from ${from.label} (BUSYKEY); stopped without overwriting or ` +
                    `deleting anything: both copies are kept and the slot stays open. Remove the wrong copy, then run again.`,
            );
        }
        const first = chunk.keys[0].toString();
        return new Error(
            `slot ${slot}: MIGRATE of ${chunk.keys.length} key(s) from ${from.label} to ${to.label} failed (first key "${first}", about ` +
                `${(chunk.bytes / 1048576).toFixed(1)} MB, timeout ${timeout} ms): ${err.message}. Nothing is deleted without the target's ` +
                `acknowledgement, so both copies of an unacknowledged key are kept; raise migrateTimeoutMs for big keys and run again.`,
        );
    }
}
