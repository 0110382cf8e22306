/**
 * The effectful half of formation: read every node into a snapshot, and run the planner's actions. Each
 * round uses short-lived connections to the nodes' access endpoints, so a node that restarts (or dies)
 * between rounds is simply seen as it is now. Nothing here decides topology; converge.ts does.
 */
import type { Redis as RedisClient } from "ioredis";
import { parseInfo, withRedis } from "../shared/redis-connection";
import { type ClusterAction, commandOf, describeAction } from "./converge";
import { type ClusterSnapshot, type NodeObservation, parseClusterNodes } from "./observe";
import type { ClusterLogin } from "./resize";
import type { ClusterNodeSpec } from "./spec";

/** Commands that change cluster topology; the integration tests count them to prove a re-run is a no-op. */
export const TOPOLOGY_COMMANDS = [
    "cluster|meet",
    "cluster|addslots",
    "cluster|addslotsrange",
    "cluster|delslots",
    "cluster|delslotsrange",
    "cluster|replicate",
    "cluster|failover",
    "cluster|reset",
    "cluster|forget",
    "cluster|setslot",
    "cluster|set-config-epoch",
    "cluster|bumpepoch",
    "flushall",
    "flushdb",
];

/**
 * CLUSTER MEET in Redis 7.0 takes only an IP. A meet host given as a name is resolved here, on the machine
 * running pulumi (fine for host mode; bridge-mode callers pass container IPs, which the host cannot resolve
 * by name anyway).
 */
export async function resolveMeetHosts(nodes: ClusterNodeSpec[]): Promise<ClusterNodeSpec[]> {
    const net = require("net");

    const dns = require("dns");
    return Promise.all(
        nodes.map(async (n) => {
            if (net.isIP(n.meet.host)) return n;
            try {
                const { address } = await dns.promises.lookup(n.meet.host, { family: 4 });
                return { ...n, meet: { ...n.meet, host: address } };
            } catch (err) {
                throw new Error(`${n.name}: cannot resolve meet host ${n.meet.host} (CLUSTER MEET needs an IP): ${(err as Error).message}`);
            }
        }),
    );
}

/** The login of the formation inputs. */
export function loginOf(inputs: ClusterLogin): ClusterLogin {
    return { username: inputs.username, password: inputs.password, tls: inputs.tls };
}

export async function observeNode(node: ClusterNodeSpec, login: ClusterLogin): Promise<NodeObservation> {
    try {
        return await withRedis({ ...node.access, ...login }, async (c: RedisClient) => {
            const [myId, nodes, info, replication, keys, timeout] = await Promise.all([
                c.call("CLUSTER", "MYID") as Promise<string>,
                c.call("CLUSTER", "NODES") as Promise<string>,
                c.call("CLUSTER", "INFO") as Promise<string>,
                c.call("INFO", "replication") as Promise<string>,
                c.call("DBSIZE") as Promise<number>,
                // CONFIG may be renamed away on hardened servers: then the timeout is simply not managed.
                (c.call("CONFIG", "GET", "cluster-node-timeout") as Promise<string[]>).catch(() => [] as string[]),
            ]);
            return {
                name: node.name,
                reachable: true,
                myId,
                view: parseClusterNodes(nodes),
                clusterInfo: parseInfo(info),
                replication: parseInfo(replication),
                keys: Number(keys),
                nodeTimeoutMs: timeout.length === 2 ? Number(timeout[1]) : undefined,
            };
        });
    } catch (err) {
        return { name: node.name, reachable: false, error: (err as Error).message };
    }
}

export async function observeCluster(nodes: ClusterNodeSpec[], login: ClusterLogin): Promise<ClusterSnapshot> {
    return { nodes: await Promise.all(nodes.map((n) => observeNode(n, login))) };
}

/**
 * Runs one round's actions: one connection per node, that node's actions in order, nodes in parallel.
 * Failures are returned (the next round re-plans from what actually happened), not thrown.
 */
export async function executeActions(nodes: ClusterNodeSpec[], actions: ClusterAction[], login: ClusterLogin): Promise<string[]> {
    const byNode = new Map<string, ClusterAction[]>();
    for (const a of actions) byNode.set(a.node, [...(byNode.get(a.node) ?? []), a]);
    const failures = await Promise.all(
        [...byNode].map(async ([name, list]) => {
            const node = nodes.find((n) => n.name === name)!;
            try {
                return await withRedis({ ...node.access, ...login }, async (c: RedisClient) => {
                    const errors: string[] = [];
                    for (const a of list) {
                        const [command, ...args] = commandOf(a);
                        await c.call(command, ...args).catch((err: Error) => errors.push(`${describeAction(a)} failed: ${err.message}`));
                    }
                    return errors;
                });
            } catch (err) {
                return list.map((a) => `${describeAction(a)} failed: ${(err as Error).message}`);
            }
        }),
    );
    return failures.flat();
}
