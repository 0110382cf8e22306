/**
 * RollPlan: the roll order of one group, read from the live roles when a roll starts. One per group; every
 * RollGate (rolling/gate.ts) takes its place and the node before it from this resource's `order`.
 *
 * Why not the layout's roles: after a failover a layout replica is master. Ordered by the layout, it would
 * roll early and hand over to the layout master, which would roll later and hand back: two handovers in
 * that shard. Ordered by live roles, the node that is master when the roll starts rolls last in its shard
 * and hands over once, to a replica that already runs the new version.
 *
 * The plan is made again only when a roll starts (a member's revision changed): its update runs before any
 * gate, since every gate waits on `order`. A member that does not answer keeps its
 * layout role (a fresh stack: nothing runs yet, and nothing rolls either). The preview prints the order.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import type { NodeTls } from "../shared/redis-connection";
import { liveRole } from "./health";
import { type RollKind, type RollMember, type RollRole, describeRollStep, rollOrder } from "./order";

export interface RollPlanInputs {
    /** How the group hands a master's role over (for the plan's text). */
    kind: RollKind;
    /** The group's members in layout order, with their layout roles, as the machine running pulumi reaches them. */
    members: Array<RollMember & { access: { host: string; port: number } }>;
    /** Every member's revision (rolling/gate.ts): a change of any is a roll, and the order is read again. */
    revisions: string[];
    /** ACL stacks: the user the data nodes are read as (the stack's operator user); absent, the default user. */
    username?: string;
    password: string;
    tls?: NodeTls;
}

export interface RollPlanOutputs extends RollPlanInputs {
    /** Member names in roll order, from the roles they had when the plan was made. */
    order: string[];
    /** The live role of each member then (its layout role when it did not answer), for the log. */
    roles: Record<string, RollRole>;
}

/** The live role of each member, undefined for one that does not answer. */
async function liveRoles(inputs: RollPlanInputs): Promise<Record<string, RollRole | undefined>> {
    const roles: Record<string, RollRole | undefined> = {};
    await Promise.all(
        inputs.members.map(async (m) => {
            // Sentinels roll last whatever they say (and keep the stack password for themselves); a data
            // node's role is what INFO says now, read as the operator when ACL users are in use.
            const live =
                m.role === "sentinel"
                    ? "sentinel"
                    : await liveRole({ ...m.access, username: inputs.username, password: inputs.password, tls: inputs.tls }).catch(() => undefined);
            roles[m.name] = live === "master" || live === "replica" || live === "sentinel" ? live : undefined;
        }),
    );
    return roles;
}

async function plan(inputs: RollPlanInputs): Promise<RollPlanOutputs> {
    const live = await liveRoles(inputs);
    // Sentinels roll last whatever they say; a data node that does not answer keeps its layout role.
    const roles = Object.fromEntries(inputs.members.map((m) => [m.name, m.role === "sentinel" ? m.role : (live[m.name] ?? m.role)]));
    return { ...inputs, order: rollOrder(inputs.members.map((m) => ({ name: m.name, role: roles[m.name] }))), roles };
}

/** The plan's text: the order, then what each node does at its turn as things stand now. */
async function describePlan(inputs: RollPlanInputs): Promise<string[]> {
    const [next, live] = await Promise.all([plan(inputs), liveRoles(inputs)]);
    return [
        `roll order (live roles): ${next.order.map((n) => `${n} (${next.roles[n]})`).join(", ")}`,
        ...next.order.map((n, i) => describeRollStep(inputs.kind, n, i + 1, next.order.length, live[n])),
    ];
}

/**
 * A roll starts when a member that was there before has a new revision. Members joining or leaving (a
 * cluster scaled out or in) are not a roll: the plan keeps its old order, a new member's gate (which rolls
 * nothing when created) finds no place in it, and the next roll plans with everyone.
 */
function rollStarts(olds: RollPlanInputs, news: RollPlanInputs): boolean {
    const before = new Map(olds.members.map((m, i) => [m.name, olds.revisions[i]]));
    return news.members.some((m, i) => before.has(m.name) && before.get(m.name) !== news.revisions[i]);
}

export const rollPlanProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RollPlanInputs): Promise<pulumi.dynamic.CreateResult> {
        const outs = await plan(inputs);
        return { id: `roll-plan-${inputs.members[0]?.name ?? "empty"}`, outs };
    },
    async diff(_id: string, olds: RollPlanOutputs, news: RollPlanInputs): Promise<pulumi.dynamic.DiffResult> {
        if (!rollStarts(olds, news)) return { changes: false };
        // The plan's text (a dynamic provider's console output shows in the engine's display). The gates'
        // own places are not known in a preview: they come from this resource's update.
        for (const line of await describePlan(news)) console.log(line);
        return { changes: true };
    },
    async update(_id: string, _olds: RollPlanOutputs, news: RollPlanInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await plan(news) };
    },
};

export class RollPlan extends pulumi.dynamic.Resource {
    declare readonly order: pulumi.Output<string[]>;
    declare readonly roles: pulumi.Output<Record<string, RollRole>>;

    constructor(name: string, args: ResourceArgs<RollPlanInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            rollPlanProvider,
            name,
            { ...args, order: undefined, roles: undefined },
            { ...opts, additionalSecretOutputs: ["password", "tls"] },
            "redis-ha",
            "RollPlan",
        );
    }
}
