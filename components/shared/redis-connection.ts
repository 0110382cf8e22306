import type { Redis as RedisClient } from "ioredis";
import type { Endpoint } from "./endpoint";
import { pollUntil } from "./poll";

/** How a dynamic provider reaches one node: from the machine running `pulumi`, so the published endpoint. */
export interface NodeAccess extends Endpoint {
    /** ACL stacks: the user to log in as (the stack's operator user); absent, the default user. */
    username?: string;
    password?: string;
    /** TLS stacks: the CA that signed the node's certificate (and the name to verify, when `host` is not on it). */
    tls?: NodeTls;
}

export interface NodeTls {
    ca: string;
    servername?: string;
    /** `tls.authClients` yes or optional: the client certificate presented (PEM), and its key (secret). */
    cert?: string;
    key?: string;
}

/**
 * ioredis's `tls` option for a node (none for a plain-text one): verify its certificate with the stack's CA,
 * and present the client certificate when there is one.
 */
export function ioredisTls(tls: NodeTls | undefined): { tls?: NodeTls } {
    if (!tls) return {};
    return {
        tls: {
            ca: tls.ca,
            ...(tls.servername ? { servername: tls.servername } : {}),
            ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
        },
    };
}

/**
 * An open ioredis connection to the node, which the caller disconnects. ioredis is required inside the
 * function (not imported at module level) because dynamic providers are serialized and re-loaded by the
 * provider host, where only `require` of installed packages resolves reliably. No reconnects and no
 * offline queue: a node that is down fails the command at once. `commandTimeoutMs` bounds each command;
 * without it, a command may take as long as it takes (a long-lived connection that runs MIGRATE).
 */
export async function openRedis(node: NodeAccess, opts: { commandTimeoutMs?: number } = {}): Promise<RedisClient> {
    const Redis = require("ioredis");
    const client: RedisClient = new Redis({
        host: node.host,
        port: node.port,
        username: node.username || undefined,
        password: node.password || undefined,
        ...ioredisTls(node.tls),
        lazyConnect: true,
        connectTimeout: 2000,
        ...(opts.commandTimeoutMs === undefined ? {} : { commandTimeout: opts.commandTimeoutMs }),
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
    });
    // Surfaced through the failed connect instead; kept because a failed connect() only says
    // "Connection is closed", while the event carries the cause (ECONNREFUSED, NOAUTH, ...).
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

/** Runs `fn` with a short-lived connection (openRedis, 5 s per command) and always closes it. */
export async function withRedis<T>(node: NodeAccess, fn: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = await openRedis(node, { commandTimeoutMs: 5000 });
    try {
        return await fn(client);
    } finally {
        client.disconnect();
    }
}

/**
 * withRedis, tried again until one session runs `fn` to the end or `timeoutMs` passes: for a change a
 * provider must make on a node that may still be starting (LiveConfig, AclUsers). `fn` must be safe to
 * run again; the timeout says what was asked of the node and the last error.
 */
export async function withRedisRetried<T>(
    node: NodeAccess,
    fn: (client: RedisClient) => Promise<T>,
    opts: { timeoutMs: number; description: string },
): Promise<T> {
    return pollUntil(async () => ({ done: true, value: await withRedis(node, fn) }), opts);
}

/** Parses the `field:value` lines of an INFO reply into a map. */
export function parseInfo(info: string): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const line of info.split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon > 0 && !line.startsWith("#")) {
            fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
        }
    }
    return fields;
}
