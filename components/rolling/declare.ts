/**
 * How a topology declares nodes that roll: one RollPlan for the group (the roll order, from live roles when
 * a roll starts: rolling/plan.ts), one RollGate per node taking its place and the node before it from that
 * order, and each node's container behind its own gate. The nodes come back in the caller's (layout) order.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackBase } from "../docker/stack-base";
import { type RedisNode } from "../docker/redis-node";
import { type NodeSpec, type PlacedNode, declareNode, nodeRevision } from "../docker/declare-node";
import type { Settings } from "../settings";
import { type StackTls, providerTls } from "../security/node-tls";
import type { NodeLogin } from "../security/stack-acl";
import { RollGate } from "./gate";
import type { RollGroup, RollPeer } from "./health";
import type { RollRole } from "./order";
import { RollPlan } from "./plan";

export interface RollingNode {
    node: PlacedNode;
    spec: NodeSpec;
    /** Layout role: the node's place in the roll order when its live role cannot be read. */
    role: RollRole;
}

export function declareRollingNodes(
    name: string,
    settings: Pick<Settings, "stack" | "topology" | "bindAddress" | "readinessTimeoutMs">,
    base: StackBase,
    entries: RollingNode[],
    group: RollGroup,
    password: pulumi.Input<string>,
    parent: pulumi.Resource,
    /** TLS stacks: the gates reach the nodes over TLS, verifying them with the stack's CA. */
    tls?: StackTls,
    /**
     * ACL stacks: the gates log in to the data nodes as the operator user, and to the sentinels with their
     * own password (`password`, which the data nodes' default user may no longer take).
     */
    acl?: { login: NodeLogin & { username: string } },
): RedisNode[] {
    const accessOf = (e: RollingNode) => ({ host: settings.bindAddress, port: e.node.hostPort });
    const revisions = new Map(entries.map((e) => [e.node.logicalName, nodeRevision(settings, base, e.node, e.spec)]));
    const tlsInput = tls ? { tls: providerTls(tls) } : {};
    // ACL stacks: the data nodes as the operator user, the sentinels with their own password.
    const logins = acl
        ? { username: acl.login.username, password: pulumi.secret(acl.login.password), sentinelPassword: pulumi.secret(password) }
        : { password: pulumi.secret(password) };
    const plan = new RollPlan(
        `${name}-roll-plan`,
        {
            kind: group.kind,
            members: entries.map((e) => ({ name: e.node.logicalName, role: e.role, access: accessOf(e) })),
            revisions: entries.map((e) => revisions.get(e.node.logicalName)!),
            // Only data nodes are asked their role.
            ...(acl ? { username: acl.login.username, password: pulumi.secret(acl.login.password) } : { password: pulumi.secret(password) }),
            ...tlsInput,
        },
        { parent },
    );
    const gates = new Map<string, RollGate>();
    for (const entry of entries) {
        const nodeName = entry.node.logicalName;
        // The node before this one in the plan's order: its gate's runId, once that gate has let it go.
        const after = plan.order.apply((order): pulumi.Output<(RollPeer & { runId: string }) | undefined> => {
            const before = entries.find((e) => e.node.logicalName === order[order.indexOf(nodeName) - 1]);
            if (!before) return pulumi.output(undefined);
            return gates.get(before.node.logicalName)!.runId.apply((runId) => ({ name: before.node.logicalName, access: accessOf(before), runId }));
        });
        const gate = new RollGate(
            `${name}-${nodeName}-roll`,
            {
                name: nodeName,
                position: plan.order.apply((order) => order.indexOf(nodeName) + 1),
                total: entries.length,
                revision: revisions.get(nodeName)!,
                access: accessOf(entry),
                ...logins,
                ...tlsInput,
                group,
                // ResourceArgs distributes over `T | undefined`, which an Output of the union does not match.
                after: after as pulumi.Input<RollPeer & { runId: string }>,
                timeoutMs: settings.readinessTimeoutMs,
            },
            { parent, dependsOn: [plan] },
        );
        gates.set(nodeName, gate);
    }
    // Sentinels renewing TLS in place restart one at a time, after the data nodes reloaded (a restarted sentinel
    // trusts only a renewed CA): the first one's restart waits for the data nodes' reloads, each next one's for the previous restart.
    const dataReloads: pulumi.Resource[] = [];
    let restartBefore: pulumi.Resource | undefined;
    return entries.map((e) => {
        const sentinelRestart = e.spec.tls?.reload?.sentinelMaster !== undefined;
        const after = restartBefore ? [restartBefore] : dataReloads;
        const spec = {
            ...e.spec,
            rollGate: gates.get(e.node.logicalName),
            ...(sentinelRestart && after.length > 0 ? { tlsReloadAfter: after } : {}),
        };
        const declared = declareNode(name, settings, base, e.node, spec, parent);
        if (sentinelRestart) restartBefore = declared.tlsReload;
        else if (declared.tlsReload) dataReloads.push(declared.tlsReload);
        return declared;
    });
}
