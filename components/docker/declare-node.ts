/**
 * The one way a topology declares a node: `declareNode` names the RedisNode (redis-node.ts) after its
 * layout entry, publishes its client port and labels it; `planNodes` gives each entry of a master/replica
 * layout its spec with its rendered redis.conf (standalone, replication, sentinel's data nodes). Sentinels
 * and cluster nodes call `declareNode` with their own config. Also what a topology reports about each node.
 */
import * as pulumi from "@pulumi/pulumi";
import { type StackBase } from "./stack-base";
import { type NodeLayout, plaintextPorts } from "./layout";
import { type RedisConfInput, liveConfLines } from "./redis-conf";
import type { Settings } from "../settings";
import { renderRedisConf } from "./templates";
import { type LiveDirective, dataNodeComposeScript, liveRedisDirectives } from "./live-config";
import { LiveConfig } from "./live-config-resource";
import { type NodeSecurityConf } from "./redis-conf";
import { nodeSecurityConf } from "../security/node-security";
import { type NodeTlsFiles, type StackTls, nodeTlsFiles, providerTls } from "../security/node-tls";
import type { NodeTls } from "../shared/redis-connection";
import { AclUsers, type AclUserSpec } from "../security/acl-users";
import { TlsReload } from "../security/tls-reload";
import { SentinelTlsRestart } from "../security/sentinel-tls-restart";
import { TLS_FILES } from "../security/node-security";
import type { NodeLogin, StackAcl } from "../security/stack-acl";
import { DATA_NODE_CONFIG_PATH, REDIS_CONF_PATH, RedisNode, type RedisNodeArgs, containerRevision } from "./redis-node";

export type NodeSettings = Pick<
    Settings,
    "stack" | "topology" | "bindAddress" | "persistence" | "maxmemory" | "maxmemoryPolicy" | "network" | "readinessTimeoutMs" | "tls" | "acl"
>;

/** What a topology reports about each node, for stack outputs. */
export interface NodeInfo {
    name: string;
    containerName: string;
    role: string;
    /** Endpoint for clients outside Docker. */
    host: string;
    port: number;
    /** `tls.allowPlaintext`: the published plain-text port beside the TLS one (`port`). */
    plainPort?: number;
}

/** What differs from node to node in a redis.conf; the rest comes from the stack's settings. */
export type NodeConfParts = Pick<RedisConfInput, "nodeName" | "role" | "port" | "replicaOf" | "announce" | "clusterLines"> & {
    /** TLS and ACL; an Output on ACL stacks (the stack's own users' passwords are generated). */
    security?: pulumi.Input<NodeSecurityConf | undefined>;
};

/**
 * A node's uploaded redis.conf: the stack-wide settings plus the node's own parts, without the live
 * directives (nodeLive has those). Secret, since it holds the password.
 */
export function nodeConf(settings: NodeSettings, password: pulumi.Input<string>, parts: NodeConfParts): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([password, parts.security]).apply(([pw, security]) =>
            renderRedisConf({
                ...parts,
                security: security as NodeSecurityConf | undefined,
                bind: settings.network.mode === "host" ? settings.bindAddress : "0.0.0.0",
                password: pw,
                persistence: settings.persistence,
                maxmemory: settings.maxmemory,
                maxmemoryPolicy: settings.maxmemoryPolicy,
                omitLive: true,
            }),
        ),
    );
}

/** A data node's live directives (cluster ones come from its cluster lines), for NodeSpec.live. */
export function nodeLive(settings: NodeSettings, clusterLines?: string[]): NodeLive {
    return { directives: liveRedisDirectives(settings, clusterLines), timeoutMs: settings.readinessTimeoutMs };
}

/** A data node's live settings: seeded at creation, then kept current by its LiveConfig resource. */
export interface NodeLive {
    directives: LiveDirective[];
    /** Bound on reaching the node to apply them. */
    timeoutMs: number;
}

/** What declareNode needs from any topology's layout entry (NodeLayout, SentinelLayout, ClusterNodeLayout). */
export interface PlacedNode {
    logicalName: string;
    containerName: string;
    /** Published on bindAddress in bridge mode; listened on directly in host mode. */
    hostPort: number;
    listenPort: number;
}

export interface NodeSpec {
    /** Rendered config file; secret (it holds the password). */
    config: pulumi.Input<string>;
    password: pulumi.Input<string>;
    /** `redis-ha.role` label: the role at first deploy, or `sentinel`. */
    role: string;
    /** More labels, e.g. the cluster shard. */
    labels?: Record<string, string>;
    command?: string[];
    configPath?: string;
    /** Bridge mode: the node's fixed address on the stack network (cluster nodes). */
    ipv4Address?: string;
    /**
     * Data nodes: live directives, kept out of `config`. The node then starts from DATA_NODE_CONFIG_PATH
     * (composed by the default command, or by `command` itself) and gets a LiveConfig resource.
     */
    live?: NodeLive;
    /** Sentinels: live lines seeded at creation (their running values come from SENTINEL SET). */
    liveSeed?: string[];
    /** TLS stacks: the node's certificate files (security/node-tls.ts nodeTlsFiles) and how providers reach it (providerTls). */
    tls?: NodeTlsFiles & { access: pulumi.Input<NodeTls> };
    /** `tls.allowPlaintext`: the node's plain-text port pair (docker/layout.ts plaintextPorts), published beside the TLS one. */
    plaintext?: { hostPort: number; listenPort: number };
    /** The node's RollGate, when its topology rolls (rolling/declare.ts). */
    rollGate?: pulumi.Resource;
    /** Sentinels: what their SentinelTlsRestart waits for (the previous sentinel's, or the data nodes' TlsReload; rolling/declare.ts). */
    tlsReloadAfter?: pulumi.Resource[];
    /**
     * ACL stacks (data nodes): how the deploy-time providers and the healthcheck log in (the operator user),
     * and the application users the node's AclUsers resource keeps. Absent: the default user with `password`.
     */
    acl?: { login: NodeLogin & { username: string }; users: pulumi.Input<AclUserSpec[]> };
}

/** The RedisNode args of a layout entry and its spec: what declareNode creates, and what nodeRevision digests. */
function nodeArgs(settings: Pick<Settings, "stack" | "topology" | "bindAddress">, base: StackBase, node: PlacedNode, spec: NodeSpec): RedisNodeArgs {
    const network =
        base.nodeNetwork.mode === "bridge" && spec.ipv4Address ? { ...base.nodeNetwork, ipv4Address: spec.ipv4Address } : base.nodeNetwork;
    const command =
        spec.command ??
        (spec.live
            ? [
                  "sh",
                  "-c",
                  dataNodeComposeScript({
                      uploadedConfigPath: REDIS_CONF_PATH,
                      configPath: DATA_NODE_CONFIG_PATH,
                      setup: spec.tls?.setup,
                      // The image's entrypoint chowns /data (the composed file too) and drops to the redis user.
                      exec: `docker-entrypoint.sh redis-server ${DATA_NODE_CONFIG_PATH}`,
                  }),
              ]
            : undefined);
    return {
        containerName: node.containerName,
        imageId: base.imageId,
        config: spec.config,
        password: spec.password,
        network,
        bindAddress: settings.bindAddress,
        listenPort: node.listenPort,
        command,
        configPath: spec.configPath,
        liveConf: spec.live ? liveConfLines(spec.live.directives) : spec.liveSeed,
        files: spec.tls?.files,
        healthTlsCaFile: spec.tls?.caCertFile,
        healthTlsClient: spec.tls?.clientFiles,
        healthLogin: spec.acl?.login,
        // Only the client ports: a cluster's bus port stays inside the network.
        publishedPorts: [
            { hostPort: node.hostPort, containerPort: node.listenPort },
            ...(spec.plaintext ? [{ hostPort: spec.plaintext.hostPort, containerPort: spec.plaintext.listenPort }] : []),
        ],
        stack: settings.stack,
        topology: settings.topology,
        labels: {
            "redis-ha.node": node.logicalName,
            "redis-ha.role": spec.role,
            // Says the TLS files are renewed in place. It also makes the one change of revision a stack deployed
            // before in-place renewal sees (the files' content left the digest) a real replacement, so its gates
            // roll the nodes once instead of waiting for containers the engine would keep.
            ...(spec.tls?.reload ? { "redis-ha.tls-renewal": "in-place" } : {}),
            ...spec.labels,
        },
        rollGate: spec.rollGate,
    };
}

/** The revision of the container declareNode would create for this entry (containerRevision). */
export function nodeRevision(
    settings: Pick<Settings, "stack" | "topology" | "bindAddress">,
    base: StackBase,
    node: PlacedNode,
    spec: NodeSpec,
): pulumi.Output<string> {
    return containerRevision(nodeArgs(settings, base, node, spec));
}

/** The one way to declare a node: RedisNode `<name>-<logicalName>`, only the client port published. */
export function declareNode(
    name: string,
    settings: Pick<Settings, "stack" | "topology" | "bindAddress">,
    base: StackBase,
    node: PlacedNode,
    spec: NodeSpec,
    parent: pulumi.Resource,
): RedisNode {
    const redisNode = new RedisNode(`${name}-${node.logicalName}`, nodeArgs(settings, base, node, spec), { parent });
    const access = { host: settings.bindAddress, port: node.hostPort };
    const tls = spec.tls ? { tls: spec.tls.access } : {};
    const login = spec.acl?.login;
    if (spec.live) {
        const live = spec.live;
        new LiveConfig(
            `${name}-${node.logicalName}-live`,
            {
                name: node.logicalName,
                access,
                ...(login ? { username: login.username } : {}),
                password: pulumi.secret(login?.password ?? spec.password),
                ...tls,
                directives: live.directives,
                containerId: redisNode.containerId,
                timeoutMs: live.timeoutMs,
            },
            { parent: redisNode },
        );
    }
    if (spec.tls?.reload) {
        const reload = spec.tls.reload;
        const inputs = {
            name: node.logicalName,
            containerId: redisNode.containerId,
            access,
            ...(login ? { username: login.username } : {}),
            password: pulumi.secret(login?.password ?? spec.password),
            paths: TLS_FILES,
            setup: spec.tls.setup,
            caCert: reload.caCert,
            cert: reload.cert,
            key: pulumi.secret(reload.key),
            // Absent (undefined) unless the nodes ask clients for a certificate.
            client: pulumi.secret(
                pulumi.output(spec.tls.access).apply((a) => (a.cert && a.key ? { cert: a.cert, key: a.key } : undefined)),
            ) as pulumi.Output<{ cert: string; key: string }>,
            timeoutMs: spec.live?.timeoutMs ?? 60000,
        };
        // A sentinel cannot reload TLS: it restarts in its container (its clients reconnect once), after the previous sentinel.
        redisNode.tlsReload = reload.sentinelMaster
            ? new SentinelTlsRestart(
                  `${name}-${node.logicalName}-tls-restart`,
                  { ...inputs, masterName: reload.sentinelMaster },
                  { parent: redisNode, ...(spec.tlsReloadAfter ? { dependsOn: spec.tlsReloadAfter } : {}) },
              )
            : new TlsReload(`${name}-${node.logicalName}-tls-reload`, inputs, { parent: redisNode });
    }
    if (spec.acl) {
        new AclUsers(
            `${name}-${node.logicalName}-acl`,
            {
                name: node.logicalName,
                access,
                username: spec.acl.login.username,
                password: pulumi.secret(spec.acl.login.password),
                ...tls,
                users: pulumi.secret(spec.acl.users),
                containerId: redisNode.containerId,
                timeoutMs: spec.live?.timeoutMs ?? 60000,
            },
            { parent: redisNode },
        );
    }
    return redisNode;
}

/** A layout entry with the spec declareNode takes for it. */
export interface PlannedNode {
    node: NodeLayout;
    spec: NodeSpec;
}

/** Each master/replica layout entry's spec, with its redis.conf (`replicaof` for replicas). */
export function planNodes(
    settings: NodeSettings,
    layout: NodeLayout[],
    password: pulumi.Input<string>,
    /** Per-node container command (e.g. sentinel's start script); defaults to RedisNode's `redis-server <conf>`. */
    commandFor?: (node: NodeLayout) => string[],
    /** TLS stacks: the certificates (every node gets its own, and TLS directives in its redis.conf). */
    tls?: StackTls,
    /** ACL stacks: the stack's own users in every redis.conf, and the application users kept live. */
    acl?: StackAcl,
): PlannedNode[] {
    return layout.map((node) => {
        const master = node.replicaOf === undefined ? undefined : layout[node.replicaOf];
        const plaintext = settings.tls.enabled && settings.tls.allowPlaintext ? plaintextPorts(node) : undefined;
        const config = nodeConf(settings, password, {
            nodeName: node.logicalName,
            role: node.role,
            port: node.listenPort,
            replicaOf: master && { host: master.peerHost, port: master.listenPort },
            // Announce the stable name (not the container IP, which changes on restart).
            announce: { host: node.peerHost, port: node.listenPort },
            security: acl
                ? acl.passwords.apply((pw) => nodeSecurityConf(settings, pw, { cluster: false, plaintextPort: plaintext?.listenPort }))
                : tls && nodeSecurityConf(settings, undefined, { cluster: false, plaintextPort: plaintext?.listenPort }),
        });
        const nodeTls = tls && { ...nodeTlsFiles(tls, node.logicalName, { inPlace: true }), access: providerTls(tls) };
        const nodeAcl = acl && { login: acl.operator, users: acl.users };
        return {
            node,
            spec: { config, password, role: node.role, command: commandFor?.(node), live: nodeLive(settings), tls: nodeTls, acl: nodeAcl, plaintext },
        };
    });
}

/** The `master` output of a node's entry: its endpoint, and its plain-text port under tls.allowPlaintext. */
export function masterEndpoint(info: NodeInfo): { host: string; port: number; plainPort?: number } {
    return { host: info.host, port: info.port, ...(info.plainPort === undefined ? {} : { plainPort: info.plainPort }) };
}

/** Each node's outputs entry; `plaintext` (tls.allowPlaintext) adds its plain-text port. */
export function nodeInfo(layout: NodeLayout[], bindAddress: string, plaintext = false): NodeInfo[] {
    return layout.map((n) => ({
        name: n.logicalName,
        containerName: n.containerName,
        role: n.role,
        host: bindAddress,
        port: n.hostPort,
        ...(plaintext ? { plainPort: plaintextPorts(n).hostPort } : {}),
    }));
}
