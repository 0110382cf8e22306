import * as pulumi from "@pulumi/pulumi";
import { NodeInfo, NodeSettings, declareNode, masterEndpoint, nodeInfo, planNodes } from "./docker/declare-node";
import { standaloneLayout } from "./docker/layout";
import type { Settings } from "./settings";
import { declareStackBase } from "./docker/stack-base";
import type { StackTls } from "./security/node-tls";
import type { StackAcl } from "./security/stack-acl";

export interface StandaloneArgs {
    /** Validated stack settings (defaults already applied by parseSettings). */
    settings: NodeSettings & Pick<Settings, "namePrefix" | "image" | "basePort">;
    /** Password for requirepass/masterauth; secret. */
    password: pulumi.Input<string>;
    /** TLS stacks: the certificates (security/tls-certificates.ts). */
    tls?: StackTls;
    /** ACL stacks: the stack's own users and the application users (security/stack-acl.ts). */
    acl?: StackAcl;
}

/** One persistent Redis node: docs/walkthrough.md, "Persistence" (RDB + AOF) in a container. */
export class Standalone extends pulumi.ComponentResource {
    public readonly nodes: pulumi.Output<NodeInfo[]>;
    public readonly master: pulumi.Output<{ host: string; port: number }>;

    constructor(name: string, args: StandaloneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:Standalone", name, {}, opts);
        const s = args.settings;
        const layout = standaloneLayout({ ...s, replicas: 0 });
        const base = declareStackBase(name, s, this);
        // One node: a restart-only change replaces its container (a short outage); there is nothing to roll.
        const [planned] = planNodes(s, layout, args.password, undefined, args.tls, args.acl);
        const node = declareNode(name, s, base, planned.node, planned.spec, this);

        const info = nodeInfo(layout, s.bindAddress, s.tls.enabled && s.tls.allowPlaintext);
        // Outputs resolve only once the container is healthy.
        this.nodes = node.containerId.apply(() => info);
        this.master = node.containerId.apply(() => masterEndpoint(info[0]));
        this.registerOutputs({ nodes: this.nodes, master: this.master });
    }
}
