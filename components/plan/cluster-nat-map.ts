/**
 * Client options for reaching a bridge-mode cluster from outside Docker. The nodes hand out in-network
 * addresses (their announced hostname, or container IP, with port 6379) in CLUSTER SLOTS and MOVED replies;
 * ioredis `natMap` translates each of those to the node's published endpoint before connecting.
 */
import type { HostPort } from "./cluster-spec";

export interface NatMappedNode {
    /** Every address the node may be handed out as, e.g. `{host: "<container name>", port: 6379}` and its IP. */
    announced: HostPort[];
    /** Its published endpoint on the Docker host. */
    access: HostPort;
}

export function clusterNatMap(nodes: NatMappedNode[]): Record<string, HostPort> {
    const map: Record<string, HostPort> = {};
    for (const n of nodes) {
        for (const a of n.announced) {
            const key = `${a.host}:${a.port}`;
            const existing = map[key];
            if (existing && (existing.host !== n.access.host || existing.port !== n.access.port)) {
                throw new Error(`natMap: ${key} is announced by two nodes (${existing.host}:${existing.port} and ${n.access.host}:${n.access.port})`);
            }
            map[key] = { host: n.access.host, port: n.access.port };
        }
    }
    return map;
}
