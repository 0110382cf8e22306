/**
 * RollPlan: the roll order of one group, read from the live roles when a roll starts. One per group; every
 * RollGate (rolling/gate.ts) takes its place and the node before it from this resource's `order`.
 *
 * Why not the layout's roles: after a failover a layout replica is master. Ordered by the layout, it would
 * roll early and hand over to the layout master, which would roll later and hand back: two handovers in
 * that shard. Ordered by live roles, the node that is master when the roll starts rolls last in its shard
 * and hands over once, to a replica that already runs the new version.
 *
 * The plan is made again only when a roll starts (a member's revision changed) or the members change: its
 * update runs before any gate, since every gate waits on `order`. A member that does not answer keeps its
 * layout role (a fresh stack: nothing runs yet, and nothing rolls either). The preview prints the order.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import type { NodeTls } from "../shared/redis-connection";
import { liveRole } from "./health";
import { type RollMember, type RollRole, rollOrder } from "./order";

export interface RollPlanInputs {
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

async function plan(inputs: RollPlanInputs): Promise<RollPlanOutputs> {
    const roles: Record<string, RollRole> = {};
    await Promise.all(
        inputs.members.map(async (m) => {
            // Sentinels roll last whatever they say; a data node's role is what INFO says now.
            const live =
                m.role === "sentinel"
                    ? "sentinel"
                    : await liveRole({ ...m.access, username: inputs.username, password: inputs.password, tls: inputs.tls }).catch(() => undefined);
            roles[m.name] = live === "master" || live === "replica" || live === "sentinel" ? live : m.role;
        }),
    );
    return { ...inputs, order: rollOrder(inputs.members.map((m) => ({ name: m.name, role: roles[m.name] }))), roles };
}

const membersKey = (i: RollPlanInputs) => JSON.stringify(i.members);

export const rollPlanProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RollPlanInputs): Promise<pulumi.dynamic.CreateResult> {
        const outs = await plan(inputs);
        return { id: `roll-plan-${inputs.members[0]?.name ?? "empty"}`, outs };
    },
    async diff(_id: string, olds: RollPlanOutputs, news: RollPlanInputs): Promise<pulumi.dynamic.DiffResult> {
        const rolls = JSON.stringify(olds.revisions) !== JSON.stringify(news.revisions);
        if (!rolls && membersKey(olds) === membersKey(news)) return { changes: false };
        if (rolls) {
            // The plan's text: the order the gates will take, from the roles the nodes have now.
            const next = await plan(news);
            console.log(`roll order (live roles): ${next.order.map((n) => `${n} (${next.roles[n]})`).join(", ")}`);
        }
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
            { ...opts, additionalSecretOutputs: ["password"] },
            "redis-ha",
            "RollPlan",
        );
    }
}
