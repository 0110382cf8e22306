/**
 * Stack settings: every config type and default of the `redis-ha:` config namespace (read-settings.ts
 * reads and range-checks raw config into them). Pure and a leaf: it imports no topology, so every topology
 * may import it.
 */

export const TOPOLOGIES = ["standalone", "replication", "sentinel", "cluster"] as const;
export type Topology = (typeof TOPOLOGIES)[number];
/** Topologies whose components exist; the others fail validation with a clear message. */
export const SUPPORTED_TOPOLOGIES: readonly Topology[] = ["standalone", "replication", "sentinel", "cluster"];

export const NETWORK_MODES = ["bridge", "host"] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const TLS_AUTH_CLIENTS = ["no", "optional", "yes"] as const;
export type TlsAuthClients = (typeof TLS_AUTH_CLIENTS)[number];

export const ACL_DEFAULT_USER = ["on", "off"] as const;
export type AclDefaultUser = (typeof ACL_DEFAULT_USER)[number];

export const APPENDFSYNC_POLICIES = ["always", "everysec", "no"] as const;
export type AppendFsync = (typeof APPENDFSYNC_POLICIES)[number];

export const EVICTION_POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export interface PersistenceSettings {
    /** RDB snapshot rules as `seconds changes` pairs; empty disables RDB snapshots. */
    save: Array<{ seconds: number; changes: number }>;
    appendonly: boolean;
    appendfsync: AppendFsync;
}

export interface Settings {
    project: string;
    stack: string;
    /** Prefix of every Docker object name, unique per stack on one Docker host. */
    namePrefix: string;
    topology: Topology;
    image: string;
    bindAddress: string;
    basePort: number;
    persistence: PersistenceSettings;
    /** Redis `maxmemory` (e.g. `256mb`); `0` means no limit. */
    maxmemory: string;
    maxmemoryPolicy: EvictionPolicy;
    replicas: number;
    /** `subnet`: the bridge network's IPv4 block for topology cluster (default: one derived from the stack name). */
    network: { mode: NetworkMode; subnet?: string };
    /** How long readiness gates wait before failing with what they saw. */
    readinessTimeoutMs: number;
    /** Sentinel group settings (topology sentinel). */
    sentinel: SentinelSettings;
    /** Redis Cluster shape (topology cluster). */
    cluster: ClusterSettings;
    /** Config that works but fails in foreseeable situations: shown at deploy time, not rejected. */
    warnings: ConfigProblem[];
    /** Transport encryption of every link (clients, replication, cluster bus, Sentinel). */
    tls: TlsSettings;
    /** Named users, and whether the default user (`password`) may log in. */
    acl: AclSettings;
}

export interface TlsSettings {
    enabled: boolean;
    /** Bring your own: CA certificate, and one certificate and key used by every node (PEM; secrets). */
    own?: { caCert: string; cert: string; key: string };
    /**
     * Lifetime of generated certificates; `up` renews them when they expire within TLS_RENEW_WITHIN_DAYS (so
     * at every `up` when it is that short or shorter).
     */
    validityDays: number;
    /** Keep a plain-text port open next to the TLS port: the TLS port + 1000 (docker/layout.ts PLAINTEXT_PORT_OFFSET). */
    allowPlaintext: boolean;
    /**
     * Redis `tls-auth-clients`: whether clients must present a certificate signed by the CA. `yes` and
     * `optional` also give the stack a client certificate (security/certificates.ts clientCertificatesAsked).
     */
    authClients: TlsAuthClients;
}

export interface AclUser {
    name: string;
    /** Secret. Redis gets only its SHA-256 (`#<hash>` in the `user` line). */
    password: string;
    /** Redis ACL rules, e.g. `~app:* +@read +@write -@dangerous`. */
    rules: string;
}

export interface AclSettings {
    users: AclUser[];
    /** `on`: the default user logs in with `password` (as without ACL users); `off`: only named users can. */
    defaultUser: AclDefaultUser;
}

/** Generated certificates expiring within this many days are renewed by `up`. */
export const TLS_RENEW_WITHIN_DAYS = 30;

export interface ClusterSettings {
    /** Masters, each owning an even share of the 16384 slots. Redis Cluster needs at least 3. */
    shards: number;
    /** Replicas of each master. */
    replicasPerShard: number;
    /** `cluster-node-timeout`: how long a master may be unreachable before its replica takes over. */
    nodeTimeoutMs: number;
}

export interface SentinelSettings {
    /** Number of sentinel processes. */
    count: number;
    /** Sentinels that must agree the master is down before a failover is attempted. */
    quorum: number;
    /** Name the group is monitored under; clients ask sentinels for this name. */
    masterName: string;
    /** How long the master must be unreachable before a sentinel considers it down (SDOWN). */
    downAfterMs: number;
    /** Sentinel failover-timeout: bounds one failover attempt; a retry waits twice this long. */
    failoverTimeoutMs: number;
    /** Replicas resynchronising from a new master at the same time after a failover. */
    parallelSyncs: number;
}

/**
 * failoverTimeoutMs is 60 s rather than Redis's 180 s: a failed attempt blocks the next one for twice
 * this value, and six minutes without a master is too long for a stack that restarts containers itself.
 */
export const SENTINEL_DEFAULTS: SentinelSettings = {
    count: 3,
    quorum: 2,
    masterName: "mymaster",
    downAfterMs: 5000,
    failoverTimeoutMs: 60000,
    parallelSyncs: 1,
};

/**
 * Most shards a cluster may have: replica round r of shard s publishes basePort + 100*r + s
 * (cluster/layout.ts), so a 101st shard would take the first replica's port.
 */
export const CLUSTER_MAX_SHARDS = 100;

/** The defaults, in one place. Pulumi.yaml's config schema repeats them (a unit test keeps both in step). */
export const DEFAULTS = {
    topology: "standalone" as Topology,
    image: "redis:7.2",
    bindAddress: "127.0.0.1",
    basePort: 6379,
    persistence: {
        save: "3600 1 300 100 60 10000",
        appendonly: true,
        appendfsync: "everysec" as AppendFsync,
    },
    maxmemory: "0",
    maxmemoryPolicy: "noeviction" as EvictionPolicy,
    replicas: 1,
    network: { mode: "bridge" as NetworkMode },
    readinessTimeoutMs: 60000,
    sentinel: SENTINEL_DEFAULTS,
    cluster: { shards: 3, replicasPerShard: 1, nodeTimeoutMs: 5000 } as ClusterSettings,
    tls: { enabled: false, validityDays: 365, allowPlaintext: false, authClients: "no" as TlsAuthClients },
    acl: { defaultUser: "on" as AclDefaultUser },
};

/** Top-level keys this project reads; anything else in the namespace is a typo worth reporting. */
export const KNOWN_KEYS = [
    "topology",
    "image",
    "bindAddress",
    "basePort",
    "persistence",
    "password",
    "maxmemory",
    "maxmemoryPolicy",
    "replicas",
    "network",
    "readinessTimeoutMs",
    "sentinel",
    "cluster",
    "tls",
    "acl",
] as const;

export interface ConfigProblem {
    key: string;
    message: string;
}

export class ConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(`invalid redis-ha configuration:\n` + problems.map((p) => `  - redis-ha:${p.key}: ${p.message}`).join("\n"));
        this.name = "ConfigError";
    }
}

/** Raw config as Pulumi hands it over: top-level values are strings, objects arrive parsed. */
export type RawConfig = Record<string, unknown>;
