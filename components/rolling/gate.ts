/**
 * RollGate: the step of a rolling restart in front of one node's container (rolling/order.ts says why and
 * in which order). The container `dependsOn` its gate, and each gate takes the previous gate's output, so
 * the engine runs, per node: gate update, then the container's replacement (delete, create), while the next
 * gate already waits:
 *   1. until the previous node answers with a new run_id (its new container runs) and the whole group is
 *      healthy again (the topology's own readiness check);
 *   2. then, if its own node is a master now, hands over (rolling/health.ts) and returns, releasing its
 *      container to the engine.
 * So one node is down at a time, and a fresh `up` stays parallel: creating a gate waits for nothing, and no
 * container depends on another. A gate rolls only when its `revision` (a digest of every input of its
 * container that forces a replacement) changes; any other change of its inputs is no change at all.
 *
 * A gate that cannot get a healthy group fails `up` naming its node and what it saw. Nodes before it have
 * rolled, the ones after keep their old containers, and the next `up` starts again at this gate.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import { pollUntil } from "../shared/poll";
import type { NodeAccess, NodeTls } from "../shared/redis-connection";
import { type Credentials, type RollGroup, type RollPeer, groupProblems, handOver, liveRole, memberLogin, runIdOf } from "./health";

export interface RollGateInputs {
    /** Logical node name. */
    name: string;
    /** 1-based place in the roll order, and the group's size, for the plan's text. */
    position: number;
    total: number;
    /** Digest of the container's replacing inputs: a change is a roll of this node. */
    revision: string;
    /** The node, from the machine running pulumi. */
    access: { host: string; port: number };
    /** ACL stacks: the user the data nodes are reached as (the stack's operator user); absent, the default user. */
    username?: string;
    /** The data nodes' password (the operator user's on ACL stacks). */
    password: string;
    /** Sentinel groups on ACL stacks: the sentinels' own password; absent, `password`. */
    sentinelPassword?: string;
    /** TLS stacks: the CA the nodes' certificates are verified with. */
    tls?: NodeTls;
    group: RollGroup;
    /** The node before this one in the roll order, and its run_id when its gate let it go ("" if none). */
    after?: RollPeer & { runId: string };
    timeoutMs: number;
}

export interface RollGateOutputs extends RollGateInputs {
    /** This node's run_id when the gate let its container go ("" when it was not reachable). */
    runId: string;
    /** What the gate did at its last roll, e.g. `shard-0-0 handed over to shard-0-1 with CLUSTER FAILOVER`. */
    action: string;
}

function credentialsOf(inputs: RollGateInputs): Credentials {
    return { username: inputs.username, password: inputs.password, sentinelPassword: inputs.sentinelPassword, tls: inputs.tls };
}

async function roll(inputs: RollGateInputs): Promise<RollGateOutputs> {
    const creds = credentialsOf(inputs);
    const node: NodeAccess = { ...inputs.access, ...memberLogin(inputs.group, inputs.name, creds) };
    const after = inputs.after;
    try {
        if (after && after.runId !== "") {
            await pollUntil(
                async () => {
                    const runId = await runIdOf({ ...after.access, ...memberLogin(inputs.group, after.name, creds) });
                    return runId !== after.runId ? { done: true, value: undefined } : { done: false, observed: `${after.name} still runs ${runId}` };
                },
                { timeoutMs: inputs.timeoutMs, intervalMs: 100, description: `${after.name} to come back in its new container` },
            );
        }
        // A node that is down now cannot make the group less available by restarting: replacing it is the fix.
        const reachable = await liveRole(node).then(
            () => true,
            () => false,
        );
        if (!reachable) return { ...inputs, runId: "", action: `${inputs.name} was not reachable: replaced without a handover` };
        await pollUntil(
            async () => {
                const problems = await groupProblems(inputs.group, creds);
                return problems.length === 0 ? { done: true, value: undefined } : { done: false, observed: problems.join("; ") };
            },
            { timeoutMs: inputs.timeoutMs, intervalMs: 100, description: "the group to be healthy" },
        );
        const action = await handOver(inputs.group, inputs.name, inputs.access, creds, inputs.timeoutMs);
        return { ...inputs, runId: await runIdOf(node), action };
    } catch (err) {
        throw new Error(`roll stopped before ${inputs.name} (${inputs.position}/${inputs.total}): ${(err as Error).message}`);
    }
}

/** How the group is known to its members: the sentinels' master name, a cluster node's meet address. */
function groupIdentity(g: RollGroup, name: string): string {
    if (g.kind === "sentinel") return `sentinel ${g.masterName}`;
    if (g.kind === "cluster") return `cluster ${JSON.stringify(g.nodes.find((n) => n.name === name)?.meet ?? null)}`;
    return g.kind;
}

/**
 * A new password, address (basePort, bindAddress, network mode) or master name cannot roll: the nodes not yet
 * rolled answer only at the old ones, so no gate could check the group, and clients must change too. Such a
 * change replaces the containers without the gates waiting.
 */
const movesAccess = (olds: RollGateInputs, news: RollGateInputs) =>
    olds.password !== news.password ||
    (olds.username ?? "") !== (news.username ?? "") ||
    (olds.sentinelPassword ?? "") !== (news.sentinelPassword ?? "") ||
    JSON.stringify(olds.access) !== JSON.stringify(news.access) ||
    groupIdentity(olds.group, olds.name) !== groupIdentity(news.group, news.name);

export const rollGateProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RollGateInputs): Promise<pulumi.dynamic.CreateResult> {
        // A new node has nothing to roll: its container is created in parallel with all the others.
        return { id: `${inputs.name}-roll`, outs: { ...inputs, runId: "", action: "created" } };
    },
    async diff(_id: string, olds: RollGateOutputs, news: RollGateInputs): Promise<pulumi.dynamic.DiffResult> {
        if (olds.revision === news.revision) return { changes: false };
        // The plan's text: dynamic providers' console output shows in the engine's preview display.
        if (movesAccess(olds, news)) {
            console.log(`roll ${news.position}/${news.total}: ${news.name} gets a new password or address: replaced without a handover or wait`);
            return { changes: true };
        }
        // What this node will do at its turn is in the plan's text (rolling/plan.ts), which knows the order.
        return { changes: true };
    },
    async update(_id: string, olds: RollGateOutputs, news: RollGateInputs): Promise<pulumi.dynamic.UpdateResult> {
        if (olds.revision === news.revision) return { outs: { ...news, runId: olds.runId, action: olds.action } };
        if (movesAccess(olds, news))
            return { outs: { ...news, runId: "", action: `${news.name} got a new password or address: replaced without a handover` } };
        return { outs: await roll(news) };
    },
};

export class RollGate extends pulumi.dynamic.Resource {
    declare readonly runId: pulumi.Output<string>;
    declare readonly action: pulumi.Output<string>;

    constructor(name: string, args: ResourceArgs<RollGateInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            rollGateProvider,
            name,
            { ...args, runId: undefined, action: undefined },
            { ...opts, additionalSecretOutputs: ["password", "sentinelPassword", "tls"] },
            "redis-ha",
            "RollGate",
        );
    }
}
