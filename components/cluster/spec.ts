/**
 * The desired shape of a cluster, as the formation provider receives it: which nodes exist, which shard
 * each belongs to, and the two ways to reach each node (from the machine running pulumi, and from the other
 * nodes). Pure types and validation; the provider documents the contract and the planner consumes it.
 */
import type { NodeRole } from "../docker/layout";
import type { Endpoint } from "../shared/endpoint";

export interface ClusterNodeSpec {
    /** Stable logical id (the layout's `shard-0-0`); names the node in outputs and messages. */
    name: string;
    /** Shard index, 0..shards-1. Shard i gets the i-th range of the even slot split. */
    shard: number;
    /** Role at first formation: exactly one master per shard. A live role from a failover wins later. */
    role: NodeRole;
    /** Where the provider connects: the published endpoint (bridge) or the node's own address (host mode). */
    access: Endpoint;
    /**
     * Where the other nodes reach this node, used for CLUSTER MEET: container IP + 6379/16379 on a bridge
     * network, or the host address and port/port+10000 in host mode. Redis 7.0 MEET accepts only an IP;
     * a name is resolved on the machine running pulumi, so pass IPs for container networks.
     */
    meet: Endpoint & { busPort: number };
    /**
     * Anything that changes when the node comes back as a different node (container or volume replaced),
     * e.g. the container id. A change re-runs formation, which then re-joins the node.
     */
    revision?: string;
}

export interface ClusterSpec {
    nodes: ClusterNodeSpec[];
    /**
     * The `cluster-node-timeout` every node should run with. When given, a node whose live value differs gets
     * CONFIG SET (formation shortens it while a brand-new cluster forms; this puts it back even if an earlier
     * run was interrupted). When absent, the live value is left alone.
     */
    nodeTimeoutMs?: number;
}

/** Nodes of one shard, the initial master first, then replicas in input order. */
export function shardMembers(spec: ClusterSpec, shard: number): ClusterNodeSpec[] {
    const members = spec.nodes.filter((n) => n.shard === shard);
    return [...members.filter((n) => n.role === "master"), ...members.filter((n) => n.role !== "master")];
}

export function shardCount(spec: ClusterSpec): number {
    return spec.nodes.reduce((max, n) => Math.max(max, n.shard + 1), 0);
}

const validPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** Every problem with a spec, each naming the node and field; empty when the spec is usable. */
export function validateClusterSpec(spec: ClusterSpec): string[] {
    const problems: string[] = [];
    if (!Array.isArray(spec.nodes) || spec.nodes.length === 0) return ["nodes: at least one node is required"];
    const names = new Set<string>();
    const access = new Map<string, string>();
    const meet = new Map<string, string>();
    spec.nodes.forEach((n, i) => {
        const label = `nodes[${i}]${n.name ? ` (${n.name})` : ""}`;
        if (!n.name) problems.push(`${label}.name: required`);
        else if (names.has(n.name)) problems.push(`${label}.name: duplicate name ${n.name}`);
        names.add(n.name);
        if (!Number.isInteger(n.shard) || n.shard < 0) problems.push(`${label}.shard: must be a non-negative integer, got ${n.shard}`);
        if (n.role !== "master" && n.role !== "replica") problems.push(`${label}.role: must be master or replica, got ${n.role}`);
        if (!n.access?.host || !validPort(n.access?.port)) problems.push(`${label}.access: needs a host and a port 1-65535`);
        if (!n.meet?.host || !validPort(n.meet?.port) || !validPort(n.meet?.busPort))
            problems.push(`${label}.meet: needs a host, a port and a busPort 1-65535`);
        const a = `${n.access?.host}:${n.access?.port}`;
        if (access.has(a)) problems.push(`${label}.access: ${a} is also ${access.get(a)}'s`);
        access.set(a, n.name);
        const m = `${n.meet?.host}:${n.meet?.port}`;
        if (meet.has(m)) problems.push(`${label}.meet: ${m} is also ${meet.get(m)}'s`);
        meet.set(m, n.name);
    });
    if (spec.nodeTimeoutMs !== undefined && (!Number.isInteger(spec.nodeTimeoutMs) || spec.nodeTimeoutMs < 1)) {
        problems.push(`nodeTimeoutMs: must be a positive integer, got ${spec.nodeTimeoutMs}`);
    }
    const shards = shardCount(spec);
    for (let s = 0; s < shards; s++) {
        const masters = spec.nodes.filter((n) => n.shard === s && n.role === "master");
        if (masters.length !== 1) {
            problems.push(
                `shard ${s}: needs exactly one node with role master, has ${masters.length}${masters.length ? ` (${masters.map((n) => n.name).join(", ")})` : ""}`,
            );
        }
    }
    return problems;
}

/**
 * The part of the formation inputs that is topology: what a diff compares. Timeouts, outputs from the last
 * run and the provider's own code are not in it, so changing them alone re-runs nothing. Key order is fixed
 * here, so the same topology always gives the same key whatever order the caller built its objects in.
 */
export function clusterTopologyKey(inputs: { clusterName: string; nodes: ClusterNodeSpec[]; password: string; nodeTimeoutMs?: number }): string {
    return JSON.stringify({
        clusterName: inputs.clusterName,
        password: inputs.password,
        nodeTimeoutMs: inputs.nodeTimeoutMs ?? null,
        nodes: (inputs.nodes ?? []).map((n) => ({
            name: n.name,
            shard: n.shard,
            role: n.role,
            access: { host: n.access?.host, port: n.access?.port },
            meet: { host: n.meet?.host, port: n.meet?.port, busPort: n.meet?.busPort },
            revision: n.revision ?? "",
        })),
    });
}
