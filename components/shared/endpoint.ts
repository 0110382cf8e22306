/**
 * Addresses: one Endpoint type for every `{host, port}` (published, in-network, MEET target), and the one
 * natMap builder. Redis hands out in-network addresses (container names or IPs in bridge mode) in MOVED,
 * CLUSTER SLOTS and SENTINEL replies; an ioredis natMap turns each into the endpoint published on the
 * Docker host, for clients outside Docker. Pure.
 */

/** Where a client reaches a Redis process: a host name or IP and a TCP port. */
export interface Endpoint {
    host: string;
    port: number;
}

export function formatEndpoint(e: Endpoint): string {
    return `${e.host}:${e.port}`;
}

/** A host name or IP literal that a config file or a shell script can carry unquoted. */
const PLAIN_HOST = /^[A-Za-z0-9._:-]{1,253}$/;

/** Why an endpoint cannot be written as is into a config file or a shell script; undefined when it can. */
export function endpointProblem(what: string, e: Endpoint): string | undefined {
    if (!PLAIN_HOST.test(e.host)) return `${what} host ${JSON.stringify(e.host)} is not a plain hostname or IP address (so not shell-safe)`;
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return `${what} port ${e.port} is outside 1-65535`;
    return undefined;
}

/** ioredis natMap: `"host:port"` as Redis hands it out -> where a client outside Docker connects. */
export type NatMap = Record<string, Endpoint>;

export interface NatEntry {
    /** Address as Redis reports it: peer host (container name or IP) and listen port. */
    internal: Endpoint;
    /** Address reachable from outside Docker: bindAddress and host port. */
    published: Endpoint;
}

/**
 * One entry per address a process may be handed out as. Identity entries (host mode) are dropped; two
 * different targets for one key (two nodes announcing one address) are a planning bug and throw.
 */
export function buildNatMap(entries: NatEntry[]): NatMap {
    const map: NatMap = {};
    for (const { internal, published } of entries) {
        if (internal.host === published.host && internal.port === published.port) continue;
        const key = formatEndpoint(internal);
        const existing = map[key];
        if (existing && (existing.host !== published.host || existing.port !== published.port)) {
            throw new Error(`natMap: ${key} would map to both ${formatEndpoint(existing)} and ${formatEndpoint(published)} (announced by two nodes)`);
        }
        map[key] = { host: published.host, port: published.port };
    }
    return map;
}

/** Anything laid out like NodeLayout, SentinelLayout or ClusterNodeLayout. */
export interface LaidOutProcess {
    peerHost: string;
    listenPort: number;
    hostPort: number;
}

/** natMap for laid-out processes published on bindAddress: `<peerHost>:<listenPort>` -> `<bindAddress>:<hostPort>`. */
export function natMapForLayout(processes: LaidOutProcess[], bindAddress: string): NatMap {
    return buildNatMap(
        processes.map((p) => ({ internal: { host: p.peerHost, port: p.listenPort }, published: { host: bindAddress, port: p.hostPort } })),
    );
}
