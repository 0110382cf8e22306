/**
 * The view model behind templates/sentinel.conf.mustache: pure data from settings and a sentinel's
 * layout. Quoting and every safety check happen here, so the template can stay a plain listing.
 */
import type { Endpoint } from "../endpoint";
import type { NetworkMode } from "../settings";
import { quoteConfigValue } from "./redis-conf";
import { SentinelSettings, sentinelPasswordProblem } from "./sentinel-validation";

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
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;
/** Hostnames and IPv4/IPv6 literals; Sentinel writes addresses back unquoted, so nothing else is allowed. */
const HOST = /^[A-Za-z0-9.:_-]{1,253}$/;

export function isIpLiteral(host: string): boolean {
    return IPV4.test(host) || (host.includes(":") && /^[0-9A-Fa-f:.]+$/.test(host));
}

function checkEndpoint(what: string, e: Endpoint): void {
    if (!HOST.test(e.host)) throw new Error(`sentinel.conf: ${what} host ${JSON.stringify(e.host)} is not a hostname or IP address`);
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new Error(`sentinel.conf: ${what} port ${e.port} is outside 1-65535`);
}

/**
 * Builds the view, refusing anything that would render a file Redis rejects now or after its first
 * rewrite (settings validation reports the same problems earlier, with config keys).
 */
export function sentinelConfView(input: SentinelConfInput): SentinelConfView {
    const s = input.settings;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.sentinelName)) throw new Error(`sentinel.conf: sentinel name ${JSON.stringify(input.sentinelName)} is not a plain token`);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(s.masterName)) throw new Error(`sentinel.conf: master name ${JSON.stringify(s.masterName)} is not a plain token`);
    checkEndpoint("announce", input.announce);
    checkEndpoint("master", input.master);
    checkEndpoint("bind", { host: input.bind, port: input.port });
    const password = input.password ?? "";
    const sentinelPassword = input.sentinelPassword ?? password;
    for (const [what, pw] of [["password", password], ["sentinel password", sentinelPassword]]) {
        const problem = sentinelPasswordProblem(pw);
        if (problem) throw new Error(`sentinel.conf: ${what} ${problem}`);
    }
    const useHostnames = input.networkMode === "bridge" || !isIpLiteral(input.master.host) || !isIpLiteral(input.announce.host);
    return {
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
    };
}
