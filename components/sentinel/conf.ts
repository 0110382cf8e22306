/**
 * sentinel.conf and the rules it must obey. The view model behind templates/sentinel.conf.mustache is pure
 * data from settings and a sentinel's layout; quoting and every safety check happen here, so the template
 * can stay a plain listing. validateSentinelSettings rejects what cannot work before any resource exists;
 * its problems use settings.ts's `{ key, message }` shape, keys relative to `redis-ha:`. Pure.
 */
import { type Endpoint, endpointProblem } from "../shared/endpoint";
import type { ConfigProblem, NetworkMode, SentinelSettings } from "../settings";
import { type NodeTlsConf, quoteConfigValue } from "../docker/redis-conf";

export interface SentinelConfInput {
    /** Logical name (e.g. `sentinel-0`), for the file's header comment. */
    sentinelName: string;
    networkMode: NetworkMode;
    /** Address to bind: 0.0.0.0 inside a bridge-network container, bindAddress in host mode. */
    bind: string;
    /** Port the sentinel listens on (26379 in a bridge container; its host port in host mode). */
    port: number;
    /**
     * What this sentinel tells peers and clients to call it: its container name and listen port in
     * bridge mode (stable across restarts, unlike the container IP), bindAddress and port in host mode.
     */
    announce: Endpoint;
    /** The initial master as sentinels reach it: its peerHost (container name or bindAddress) and listen port. */
    master: Endpoint;
    settings: Pick<SentinelSettings, "masterName" | "quorum" | "downAfterMs" | "failoverTimeoutMs" | "parallelSyncs">;
    /** The data nodes' requirepass, sent with `sentinel auth-pass`; empty or absent for none. */
    password?: string;
    /** The sentinels' own requirepass (and `sentinel sentinel-pass`); defaults to `password`. */
    sentinelPassword?: string;
    /** Leave the live lines (sentinelLiveLines) out: the seed uploaded into the container. */
    omitLive?: boolean;
    /** TLS (issue 11): to clients, peers and data nodes; `port 0` then. Absent: the file is as before. */
    tls?: Pick<NodeTlsConf, "certFile" | "keyFile" | "caCertFile" | "authClients" | "plaintextPort">;
    /** ACL user the sentinel logs in to the data nodes as (`sentinel auth-user`), with `password`. */
    authUser?: string;
}

export interface SentinelConfView {
    sentinelName: string;
    networkMode: NetworkMode;
    bind: string;
    port: number;
    /** "yes" when any address is a hostname: always in bridge mode (container names). */
    resolveHostnames: "yes" | "no";
    announceHostnames: "yes" | "no";
    announceHost: string;
    announcePort: number;
    masterName: string;
    masterHost: string;
    masterPort: number;
    quorum: number;
    downAfterMs: number;
    failoverTimeoutMs: number;
    parallelSyncs: number;
    /** `sentinel auth-pass` value, already quoted; absent when the data nodes have no password. */
    authPassQuoted?: string;
    /** requirepass/sentinel-pass value, already quoted; absent when the sentinels have no password. */
    sentinelPasswordQuoted?: string;
    /** sentinelLiveLines, or none when the file leaves them out. */
    liveLines: string[];
    /** The plain-text port: `port`, or with TLS 0 (or tls.plaintextPort under tls.allowPlaintext). */
    plainPort: number;
    tls?: { certFile: string; keyFile: string; caCertFile: string; authClients: string };
    authUser?: string;
}

/**
 * The live lines of a sentinel.conf (docker/live-config.ts, SENTINEL_DIRECTIVES): the monitor line, whose
 * last word is the quorum, and the tunables. They follow the marker comment the template renders.
 */
export function sentinelLiveLines(
    v: Pick<SentinelConfView, "masterName" | "masterHost" | "masterPort" | "quorum" | "downAfterMs" | "failoverTimeoutMs" | "parallelSyncs">,
): string[] {
    return [
        `sentinel monitor ${v.masterName} ${v.masterHost} ${v.masterPort} ${v.quorum}`,
        `sentinel down-after-milliseconds ${v.masterName} ${v.downAfterMs}`,
        `sentinel failover-timeout ${v.masterName} ${v.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${v.masterName} ${v.parallelSyncs}`,
    ];
}

/** The template line the live lines follow; the seed-once command inserts them after it. */
export const SENTINEL_LIVE_MARKER = "# Live settings (quorum and the tunables";

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

export function isIpLiteral(host: string): boolean {
    return IPV4.test(host) || (host.includes(":") && /^[0-9A-Fa-f:.]+$/.test(host));
}

/** Sentinel writes addresses back unquoted, so only plain hostnames and IP literals are allowed. */
function checkEndpoint(what: string, e: Endpoint): void {
    const problem = endpointProblem(what, e);
    if (problem) throw new Error(`sentinel.conf: ${problem}`);
}

/**
 * Builds the view, refusing anything that would render a file Redis rejects now or after its first
 * rewrite (settings validation reports the same problems earlier, with config keys).
 */
export function sentinelConfView(input: SentinelConfInput): SentinelConfView {
    const s = input.settings;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.sentinelName))
        throw new Error(`sentinel.conf: sentinel name ${JSON.stringify(input.sentinelName)} is not a plain token`);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(s.masterName))
        throw new Error(`sentinel.conf: master name ${JSON.stringify(s.masterName)} is not a plain token`);
    checkEndpoint("announce", input.announce);
    checkEndpoint("master", input.master);
    checkEndpoint("bind", { host: input.bind, port: input.port });
    const password = input.password ?? "";
    const sentinelPassword = input.sentinelPassword ?? password;
    for (const [what, pw] of [
        ["password", password],
        ["sentinel password", sentinelPassword],
    ]) {
        const problem = sentinelPasswordProblem(pw);
        if (problem) throw new Error(`sentinel.conf: ${what} ${problem}`);
    }
    const useHostnames = input.networkMode === "bridge" || !isIpLiteral(input.master.host) || !isIpLiteral(input.announce.host);
    const view: Omit<SentinelConfView, "liveLines"> = {
        sentinelName: input.sentinelName,
        networkMode: input.networkMode,
        bind: input.bind,
        port: input.port,
        resolveHostnames: useHostnames ? "yes" : "no",
        announceHostnames: useHostnames ? "yes" : "no",
        announceHost: input.announce.host,
        announcePort: input.announce.port,
        masterName: s.masterName,
        masterHost: input.master.host,
        masterPort: input.master.port,
        quorum: s.quorum,
        downAfterMs: s.downAfterMs,
        failoverTimeoutMs: s.failoverTimeoutMs,
        parallelSyncs: s.parallelSyncs,
        authPassQuoted: password === "" ? undefined : quoteConfigValue(password),
        sentinelPasswordQuoted: sentinelPassword === "" ? undefined : quoteConfigValue(sentinelPassword),
        plainPort: input.tls ? (input.tls.plaintextPort ?? 0) : input.port,
        tls: input.tls && {
            certFile: quoteConfigValue(input.tls.certFile),
            keyFile: quoteConfigValue(input.tls.keyFile),
            caCertFile: quoteConfigValue(input.tls.caCertFile),
            authClients: input.tls.authClients,
        },
        authUser: input.authUser,
    };
    return { ...view, liveLines: input.omitLive ? [] : sentinelLiveLines(view) };
}

export interface SentinelValidation {
    /** Configurations that cannot work; reject the stack. */
    errors: ConfigProblem[];
    /** Configurations that work but fail in foreseeable situations; show, do not reject. */
    warnings: ConfigProblem[];
}

/** Sentinel rewrites `sentinel monitor <name> ...` without quotes, so the name must be a plain token. */
const MASTER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Why a password cannot be used with Sentinel, or undefined when it can. Redis (7.0 and later alike)
 * writes `sentinel auth-pass` and `sentinel sentinel-pass` back *unquoted* whenever it rewrites its
 * config, so after the first rewrite a password containing whitespace or a quote makes the file
 * unparsable ("Unbalanced quotes") and the sentinel never starts again. Backslashes and other printable
 * characters survive the round trip (unquoted tokens take backslashes literally).
 */
export function sentinelPasswordProblem(password: string): string | undefined {
    if (password === "") return undefined;
    const bad = [...password].find((ch) => /\s/.test(ch) || ch === '"' || ch === "'" || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
    if (bad === undefined) return undefined;
    const shown =
        /\s/.test(bad) || bad.charCodeAt(0) < 0x20 || bad.charCodeAt(0) === 0x7f ? `U+${bad.charCodeAt(0).toString(16).padStart(4, "0")}` : bad;
    return (
        `contains ${shown}; with topology sentinel the password must not contain whitespace, quotes or control ` +
        `characters, because Sentinel rewrites its config with the password unquoted and could not restart`
    );
}

/** Checks sentinel settings together with the replica count and password the group uses. */
export function validateSentinelSettings(
    s: SentinelSettings,
    group: { replicas: number; password?: string; persistence?: { save: unknown[]; appendonly: boolean } },
): SentinelValidation {
    const errors: ConfigProblem[] = [];
    const warnings: ConfigProblem[] = [];
    const integer = (key: string, value: number, min: number, max: number): boolean => {
        if (!Number.isInteger(value) || value < min || value > max) {
            errors.push({ key, message: `must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}` });
            return false;
        }
        return true;
    };

    const countOk = integer("sentinel.count", s.count, 1, 15);
    if (!Number.isInteger(s.quorum)) {
        errors.push({ key: "sentinel.quorum", message: `must be an integer between 1 and sentinel.count, got ${JSON.stringify(s.quorum)}` });
    } else if (countOk && (s.quorum < 1 || s.quorum > s.count)) {
        const why = s.quorum < 1 ? "a sentinel needs at least its own vote" : `${s.count} sentinel(s) can never reach ${s.quorum} votes`;
        errors.push({ key: "sentinel.quorum", message: `must be between 1 and sentinel.count (${s.count}), got ${s.quorum}: ${why}` });
    }
    if (!MASTER_NAME.test(s.masterName)) {
        errors.push({
            key: "sentinel.masterName",
            message: `must be 1-64 characters from A-Z a-z 0-9 . _ - (Sentinel writes it unquoted into its config), got ${JSON.stringify(s.masterName)}`,
        });
    }
    integer("sentinel.downAfterMs", s.downAfterMs, 1, 3600000);
    integer("sentinel.failoverTimeoutMs", s.failoverTimeoutMs, 1, 86400000);
    integer("sentinel.parallelSyncs", s.parallelSyncs, 1, 32);
    if (group.replicas < 1) {
        errors.push({ key: "replicas", message: "topology sentinel needs at least 1 replica: with none there is nothing to fail over to" });
    }
    if (group.password !== undefined) {
        const problem = sentinelPasswordProblem(group.password);
        if (problem) errors.push({ key: "password", message: problem });
    }
    if (errors.length > 0) return { errors, warnings };

    // A failover needs votes from a majority of all sentinels, whatever the quorum.
    const majority = Math.floor(s.count / 2) + 1;
    if (s.count < 3) {
        warnings.push({
            key: "sentinel.count",
            message: `${s.count} sentinel(s): a failover needs a majority (${majority}), so losing any one sentinel (or its host) blocks failover; use 3 or more`,
        });
    } else if (s.count % 2 === 0) {
        warnings.push({
            key: "sentinel.count",
            message: `an even count (${s.count}) tolerates no more failures than ${s.count - 1} and needs ${majority} votes; a network split in half leaves neither side able to fail over`,
        });
    }
    if (s.quorum <= s.count / 2) {
        warnings.push({
            key: "sentinel.quorum",
            message: `quorum ${s.quorum} is not a majority of ${s.count}: a minority of sentinels (e.g. on the wrong side of a partition) can declare the master down; a majority must still authorize the failover`,
        });
    }
    if (s.failoverTimeoutMs < s.downAfterMs) {
        warnings.push({
            key: "sentinel.failoverTimeoutMs",
            message: `${s.failoverTimeoutMs} ms is shorter than downAfterMs (${s.downAfterMs} ms); failovers may be abandoned before replicas are reconfigured`,
        });
    }
    if (group.persistence && group.persistence.save.length === 0 && !group.persistence.appendonly) {
        warnings.push({
            key: "persistence",
            message:
                "persistence is off: a master that Docker restarts faster than downAfterMs comes back empty, no failover happens, " +
                "and its replicas copy the empty dataset; keep appendonly or save rules on with topology sentinel",
        });
    }
    return { errors, warnings };
}
