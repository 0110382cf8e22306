/**
 * Reading the `redis-ha:` config namespace into Settings (settings.ts): each value's type and range
 * checked. Checks that need a topology's layout (ports, subnets, the sentinel group's cross-field rules) run
 * in config.ts, after these. Every problem names its config key and the allowed values, and all problems are
 * reported together. Pure.
 */
import {
    ACL_DEFAULT_USER,
    APPENDFSYNC_POLICIES,
    type AclSettings,
    type AclUser,
    CLUSTER_MAX_SHARDS,
    type ClusterSettings,
    type ConfigProblem,
    DEFAULTS,
    EVICTION_POLICIES,
    KNOWN_KEYS,
    NETWORK_MODES,
    type PersistenceSettings,
    type RawConfig,
    SUPPORTED_TOPOLOGIES,
    type SentinelSettings,
    type Settings,
    TLS_AUTH_CLIENTS,
    TOPOLOGIES,
    type TlsSettings,
} from "./settings";

/**
 * Reads raw config into settings, checking each value's type and range. Returns the problems found instead
 * of throwing, so config.ts can add the layout checks and report everything at once.
 */
export function readSettings(raw: RawConfig, project: string, stack: string): { settings: Settings; problems: ConfigProblem[] } {
    const problems: ConfigProblem[] = [];
    const p = new Reader(raw, problems);

    for (const key of Object.keys(raw)) {
        if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
            problems.push({ key, message: `unknown key; known keys: ${KNOWN_KEYS.join(", ")}` });
        }
    }

    const topology = p.oneOf("topology", TOPOLOGIES, DEFAULTS.topology);
    if (topology && !SUPPORTED_TOPOLOGIES.includes(topology)) {
        problems.push({
            key: "topology",
            message: `"${topology}" is not yet supported; supported now: ${SUPPORTED_TOPOLOGIES.join(", ")}`,
        });
    }

    const image = p.string("image", DEFAULTS.image);
    if (image.trim() === "") {
        problems.push({ key: "image", message: "must be a non-empty image reference, e.g. redis:7.2" });
    }
    const bindAddress = p.string("bindAddress", DEFAULTS.bindAddress);
    if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(bindAddress) || bindAddress.split(".").some((o) => Number(o) > 255)) {
        problems.push({ key: "bindAddress", message: `must be an IPv4 address such as 127.0.0.1, got "${bindAddress}"` });
    }
    const basePort = p.integer("basePort", DEFAULTS.basePort, 1, 65535);

    const persistenceRaw = p.object("persistence");
    const persistence: PersistenceSettings = {
        save: parseSaveRules(persistenceRaw.save ?? DEFAULTS.persistence.save, problems),
        appendonly: p.boolean("persistence.appendonly", persistenceRaw.appendonly, DEFAULTS.persistence.appendonly),
        appendfsync:
            p.oneOfValue("persistence.appendfsync", persistenceRaw.appendfsync, APPENDFSYNC_POLICIES, DEFAULTS.persistence.appendfsync) ??
            DEFAULTS.persistence.appendfsync,
    };
    for (const key of Object.keys(persistenceRaw)) {
        if (!["save", "appendonly", "appendfsync"].includes(key)) {
            problems.push({ key: `persistence.${key}`, message: "unknown key; known keys: save, appendonly, appendfsync" });
        }
    }

    if (raw.password !== undefined && (typeof raw.password !== "string" || raw.password === "")) {
        problems.push({ key: "password", message: "must be a non-empty string (leave it unset to generate one)" });
    }

    const maxmemory = p.string("maxmemory", DEFAULTS.maxmemory);
    if (!/^\d+(b|k|kb|m|mb|g|gb)?$/i.test(maxmemory)) {
        problems.push({ key: "maxmemory", message: `must be a Redis memory size such as 0, 256mb or 1gb, got "${maxmemory}"` });
    }
    const maxmemoryPolicy = p.oneOf("maxmemoryPolicy", EVICTION_POLICIES, DEFAULTS.maxmemoryPolicy);
    const replicas = p.integer("replicas", DEFAULTS.replicas, 0, 32);

    const networkRaw = p.object("network");
    const networkMode = p.oneOfValue("network.mode", networkRaw.mode, NETWORK_MODES, DEFAULTS.network.mode);
    p.knownFields("network", networkRaw, ["mode", "subnet"]);
    const subnet = networkRaw.subnet === undefined ? undefined : p.stringValue("network.subnet", networkRaw.subnet, "");
    const readinessTimeoutMs = p.integer("readinessTimeoutMs", DEFAULTS.readinessTimeoutMs, 1000, 3600000);

    const sentinelRaw = p.object("sentinel");
    p.knownFields("sentinel", sentinelRaw, Object.keys(DEFAULTS.sentinel));
    const sentinel: SentinelSettings = {
        count: p.integerValue("sentinel.count", sentinelRaw.count, DEFAULTS.sentinel.count, 1, 15),
        quorum: p.integerValue("sentinel.quorum", sentinelRaw.quorum, DEFAULTS.sentinel.quorum, -1000, 1000),
        masterName: p.stringValue("sentinel.masterName", sentinelRaw.masterName, DEFAULTS.sentinel.masterName),
        downAfterMs: p.integerValue("sentinel.downAfterMs", sentinelRaw.downAfterMs, DEFAULTS.sentinel.downAfterMs, 1, 3600000),
        failoverTimeoutMs: p.integerValue(
            "sentinel.failoverTimeoutMs",
            sentinelRaw.failoverTimeoutMs,
            DEFAULTS.sentinel.failoverTimeoutMs,
            1,
            86400000,
        ),
        parallelSyncs: p.integerValue("sentinel.parallelSyncs", sentinelRaw.parallelSyncs, DEFAULTS.sentinel.parallelSyncs, 1, 32),
    };
    const warnings: ConfigProblem[] = [];

    const clusterRaw = p.object("cluster");
    p.knownFields("cluster", clusterRaw, Object.keys(DEFAULTS.cluster));
    const cluster: ClusterSettings = {
        shards: p.integerValue("cluster.shards", clusterRaw.shards, DEFAULTS.cluster.shards, 3, CLUSTER_MAX_SHARDS),
        replicasPerShard: p.integerValue("cluster.replicasPerShard", clusterRaw.replicasPerShard, DEFAULTS.cluster.replicasPerShard, 0, 5),
        nodeTimeoutMs: p.integerValue("cluster.nodeTimeoutMs", clusterRaw.nodeTimeoutMs, DEFAULTS.cluster.nodeTimeoutMs, 100, 3600000),
    };

    const tls = readTls(p, problems);
    const acl = readAcl(p, problems);

    const settings: Settings = {
        project,
        stack,
        namePrefix: `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9_.-]/g, "-"),
        topology: topology ?? DEFAULTS.topology,
        image,
        bindAddress,
        basePort,
        persistence,
        maxmemory,
        maxmemoryPolicy: maxmemoryPolicy ?? DEFAULTS.maxmemoryPolicy,
        replicas,
        network: subnet ? { mode: networkMode ?? DEFAULTS.network.mode, subnet } : { mode: networkMode ?? DEFAULTS.network.mode },
        readinessTimeoutMs,
        sentinel,
        cluster,
        warnings,
        tls,
        acl,
    };

    return { settings, problems };
}

const PEM_CERT = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
const PEM_KEY = /^\s*-----BEGIN (EC |RSA )?PRIVATE KEY-----[\s\S]+-----END (EC |RSA )?PRIVATE KEY-----\s*$/;

function readTls(p: Reader, problems: ConfigProblem[]): TlsSettings {
    const raw = p.object("tls");
    const ownKeys = ["caCert", "cert", "key"];
    p.knownFields("tls", raw, ["enabled", "validityDays", "allowPlaintext", "authClients", ...ownKeys]);
    const tls: TlsSettings = {
        enabled: p.boolean("tls.enabled", raw.enabled, DEFAULTS.tls.enabled),
        // 30 days or fewer is allowed: such certificates are due at once, so every `up` renews them (in place),
        // which is how a renewal is rehearsed (tests/e2e/tls.test.ts) or certificates are rotated at each deploy.
        validityDays: p.integerValue("tls.validityDays", raw.validityDays, DEFAULTS.tls.validityDays, 1, 3650),
        allowPlaintext: p.boolean("tls.allowPlaintext", raw.allowPlaintext, DEFAULTS.tls.allowPlaintext),
        authClients: p.oneOfValue("tls.authClients", raw.authClients, TLS_AUTH_CLIENTS, DEFAULTS.tls.authClients) ?? DEFAULTS.tls.authClients,
    };
    const given = ownKeys.filter((k) => raw[k] !== undefined);
    if (given.length > 0 && given.length < ownKeys.length) {
        problems.push({
            key: `tls.${ownKeys.find((k) => raw[k] === undefined)}`,
            message: "tls.caCert, tls.cert and tls.key are given together (or none, to generate them)",
        });
    } else if (given.length === ownKeys.length) {
        const [caCert, cert, key] = ownKeys.map((k) => p.stringValue(`tls.${k}`, raw[k], ""));
        const pem = [
            { key: "caCert", ok: PEM_CERT.test(caCert), what: "a PEM certificate" },
            { key: "cert", ok: PEM_CERT.test(cert), what: "a PEM certificate" },
            { key: "key", ok: PEM_KEY.test(key), what: "a PEM private key" },
        ];
        // The value is a secret: the message never repeats it.
        for (const bad of pem.filter((x) => !x.ok)) problems.push({ key: `tls.${bad.key}`, message: `must be ${bad.what} (-----BEGIN ...)` });
        tls.own = { caCert, cert, key };
        if (!tls.enabled) problems.push({ key: "tls.enabled", message: "tls.caCert, tls.cert and tls.key are given but tls.enabled is not true" });
    }
    return tls;
}

/** Shape of `acl.users`; the rules' grammar is checked in config.ts (security/acl.ts), names in one place here. */
function readAcl(p: Reader, problems: ConfigProblem[]): AclSettings {
    const raw = p.object("acl");
    p.knownFields("acl", raw, ["users", "defaultUser"]);
    const defaultUser = p.oneOfValue("acl.defaultUser", raw.defaultUser, ACL_DEFAULT_USER, DEFAULTS.acl.defaultUser) ?? DEFAULTS.acl.defaultUser;
    const users: AclUser[] = [];
    if (raw.users !== undefined && !Array.isArray(raw.users)) {
        problems.push({ key: "acl.users", message: "must be a list of { name, password, rules }" });
    }
    const list: unknown[] = Array.isArray(raw.users) ? raw.users : [];
    list.forEach((entry, i) => {
        const key = `acl.users[${i}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push({ key, message: "must be an object { name, password, rules }" });
            return;
        }
        const e = entry as Record<string, unknown>;
        p.knownFields(key, e, ["name", "password", "rules"]);
        const name = p.stringValue(`${key}.name`, e.name, "");
        if (!/^[A-Za-z0-9_.:@-]+$/.test(name)) {
            problems.push({
                key: `${key}.name`,
                message: `must be a user name of letters, digits and _ . : @ -, got ${JSON.stringify(e.name ?? "")}`,
            });
        } else if (users.some((u) => u.name === name)) {
            problems.push({ key: `${key}.name`, message: `user "${name}" is listed twice` });
        }
        if (typeof e.password !== "string" || e.password === "") {
            problems.push({ key: `${key}.password`, message: `user "${name}": must be a non-empty string (set it with --secret)` });
        }
        const rules = p.stringValue(`${key}.rules`, e.rules, "");
        users.push({ name, password: typeof e.password === "string" ? e.password : "", rules });
    });
    if (defaultUser === "off" && users.length === 0) {
        problems.push({ key: "acl.defaultUser", message: "off leaves no user a client can log in as; add acl.users or keep it on" });
    }
    return { users, defaultUser };
}

/** Accepts Redis syntax ("3600 1 300 100"), a list of "seconds changes" strings, or "" to disable RDB. */
export function parseSaveRules(value: unknown, problems: ConfigProblem[]): Array<{ seconds: number; changes: number }> {
    const bad = (detail: string) => {
        problems.push({
            key: "persistence.save",
            message: `${detail}; expected "seconds changes" pairs such as "3600 1 300 100", a list like ["3600 1"], or "" to disable RDB`,
        });
        return [];
    };
    let tokens: string[];
    if (typeof value === "string") {
        tokens = value.trim() === "" ? [] : value.trim().split(/\s+/);
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        tokens = value.flatMap((v: string) => v.trim().split(/\s+/)).filter((t) => t !== "");
    } else {
        return bad(`got ${JSON.stringify(value)}`);
    }
    if (tokens.length % 2 !== 0) {
        return bad(`odd number of values in "${tokens.join(" ")}"`);
    }
    const rules: Array<{ seconds: number; changes: number }> = [];
    for (let i = 0; i < tokens.length; i += 2) {
        const [seconds, changes] = [tokens[i], tokens[i + 1]];
        if (!/^\d+$/.test(seconds) || !/^\d+$/.test(changes) || Number(seconds) < 1 || Number(changes) < 1) {
            return bad(`"${seconds} ${changes}" is not a pair of positive integers`);
        }
        rules.push({ seconds: Number(seconds), changes: Number(changes) });
    }
    return rules;
}

/** Reads typed values out of raw config, recording a problem (and returning the default) on bad input. */
class Reader {
    constructor(
        private readonly raw: RawConfig,
        private readonly problems: ConfigProblem[],
    ) {}

    string(key: string, dflt: string): string {
        return this.stringValue(key, this.raw[key], dflt);
    }

    stringValue(key: string, v: unknown, dflt: string): string {
        if (v === undefined) return dflt;
        if (typeof v !== "string") {
            this.problems.push({ key, message: `must be a string, got ${JSON.stringify(v)}` });
            return dflt;
        }
        return v;
    }

    integer(key: string, dflt: number, min: number, max: number): number {
        return this.integerValue(key, this.raw[key], dflt, min, max);
    }

    integerValue(key: string, v: unknown, dflt: number, min: number, max: number): number {
        if (v === undefined) return dflt;
        const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isInteger(n)) {
            this.problems.push({ key, message: `must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}` });
            return dflt;
        }
        if (n < min || n > max) {
            this.problems.push({ key, message: `must be between ${min} and ${max}, got ${n}` });
            return dflt;
        }
        return n;
    }

    boolean(key: string, v: unknown, dflt: boolean): boolean {
        if (v === undefined) return dflt;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.problems.push({ key, message: `must be true or false, got ${JSON.stringify(v)}` });
        return dflt;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], dflt: T): T | undefined {
        return this.oneOfValue(key, this.raw[key], allowed, dflt);
    }

    oneOfValue<T extends string>(key: string, v: unknown, allowed: readonly T[], dflt: T): T | undefined {
        if (v === undefined) return dflt;
        if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
        this.problems.push({ key, message: `must be one of ${allowed.join(", ")}; got ${JSON.stringify(v)}` });
        return undefined;
    }

    /** Reports fields of an object setting this project does not read (typos). */
    knownFields(key: string, value: Record<string, unknown>, known: string[]): void {
        for (const field of Object.keys(value)) {
            if (!known.includes(field)) this.problems.push({ key: `${key}.${field}`, message: `unknown key; known keys: ${known.join(", ")}` });
        }
    }

    object(key: string): Record<string, unknown> {
        const v = this.raw[key];
        if (v === undefined) return {};
        if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
        this.problems.push({ key, message: `must be an object (set its fields with pulumi config set --path ${key}.<field> ...)` });
        return {};
    }
}
