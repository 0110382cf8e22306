/**
 * The view model behind templates/redis.conf.mustache: pure data from settings and a node's layout.
 * Quoting happens here, once, so a password with quotes, backslashes or spaces cannot break the file.
 */
import type { PersistenceSettings } from "../settings";
import { type LiveDirective, liveRedisDirectives, restartOnlyLines } from "./live-config";

export interface RedisConfInput {
    nodeName: string;
    role: string;
    /** Address to bind: 0.0.0.0 inside a bridge-network container, bindAddress in host mode. */
    bind: string;
    port: number;
    password: string;
    persistence: PersistenceSettings;
    maxmemory: string;
    maxmemoryPolicy: string;
    replicaOf?: { host: string; port: number };
    /** What this node tells its master (and Sentinel) to call it, so peers reach it across restarts. */
    announce?: { host: string; port: number };
    /** Redis Cluster directives (cluster/layout.ts `clusterConfLines`); present only for cluster nodes. */
    clusterLines?: string[];
    /**
     * Leave the live directives (docker/live-config.ts) out: the file uploaded into a container, which must
     * not change when only they do. Default: a complete file (a process started from it directly).
     */
    omitLive?: boolean;
    /** TLS and ACL (issue 11); absent, the file is what it was without them. */
    security?: NodeSecurityConf;
}

/** Where a node's TLS files are inside the container, and how it uses them. */
export interface NodeTlsConf {
    certFile: string;
    keyFile: string;
    caCertFile: string;
    /** Redis `tls-auth-clients`. */
    authClients: string;
    /** Keep a plain-text port (`port`) next to `tls-port`; without it `port 0`. */
    plaintextPort?: number;
    /** `tls-cluster yes`: the cluster bus over TLS too. */
    cluster: boolean;
}

export interface NodeSecurityConf {
    tls?: NodeTlsConf;
    /** `user` lines (security/acl.ts aclUserLine): application and the stack's own users. */
    userLines: string[];
    /** The default user: `on` keeps requirepass; `off` disables it (only named users log in). */
    defaultUser: "on" | "off";
    /** Replication authenticates as this user (`masteruser`) with its own password instead of the default user's. */
    masterUser?: { name: string; password: string };
}

export interface RedisConfView {
    nodeName: string;
    role: string;
    bind: string;
    port: number;
    requirepassQuoted: string;
    /** The live directives as lines; empty when the file leaves them out. */
    liveLines: string[];
    replicaOf?: { host: string; port: number };
    announce?: { host: string; port: number };
    cluster?: { lines: string[] };
    /** Plain-text client port: `port` itself, or the TLS settings' choice. */
    plainPort: number;
    masterauthQuoted: string;
    defaultUserOn: boolean;
    tls?: { port: number; certFile: string; keyFile: string; caCertFile: string; authClients: string; cluster: boolean };
    masterUser?: string;
    acl?: { lines: string[] };
}

/** Quotes a value for redis.conf: double quotes, with backslash and quote escaped (sdssplitargs rules). */
export function quoteConfigValue(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

export function redisConfView(input: RedisConfInput): RedisConfView {
    return {
        nodeName: input.nodeName,
        role: input.role,
        bind: input.bind,
        port: input.port,
        requirepassQuoted: quoteConfigValue(input.password),
        liveLines: input.omitLive ? [] : liveConfLines(liveRedisDirectives(input, input.clusterLines)),
        replicaOf: input.replicaOf,
        announce: input.announce,
        cluster: input.clusterLines && { lines: restartOnlyLines(input.clusterLines) },
        ...securityView(input),
    };
}

function securityView(input: RedisConfInput): Pick<RedisConfView, "plainPort" | "masterauthQuoted" | "defaultUserOn" | "tls" | "masterUser" | "acl"> {
    const sec = input.security;
    const tls = sec?.tls;
    return {
        plainPort: tls ? (tls.plaintextPort ?? 0) : input.port,
        masterauthQuoted: quoteConfigValue(sec?.masterUser?.password ?? input.password),
        defaultUserOn: sec?.defaultUser !== "off",
        tls: tls && {
            port: input.port,
            certFile: quoteConfigValue(tls.certFile),
            keyFile: quoteConfigValue(tls.keyFile),
            caCertFile: quoteConfigValue(tls.caCertFile),
            authClients: tls.authClients,
            cluster: tls.cluster,
        },
        masterUser: sec?.masterUser?.name,
        acl: sec && sec.userLines.length > 0 ? { lines: sec.userLines } : undefined,
    };
}

/** Live directives as redis.conf lines, every value quoted (so `save ""` disables RDB). */
export function liveConfLines(directives: LiveDirective[]): string[] {
    return directives.map(([name, value]) => `${name} ${quoteConfigValue(value)}`);
}
