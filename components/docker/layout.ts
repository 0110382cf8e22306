/**
 * Pure node layout: which containers a topology declares, their names, roles and ports. No Pulumi here,
 * so the same plan drives validation (port collisions), the components and the tests.
 */
import type { NetworkMode } from "../settings";

/** Port Redis listens on inside a container on the stack's bridge network (the image default). */
export const CONTAINER_REDIS_PORT = 6379;

export interface LayoutInput {
    namePrefix: string;
    basePort: number;
    bindAddress: string;
    network: { mode: NetworkMode };
    replicas: number;
}

export type NodeRole = "master" | "replica";

export interface NodeLayout {
    index: number;
    /** Stable logical name used in resource names and outputs, e.g. `node-0` (cluster nodes: `shard-0-0`). */
    logicalName: string;
    /** Docker container name; also the node's hostname on the stack network. */
    containerName: string;
    /** Role at first deploy; Sentinel or Cluster failover may change the live role later. */
    role: NodeRole;
    /** Port clients outside Docker use: published in bridge mode, listened on directly in host mode. */
    hostPort: number;
    /** Port Redis listens on inside its container. */
    listenPort: number;
    /** Address other nodes use to reach this one: container name (bridge) or bindAddress (host). */
    peerHost: string;
    /** Index of the node this one replicates at first deploy. */
    replicaOf?: number;
}

export function nodeLayout(input: LayoutInput, index: number, role: NodeRole, hostPort: number, replicaOf?: number): NodeLayout {
    const logicalName = `node-${index}`;
    const containerName = `${input.namePrefix}-${logicalName}`;
    const host = input.network.mode === "host";
    return {
        index,
        logicalName,
        containerName,
        role,
        hostPort,
        listenPort: host ? hostPort : CONTAINER_REDIS_PORT,
        peerHost: host ? input.bindAddress : containerName,
        replicaOf,
    };
}

/** Standalone: one master on basePort. */
export function standaloneLayout(input: LayoutInput): NodeLayout[] {
    return [nodeLayout(input, 0, "master", input.basePort)];
}

/** Replication: the master on basePort and replicas on the next ports (6379/6380, as in docs/walkthrough.md, "Replication"). */
export function replicationLayout(input: LayoutInput): NodeLayout[] {
    const nodes = [nodeLayout(input, 0, "master", input.basePort)];
    for (let i = 1; i <= input.replicas; i++) {
        nodes.push(nodeLayout(input, i, "replica", input.basePort + i, 0));
    }
    return nodes;
}

/**
 * `tls.allowPlaintext: true`: a TLS node (data node or sentinel) also serves plain text on its TLS port +
 * PLAINTEXT_PORT_OFFSET, inside its container and on the host alike (6379 -> 7379 in a bridge container,
 * basePort -> basePort + 1000 published). Clear of the other ports a stack takes: replicas at basePort + i,
 * a cluster's basePort + shard + 100·round and its bus at + 10000, sentinels at basePort + 20000 + j;
 * config.ts planPorts checks the whole plan for collisions anyway.
 */
export const PLAINTEXT_PORT_OFFSET = 1000;

/** A TLS node's plain-text port pair under `tls.allowPlaintext` (PLAINTEXT_PORT_OFFSET). */
export function plaintextPorts(node: { hostPort: number; listenPort: number }): { hostPort: number; listenPort: number } {
    return { hostPort: node.hostPort + PLAINTEXT_PORT_OFFSET, listenPort: node.listenPort + PLAINTEXT_PORT_OFFSET };
}
