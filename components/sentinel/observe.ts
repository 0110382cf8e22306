/**
 * What a sentinel reports, in a form the readiness gate can reason about: the flat SENTINEL replies as
 * records, which managed tunables differ from the wanted ones, and what keeps a sentinel's view from ready. Pure; sentinel/readiness.ts does the reads.
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

/** Flags beyond the base role (s_down, o_down, disconnected, failover states, ...). */
const extraFlags = (flags: string | undefined, base: string) => (flags ?? "").split(",").filter((f) => f !== "" && f !== base);

/** What keeps one sentinel's view of the group from being ready (empty when it is), each item starting with `label`. */
export function sentinelProblems(
    label: string,
    o: SentinelObservation,
    want: { replicas: number; otherSentinels: number; tunables?: SentinelTunables },
): string[] {
    const problems: string[] = [];
    const m = o.master;
    const masterFlags = extraFlags(m.flags, "master");
    if (masterFlags.length > 0) problems.push(`${label} sees master ${m.ip}:${m.port} with flags ${m.flags}`);
    // Reachability only: Sentinel refreshes a healthy replica's INFO every 10 s, so its master-link-status
    // lags; whether each replica is linked is read from the replica itself below.
    const healthyReplicas = o.replicas.filter((r) => extraFlags(r.flags, "slave").length === 0);
    if (Number(m["num-slaves"]) !== want.replicas || healthyReplicas.length !== want.replicas) {
        const seen = o.replicas.map((r) => `${r.ip}:${r.port} ${r.flags}`).join(", ") || "none";
        problems.push(`${label} has num-slaves=${m["num-slaves"]}, ${healthyReplicas.length} healthy (want ${want.replicas}): ${seen}`);
    }
    const wantOthers = want.otherSentinels;
    const healthyOthers = o.sentinels.filter((p) => extraFlags(p.flags, "sentinel").length === 0);
    if (Number(m["num-other-sentinels"]) !== wantOthers || healthyOthers.length !== wantOthers) {
        const seen = o.sentinels.map((p) => `${p.ip}:${p.port} ${p.flags}`).join(", ") || "none";
        problems.push(`${label} has num-other-sentinels=${m["num-other-sentinels"]}, ${healthyOthers.length} healthy (want ${wantOthers}): ${seen}`);
    }
    if (want.tunables) {
        const drift = tunableDrift(m, want.tunables);
        if (drift.length > 0)
            problems.push(`${label} still has ${drift.map(([k]) => `${k}=${m[k]}`).join(" ")} (applying ${drift.map((d) => d.join(" ")).join(" ")})`);
    }
    return problems;
}
