import * as pulumi from "@pulumi/pulumi";
import { type Endpoint, natMapForLayout } from "../shared/endpoint";
import { AUTH_FILE_PATH, DATA_NODE_CONFIG_PATH, REDIS_CONF_PATH } from "../docker/redis-node";
import { NodeInfo, type NodeSpec, masterEndpoint, nodeInfo, planNodes } from "../docker/declare-node";
import { declareRollingNodes } from "../rolling/declare";
import { plaintextPorts, replicationLayout } from "../docker/layout";
import { SentinelClientOptions, sentinelClientOptions } from "./client";
import { sentinelConfView, sentinelLiveLines } from "./conf";
import {
    SENTINEL_ADDRESS_OFFSET,
    SENTINEL_SEED_PATH,
    SentinelLayout,
    dataNodeStartCommand,
    firstSentinelPort,
    sentinelContainerCommand,
    sentinelLayout,
} from "./layout";
import { SentinelReadiness } from "./readiness";
import type { Settings } from "../settings";
import { declareStackBase } from "../docker/stack-base";
import { chosenSubnet, nodeIp, stackSubnet } from "../docker/subnet";
import { renderTemplate } from "../docker/templates";
import { TLS_FILES, tlsFilesSetup } from "../security/node-security";
import { type StackTls, nodeTlsFiles, providerTls } from "../security/node-tls";
import type { StackAcl } from "../security/stack-acl";

export interface SentinelArgs {
    /** Validated stack settings (defaults applied and sentinel rules checked by parseSettings). */
    settings: Settings;
    /** Password of the data nodes and of the sentinels themselves; secret. */
    password: pulumi.Input<string>;
    /** TLS stacks: the certificates (security/tls-certificates.ts); sentinels, nodes and replication speak TLS. */
    tls?: StackTls;
    /**
     * ACL stacks: the sentinels log in to the data nodes as their own user, replication and the providers as
     * theirs (security/stack-acl.ts). The sentinels themselves keep `password`.
     */
    acl?: StackAcl;
}

/** A sentinel's endpoint for clients outside Docker. */
export type SentinelEndpoint = Endpoint & { name: string; containerName: string };

/**
 * A master/replica group watched by `sentinel.count` Redis Sentinels that promote a replica when the
 * master dies (docs/walkthrough.md, "Sentinel"). `up` completes only when every sentinel monitors the master with
 * all replicas and all other sentinels in view and every replica is linked (SentinelReadiness).
 */
export class Sentinel extends pulumi.ComponentResource {
    public readonly nodes: pulumi.Output<NodeInfo[]>;
    /** The master at deploy time; after a failover ask the sentinels (ioredisSentinelOptions). */
    public readonly master: pulumi.Output<Endpoint>;
    public readonly sentinels: pulumi.Output<SentinelEndpoint[]>;
    /** `new Redis(options)` (ioredis) following the master through failovers; secret. */
    public readonly ioredisSentinelOptions: pulumi.Output<SentinelClientOptions>;
    public readonly readiness: SentinelReadiness;

    constructor(name: string, args: SentinelArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:Sentinel", name, {}, opts);
        const s = args.settings;
        const group = s.sentinel;
        const layout = replicationLayout(s);
        const sentinelPlan = sentinelLayout({ ...s, count: group.count, firstHostPort: firstSentinelPort(s) });
        // Bridge mode: fixed IPs on a subnet of the stack's own (sentinels keep the IP a node's name had).
        const subnet = s.network.mode === "bridge" ? (chosenSubnet(s.network.subnet) ?? stackSubnet(s.namePrefix)) : undefined;
        const base = declareStackBase(name, { ...s, ipam: subnet && { subnet: subnet.subnet, gateway: subnet.gateway } }, this);
        const ipOf = (index: number) => (subnet ? nodeIp(subnet, index) : undefined);

        const planned = planNodes(
            s,
            layout,
            args.password,
            (node) =>
                dataNodeStartCommand({
                    sentinels: sentinelPlan.map((p) => ({ host: p.peerHost, port: p.listenPort })),
                    masterName: group.masterName,
                    self: { host: node.peerHost, port: node.listenPort },
                    uploadedConfigPath: REDIS_CONF_PATH,
                    configPath: DATA_NODE_CONFIG_PATH,
                    authFilePath: AUTH_FILE_PATH,
                    ...(args.tls ? { tlsCaFile: TLS_FILES.caCertFile, setup: tlsFilesSetup() } : {}),
                    ...(args.tls?.client ? { tlsClient: { certFile: TLS_FILES.certFile, keyFile: TLS_FILES.keyFile } } : {}),
                }),
            args.tls,
            args.acl,
        );
        const dataNodes = planned.map((d, i) => ({ ...d, spec: { ...d.spec, ipv4Address: ipOf(i) } }));
        const [master, ...replicas] = layout;
        const sentinelSpecs = sentinelPlan.map((p, j) => ({
            ...sentinelSpec(s, p, { host: master.peerHost, port: master.listenPort }, args.password, args.tls, args.acl),
            ipv4Address: ipOf(SENTINEL_ADDRESS_OFFSET + j),
        }));
        const peer = (n: { logicalName: string; hostPort: number }) => ({ name: n.logicalName, access: { host: s.bindAddress, port: n.hostPort } });
        // Replicas, then the master (after SENTINEL FAILOVER hands its role over), then the sentinels one at a time.
        const declared = declareRollingNodes(
            name,
            s,
            base,
            [
                ...dataNodes.map((d) => ({ ...d, role: d.node.role })),
                ...sentinelPlan.map((p, i) => ({ node: p, spec: sentinelSpecs[i], role: "sentinel" as const })),
            ],
            { kind: "sentinel", masterName: group.masterName, dataNodes: layout.map(peer), sentinels: sentinelPlan.map(peer) },
            args.password,
            this,
            args.tls,
            args.acl && { login: args.acl.operator },
        );
        const nodes = declared.slice(0, layout.length);
        const sentinelNodes = declared.slice(layout.length);

        const access = (port: number) => ({ host: s.bindAddress, port });
        this.readiness = new SentinelReadiness(
            `${name}-readiness`,
            {
                masterName: group.masterName,
                sentinels: pulumi
                    .all(sentinelNodes.map((n) => n.containerId))
                    .apply((ids) => sentinelPlan.map((p, i) => ({ name: p.logicalName, access: access(p.hostPort), containerId: ids[i] }))),
                master: nodes[0].containerId.apply((containerId) => ({ name: master.logicalName, access: access(master.hostPort), containerId })),
                replicas: pulumi
                    .all(nodes.slice(1).map((n) => n.containerId))
                    .apply((ids) => replicas.map((r, i) => ({ name: r.logicalName, access: access(r.hostPort), containerId: ids[i] }))),
                ...(args.acl ? { username: args.acl.operator.username } : {}),
                password: pulumi.secret(args.acl?.operator.password ?? args.password),
                sentinelPassword: pulumi.secret(args.password),
                tunables: {
                    quorum: group.quorum,
                    downAfterMs: group.downAfterMs,
                    failoverTimeoutMs: group.failoverTimeoutMs,
                    parallelSyncs: group.parallelSyncs,
                },
                ...(args.tls ? { tls: providerTls(args.tls) } : {}),
                timeoutMs: s.readinessTimeoutMs,
            },
            { parent: this },
        );

        // Outputs resolve after the gate, so a client reading them finds a ready group.
        const ready = <T>(value: T) => this.readiness.id.apply(() => value);
        const info = nodeInfo(layout, s.bindAddress, s.tls.enabled && s.tls.allowPlaintext);
        this.nodes = ready(info);
        this.master = ready(masterEndpoint(info[0]));
        const sentinelEndpoints = sentinelPlan.map((p) => ({
            name: p.logicalName,
            containerName: p.containerName,
            host: s.bindAddress,
            port: p.hostPort,
            ...(s.tls.enabled && s.tls.allowPlaintext ? { plainPort: plaintextPorts(p).hostPort } : {}),
        }));
        this.sentinels = ready(sentinelEndpoints);
        // Sentinels hand out in-network addresses; in bridge mode the natMap turns them into published ports.
        const natMap = s.network.mode === "bridge" ? natMapForLayout([...layout, ...sentinelPlan], s.bindAddress) : undefined;
        // With the default user off, clients log in to the data nodes as the first application user (stack-acl.ts).
        const client = args.acl?.client;
        this.ioredisSentinelOptions = pulumi.secret(
            pulumi
                .all([this.readiness.id, pulumi.output(args.password), args.tls?.caCert, client?.password, args.tls?.client])
                .apply(([, pw, caCert, clientPassword, clientCert]) =>
                    sentinelClientOptions({
                        sentinels: sentinelEndpoints,
                        masterName: group.masterName,
                        ...(client ? { username: client.username, password: clientPassword, sentinelPassword: pw } : { password: pw }),
                        natMap,
                        caCert,
                        clientCert,
                    }),
                ),
        );
        this.registerOutputs({
            nodes: this.nodes,
            master: this.master,
            sentinels: this.sentinels,
            ioredisSentinelOptions: this.ioredisSentinelOptions,
        });
    }
}

/** A sentinel's node spec: its seed sentinel.conf, start command and live seed lines. */
function sentinelSpec(
    s: Settings,
    p: SentinelLayout,
    master: Endpoint,
    password: pulumi.Input<string>,
    tls: StackTls | undefined,
    acl: StackAcl | undefined,
): NodeSpec {
    const hostMode = s.network.mode === "host";
    const plaintext = tls && s.tls.allowPlaintext ? plaintextPorts(p) : undefined;
    // On ACL stacks the sentinels log in to the data nodes as their own user (auth-user, auth-pass) and keep `password` for themselves.
    const viewOf = (pw: string, authPass: string) =>
        sentinelConfView({
            sentinelName: p.logicalName,
            networkMode: s.network.mode,
            bind: hostMode ? s.bindAddress : "0.0.0.0",
            port: p.listenPort,
            // Stable across restarts, unlike the container IP.
            announce: { host: p.peerHost, port: p.listenPort },
            master,
            settings: s.sentinel,
            password: acl ? authPass : pw,
            sentinelPassword: pw,
            ...(acl ? { authUser: acl.sentinel.username } : {}),
            // Quorum and the tunables are live (SentinelReadiness SENTINEL SETs them): not in the upload.
            omitLive: true,
            ...(tls ? { tls: { ...TLS_FILES, authClients: s.tls.authClients, plaintextPort: plaintext?.listenPort } } : {}),
        });
    const config = pulumi.secret(
        pulumi
            .all([password, acl?.sentinel.password ?? ""])
            .apply(([pw, authPass]) => renderTemplate("sentinel.conf.mustache", viewOf(pw, authPass))),
    );
    return {
        config,
        password,
        role: "sentinel",
        // Seeded once into the data volume: Sentinel rewrites it and must keep what it learned.
        configPath: SENTINEL_SEED_PATH,
        command: sentinelContainerCommand(tls ? { setup: tlsFilesSetup() } : {}),
        // The live lines hold no password: rendered from a view with an empty one.
        liveSeed: sentinelLiveLines(viewOf("", "")),
        // Renewed in place too: written into the running container, then the sentinel restarts in it (it cannot reload TLS).
        tls: tls && sentinelTls(tls, p.logicalName, s.sentinel.masterName),
        plaintext,
    };
}

/** A sentinel's TLS files, renewed in place; its reload is a restart in its container (security/sentinel-tls-restart.ts). */
function sentinelTls(tls: StackTls, name: string, masterName: string): NonNullable<NodeSpec["tls"]> {
    const files = nodeTlsFiles(tls, name, { inPlace: true });
    return { ...files, reload: files.reload && { ...files.reload, sentinelMaster: masterName }, access: providerTls(tls) };
}
