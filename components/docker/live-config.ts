/**
 * Which settings a running node takes without a restart, and how a node keeps them. Pure: tables, the
 * directives and lines built from settings, and the shell that composes a node's running config at start.
 *
 * Every directive our templates render is classified here: `live` ones Redis changes at runtime (CONFIG SET
 * on data nodes, SENTINEL SET on sentinels), `restart` ones it reads only at start. A live directive is kept
 * out of the file uploaded into the container, so changing it never touches the container's inputs: the
 * LiveConfig resource beside each data node (docker/live-config-resource.ts) CONFIG SETs it and persists it
 * with CONFIG REWRITE, and the SentinelReadiness gate SENTINEL SETs the sentinel tunables. The values a node
 * must have from its first start travel in the container's LIVE_CONF_ENV variable, which the container
 * declares with `ignoreChanges` (it seeds a fresh volume only; later values come from the live resources).
 */
import type { PersistenceSettings } from "../settings";
import { RESERVED_USER_NAMES } from "../security/acl";

export type ChangeKind = "live" | "restart";

/**
 * TLS (issue 11), for data nodes and sentinels alike. Redis takes these with CONFIG SET, but their values
 * never change with settings: the file paths are fixed inside the container, so a renewed certificate
 * changes the files' content, never a directive. tls-auth-clients follows `tls.authClients`, which still
 * replaces the containers.
 */
const TLS_DIRECTIVES: Readonly<Record<string, ChangeKind>> = {
    "tls-port": "restart",
    "tls-cert-file": "restart",
    "tls-key-file": "restart",
    "tls-ca-cert-file": "restart",
    "tls-auth-clients": "restart",
    "tls-replication": "restart",
};

/**
 * Every redis.conf directive templates/redis.conf.mustache renders (cluster directives included), and
 * whether a change reaches a running node. Constants of the template count too: a new redis-ha that changes
 * one restarts the node. `tests/unit/live-config.test.ts` checks that the template renders nothing else.
 */
export const REDIS_DIRECTIVES: Readonly<Record<string, ChangeKind>> = {
    bind: "restart",
    port: "restart",
    "protected-mode": "restart",
    "tcp-backlog": "restart",
    timeout: "restart",
    "tcp-keepalive": "restart",
    daemonize: "restart",
    logfile: "restart",
    loglevel: "restart",
    dir: "restart",
    // The password is also the healthcheck's and the sentinels' auth-pass: it changes with the container.
    requirepass: "restart",
    masterauth: "restart",
    save: "live",
    dbfilename: "restart",
    rdbcompression: "restart",
    rdbchecksum: "restart",
    "stop-writes-on-bgsave-error": "restart",
    appendonly: "live",
    appendfilename: "restart",
    appenddirname: "restart",
    appendfsync: "live",
    "aof-use-rdb-preamble": "restart",
    maxmemory: "live",
    "maxmemory-policy": "live",
    "replica-read-only": "restart",
    "replica-serve-stale-data": "restart",
    "repl-diskless-sync": "restart",
    "repl-diskless-sync-delay": "restart",
    replicaof: "restart",
    "replica-announce-ip": "restart",
    "replica-announce-port": "restart",
    "cluster-enabled": "restart",
    "cluster-config-file": "restart",
    "cluster-node-timeout": "live",
    "cluster-announce-hostname": "restart",
    "cluster-preferred-endpoint-type": "restart",
    "cluster-announce-ip": "restart",
    "cluster-announce-port": "restart",
    "cluster-announce-bus-port": "restart",
    ...TLS_DIRECTIVES,
    "tls-cluster": "restart",
    // ACL (issue 11): the replication user and the `user` lines of the stack's own users (generated
    // passwords, rules fixed by redis-ha) and of the default user. The application users (`acl.users`) are
    // no directive of the uploaded file: the AclUsers resource sets them live with ACL SETUSER, CONFIG
    // REWRITE writes them into the running config, and liveSectionShell carries them across restarts.
    masteruser: "restart",
    user: "restart",
};

/**
 * Every sentinel.conf directive templates/sentinel.conf.mustache renders (`sentinel <sub>` as one key).
 * The whole file is a seed Sentinel copies once and then owns, so `restart` here means "reaches new
 * sentinels only"; the live ones reach running sentinels through SENTINEL SET.
 */
export const SENTINEL_DIRECTIVES: Readonly<Record<string, ChangeKind>> = {
    bind: "restart",
    port: "restart",
    "protected-mode": "restart",
    daemonize: "restart",
    logfile: "restart",
    requirepass: "restart",
    "sentinel sentinel-pass": "restart",
    "sentinel resolve-hostnames": "restart",
    "sentinel announce-hostnames": "restart",
    "sentinel announce-ip": "restart",
    "sentinel announce-port": "restart",
    // Quorum is the monitor line's last word; SENTINEL SET <name> quorum changes it live.
    "sentinel monitor": "live",
    "sentinel auth-pass": "restart",
    "sentinel auth-user": "restart",
    ...TLS_DIRECTIVES,
    "sentinel down-after-milliseconds": "live",
    "sentinel failover-timeout": "live",
    "sentinel parallel-syncs": "live",
};

/**
 * Stack settings (config keys under `redis-ha:`) and what a change does to running nodes: `live` is an
 * update of the live-config resources, `restart` replaces the affected containers. Keys that change the
 * set of nodes (`topology`, `replicas`, `cluster.shards`, ...) are not in here: they add or remove nodes.
 */
export const SETTING_CHANGES: Readonly<Record<string, ChangeKind>> = {
    maxmemory: "live",
    maxmemoryPolicy: "live",
    "persistence.save": "live",
    "persistence.appendonly": "live",
    "persistence.appendfsync": "live",
    "cluster.nodeTimeoutMs": "live",
    "sentinel.quorum": "live",
    "sentinel.downAfterMs": "live",
    "sentinel.failoverTimeoutMs": "live",
    "sentinel.parallelSyncs": "live",
    image: "restart",
    password: "restart",
    bindAddress: "restart",
    basePort: "restart",
    "network.mode": "restart",
    "network.subnet": "restart",
    "sentinel.masterName": "restart",
    // ACL SETUSER/DELUSER by the AclUsers resources (security/acl-users.ts).
    "acl.users": "live",
    // The default user's line is in the uploaded file; the first users (from none) also bring the stack's own.
    "acl.defaultUser": "restart",
};

/** One live directive as CONFIG SET takes it: name and raw (unquoted) value; `save ""` is the empty string. */
export type LiveDirective = [name: string, value: string];

export interface LiveRedisSettings {
    persistence: PersistenceSettings;
    maxmemory: string;
    maxmemoryPolicy: string;
}

/** The live directives of a data node, in file order: persistence, memory, then any from `extraLines`. */
export function liveRedisDirectives(s: LiveRedisSettings, extraLines: string[] = []): LiveDirective[] {
    const directives: LiveDirective[] = [
        ["save", s.persistence.save.map((r) => `${r.seconds} ${r.changes}`).join(" ")],
        ["appendonly", s.persistence.appendonly ? "yes" : "no"],
        ["appendfsync", s.persistence.appendfsync],
        ["maxmemory", s.maxmemory],
        ["maxmemory-policy", s.maxmemoryPolicy],
    ];
    for (const line of extraLines) {
        const parsed = directiveOf(line);
        if (parsed && REDIS_DIRECTIVES[parsed[0]] === "live") directives.push(parsed);
    }
    return directives;
}

/** `name value...` -> [name, value]; comments and blank lines give undefined. */
export function directiveOf(line: string): LiveDirective | undefined {
    const m = /^\s*([A-Za-z-]+)(?:\s+(.*))?$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) return undefined;
    return [m[1].toLowerCase(), (m[2] ?? "").trim()];
}

/** Lines whose directive is live, removed: what the uploaded file keeps of extra lines (cluster directives). */
export function restartOnlyLines(lines: string[]): string[] {
    return lines.filter((line) => {
        const parsed = directiveOf(line);
        return !(parsed && REDIS_DIRECTIVES[parsed[0]] === "live");
    });
}

/** Environment variable carrying a node's live lines at creation (seed of a fresh volume; ignored later). */
export const LIVE_CONF_ENV = "REDIS_HA_LIVE_CONF";

/** Names of the live redis.conf directives, for the start script's grep. */
export function liveDirectiveNames(): string[] {
    return Object.keys(REDIS_DIRECTIVES).filter((k) => REDIS_DIRECTIVES[k] === "live");
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * Shell lines that append the live section to `newPath`: the live directives of the config the node ran
 * from last (`configPath`, rewritten by CONFIG REWRITE after every live change) when it has them, otherwise
 * (a fresh volume) the values the container was created with (LIVE_CONF_ENV). So a restart keeps every
 * value applied live, and the first start already has them all. The application users' `user` lines
 * (CONFIG REWRITE writes every user) come along too; the default user's and the stack's own come from the
 * uploaded file. A fresh volume has none: its AclUsers resource sets them once the node runs.
 */
export function liveSectionShell(configPath: string, newPath: string): string[] {
    for (const p of [configPath, newPath]) {
        if (!SAFE_PATH.test(p)) throw new Error(`live section: path ${JSON.stringify(p)} must be absolute and shell-safe`);
    }
    const names = liveDirectiveNames().join("|");
    const ownUsers = RESERVED_USER_NAMES.join("|");
    return [
        `echo "# --- live settings: changed at runtime with CONFIG SET and kept here by CONFIG REWRITE" >> ${newPath}`,
        `if [ -s ${configPath} ] && grep -q '^maxmemory ' ${configPath}; then`,
        `  grep -E '^(${names}) ' ${configPath} >> ${newPath}`,
        `  grep -E '^user ' ${configPath} | grep -vE '^user (${ownUsers}) ' >> ${newPath}`,
        `else`,
        `  printf '%s\\n' "$${LIVE_CONF_ENV}" >> ${newPath}`,
        `fi`,
    ];
}

/**
 * The shell script a data node starts with (standalone, replication, cluster): the running config in the
 * data volume is the uploaded file (restart-only directives) plus the live section, written to a temp name
 * and renamed (a crash mid-write never leaves a truncated config). The volume copy is what Redis runs from
 * and CONFIG REWRITE rewrites; `umask 077` because it holds the password.
 */
export function dataNodeComposeScript(opts: {
    uploadedConfigPath: string;
    configPath: string;
    exec: string;
    /** Lines run first, as root (e.g. handing the TLS files to the redis user: security/node-security.ts). */
    setup?: string[];
}): string {
    if (!SAFE_PATH.test(opts.uploadedConfigPath)) throw new Error(`start script: path ${JSON.stringify(opts.uploadedConfigPath)} must be shell-safe`);
    if (!/^[A-Za-z0-9._/ -]+$/.test(opts.exec)) throw new Error(`start script: ${JSON.stringify(opts.exec)} must be plain words and paths`);
    const conf = opts.configPath;
    return [
        ...(opts.setup ?? []),
        "umask 077",
        `cp ${opts.uploadedConfigPath} ${conf}.new`,
        ...liveSectionShell(conf, `${conf}.new`),
        `mv ${conf}.new ${conf}`,
        `exec ${opts.exec}`,
    ].join("\n");
}
