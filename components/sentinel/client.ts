/**
 * Client-side view of a sentinel group: ioredis Sentinel options and the natMap that turns the
 * in-network addresses sentinels hand out (container names in bridge mode) into published ports.
 * Pure and JSON-serialisable, so the options can be a stack output.
 */
import type { Endpoint } from "../shared/endpoint";

/** ioredis natMap: `"host:port"` as a sentinel reports it -> where a client outside Docker connects. */
export type NatMap = Record<string, Endpoint>;

export interface PublishedAddress {
    /** Address as sentinels report it: peerHost and listen port. */
    internal: Endpoint;
    /** Address reachable from outside Docker: bindAddress and host port. */
    published: Endpoint;
}

/** Anything laid out like plan/layout.ts's NodeLayout or SentinelLayout. */
export interface LaidOutProcess {
    peerHost: string;
    listenPort: number;
    hostPort: number;
}

/**
 * One entry per data node *and* per sentinel: ioredis resolves the master and replicas through the map,
 * and also every sentinel it learns from `SENTINEL SENTINELS` (updateSentinels). Identity entries (host
 * mode) are dropped; two different targets for one key are a planning bug and throw.
 */
export function buildNatMap(addresses: PublishedAddress[]): NatMap {
    const map: NatMap = {};
    for (const { internal, published } of addresses) {
        if (internal.host === published.host && internal.port === published.port) continue;
        const key = `${internal.host}:${internal.port}`;
        const existing = map[key];
        if (existing && (existing.host !== published.host || existing.port !== published.port)) {
            throw new Error(`natMap: ${key} would map to both ${existing.host}:${existing.port} and ${published.host}:${published.port}`);
        }
        map[key] = { host: published.host, port: published.port };
    }
    return map;
}

/** natMap for laid-out data nodes and sentinels published on bindAddress. */
export function natMapForLayout(processes: LaidOutProcess[], bindAddress: string): NatMap {
    return buildNatMap(
        processes.map((p) => ({ internal: { host: p.peerHost, port: p.listenPort }, published: { host: bindAddress, port: p.hostPort } })),
    );
}

/** Options for `new Redis(options)` (ioredis) that follow the master through failovers. */
export interface SentinelClientOptions {
    sentinels: Endpoint[];
    name: string;
    password?: string;
    sentinelPassword?: string;
    natMap?: NatMap;
}

export function sentinelClientOptions(args: {
    /** Sentinels reachable by the client (published endpoints). */
    sentinels: Endpoint[];
    masterName: string;
    password?: string;
    /** Defaults to `password` (the stack uses one password for data nodes and sentinels). */
    sentinelPassword?: string;
    natMap?: NatMap;
}): SentinelClientOptions {
    if (args.sentinels.length === 0) throw new Error("sentinel client options: at least one sentinel endpoint is required");
    const options: SentinelClientOptions = {
        sentinels: args.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: args.masterName,
    };
    const sentinelPassword = args.sentinelPassword ?? args.password;
    if (args.password) options.password = args.password;
    if (sentinelPassword) options.sentinelPassword = sentinelPassword;
    if (args.natMap && Object.keys(args.natMap).length > 0) options.natMap = args.natMap;
    return options;
}
