import * as pulumi from "@pulumi/pulumi";
import { NodeInfo, NodeSettings, masterEndpoint, nodeInfo, planNodes } from "../docker/declare-node";
import { declareRollingNodes } from "../rolling/declare";
import { replicationLayout } from "../docker/layout";
import { ReplicationReadiness } from "./readiness";
import type { Settings } from "../settings";
import { declareStackBase } from "../docker/stack-base";
import { type StackTls, providerTls } from "../security/node-tls";
import type { StackAcl } from "../security/stack-acl";

export interface ReplicationArgs {
    /** Validated stack settings (defaults already applied by parseSettings). */
    settings: NodeSettings & Pick<Settings, "namePrefix" | "image" | "basePort" | "replicas" | "readinessTimeoutMs">;
    /** Password for requirepass/masterauth; secret. */
    password: pulumi.Input<string>;
    /** TLS stacks: the certificates (security/tls-certificates.ts); replication runs over TLS too. */
    tls?: StackTls;
    /** ACL stacks: replication as its own user; the providers as the operator user (security/stack-acl.ts). */
    acl?: StackAcl;
}

/**
 * One master and `replicas` replicas (docs/walkthrough.md, "Replication"). `up` completes only when every replica
 * reports a live link to the master.
 */
export class Replication extends pulumi.ComponentResource {
    public readonly nodes: pulumi.Output<NodeInfo[]>;
    public readonly master: pulumi.Output<{ host: string; port: number }>;
    public readonly readiness: ReplicationReadiness;

    constructor(name: string, args: ReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:Replication", name, {}, opts);
        const s = args.settings;
        const layout = replicationLayout(s);
        const base = declareStackBase(name, s, this);
        // Replicas roll first, the master last: nothing takes over from it without Sentinel (a short write outage).
        const nodes = declareRollingNodes(
            name,
            s,
            base,
            planNodes(s, layout, args.password, undefined, args.tls, args.acl).map((p) => ({ ...p, role: p.node.role })),
            { kind: "replication", dataNodes: layout.map((n) => ({ name: n.logicalName, access: { host: s.bindAddress, port: n.hostPort } })) },
            args.password,
            this,
            args.tls,
            args.acl && { login: args.acl.operator },
        );
        const [master, ...replicas] = layout;

        this.readiness = new ReplicationReadiness(
            `${name}-readiness`,
            {
                master: nodes[0].containerId.apply((containerId) => ({
                    name: master.logicalName,
                    access: { host: s.bindAddress, port: master.hostPort },
                    containerId,
                })),
                masterPeer: { host: master.peerHost, port: master.listenPort },
                replicas: pulumi
                    .all(nodes.slice(1).map((n) => n.containerId))
                    .apply((ids) =>
                        replicas.map((r, i) => ({ name: r.logicalName, access: { host: s.bindAddress, port: r.hostPort }, containerId: ids[i] })),
                    ),
                ...(args.acl ? { username: args.acl.operator.username } : {}),
                password: pulumi.secret(args.acl?.operator.password ?? args.password),
                ...(args.tls ? { tls: providerTls(args.tls) } : {}),
                timeoutMs: s.readinessTimeoutMs,
            },
            { parent: this },
        );

        const info = nodeInfo(layout, s.bindAddress, s.tls.enabled && s.tls.allowPlaintext);
        this.nodes = this.readiness.id.apply(() => info);
        this.master = this.readiness.id.apply(() => masterEndpoint(info[0]));
        this.registerOutputs({ nodes: this.nodes, master: this.master });
    }
}
