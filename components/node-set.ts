/** Declares one RedisNode per planned node, with its rendered redis.conf. Shared by the topologies. */
import * as pulumi from "@pulumi/pulumi";
import type { NodeLayout } from "./plan/layout";
import type { RedisConfInput } from "./plan/redis-conf";
import { RedisNode } from "./redis-node";
import type { Settings } from "./settings";
import type { StackBase } from "./stack-base";
import { renderRedisConf } from "./templates";

export type NodeSettings = Pick<Settings, "stack" | "topology" | "bindAddress" | "persistence" | "maxmemory" | "maxmemoryPolicy" | "network">;

/** What a topology reports about each node, for stack outputs. */
export interface NodeInfo {
    name: string;
    containerName: string;
    role: string;
    /** Endpoint for clients outside Docker. */
    host: string;
    port: number;
}

/** What differs from node to node in a redis.conf; the rest comes from the stack's settings. */
export type NodeConfParts = Pick<RedisConfInput, "nodeName" | "role" | "port" | "replicaOf" | "announce" | "clusterLines">;

/** A node's redis.conf: the stack-wide settings plus the node's own parts. Secret, since it holds the password. */
export function nodeConf(settings: NodeSettings, password: pulumi.Input<string>, parts: NodeConfParts): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.output(password).apply((pw) =>
            renderRedisConf({
                ...parts,
                bind: settings.network.mode === "host" ? settings.bindAddress : "0.0.0.0",
                password: pw,
                persistence: settings.persistence,
                maxmemory: settings.maxmemory,
                maxmemoryPolicy: settings.maxmemoryPolicy,
            }),
        ),
    );
}

export function declareNodes(
    name: string,
    settings: NodeSettings,
    layout: NodeLayout[],
    base: StackBase,
    password: pulumi.Input<string>,
    parent: pulumi.Resource,
    /** Per-node container command (e.g. sentinel's start script); defaults to RedisNode's `redis-server <conf>`. */
    commandFor?: (node: NodeLayout) => string[],
): RedisNode[] {
    return layout.map((node) => {
        const master = node.replicaOf === undefined ? undefined : layout[node.replicaOf];
        const config = nodeConf(settings, password, {
            nodeName: node.logicalName,
            role: node.role,
            port: node.listenPort,
            replicaOf: master && { host: master.peerHost, port: master.listenPort },
            // Announce the stable name (not the container IP, which changes on restart).
            announce: { host: node.peerHost, port: node.listenPort },
        });
        return new RedisNode(
            `${name}-${node.logicalName}`,
            {
                containerName: node.containerName,
                imageId: base.imageId,
                config,
                password,
                network: base.nodeNetwork,
                bindAddress: settings.bindAddress,
                listenPort: node.listenPort,
                command: commandFor?.(node),
                publishedPorts: [{ hostPort: node.hostPort, containerPort: node.listenPort }],
                stack: settings.stack,
                topology: settings.topology,
                labels: { "redis-ha.node": node.logicalName, "redis-ha.role": node.role },
            },
            { parent },
        );
    });
}

export function nodeInfo(layout: NodeLayout[], bindAddress: string): NodeInfo[] {
    return layout.map((n) => ({ name: n.logicalName, containerName: n.containerName, role: n.role, host: bindAddress, port: n.hostPort }));
}
