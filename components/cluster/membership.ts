/**
 * The live cluster as the resharding engine sees it (reshard.ts, forget.ts): every node, found from the seeds
 * by following each node's own CLUSTER NODES, each with one connection kept for the whole run, and the nodes
 * that could not be reached (a move or a forget refuses while one of them is unreachable).
 *
 * Addresses: the engine connects to each node at `access(address)` (the published endpoint in bridge mode),
 * while the nodes name each other by the address they announce (CLUSTER NODES).
 */
import type { Redis as RedisClient } from "ioredis";
import { Endpoint } from "../shared/endpoint";
import { type NodeTls, openRedis } from "../shared/redis-connection";
import { ClusterNodeEntry, inHandshake, isMaster, isMyself, parseClusterNodes } from "./observe";

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

export interface Member {
    address: NodeAddress;
    label: string;
    endpoint: Endpoint;
    conn: RedisClient;
    /** Its own CLUSTER NODES, parsed and raw. */
    view: ClusterNodeEntry[];
    text: string;
    self: ClusterNodeEntry;
}

export function addressOf(e: ClusterNodeEntry): NodeAddress {
    return { id: e.id, ip: e.ip, port: e.port, hostname: e.hostname };
}

function defaultLabel(a: NodeAddress): string {
    return a.hostname || `${a.ip}:${a.port}`;
}

/**
 * A connection kept for the whole run: openRedis without a per-command timeout (MIGRATE of a big key
 * legitimately takes long; MIGRATE's own timeout bounds its I/O).
 */
function connect(endpoint: Endpoint, login: Pick<ClusterAccess, "username" | "password" | "tls">): Promise<RedisClient> {
    return openRedis({ host: endpoint.host, port: endpoint.port, username: login.username, password: login.password, tls: login.tls });
}

/** Every node of the cluster, connected; the membership is the union of every reachable node's view. */
export class Membership {
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
