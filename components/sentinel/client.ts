/**
 * Client-side view of a sentinel group: ioredis Sentinel options (with shared/endpoint.ts's natMap in
 * bridge mode: one entry per data node *and* per sentinel, since ioredis also resolves every sentinel it
 * learns from `SENTINEL SENTINELS`).
 * Pure and JSON-serialisable, so the options can be a stack output.
 */
import type { Endpoint, NatMap } from "../shared/endpoint";

/** Options for `new Redis(options)` (ioredis) that follow the master through failovers. */
export interface SentinelClientOptions {
    sentinels: Endpoint[];
    name: string;
    /** ACL stacks with the default user off: the application user the client logs in to the data nodes as. */
    username?: string;
    password?: string;
    sentinelPassword?: string;
    natMap?: NatMap;
    /** TLS stacks: sentinels and data nodes are verified with the stack's CA. */
    sentinelTLS?: { ca: string };
    tls?: { ca: string };
    enableTLSForSentinelMode?: boolean;
}

export function sentinelClientOptions(args: {
    /** Sentinels reachable by the client (published endpoints). */
    sentinels: Endpoint[];
    masterName: string;
    username?: string;
    password?: string;
    /** Defaults to `password` (the stack uses one password for data nodes and sentinels). */
    sentinelPassword?: string;
    natMap?: NatMap;
    /** TLS stacks: the CA certificate. */
    caCert?: string;
}): SentinelClientOptions {
    if (args.sentinels.length === 0) throw new Error("sentinel client options: at least one sentinel endpoint is required");
    const options: SentinelClientOptions = {
        sentinels: args.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: args.masterName,
    };
    const sentinelPassword = args.sentinelPassword ?? args.password;
    if (args.username) options.username = args.username;
    if (args.password) options.password = args.password;
    if (sentinelPassword) options.sentinelPassword = sentinelPassword;
    if (args.natMap && Object.keys(args.natMap).length > 0) options.natMap = args.natMap;
    if (args.caCert !== undefined) {
        options.sentinelTLS = { ca: args.caCert };
        options.tls = { ca: args.caCert };
        options.enableTLSForSentinelMode = true;
    }
    return options;
}
