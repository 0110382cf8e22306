/**
 * Live reads of a sentinel group, shared by the readiness gate, tests and the failover benchmark.
 * ioredis is reached only through withRedis (required at call time), so the gate stays serialisable.
 */
import type { Redis as RedisClient } from "ioredis";
import type { Endpoint } from "../endpoint";
import { NodeAccess, withRedis } from "./redis-connection";

/** Sentinel replies are flat `[field, value, field, value, ...]` arrays. */
export function fieldsOf(reply: unknown): Record<string, string> {
    const fields: Record<string, string> = {};
    if (!Array.isArray(reply)) return fields;
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fields;
}

export interface SentinelObservation {
    /** SENTINEL MASTER <name>: ip, port, runid, flags, num-slaves, num-other-sentinels, quorum, ... */
    master: Record<string, string>;
    /** SENTINEL REPLICAS <name>: one record per known replica (ip, port, flags, master-link-status, ...). */
    replicas: Record<string, string>[];
    /** SENTINEL SENTINELS <name>: one record per other known sentinel (ip, port, runid, flags, ...). */
    sentinels: Record<string, string>[];
}

export async function observeSentinel(client: RedisClient, masterName: string): Promise<SentinelObservation> {
    const [master, replicas, sentinels] = await Promise.all([
        client.call("SENTINEL", "MASTER", masterName),
        client.call("SENTINEL", "REPLICAS", masterName),
        client.call("SENTINEL", "SENTINELS", masterName),
    ]);
    return {
        master: fieldsOf(master),
        replicas: (replicas as unknown[]).map(fieldsOf),
        sentinels: (sentinels as unknown[]).map(fieldsOf),
    };
}

/** The master address a sentinel currently hands to clients (in-network form), or undefined if it has none. */
export async function sentinelMasterAddress(sentinel: NodeAccess, masterName: string): Promise<Endpoint | undefined> {
    const reply = await withRedis(sentinel, (c) => c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName));
    if (!Array.isArray(reply) || reply.length < 2) return undefined;
    return { host: String(reply[0]), port: Number(reply[1]) };
}

/** Sentinel's names for the tunables the stack manages (SENTINEL MASTER fields = SENTINEL SET options). */
// Module-local, not read through `exports`: in the program process (ts-node) Pulumi's closure serializer
// captured this module's exports without the constant, and the gate failed with "Cannot convert
// undefined or null to object" in tunableDrift.
const FIELDS = {
    quorum: "quorum",
    downAfterMs: "down-after-milliseconds",
    failoverTimeoutMs: "failover-timeout",
    parallelSyncs: "parallel-syncs",
} as const;
export const TUNABLE_FIELDS = FIELDS;

export type SentinelTunables = { [K in keyof typeof TUNABLE_FIELDS]: number };

/** `option value` pairs where the sentinel's live value differs from the wanted one. */
export function tunableDrift(master: Record<string, string>, wanted: SentinelTunables): Array<[string, string]> {
    const drift: Array<[string, string]> = [];
    for (const key of Object.keys(FIELDS) as Array<keyof SentinelTunables>) {
        const field = FIELDS[key];
        if (master[field] !== String(wanted[key])) drift.push([field, String(wanted[key])]);
    }
    return drift;
}

/**
 * Applies drifted tunables with SENTINEL SET, which also rewrites the sentinel's own config file; this
 * is how settings reach sentinels whose config in the data volume predates the current template.
 */
export async function applyTunables(client: RedisClient, masterName: string, drift: Array<[string, string]>): Promise<void> {
    if (drift.length === 0) return;
    await client.call("SENTINEL", "SET", masterName, ...drift.flat());
}
