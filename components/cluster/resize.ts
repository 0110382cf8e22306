/**
 * The live half of a membership change (scaling.ts has the pure half and the order of steps): hand a
 * shard's mastership back before its live master leaves, reshard to even shares, forget the nodes that left.
 * formation.ts calls these between its two convergence stages. Each step reads the cluster first, so a run
 * that was interrupted anywhere resumes where it stopped: open slots are closed by the reshard step
 * (reshard.ts), a handover already done is not repeated, a node already forgotten is not listed.
 */
import type { Redis as RedisClient } from "ioredis";
import { pollUntil } from "../shared/poll";
import { type NodeAccess, withRedis } from "../shared/redis-connection";
import { selfEntry, reachable, type ClusterSnapshot } from "./observe";
import { forgetNodes } from "./forget";
import type { NodeAddress } from "./membership";
import { type ReshardOptions, rebalanceCluster } from "./reshard";
import { type Handover, type Stranger, accessByClusterAddress, specByClusterAddress } from "./scaling";
import type { ClusterNodeSpec } from "./spec";

/**
 * How the cluster's providers log in to every node: the user (ACL stacks: the operator user; absent, the
 * default user), its password, and on TLS stacks the CA the nodes' certificates are verified with.
 */
export type ClusterLogin = Pick<NodeAccess, "username" | "password" | "tls">;

export interface ResizeContext {
    /** The spec's nodes (meet hosts resolved). */
    nodes: ClusterNodeSpec[];
    /** Nodes of the previous spec that are no longer in it: how to reach a leaving node. */
    former: ClusterNodeSpec[];
    /** How the provider logs in to every node (ClusterLogin); MIGRATE logs in to the target as the same user. */
    login: ClusterLogin;
    deadline: number;
}

/** How reshard.ts reaches and names each node: by the specs' cluster addresses; `shard-<s>` as the label. */
function access(ctx: ResizeContext): Pick<ReshardOptions, "seeds" | "username" | "password" | "tls" | "access" | "label"> {
    const specs = [...ctx.nodes, ...ctx.former];
    const endpointOf = accessByClusterAddress(specs);
    const specOf = specByClusterAddress(specs);
    return {
        seeds: ctx.nodes.map((n) => n.access),
        username: ctx.login.username,
        password: ctx.login.password ?? "",
        tls: ctx.login.tls,
        access: (a: NodeAddress) => endpointOf(a.ip, a.port) ?? { host: a.ip, port: a.port },
        label: (a: NodeAddress) => {
            const spec = specOf(a.ip, a.port);
            return spec ? `shard-${spec.shard}` : a.hostname || `${a.ip}:${a.port}`;
        },
    };
}

/**
 * CLUSTER FAILOVER on each heir, then waits until it reports itself master. A replica in sync takes over
 * without losing acknowledged writes (the old master stops accepting writes until the heir has caught up).
 */
export async function handOver(ctx: ResizeContext, handovers: Handover[], observe: () => Promise<ClusterSnapshot>): Promise<void> {
    if (handovers.length === 0) return;
    for (const h of handovers) {
        const node = ctx.nodes.find((n) => n.name === h.node)!;
        await withRedis({ ...node.access, ...ctx.login }, (c: RedisClient) => c.call("CLUSTER", "FAILOVER"));
    }
    await pollUntil(
        async () => {
            const snap = await observe();
            const pending = handovers.filter((h) => {
                const o = snap.nodes.find((x) => x.name === h.node);
                const self = reachable(o) ? selfEntry(o) : undefined;
                return !self || !self.flags.includes("master");
            });
            return pending.length === 0
                ? { done: true, value: undefined }
                : { done: false, observed: `${pending.map((h) => h.node).join(", ")} not yet master` };
        },
        {
            timeoutMs: Math.max(0, ctx.deadline - Date.now()),
            intervalMs: 50,
            description: `${handovers.map((h) => h.node).join(", ")} to take over their shard`,
        },
    );
}

/** Even shares for the spec's masters, leaving masters emptied; returns the plan's one-line description. */
export async function reshard(ctx: ResizeContext, leaving: Stranger[]): Promise<string> {
    const result = await rebalanceCluster({
        ...access(ctx),
        leaving: leaving.map((s) => s.id),
        timeoutMs: Math.max(1000, ctx.deadline - Date.now()),
    });
    return result.plan.description;
}

/** Every staying node forgets the strangers (replicas first); the engine deletes their containers next. */
export async function forget(ctx: ResizeContext, leaving: Stranger[]): Promise<void> {
    if (leaving.length === 0) return;
    await forgetNodes({ ...access(ctx), leaving: leaving.map((s) => s.id), timeoutMs: Math.max(1000, ctx.deadline - Date.now()) });
}
