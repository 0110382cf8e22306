/**
 * Redis Cluster (docs/walkthrough.md, "Cluster"): `cluster.shards` masters with `cluster.replicasPerShard` replicas each,
 * every node cluster-enabled in its own container and volume, formed at deploy time by the ClusterFormation
 * dynamic resource. `up` completes only once every node reports cluster_state:ok, all agree on one slot map
 * and every replica is linked.
 */
/** Declares one RedisNode per cluster node, each with its rendered cluster redis.conf. */
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../shared/endpoint";
import { type RedisNode } from "../docker/redis-node";
import { type NodeInfo, type NodeSettings, nodeConf, nodeLive } from "../docker/declare-node";
import { plaintextPorts } from "../docker/layout";
import { declareRollingNodes } from "../rolling/declare";
import {
    type ClusterClientOptions,
    type ClusterNodeLayout,
    type ClusterWiringInput,
    clusterClientOptions,
    clusterLayout,
    clusterNodeConfLines,
    clusterNodeSpec,
    clusterSeedNodes,
} from "./layout";
import { ClusterFormation } from "./formation";
import { chosenSubnet, nodeIp, stackSubnet } from "../docker/subnet";
import type { Settings } from "../settings";
import { type StackBase, declareStackBase } from "../docker/stack-base";
import { TLS_FILES, nodeSecurityConf } from "../security/node-security";
import { type StackTls, nodeTlsFiles, providerTls } from "../security/node-tls";
import type { StackAcl } from "../security/stack-acl";

export interface ClusterArgs {
    /** Validated stack settings (defaults applied by parseSettings); `cluster` gives the shape. */
    settings: Settings;
    /** requirepass and masterauth of every node; secret. */
    password: pulumi.Input<string>;
    /**
     * TLS stacks: the certificates (security/tls-certificates.ts). Clients, replication and the cluster bus
     * (`tls-cluster yes`) speak TLS only, and so do the formation, the gates and LiveConfig.
     */
    tls?: StackTls;
    /**
     * ACL stacks: every node gets the stack's own users (the operator with its cluster rules) and the
     * application users; replicas replicate as the replication user; the formation, the gates, LiveConfig,
     * AclUsers and the healthcheck log in as the operator user (security/stack-acl.ts).
     */
    acl?: StackAcl;
}

/** A cluster node as the stack outputs report it: live role (at the last deploy or refresh), shard and slots. */
export interface ClusterNodeInfo extends NodeInfo {
    shard: number;
    /** Slot ranges owned (`0-5461`); empty for replicas. */
    slots: string[];
}

export class Cluster extends pulumi.ComponentResource {
    public readonly nodes: pulumi.Output<ClusterNodeInfo[]>;
    /** Each shard's first master, published endpoints. */
    public readonly seedNodes: pulumi.Output<Endpoint[]>;
    /** `new Redis.Cluster(startupNodes, options)`; secret (carries the password). */
    public readonly ioredisClusterOptions: pulumi.Output<ClusterClientOptions>;
    public readonly formation: ClusterFormation;
    /** What the last `up` did to the slots, e.g. `shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2`. */
    public readonly lastRebalance: pulumi.Output<string>;
    /**
     * Bridge mode: redis-cli -c on the host would follow MOVED to container names it cannot resolve (it has
     * no natMap), so the ready-made command runs inside a node's container, on the stack network.
     */
    public readonly redisCli?: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:Cluster", name, {}, opts);
        const s = args.settings;
        const layout = clusterLayout(s);
        // Bridge mode: fixed subnet and IPs (layout.ts, stackSubnet, explains why); host mode: bindAddress.
        const subnet = s.network.mode === "bridge" ? (chosenSubnet(s.network.subnet) ?? stackSubnet(s.namePrefix)) : undefined;
        const ips = layout.map((n) => (subnet ? nodeIp(subnet, n.addressIndex) : undefined));
        const base = declareStackBase(name, { ...s, ipam: subnet && { subnet: subnet.subnet, gateway: subnet.gateway } }, this);
        const nodes = declareClusterNodes(name, s, layout, base, ips, args.password, this, args.tls, args.acl);

        this.formation = new ClusterFormation(
            `${name}-formation`,
            {
                clusterName: s.namePrefix,
                // Per node, only the revision waits for its container: a preview then still knows every node's name,
                // shard and addresses, so the formation's diff can say who joins and leaves and which slots move.
                nodes: layout.map((node, i) => ({ ...clusterNodeSpec(s, node, { id: "", ip: ips[i] }), revision: nodes[i].containerId })),
                ...(args.acl ? { username: args.acl.operator.username } : {}),
                password: pulumi.secret(args.acl?.operator.password ?? args.password),
                ...(args.tls ? { tls: providerTls(args.tls) } : {}),
                nodeTimeoutMs: s.cluster.nodeTimeoutMs,
                timeoutMs: s.readinessTimeoutMs,
            },
            { parent: this },
        );

        this.nodes = this.formation.nodeStatus.apply((status) =>
            layout.map((n) => {
                const live = (status ?? []).find((st) => st.name === n.logicalName);
                return {
                    name: n.logicalName,
                    containerName: n.containerName,
                    role: live?.role ?? n.role,
                    host: s.bindAddress,
                    port: n.hostPort,
                    ...(s.tls.enabled && s.tls.allowPlaintext ? { plainPort: plaintextPorts(n).hostPort } : {}),
                    shard: n.shard,
                    slots: live?.slots ?? [],
                };
            }),
        );
        this.lastRebalance = this.formation.lastRebalance;
        const seeds = clusterSeedNodes(s, layout);
        this.seedNodes = this.formation.id.apply(() => seeds);
        // With the default user off, clients log in as the first application user (stack-acl.ts).
        const client = args.acl?.client;
        this.ioredisClusterOptions = pulumi.secret(
            pulumi
                .all([this.formation.id, pulumi.secret(client?.password ?? args.password), args.tls?.caCert, args.tls?.client])
                .apply(([, pw, caCert, clientCert]) =>
                    clusterClientOptions(s, layout, { username: client?.username, password: pw }, caCert, clientCert),
                ),
        );
        if (s.network.mode === "bridge") {
            // On TLS stacks the CA file every node has (the exec runs as root, which may read it), and the node's
            // own certificate and key when the nodes ask clients for one (it carries clientAuth).
            const clientFlags = args.tls?.client ? ` --cert ${TLS_FILES.certFile} --key ${TLS_FILES.keyFile}` : "";
            const tlsFlags = args.tls ? ` --tls --cacert ${TLS_FILES.caCertFile}${clientFlags}` : "";
            const userFlag = client ? ` --user ${client.username}` : "";
            this.redisCli = this.formation.id.apply(() => `docker exec -it ${layout[0].containerName} redis-cli -c${tlsFlags}${userFlag} --askpass`);
        }
        this.registerOutputs({
            nodes: this.nodes,
            seedNodes: this.seedNodes,
            ioredisClusterOptions: this.ioredisClusterOptions,
            lastRebalance: this.lastRebalance,
        });
    }
}

export function declareClusterNodes(
    name: string,
    settings: NodeSettings & ClusterWiringInput,
    layout: ClusterNodeLayout[],
    base: StackBase,
    /** Fixed IP of each node on the stack network (bridge mode), by layout position. */
    ips: Array<string | undefined>,
    password: pulumi.Input<string>,
    parent: pulumi.Resource,
    /** TLS stacks: each node gets its own certificate, TLS directives (`tls-cluster yes` too) and a TLS healthcheck. */
    tls?: StackTls,
    /** ACL stacks: the stack's own users in every redis.conf, the application users kept live, the operator's login. */
    acl?: StackAcl,
): RedisNode[] {
    const entries = layout.map((node, i) => {
        const clusterLines = clusterNodeConfLines(settings, node);
        // tls.allowPlaintext: `port` is the TLS port + 1000. With tls-cluster yes Redis announces it to peers as the
        // node's plain port and names it in MOVED/ASK to plain clients; the bus stays on the TLS port + 10000.
        const plaintext = settings.tls.enabled && settings.tls.allowPlaintext ? plaintextPorts(node) : undefined;
        const security = { cluster: true, plaintextPort: plaintext?.listenPort };
        const config = nodeConf(settings, password, {
            nodeName: node.logicalName,
            role: node.role,
            port: node.listenPort,
            // No replicaof (Redis refuses it in cluster mode) and no replica-announce-*: roles come from the
            // formation resource, and peers know each other from the cluster bus.
            clusterLines,
            security: acl
                ? acl.passwords.apply((pw) => nodeSecurityConf(settings, pw, security))
                : tls && nodeSecurityConf(settings, undefined, security),
        });
        const labels = { "redis-ha.shard": String(node.shard) };
        const live = nodeLive(settings, clusterLines);
        const nodeTls = tls && { ...nodeTlsFiles(tls, node.logicalName, { inPlace: true }), access: providerTls(tls) };
        const nodeAcl = acl && { login: acl.operator, users: acl.users };
        return {
            node,
            spec: { config, password, role: node.role, labels, ipv4Address: ips[i], live, tls: nodeTls, acl: nodeAcl, plaintext },
            role: node.role,
        };
    });
    // Every replica, then every master (each after CLUSTER FAILOVER to its in-sync replica). The gates check
    // the cluster as the formation's readiness does, so they get the same node specs (without revisions).
    const nodes = layout.map((node, i) => clusterNodeSpec(settings, node, { id: "", ip: ips[i] }));
    return declareRollingNodes(name, settings, base, entries, { kind: "cluster", nodes }, password, parent, tls, acl && { login: acl.operator });
}
