/**
 * Pure sentinel layout: the sentinel containers (names and ports, in the same shape as the data nodes'
 * NodeLayout, so natMap and readiness inputs can be built from either), the sentinel container's command,
 * and how a sentinel topology's data node starts. Commands are returned as shell argv.
 */
import type { NetworkMode } from "../settings";
import { type Endpoint, endpointProblem } from "../shared/endpoint";
import { LIVE_CONF_ENV, liveSectionShell } from "../docker/live-config";
import { SENTINEL_LIVE_MARKER } from "./conf";

/** Host port of the first sentinel relative to basePort: 6379 -> 26379, Redis's sentinel port. */
export const SENTINEL_PORT_OFFSET = 20000;
/**
 * Bridge mode: data node i has address index i on the stack subnet (docker/subnet.ts), sentinel j has
 * SENTINEL_ADDRESS_OFFSET + j: past the most data nodes settings allow (33), so a change of `replicas` moves no
 * sentinel. Fixed because a sentinel resolves a node's announced name once and keeps the IP.
 */
export const SENTINEL_ADDRESS_OFFSET = 64;

/** Host port of sentinel-0. */
export function firstSentinelPort(settings: { basePort: number }): number {
    return settings.basePort + SENTINEL_PORT_OFFSET;
}

export interface SentinelLayoutInput {
    namePrefix: string;
    bindAddress: string;
    network: { mode: NetworkMode };
    count: number;
    /** Host port of sentinel-0; the others take the next ports. Port planning decides it. */
    firstHostPort: number;
}

export interface SentinelLayout {
    index: number;
    /** Stable logical name used in resource names and outputs, e.g. `sentinel-0`. */
    logicalName: string;
    /** Docker container name; also the sentinel's hostname on the stack network. */
    containerName: string;
    /** Port clients outside Docker use: published in bridge mode, listened on directly in host mode. */
    hostPort: number;
    /** Port the sentinel listens on inside its container. */
    listenPort: number;
    /** Address peers use to reach this sentinel, and what it announces: container name (bridge) or bindAddress (host). */
    peerHost: string;
}

export function sentinelLayout(input: SentinelLayoutInput): SentinelLayout[] {
    const host = input.network.mode === "host";
    return Array.from({ length: input.count }, (_, index) => {
        const logicalName = `sentinel-${index}`;
        const containerName = `${input.namePrefix}-${logicalName}`;
        const hostPort = input.firstHostPort + index;
        return {
            index,
            logicalName,
            containerName,
            hostPort,
            listenPort: host ? hostPort : CONTAINER_SENTINEL_PORT,
            peerHost: host ? input.bindAddress : containerName,
        };
    });
}

/**
 * How a sentinel container starts: the stack uploads the rendered seed config next to redis.conf, and
 * the container copies it into the data volume only the first time. Sentinel rewrites its config file
 * in place (a temp file in the same directory, then rename), which needs a writable directory that
 * survives restarts: the data volume, not an uploaded or bind-mounted file.
 */

/** Where the stack uploads the rendered template (same directory as redis.conf). */
export const SENTINEL_SEED_PATH = "/usr/local/etc/redis/sentinel.conf";
/** The file Sentinel runs from and rewrites; lives in the node's data volume. */
export const SENTINEL_CONFIG_PATH = "/data/sentinel.conf";
/** Port a sentinel listens on inside a bridge-network container (Sentinel's default). */
export const CONTAINER_SENTINEL_PORT = 26379;

export interface SentinelCommandOptions {
    seedPath?: string;
    configPath?: string;
    /**
     * What finally runs the sentinel. The default re-enters the image's entrypoint with
     * `redis-server <config> --sentinel`, which (official image and our local one alike) chowns /data
     * and drops root for the redis user; `redis-sentinel` as first word would keep root upstream.
     */
    exec?: string;
    /** Lines run first, as root (handing TLS files to the redis user: security/node-security.ts). */
    setup?: string[];
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const SAFE_EXEC = /^[A-Za-z0-9._/ -]+$/;

/**
 * Shell argv that copies `seedPath` to `configPath` only when no non-empty config exists there yet
 * (copy to a temp name, then rename, so a crash mid-copy never leaves a truncated config behind), then
 * execs `exec`. Also fits data nodes in the sentinel topology: Sentinel persists their role changes with
 * CONFIG REWRITE, which only works on a writable config in the data volume.
 */
export function seedOnceCommand(opts: {
    seedPath: string;
    configPath: string;
    exec: string;
    liveMarker?: string;
    /** Lines run first, as root (handing TLS files to the redis user: security/node-security.ts). */
    setup?: string[];
}): string[] {
    for (const p of [opts.seedPath, opts.configPath]) {
        if (!SAFE_PATH.test(p)) throw new Error(`seed-once command: path ${JSON.stringify(p)} must be absolute and shell-safe`);
    }
    if (!SAFE_EXEC.test(opts.exec)) throw new Error(`seed-once command: ${JSON.stringify(opts.exec)} must be plain words and paths`);
    const { seedPath: seed, configPath: config } = opts;
    const setup = (opts.setup ?? []).map((line) => `${line}; `).join("");
    if (opts.liveMarker === undefined) {
        return ["sh", "-c", `${setup}if [ ! -s ${config} ]; then cp ${seed} ${config}.seed && mv ${config}.seed ${config}; fi; exec ${opts.exec}`];
    }
    if (!/^[A-Za-z0-9 #(),.-]+$/.test(opts.liveMarker))
        throw new Error(`seed-once command: marker ${JSON.stringify(opts.liveMarker)} must be plain text`);
    // The live lines the container was created with (LIVE_CONF_ENV) go in after the marker line.
    const insert = `awk 'index($0, "${opts.liveMarker}") == 1 { print; print ENVIRON["${LIVE_CONF_ENV}"]; next } { print }'`;
    return [
        "sh",
        "-c",
        `${setup}if [ ! -s ${config} ]; then ${insert} ${seed} > ${config}.seed && mv ${config}.seed ${config}; fi; exec ${opts.exec}`,
    ];
}

/** The sentinel container's command: seed /data/sentinel.conf once, then run the sentinel on it. */
export function sentinelContainerCommand(opts: SentinelCommandOptions = {}): string[] {
    const configPath = opts.configPath ?? SENTINEL_CONFIG_PATH;
    return seedOnceCommand({
        seedPath: opts.seedPath ?? SENTINEL_SEED_PATH,
        configPath,
        exec: opts.exec ?? `docker-entrypoint.sh redis-server ${configPath} --sentinel`,
        liveMarker: SENTINEL_LIVE_MARKER,
        setup: opts.setup,
    });
}

/**
 * How a data node of the sentinel topology starts. Its redis.conf is regenerated on every start from the
 * uploaded one (so a restart-only change always applies) plus the live directives of the file it ran from
 * last (kept current by CONFIG SET + CONFIG REWRITE; docker/live-config.ts), and before Redis starts the node
 * asks the sentinels who the master is now and writes `replicaof` accordingly. A restarted old master
 * thus comes back as a replica of the promoted node instead of as a second master, and a replaced
 * container never resurrects the first-deploy roles. When no sentinel answers (first deploy: the
 * sentinels do not exist yet) the uploaded first-deploy roles apply. Pure: returns a shell argv.
 */
export interface DataNodeCommandInput {
    /** Sentinels as data nodes reach them: container name and 26379 (bridge), bindAddress and host port (host). */
    sentinels: Endpoint[];
    masterName: string;
    /** This node as the sentinels report it (its announce address): peerHost and listen port. */
    self: Endpoint;
    /** The uploaded, rendered redis.conf (first-deploy role). */
    uploadedConfigPath: string;
    /** Where the regenerated config goes; in the data volume, so Sentinel's CONFIG REWRITE can write it. */
    configPath: string;
    /** File holding the password (sentinels and data nodes share it); fed to redis-cli --askpass. */
    authFilePath: string;
    /** Seconds each sentinel gets to answer. */
    askTimeoutSeconds?: number;
    /** TLS stacks: the sentinels are asked over TLS, verified with this CA file. */
    tlsCaFile?: string;
    /** TLS stacks whose nodes ask clients for a certificate: the node's own certificate and key, presented to the sentinels. */
    tlsClient?: { certFile: string; keyFile: string };
    /** Lines run first, as root (handing TLS files to the redis user: security/node-security.ts). */
    setup?: string[];
}

const TOKEN = /^[A-Za-z0-9._:-]+$/;
const PATH = /^\/[A-Za-z0-9._/-]+$/;

function checkEndpoint(what: string, e: Endpoint): void {
    const problem = endpointProblem(what, e);
    if (problem) throw new Error(`data node command: ${problem}`);
}

/** The shell script (without `sh -c`), exposed for tests that run it against real sentinels. */
export function dataNodeStartScript(input: DataNodeCommandInput): string {
    if (input.sentinels.length === 0) throw new Error("data node command: at least one sentinel is required");
    input.sentinels.forEach((s, i) => checkEndpoint(`sentinel ${i}`, s));
    checkEndpoint("self", input.self);
    if (!TOKEN.test(input.masterName)) throw new Error(`data node command: master name ${JSON.stringify(input.masterName)} is not shell-safe`);
    const tlsPaths = [input.tlsCaFile, input.tlsClient?.certFile, input.tlsClient?.keyFile].filter((p): p is string => p !== undefined);
    for (const p of [input.uploadedConfigPath, input.configPath, input.authFilePath, ...tlsPaths]) {
        if (!PATH.test(p)) throw new Error(`data node command: path ${JSON.stringify(p)} must be absolute and shell-safe`);
    }
    const timeout = input.askTimeoutSeconds ?? 2;
    const conf = input.configPath;
    const sentinels = input.sentinels.map((s) => `"${s.host} ${s.port}"`).join(" ");
    const client = input.tlsClient ? ` --cert ${input.tlsClient.certFile} --key ${input.tlsClient.keyFile}` : "";
    const tls = input.tlsCaFile ? ` --tls --cacert ${input.tlsCaFile}${client}` : "";
    return [
        ...(input.setup ?? []),
        // The composed file holds the password.
        "umask 077",
        // The first sentinel that names a master wins; unreachable ones (not created yet, down) are skipped.
        `master=""`,
        `for s in ${sentinels}; do`,
        `  set -- $s`,
        `  reply=$(timeout ${timeout} redis-cli -h "$1" -p "$2"${tls} --no-auth-warning --askpass --raw SENTINEL get-master-addr-by-name ${input.masterName} < ${input.authFilePath} 2>/dev/null) || continue`,
        `  host=$(echo "$reply" | sed -n 1p); port=$(echo "$reply" | sed -n 2p)`,
        `  case "$port" in ''|*[!0-9]*) continue;; esac`,
        `  master="$host $port"; break`,
        `done`,
        `if [ -z "$master" ]; then`,
        `  echo "redis-ha: no sentinel answered; starting with the deployed role"`,
        `  cp ${input.uploadedConfigPath} ${conf}.new`,
        `else`,
        `  grep -v '^replicaof ' ${input.uploadedConfigPath} > ${conf}.new`,
        `  if [ "$master" = "${input.self.host} ${input.self.port}" ]; then`,
        `    echo "redis-ha: sentinels name this node master"`,
        `  else`,
        `    echo "redis-ha: sentinels name $master master; starting as its replica"`,
        `    echo "replicaof $master" >> ${conf}.new`,
        `  fi`,
        `fi`,
        // Live values applied since (CONFIG SET + CONFIG REWRITE into this file) survive the restart.
        ...liveSectionShell(conf, `${conf}.new`),
        // Rename, so a crash mid-write never leaves a truncated config.
        `mv ${conf}.new ${conf}`,
        `exec docker-entrypoint.sh redis-server ${conf}`,
    ].join("\n");
}

export function dataNodeStartCommand(input: DataNodeCommandInput): string[] {
    return ["sh", "-c", dataNodeStartScript(input)];
}
