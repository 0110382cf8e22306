/**
 * What a sentinel reports, in a form the readiness gate can reason about: the flat SENTINEL replies as
 * records, and which managed tunables differ from the wanted ones. Pure; sentinel/readiness.ts does the reads.
 */

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

/** Sentinel's names for the tunables the stack manages (SENTINEL MASTER fields = SENTINEL SET options). */
// Provider code reads the local name (shared/dynamic.ts explains why).
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
