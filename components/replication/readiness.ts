/**
 * Readiness gate for a master/replica group: `up` finishes only when every replica reports
 * `master_link_status:up` towards the expected master. Polls the live servers; on timeout the error
 * names the replica and what it last reported.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ResourceArgs, readinessGate } from "../shared/dynamic";
import { NodeAccess, type NodeTls, parseInfo, withRedis } from "../shared/redis-connection";
import { PollResult, pollUntil } from "../shared/poll";

export interface ReplicaExpectation {
    /** Logical node name, for messages. */
    name: string;
    /** Where the provider reaches the replica (published endpoint). */
    access: { host: string; port: number };
    /** Docker container id: a replaced container re-runs the gate. */
    containerId: string;
}

export interface ReplicationReadinessInputs {
    master: { name: string; access: { host: string; port: number }; containerId: string };
    /** The master's address as replicas see it (container name in bridge mode). */
    masterPeer: { host: string; port: number };
    replicas: ReplicaExpectation[];
    /** ACL stacks: the stack's operator user; absent, the default user. */
    username?: string;
    password: string;
    /** TLS stacks: the CA the nodes' certificates are verified with (not topology: a renewal re-runs nothing). */
    tls?: NodeTls;
    timeoutMs: number;
}

export interface ReplicaStatus {
    name: string;
    masterHost: string;
    masterPort: number;
    linkStatus: string;
}

export interface ReplicationReadinessOutputs extends ReplicationReadinessInputs {
    replicaStatus: ReplicaStatus[];
}

async function replicaLinked(replica: ReplicaExpectation, inputs: ReplicationReadinessInputs): Promise<PollResult<ReplicaStatus>> {
    const access: NodeAccess = { ...replica.access, username: inputs.username, password: inputs.password, tls: inputs.tls };
    const info = parseInfo(await withRedis(access, (c) => c.info("replication")));
    const status: ReplicaStatus = {
        name: replica.name,
        masterHost: info.master_host ?? "",
        masterPort: Number(info.master_port ?? 0),
        linkStatus: info.master_link_status ?? "none",
    };
    const expected = `${inputs.masterPeer.host}:${inputs.masterPeer.port}`;
    if (info.role !== "slave") {
        return { done: false, observed: `${replica.name} has role:${info.role}, expected a replica of ${expected}` };
    }
    if (status.masterHost !== inputs.masterPeer.host || status.masterPort !== inputs.masterPeer.port) {
        return { done: false, observed: `${replica.name} replicates ${status.masterHost}:${status.masterPort}, expected ${expected}` };
    }
    if (status.linkStatus !== "up") {
        return { done: false, observed: `${replica.name} reports master_link_status:${status.linkStatus} towards ${expected}` };
    }
    return { done: true, value: status };
}

export async function waitForReplication(inputs: ReplicationReadinessInputs): Promise<ReplicaStatus[]> {
    const deadline = Date.now() + inputs.timeoutMs;
    const statuses: ReplicaStatus[] = [];
    for (const replica of inputs.replicas) {
        statuses.push(
            await pollUntil(() => replicaLinked(replica, inputs), {
                timeoutMs: Math.max(0, deadline - Date.now()),
                intervalMs: 50,
                description: `replica ${replica.name} (${replica.access.host}:${replica.access.port}) to link to master ${inputs.master.name}`,
            }),
        );
    }
    return statuses;
}

export const replicationReadinessProvider: pulumi.dynamic.ResourceProvider = readinessGate<ReplicationReadinessInputs, ReplicaStatus[]>({
    id: (inputs) => `replication-${inputs.master.name}`,
    // Timeouts and provider code are not topology.
    topology: (i) => ({
        master: i.master,
        masterPeer: i.masterPeer,
        replicas: i.replicas,
        ...(i.username ? { username: i.username } : {}),
        password: i.password,
    }),
    wait: waitForReplication,
    statusKey: "replicaStatus",
});

export class ReplicationReadiness extends pulumi.dynamic.Resource {
    declare readonly replicaStatus: pulumi.Output<ReplicaStatus[]>;

    constructor(name: string, args: ResourceArgs<ReplicationReadinessInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            replicationReadinessProvider,
            name,
            { ...args, replicaStatus: undefined },
            { ...opts, additionalSecretOutputs: ["password", "tls"] },
            "redis-ha",
            "ReplicationReadiness",
        );
    }
}
