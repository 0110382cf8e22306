/** Declares one RedisNode per cluster node, each with its rendered cluster redis.conf. */
import * as pulumi from "@pulumi/pulumi";
import { type NodeSettings, nodeConf } from "./node-set";
import type { ClusterNodeLayout } from "./plan/cluster-layout";
import { type ClusterWiringInput, clusterNodeConfLines } from "./plan/cluster-wiring";
import { RedisNode } from "./redis-node";
import type { StackBase } from "./stack-base";

export function declareClusterNodes(
    name: string,
    settings: NodeSettings & ClusterWiringInput,
    layout: ClusterNodeLayout[],
    base: StackBase,
    /** Fixed IP of each node on the stack network (bridge mode), by layout position. */
    ips: Array<string | undefined>,
    password: pulumi.Input<string>,
    parent: pulumi.Resource,
): RedisNode[] {
    return layout.map((node, i) => {
        const config = nodeConf(settings, password, {
            nodeName: node.logicalName,
            role: node.role,
            port: node.listenPort,
            // No replicaof (Redis refuses it in cluster mode) and no replica-announce-*: roles come from the
            // formation resource, and peers know each other from the cluster bus.
            clusterLines: clusterNodeConfLines(settings, node),
        });
        return new RedisNode(
            `${name}-${node.logicalName}`,
            {
                containerName: node.containerName,
                imageId: base.imageId,
                config,
                password,
                network: base.nodeNetwork.mode === "bridge" ? { ...base.nodeNetwork, ipv4Address: ips[i] } : base.nodeNetwork,
                bindAddress: settings.bindAddress,
                listenPort: node.listenPort,
                // Only the client port: the bus (16379) stays inside the network.
                publishedPorts: [{ hostPort: node.hostPort, containerPort: node.listenPort }],
                stack: settings.stack,
                topology: settings.topology,
                labels: { "redis-ha.node": node.logicalName, "redis-ha.role": node.role, "redis-ha.shard": String(node.shard) },
            },
            { parent },
        );
    });
}
