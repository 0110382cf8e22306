/**
 * Readiness gate for a sentinel group: `up` finishes only when every sentinel monitors the same healthy
 * master with all replicas and all other sentinels in view, and every data node is linked. The check is
 * role-agnostic (a failover may have swapped master and replica since the last `up`): the master is the
 * data node whose run_id the sentinels report. Polls ≤ 50 ms apart; on timeout the error names each
 * sentinel or node that is not ready and what it showed.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ResourceArgs, readinessGate } from "../shared/dynamic";
import { pollUntil } from "../shared/poll";
import { NodeAccess, type NodeTls, parseInfo, withRedis } from "../shared/redis-connection";
import type { Redis as RedisClient } from "ioredis";
import type { Endpoint } from "../shared/endpoint";
import { type SentinelObservation, type SentinelTunables, fieldsOf, sentinelProblems, tunableDrift } from "./observe";

export interface GroupMember {
    /** Logical name (`sentinel-0`, `node-1`), for messages. */
    name: string;
    /** Where the provider reaches it: the published endpoint, from the machine running pulumi. */
    access: { host: string; port: number };
    /** Docker container id: a replaced container re-runs the gate. */
    containerId?: string;
}

export interface SentinelReadinessInputs {
    masterName: string;
    /** Every sentinel; the expected sentinel count is `sentinels.length`. */
    sentinels: GroupMember[];
    /** The master at first deploy. */
    master: GroupMember;
    /** The replicas at first deploy; the expected replica count is `replicas.length`. */
    replicas: GroupMember[];
    /** ACL stacks: the user the data nodes are read as (the stack's operator user); absent, the default user. */
    username?: string;
    /** The data nodes' password ("" for none). */
    password: string;
    /** The sentinels' own password; defaults to `password`. */
    sentinelPassword?: string;
    /** When given, sentinels whose live values differ get SENTINEL SET before they count as ready. */
    tunables?: SentinelTunables;
    /** TLS stacks: the CA the sentinels' and nodes' certificates are verified with (not topology). */
    tls?: NodeTls;
    timeoutMs: number;
}

export interface SentinelGroupStatus {
    /** Name of the data node that is master now. */
    masterNode: string;
    /** The master as sentinels hand it to clients (in-network address, e.g. container name). */
    masterAddress: { host: string; port: number };
    /** Sentinels' config epoch for the group: 0 until the first failover, +1 per failover. */
    configEpoch: number;
}

export interface SentinelReadinessOutputs extends SentinelReadinessInputs {
    status: SentinelGroupStatus;
}

type Seen<T> = { ok: true; value: T } | { ok: false; error: string };

async function tryRead<T>(fn: () => Promise<T>): Promise<Seen<T>> {
    try {
        return { ok: true, value: await fn() };
    } catch (err) {
        return { ok: false, error: (err as Error).message };
    }
}

const where = (m: GroupMember) => `${m.name} (${m.access.host}:${m.access.port})`;
/** One round: reads every sentinel and data node, applies drifted tunables, and lists what is not ready. */
export async function checkSentinelGroup(inputs: SentinelReadinessInputs): Promise<{ problems: string[]; status?: SentinelGroupStatus }> {
    const sentinelPassword = inputs.sentinelPassword ?? inputs.password;
    const dataNodes = [inputs.master, ...inputs.replicas];
    const [sentinelViews, nodeViews] = await Promise.all([
        Promise.all(
            inputs.sentinels.map((s) =>
                tryRead(() =>
                    withRedis({ ...s.access, password: sentinelPassword, tls: inputs.tls }, async (c) => {
                        const observed = await observeSentinel(c, inputs.masterName);
                        if (inputs.tunables) await applyTunables(c, inputs.masterName, tunableDrift(observed.master, inputs.tunables));
                        return observed;
                    }),
                ),
            ),
        ),
        Promise.all(
            dataNodes.map((n) =>
                tryRead(async () =>
                    parseInfo(
                        await withRedis(
                            { ...n.access, username: inputs.username, password: inputs.password, tls: inputs.tls },
                            (c) => c.call("INFO", "server", "replication") as Promise<string>,
                        ),
                    ),
                ),
            ),
        ),
    ]);

    const problems: string[] = [];
    const masters = new Map<string, string[]>();
    sentinelViews.forEach((v, i) => {
        const s = inputs.sentinels[i];
        if (!v.ok) {
            problems.push(`sentinel ${where(s)}: ${v.error}`);
            return;
        }
        problems.push(
            ...sentinelProblems(`sentinel ${where(s)}`, v.value, {
                replicas: inputs.replicas.length,
                otherSentinels: inputs.sentinels.length - 1,
                tunables: inputs.tunables,
            }),
        );
        const key = `${v.value.master.ip}:${v.value.master.port} runid ${v.value.master.runid || "unknown"}`;
        masters.set(key, [...(masters.get(key) ?? []), s.name]);
    });
    if (masters.size > 1) {
        problems.push(`sentinels disagree on the master: ${[...masters].map(([m, names]) => `${names.join(",")} -> ${m}`).join("; ")}`);
    }

    const roleMasters: number[] = [];
    nodeViews.forEach((v, i) => {
        const n = dataNodes[i];
        if (!v.ok) {
            problems.push(`node ${where(n)}: ${v.error}`);
            return;
        }
        const info = v.value;
        if (info.role === "master") {
            roleMasters.push(i);
            if (Number(info.connected_slaves) !== inputs.replicas.length) {
                problems.push(`node ${where(n)} is master with connected_slaves:${info.connected_slaves} (want ${inputs.replicas.length})`);
            }
        } else if (info.master_link_status !== "up" || info.master_sync_in_progress === "1") {
            problems.push(
                `node ${where(n)} is a replica of ${info.master_host}:${info.master_port} with master_link_status:${info.master_link_status}` +
                    (info.master_sync_in_progress === "1" ? " (sync in progress)" : ""),
            );
        }
    });
    if (nodeViews.every((v) => v.ok) && roleMasters.length !== 1) {
        problems.push(
            `${roleMasters.length} data nodes report role:master (want 1): ${roleMasters.map((i) => dataNodes[i].name).join(", ") || "none"}`,
        );
    }

    const firstSentinel = sentinelViews.find((v) => v.ok);
    if (problems.length > 0 || !firstSentinel || !firstSentinel.ok) return { problems };
    const sentinelMaster = firstSentinel.value.master;
    const masterIndex = nodeViews.findIndex((v) => v.ok && v.value.run_id === sentinelMaster.runid);
    if (masterIndex < 0 || !roleMasters.includes(masterIndex)) {
        return {
            problems: [
                `sentinels report master ${sentinelMaster.ip}:${sentinelMaster.port} runid ${sentinelMaster.runid}, which is no role:master data node of this group`,
            ],
        };
    }
    return {
        problems: [],
        status: {
            masterNode: dataNodes[masterIndex].name,
            masterAddress: { host: sentinelMaster.ip, port: Number(sentinelMaster.port) },
            configEpoch: Number(sentinelMaster["config-epoch"]),
        },
    };
}

export async function waitForSentinelGroup(inputs: SentinelReadinessInputs): Promise<SentinelGroupStatus> {
    return pollUntil(
        async () => {
            const { problems, status } = await checkSentinelGroup(inputs);
            return status ? { done: true, value: status } : { done: false, observed: problems.join("; ") };
        },
        {
            timeoutMs: inputs.timeoutMs,
            intervalMs: 50,
            description: `sentinel group "${inputs.masterName}" (${inputs.sentinels.length} sentinels, 1 master, ${inputs.replicas.length} replicas) to be ready`,
        },
    );
}

export const sentinelReadinessProvider: pulumi.dynamic.ResourceProvider = readinessGate<SentinelReadinessInputs, SentinelGroupStatus>({
    id: (inputs) => `sentinel-${inputs.masterName}`,
    // Timeouts, provider code and outputs are not topology.
    topology: (i) => ({
        masterName: i.masterName,
        sentinels: i.sentinels,
        master: i.master,
        replicas: i.replicas,
        ...(i.username ? { username: i.username } : {}),
        password: i.password,
        sentinelPassword: i.sentinelPassword ?? i.password,
        tunables: i.tunables ?? null,
    }),
    wait: waitForSentinelGroup,
    statusKey: "status",
});

export class SentinelReadiness extends pulumi.dynamic.Resource {
    declare readonly status: pulumi.Output<SentinelGroupStatus>;

    constructor(name: string, args: ResourceArgs<SentinelReadinessInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            sentinelReadinessProvider,
            name,
            { ...args, status: undefined },
            { ...opts, additionalSecretOutputs: ["password", "sentinelPassword", "tls"] },
            "redis-ha",
            "SentinelReadiness",
        );
    }
}

/**
 * Live reads of a sentinel group, shared by the readiness gate, tests and the failover benchmark.
 * ioredis is reached only through withRedis (required at call time), so the gate stays serialisable.
 */

export async function observeSentinel(client: RedisClient, masterName: string): Promise<SentinelObservation> {
    const [master, replicas, sentinels] = await Promise.all([
        client.call("SENTINEL", "MASTER", masterName),
        client.call("SENTINEL", "REPLICAS", masterName),
        client.call("SENTINEL", "SENTINELS", masterName),
    ]);
    return {
        master: fieldsOf(master),
        replicas: (replicas as unknown[]).map(fieldsOf),
        sentinels: (sentinels as unknown[]).map(fieldsOf),
    };
}

/** The master address a sentinel currently hands to clients (in-network form), or undefined if it has none. */
export async function sentinelMasterAddress(sentinel: NodeAccess, masterName: string): Promise<Endpoint | undefined> {
    const reply = await withRedis(sentinel, (c) => c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName));
    if (!Array.isArray(reply) || reply.length < 2) return undefined;
    return { host: String(reply[0]), port: Number(reply[1]) };
}

/**
 * Applies drifted tunables with SENTINEL SET, which also rewrites the sentinel's own config file; this
 * is how settings reach sentinels whose config in the data volume predates the current template.
 */
export async function applyTunables(client: RedisClient, masterName: string, drift: Array<[string, string]>): Promise<void> {
    if (drift.length === 0) return;
    await client.call("SENTINEL", "SET", masterName, ...drift.flat());
}
