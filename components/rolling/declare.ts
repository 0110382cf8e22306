/**
 * How a topology declares nodes that roll: one RollGate per node, chained in roll order (rolling/order.ts),
 * and each node's container behind its gate. Creation order is the roll order, so each gate can name the
 * one before it; the nodes come back in the caller's (layout) order.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackBase } from "../docker/stack-base";
import { type NodeSpec, type PlacedNode, type RedisNode, declareNode, nodeRevision } from "../docker/redis-node";
import type { Settings } from "../settings";
import type { StackTls } from "../security/node-tls";
import type { NodeLogin } from "../security/stack-acl";
import { RollGate } from "./gate";
import type { RollGroup } from "./health";
import { type RollRole, rollOrder } from "./order";

export interface RollingNode {
    node: PlacedNode;
    spec: NodeSpec;
    /** Layout role: where the node falls in the roll order. */
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
    const order = rollOrder(entries.map((e) => ({ name: e.node.logicalName, role: e.role })));
    const gates = new Map<string, RollGate>();
    let previous: { name: string; access: { host: string; port: number }; gate: RollGate } | undefined;
    order.forEach((nodeName, i) => {
        const entry = entries.find((e) => e.node.logicalName === nodeName)!;
        const access = { host: settings.bindAddress, port: entry.node.hostPort };
        const before = previous;
        const gate = new RollGate(
            `${name}-${nodeName}-roll`,
            {
                name: nodeName,
                position: i + 1,
                total: order.length,
                revision: nodeRevision(settings, base, entry.node, entry.spec),
                access,
                ...(acl
                    ? { username: acl.login.username, password: pulumi.secret(acl.login.password), sentinelPassword: pulumi.secret(password) }
                    : { password: pulumi.secret(password) }),
                ...(tls ? { tls: tls.caCert.apply((ca) => ({ ca })) } : {}),
                group,
                after: before && before.gate.runId.apply((runId) => ({ name: before.name, access: before.access, runId })),
                timeoutMs: settings.readinessTimeoutMs,
            },
            { parent },
        );
        gates.set(nodeName, gate);
        previous = { name: nodeName, access, gate };
    });
    return entries.map((e) => declareNode(name, settings, base, e.node, { ...e.spec, rollGate: gates.get(e.node.logicalName) }, parent));
}
