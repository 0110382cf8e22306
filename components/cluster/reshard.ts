/**
 * Online resharding: runs a rebalance plan (components/cluster/rebalance.ts) against the live nodes while
 * clients keep working, and forgets nodes that have left.
 *
 * Per slot, the live move clients can follow: `CLUSTER SETSLOT s IMPORTING src` on the target, then
 * `MIGRATING dst` on the source, then batches of `CLUSTER GETKEYSINSLOT` + `MIGRATE ... KEYS k1 … kn`
 * (never REPLACE), then `SETSLOT s NODE dst` on the target first (it bumps its epoch and so wins everywhere),
 * the source, and every other master. A client meanwhile gets ASK for a key already moved (or TRYAGAIN for a
 * multi-key command over a split slot), both of which cluster clients retry; nothing fails.
 *
 * Where speed comes from, compared with `redis-cli --cluster reshard` (one slot at a time, 10 keys per
 * MIGRATE, every command waiting for the previous reply): many keys per MIGRATE; slots moved in waves, each
 * protocol step sent for the whole wave in one round trip on one pipelined connection per node (which also
 * lets each node save nodes.conf once per step of a wave instead of once per slot); two waves per source in
 * flight; and every source working in parallel. What is kept sequential on purpose: one MIGRATE at a time
 * per source, because MIGRATE blocks the source until the target has restored the keys and the source's
 * clients wait behind it (bench/cluster-reshard.ts reports the p99 a client sees).
 *
 * Addresses: the engine connects to each node at `access(address)` (the published endpoint in bridge mode),
 * but MIGRATE is run by the source node itself, so it names the target as the source sees it in its own
 * CLUSTER NODES (the address the nodes announce to each other).
 */
import type { Redis as RedisClient } from "ioredis";
import { Endpoint } from "../shared/endpoint";
import { ClusterNodeEntry, inHandshake, isMaster, isMyself, parseClusterNodes } from "./observe";
import { CLUSTER_SLOTS } from "./slots";
import { pollUntil } from "../shared/poll";
import { type NodeTls, ioredisTls, parseInfo } from "../shared/redis-connection";
import {
    MasterMemory,
    MasterSlots,
    OpenSlotFix,
    RebalancePlan,
    SlotMove,
    memoryRefusals,
    parseOpenSlots,
    planRebalance,
    slotsToCount,
} from "./rebalance";

/** A node as the cluster names it in CLUSTER NODES. */
export interface NodeAddress {
    id: string;
    ip: string;
    port: number;
    /** `cluster-announce-hostname`, "" when not set. */
    hostname: string;
}

export interface ClusterAccess {
    /** Where to start reading the membership: access endpoints of one or more nodes, tried in order. */
    seeds: Endpoint[];
    /**
     * ACL stacks: the user the engine logs in as (the operator user); MIGRATE then logs in to the target as
     * the same user (AUTH2). Absent: the default user, and MIGRATE's plain AUTH.
     */
    username?: string;
    /** That user's password (requirepass of every node without ACL), also MIGRATE's; "" for none. */
    password: string;
    /**
     * TLS stacks: the CA the nodes' certificates are verified with. MIGRATE needs nothing more: a node with
     * `tls-cluster yes` opens its MIGRATE connection to the target over TLS itself.
     */
    tls?: NodeTls;
    /** Where the engine connects to a node: the identity on a flat network, the published port in bridge mode. */
    access: (node: NodeAddress) => Endpoint;
    /** How messages name a node (e.g. `shard-3`); defaults to its hostname, or ip:port. */
    label?: (node: NodeAddress) => string;
}

export interface ReshardOptions extends ClusterAccess {
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
    /** MIGRATEs in flight per source (default 1): each blocks the source, so this bounds what its clients wait. */
    migratesPerSource?: number;
    /** Keys per MIGRATE, at most (default 200). */
    keysPerMigrate?: number;
    /** MIGRATE's I/O timeout for ordinary batches; a batch with big keys gets more (see `migrateTimeout`). Default 10 s. */
    migrateTimeoutMs?: number;
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
/** Redis forgets a CLUSTER FORGET after this long, and would re-learn the node from gossip. */
const FORGET_WINDOW_MS = 60000;

/** MIGRATE's timeout for a batch of `bytes`: the floor, or more when the batch is big. */
export function migrateTimeout(bytes: number, floorMs: number): number {
    return Math.max(floorMs, Math.ceil(bytes / MIGRATE_BYTES_PER_MS));
}

interface Member {
    address: NodeAddress;
    label: string;
    endpoint: Endpoint;
    conn: RedisClient;
    /** Its own CLUSTER NODES, parsed and raw. */
    view: ClusterNodeEntry[];
    text: string;
    self: ClusterNodeEntry;
}

function addressOf(e: ClusterNodeEntry): NodeAddress {
    return { id: e.id, ip: e.ip, port: e.port, hostname: e.hostname };
}

function defaultLabel(a: NodeAddress): string {
    return a.hostname || `${a.ip}:${a.port}`;
}

/**
 * A connection kept for the whole run. Same client settings as withRedis (redis-connection.ts), but long
 * lived, without a per-command timeout (MIGRATE of a big key legitimately takes long; MIGRATE's own
 * timeout bounds its I/O), and `lazyConnect` so a refused connection is reported, not retried.
 */
async function connect(endpoint: Endpoint, login: Pick<ClusterAccess, "username" | "password" | "tls">): Promise<RedisClient> {
    const Redis = require("ioredis");
    const tls = login.tls;
    const client: RedisClient = new Redis({
        host: endpoint.host,
        port: endpoint.port,
        username: login.username || undefined,
        password: login.password || undefined,
        ...ioredisTls(tls),
        lazyConnect: true,
        connectTimeout: 2000,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
    });
    let connectError: Error | undefined;
    client.on("error", (err: Error) => {
        connectError = err;
    });
    try {
        await client.connect();
    } catch (err) {
        client.disconnect();
        throw connectError ?? err;
    }
    return client;
}

/** Every node of the cluster, connected; the membership is the union of every reachable node's view. */
class Membership {
    readonly members = new Map<string, Member>();
    readonly unreachable = new Map<string, { address: NodeAddress; label: string; endpoint: Endpoint; error: string }>();

    private constructor(private readonly opts: ClusterAccess) {}

    static async open(opts: ClusterAccess): Promise<Membership> {
        const m = new Membership(opts);
        try {
            await m.discover();
            return m;
        } catch (err) {
            m.close();
            throw err;
        }
    }

    label(a: NodeAddress): string {
        return (this.opts.label ?? defaultLabel)(a);
    }

    get(id: string): Member {
        const m = this.members.get(id);
        if (!m) throw new Error(`node ${id} is not a reachable member of the cluster`);
        return m;
    }

    /** Reads each member's own CLUSTER NODES again (after slots moved, roles may have changed). */
    async refresh(): Promise<void> {
        await Promise.all(
            [...this.members.values()].map(async (m) => {
                const text = (await m.conn.call("CLUSTER", "NODES")) as string;
                const view = parseClusterNodes(text);
                Object.assign(m, { text, view, self: view.find(isMyself)! });
            }),
        );
    }

    masters(): Member[] {
        return [...this.members.values()].filter((m) => isMaster(m.self));
    }

    close(): void {
        for (const m of this.members.values()) m.conn.disconnect();
    }

    private async discover(): Promise<void> {
        let seedText: string | undefined;
        const seedErrors: string[] = [];
        for (const seed of this.opts.seeds) {
            try {
                const c = await connect(seed, this.opts);
                try {
                    seedText = (await c.call("CLUSTER", "NODES")) as string;
                } finally {
                    c.disconnect();
                }
                break;
            } catch (err) {
                seedErrors.push(`${seed.host}:${seed.port}: ${(err as Error).message}`);
            }
        }
        if (seedText === undefined) throw new Error(`no seed node answered: ${seedErrors.join("; ")}`);
        const pending = new Map<string, NodeAddress>();
        // Every id is connected to once: a node listed by several peers while its connection is still being
        // opened would otherwise get a second connection, and the first would be left open (and keep the
        // provider process alive after its work is done).
        const scheduled = new Set<string>();
        const learn = (text: string) => {
            for (const e of parseClusterNodes(text)) {
                if (inHandshake(e) || e.flags.includes("noaddr") || scheduled.has(e.id)) continue;
                scheduled.add(e.id);
                pending.set(e.id, addressOf(e));
            }
        };
        learn(seedText);
        while (pending.size > 0) {
            const batch = [...pending.values()];
            pending.clear();
            await Promise.all(
                batch.map(async (address) => {
                    const endpoint = this.opts.access(address);
                    const label = this.label(address);
                    try {
                        const conn = await connect(endpoint, this.opts);
                        const text = (await conn.call("CLUSTER", "NODES")) as string;
                        const view = parseClusterNodes(text);
                        const self = view.find(isMyself);
                        if (!self || self.id !== address.id) {
                            conn.disconnect();
                            throw new Error(`answers as node ${self?.id ?? "?"}, not ${address.id}: access() maps it to the wrong endpoint`);
                        }
                        this.members.set(address.id, { address, label, endpoint, conn, view, text, self });
                        learn(text);
                    } catch (err) {
                        this.unreachable.set(address.id, { address, label, endpoint, error: (err as Error).message });
                    }
                }),
            );
        }
    }

    /** A refusal naming every node that could not be reached, or undefined. */
    unreachableProblem(): string | undefined {
        if (this.unreachable.size === 0) return undefined;
        return [...this.unreachable.values()]
            .map((u) => `${u.label} (${u.address.ip}:${u.address.port}, reached at ${u.endpoint.host}:${u.endpoint.port}) is unreachable: ${u.error}`)
            .join("; ");
    }
}

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

class Mover {
    keysMoved = 0;
    private readonly lanes = new Map<Member, { active: number; waiting: Array<() => void> }>();
    private readonly auth: string[];

    constructor(
        private readonly ms: Membership,
        private readonly opts: ReshardOptions,
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

export interface ForgetOptions extends ClusterAccess {
    /** Ids of the nodes that leave; their masters must own no slot and hold no key. */
    leaving: string[];
    /** Bound on waiting for the remaining nodes to stop listing the leaving ones (default 10 s). */
    timeoutMs?: number;
}

/**
 * Every remaining node forgets the leaving ones: replicas first, then masters, all within Redis's 60 s
 * forget window (after it, a node still listed anywhere would be re-learned through gossip). A remaining
 * replica of a leaving master is first re-pointed at the remaining master with the fewest replicas.
 * Refuses, changing nothing, while a leaving master still owns a slot or holds a key. The leaving nodes
 * themselves are left alone (their containers are deleted next); they must stop within the window.
 */
export async function forgetNodes(opts: ForgetOptions): Promise<void> {
    const ms = await Membership.open(opts);
    try {
        const leaving = new Set(opts.leaving);
        const remaining = [...ms.members.values()].filter((m) => !leaving.has(m.address.id));
        const problems: string[] = [];
        for (const u of ms.unreachable.values()) if (!leaving.has(u.address.id)) problems.push(`${u.label} is unreachable: ${u.error}`);
        const entryOf = (id: string) => remaining.map((m) => m.view.find((e) => e.id === id)).find((e) => e !== undefined);
        for (const id of leaving) {
            const own = ms.members.get(id);
            const entry = own?.self ?? entryOf(id);
            if (!entry) continue;
            const slots = entry.slots.reduce((n, r) => n + r.end - r.start + 1, 0);
            const name = own?.label ?? ms.label(addressOf(entry));
            if (slots > 0) problems.push(`${name} still owns ${slots} slots; rebalance them away first`);
            if (own && isMaster(own.self)) {
                const keys = Number(await own.conn.call("DBSIZE"));
                if (keys > 0) problems.push(`${name} still holds ${keys} keys`);
            }
        }
        if (problems.length > 0) throw new Error(`cannot forget ${[...leaving].join(", ")}, nothing was changed: ${problems.join("; ")}`);

        // Remaining replicas of a leaving master follow a remaining one (a replica cannot forget its own master).
        const remainingMasters = remaining.filter((m) => isMaster(m.self));
        const replicasOf = (id: string) => remaining.filter((m) => m.self.masterId === id).length;
        for (const r of remaining.filter((m) => leaving.has(m.self.masterId))) {
            const to = [...remainingMasters].sort((a, b) => replicasOf(a.address.id) - replicasOf(b.address.id))[0];
            if (!to) throw new Error(`${r.label} replicates a leaving master and no master remains to replicate`);
            await r.conn.call("CLUSTER", "REPLICATE", to.address.id);
            r.self.masterId = to.address.id;
        }

        const isReplicaNow = (id: string) => {
            const e = ms.members.get(id)?.self ?? entryOf(id);
            return !!e && !isMaster(e);
        };
        const order = [...leaving].sort((a, b) => Number(isReplicaNow(b)) - Number(isReplicaNow(a)));
        const first = Date.now();
        for (const id of order) {
            await Promise.all(
                remaining.map(async (m) => {
                    try {
                        await m.conn.call("CLUSTER", "FORGET", id);
                    } catch (err) {
                        if (!/Unknown node/i.test((err as Error).message))
                            throw new Error(`${m.label}: CLUSTER FORGET ${id} failed: ${(err as Error).message}`);
                    }
                }),
            );
        }
        if (Date.now() - first > FORGET_WINDOW_MS)
            throw new Error(`forgetting took longer than Redis's ${FORGET_WINDOW_MS / 1000} s forget window; run again`);
        await pollUntil(
            async () => {
                const still = (
                    await Promise.all(
                        remaining.map(async (m) => {
                            const view = parseClusterNodes((await m.conn.call("CLUSTER", "NODES")) as string);
                            return view.filter((e) => leaving.has(e.id)).map((e) => `${m.label} still lists ${e.id}`);
                        }),
                    )
                ).flat();
                return still.length === 0 ? { done: true, value: undefined } : { done: false, observed: still.join("; ") };
            },
            { timeoutMs: opts.timeoutMs ?? 10000, intervalMs: 50, description: "the remaining nodes to stop listing the leaving ones" },
        );
    } finally {
        ms.close();
    }
}
