/**
 * Redis Cluster formation as a Pulumi dynamic resource.
 *
 * INPUT CONTRACT (`ClusterFormationInputs`)
 *   clusterName  used in the resource id and messages (e.g. the stack's name prefix).
 *   nodes        every node of the cluster, one `ClusterNodeSpec` each (cluster/spec.ts):
 *                  name      stable logical id, the layout's `shard-<shard>-<member>` (cluster/layout.ts)
 *                  shard     0..shards-1; shard i gets the i-th range of the even slot split
 *                  role      role at first formation, exactly one `master` per shard
 *                  access    {host, port} the provider connects to: published endpoint (127.0.0.1:<hostPort>)
 *                            in bridge mode, the node's own address in host mode
 *                  meet      {host, port, busPort} the other nodes reach it on: container IP + 6379 + 16379
 *                            in bridge mode; 127.0.0.1 + port + port+10000 in host mode. Redis 7.0 MEET
 *                            needs an IP; a name is resolved on the machine running pulumi
 *                  revision  optional; anything that changes when the node is replaced (container id)
 *   username     optional; ACL stacks: the user the provider logs in as (the stack's operator user), also
 *                the one the nodes' MIGRATE logs in to the target with. Absent: the default user.
 *   password     that user's password (requirepass of every node without ACL); "" for none. Secret in the state.
 *   tls          optional; TLS stacks: the CA every node's certificate is signed by. Every connection of
 *                the provider then speaks TLS and verifies the node (its access host is on its certificate).
 *                Not topology: a renewed CA re-runs nothing.
 *   nodeTimeoutMs  optional; the cluster-node-timeout the nodes' redis.conf sets. When given, it is kept
 *                live (CONFIG SET on drift), and a brand-new cluster forms with 500 ms and gets it back
 *                before `up` finishes (FORMATION_NODE_TIMEOUT_MS explains why).
 *   timeoutMs    how long create/update poll before failing with what each node is stuck on. Not topology.
 *
 * OUTPUTS: every input, plus `clusterState` (`ok` | `degraded` | `fail`) and `nodeStatus`: per node its live
 * role, node id, the node it replicates and its slot ranges (observe.ts, clusterStatus).
 *
 * BEHAVIOUR
 *   create/update  converge: each round (≤ 50 ms apart) reads every node, plans the missing MEETs,
 *                  ADDSLOTSRANGEs and REPLICATEs from the live state, runs them, and stops once every node
 *                  reports cluster_state:ok, all agree on the slot map and on who replicates whom, and every
 *                  replica's link is up. A formed cluster gets no command at all; a half-formed one is
 *                  finished; a failover's new roles are kept. Never FLUSHALL or CLUSTER RESET.
 *   diff           a change only when the topology inputs change (clusterTopologyKey); never a replacement.
 *   read           the live roles and slots (refresh after a failover shows the promoted replica).
 *   delete         nothing: the nodes go with their containers, and resetting nodes could drop data.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import { ClusterAction, describeAction, planConvergence } from "./converge";
import { executeActions, loginOf, observeCluster, resolveMeetHosts } from "./formation-io";
import { ClusterHealth, ClusterNodeStatus, ClusterSnapshot, clusterStatus, deriveLiveView, isUnformed } from "./observe";
import { type ReadinessStage, readinessProblems } from "./readiness";
import { type ResizeContext, forget, handOver, reshard } from "./resize";
import { describeScaling, membershipChange, planHandovers, strangers } from "./scaling";
import { ClusterNodeSpec, ClusterSpec, clusterTopologyKey, validateClusterSpec } from "./spec";
import { pollUntil } from "../shared/poll";
import { type NodeTls } from "../shared/redis-connection";

export type { ClusterNodeSpec } from "./spec";
export type { ClusterLogin } from "./resize";
export type { ClusterNodeStatus, ClusterHealth } from "./observe";

export interface ClusterFormationInputs {
    clusterName: string;
    nodes: ClusterNodeSpec[];
    /** ACL stacks: the operator user; absent, the default user. */
    username?: string;
    password: string;
    /** TLS stacks: how every node's certificate is verified (not in the diff key). */
    tls?: NodeTls;
    /** The nodes' configured cluster-node-timeout (redis.conf); kept live, and enables the formation shortcut. */
    nodeTimeoutMs?: number;
    timeoutMs: number;
}

export interface ClusterFormationOutputs extends ClusterFormationInputs {
    clusterState: ClusterHealth;
    nodeStatus: ClusterNodeStatus[];
    /** What the last create/update did to the slots (rebalance.ts's one-line description). */
    lastRebalance: string;
}

export interface ConvergeResult {
    snapshot: ClusterSnapshot;
    /** Every command the provider sent that changes the cluster, in order; empty for a formed cluster. */
    actions: ClusterAction[];
    rounds: number;
    /** Whether the brand-new-cluster node-timeout shortcut was used. */
    boosted: boolean;
    /** What resharding did (or that nothing had to move). */
    rebalance: string;
}

/** Polling interval between rounds: short, because each round is a few milliseconds of reads and formation waits on gossip. */
const ROUND_INTERVAL_MS = 25;

/**
 * cluster-node-timeout while a brand-new cluster forms. A master reports cluster_state:ok only once
 * min(node timeout, 5 s) has passed since it last saw itself in a minority, and a fresh node with no slots
 * counts as one: so with the default 5000 ms every new master waits 5 s after getting its slots. 500 ms is
 * Redis's floor for that wait and also halves the ping interval that carries slot maps. The configured
 * value is restored before the resource reports ready. Safe because only clusters where no node owns a
 * slot or holds a key get it.
 */
const FORMATION_TIMEOUT = 500;
// Exported for tests; the provider reads the local name (shared/dynamic.ts explains why).
export const FORMATION_NODE_TIMEOUT_MS = FORMATION_TIMEOUT;

interface Progress {
    actions: ClusterAction[];
    rounds: number;
}

async function convergeTo(
    spec: ClusterSpec,
    inputs: ClusterFormationInputs,
    deadline: number,
    progress: Progress,
    stage: ReadinessStage = "full",
): Promise<ClusterSnapshot> {
    return pollUntil(
        async () => {
            progress.rounds++;
            const snap = await observeCluster(spec.nodes, loginOf(inputs));
            const view = deriveLiveView(spec, snap);
            const plan = planConvergence(spec, snap, view);
            if (plan.actions.length > 0) {
                progress.actions.push(...plan.actions);
                const failures = await executeActions(spec.nodes, plan.actions, loginOf(inputs));
                return { done: false, observed: [...failures, ...plan.waiting].join("; ") || `sent ${plan.actions.map(describeAction).join("; ")}` };
            }
            const problems = readinessProblems(spec, snap, view, stage);
            if (problems.length === 0) return { done: true, value: snap };
            return { done: false, observed: [...new Set([...plan.waiting, ...problems])].join("; ") };
        },
        {
            timeoutMs: Math.max(0, deadline - Date.now()),
            intervalMs: ROUND_INTERVAL_MS,
            description:
                `Redis Cluster ${inputs.clusterName} (${spec.nodes.length} nodes) to be formed: cluster_state:ok everywhere, one agreed slot map, ` +
                `every replica linked${spec.nodeTimeoutMs !== undefined ? `, cluster-node-timeout ${spec.nodeTimeoutMs}` : ""}`,
        },
    );
}

/**
 * Forms the cluster, or brings a formed one to the spec: the steps and their order are scaling.ts's header.
 * `former` are nodes of the previous spec that are not in this one (how to reach a node that is leaving).
 */
export async function convergeCluster(inputs: ClusterFormationInputs, former: ClusterNodeSpec[] = []): Promise<ConvergeResult> {
    const deadline = Date.now() + inputs.timeoutMs;
    const nodes = await resolveMeetHosts(inputs.nodes);
    const ctx: ResizeContext = { nodes, former: await resolveMeetHosts(former), login: loginOf(inputs), deadline };
    const observe = () => observeCluster(nodes, loginOf(inputs));
    const target: ClusterSpec = { nodes, nodeTimeoutMs: inputs.nodeTimeoutMs };
    const progress: Progress = { actions: [], rounds: 0 };
    const boosted = inputs.nodeTimeoutMs !== undefined && inputs.nodeTimeoutMs > FORMATION_TIMEOUT && isUnformed(target, await observe());
    if (!boosted) {
        const before = await observe();
        await handOver(ctx, planHandovers(nodes, before, strangers(nodes, before)), observe);
    }
    if (boosted) {
        try {
            await convergeTo({ nodes, nodeTimeoutMs: FORMATION_TIMEOUT }, inputs, deadline, progress);
        } catch (err) {
            // Do not leave the short timeout behind on failure; a later run would also restore it.
            await executeActions(
                nodes,
                nodes.map((n) => ({ kind: "setNodeTimeout", node: n.name, ms: inputs.nodeTimeoutMs! })),
                loginOf(inputs),
            );
            throw err;
        }
    }
    const joined = await convergeTo(target, inputs, deadline, progress, "membership");
    const leaving = strangers(nodes, joined);
    // Entries of nodes already gone that own nothing go first: resharding needs every listed node reachable.
    await forget(
        ctx,
        leaving.filter((s) => s.gone && !s.ownsSlots),
    );
    const rebalance = await reshard(
        ctx,
        leaving.filter((s) => !(s.gone && !s.ownsSlots)),
    );
    await forget(
        ctx,
        leaving.filter((s) => !(s.gone && !s.ownsSlots)),
    );
    const snapshot = await convergeTo(target, inputs, deadline, progress);
    return { snapshot, actions: progress.actions, rounds: progress.rounds, boosted, rebalance };
}

async function formAndDescribe(inputs: ClusterFormationInputs, former: ClusterNodeSpec[] = []): Promise<ClusterFormationOutputs> {
    const { snapshot, rebalance } = await convergeCluster(inputs, former);
    const status = clusterStatus({ nodes: inputs.nodes }, snapshot);
    return { ...inputs, clusterState: status.clusterState, nodeStatus: status.nodes, lastRebalance: rebalance };
}

export async function readCluster(inputs: ClusterFormationOutputs): Promise<ClusterFormationOutputs> {
    const nodes = await resolveMeetHosts(inputs.nodes);
    const status = clusterStatus({ nodes }, await observeCluster(nodes, loginOf(inputs)));
    return { ...inputs, clusterState: status.clusterState, nodeStatus: status.nodes, lastRebalance: inputs.lastRebalance ?? "" };
}

/**
 * Pulumi's placeholder for a value not known until deploy (pulumi.runtime.unknownValue), e.g. a container IP
 * during preview. Inlined: referencing the SDK here would drag it into the serialized provider.
 */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const holdsUnknown = (v: unknown): boolean =>
    v === UNKNOWN || (typeof v === "object" && v !== null && Object.values(v as Record<string, unknown>).some(holdsUnknown));

export const clusterFormationProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: ClusterFormationInputs, news: ClusterFormationInputs): Promise<pulumi.dynamic.CheckResult> {
        // During preview some inputs are placeholders; they are checked when they are known (at deploy).
        if (holdsUnknown([news.nodes, news.nodeTimeoutMs, news.timeoutMs])) return { inputs: news, failures: [] };
        const failures = validateClusterSpec({ nodes: news.nodes, nodeTimeoutMs: news.nodeTimeoutMs }).map((reason) => ({
            property: "nodes",
            reason,
        }));
        if (!(Number(news.timeoutMs) > 0))
            failures.push({ property: "timeoutMs", reason: `must be a positive number of milliseconds, got ${news.timeoutMs}` });
        return { inputs: news, failures };
    },
    async create(inputs: ClusterFormationInputs): Promise<pulumi.dynamic.CreateResult> {
        return { id: `cluster-${inputs.clusterName}`, outs: await formAndDescribe(inputs) };
    },
    async diff(_id: string, olds: ClusterFormationOutputs, news: ClusterFormationInputs): Promise<pulumi.dynamic.DiffResult> {
        // In a preview, a node whose container is still to be created has an unknown revision (its container
        // id): the formation will then run, so that is a change.
        const changes = holdsUnknown(news.nodes) || clusterTopologyKey(olds) !== clusterTopologyKey(news);
        // What the update will do to the membership and the slots, printed with the plan (the engine shows a
        // dynamic provider's console output). Names and shards are known in a preview; container ids are not needed.
        if (changes && Array.isArray(news.nodes) && Array.isArray(olds.nodes)) {
            const text = describeScaling(olds.nodes, olds.nodeStatus ?? [], news.nodes);
            if (text) console.log(`Redis Cluster ${news.clusterName}: ${text}`);
        }
        return { changes, replaces: [], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: ClusterFormationOutputs, news: ClusterFormationInputs): Promise<pulumi.dynamic.UpdateResult> {
        const leaving = new Set(membershipChange(olds.nodes ?? [], news.nodes).leaving);
        return {
            outs: await formAndDescribe(
                news,
                (olds.nodes ?? []).filter((n) => leaving.has(n.name)),
            ),
        };
    },
    async read(id: string, props: ClusterFormationOutputs): Promise<pulumi.dynamic.ReadResult> {
        return { id, props: await readCluster(props) };
    },
    async delete(): Promise<void> {
        // Deliberately nothing: see the header.
    },
};

export type ClusterFormationArgs = ResourceArgs<ClusterFormationInputs>;

export class ClusterFormation extends pulumi.dynamic.Resource {
    declare readonly clusterState: pulumi.Output<ClusterHealth>;
    declare readonly nodeStatus: pulumi.Output<ClusterNodeStatus[]>;
    declare readonly lastRebalance: pulumi.Output<string>;

    constructor(name: string, args: ClusterFormationArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            clusterFormationProvider,
            name,
            { ...args, clusterState: undefined, nodeStatus: undefined, lastRebalance: undefined },
            { ...opts, additionalSecretOutputs: ["password", "tls"] },
            "redis-ha",
            "ClusterFormation",
        );
    }
}
