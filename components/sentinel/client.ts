/**
 * Client-side view of a sentinel group: ioredis Sentinel options (with shared/endpoint.ts's natMap in
 * bridge mode: one entry per data node *and* per sentinel, since ioredis also resolves every sentinel it
 * learns from `SENTINEL SENTINELS`).
 * Pure and JSON-serialisable, so the options can be a stack output.
 */
import type { Endpoint, NatMap } from "../shared/endpoint";

/** ioredis's `tls` for one connection: the CA, and the client certificate when the nodes ask for one. */
export interface ClientTls {
    ca: string;
    cert?: string;
    key?: string;
}

/** Options for `new Redis(options)` (ioredis) that follow the master through failovers. */
export interface SentinelClientOptions {
    sentinels: Endpoint[];
    name: string;
    /** ACL stacks with the default user off: the application user the client logs in to the data nodes as. */
    username?: string;
    password?: string;
    sentinelPassword?: string;
    natMap?: NatMap;
    /** TLS stacks: sentinels and data nodes are verified with the stack's CA; `cert`, `key`: the client certificate. */
    sentinelTLS?: ClientTls;
    tls?: ClientTls;
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
    /** TLS stacks whose nodes ask clients for a certificate (tls.authClients): presented to sentinels and data nodes. */
    clientCert?: { cert: string; key: string };
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
        const tls: ClientTls = { ca: args.caCert, ...(args.clientCert ? { cert: args.clientCert.cert, key: args.clientCert.key } : {}) };
        options.sentinelTLS = tls;
        options.tls = { ...tls };
        options.enableTLSForSentinelMode = true;
    }
    return options;
}
