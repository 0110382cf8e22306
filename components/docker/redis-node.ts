/**
 * A Redis process in a container: the RedisNode component (its container, data volume, uploaded files,
 * health check, and the dynamic resources that keep a running node current), with the revision that
 * decides when its container is replaced. Topologies do not create it directly: declare-node.ts is the one
 * way to declare a node.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { type NodeNetwork, stackLabels } from "./stack-base";
import { LIVE_CONF_ENV } from "./live-config";
import { type NodeFile } from "../security/node-tls";
import { TlsFilesPin } from "../security/tls-pin";
import type { NodeLogin } from "../security/stack-acl";

/** Where the node's config and the healthcheck's password file live inside the container. */
export const CONFIG_DIR = "/usr/local/etc/redis";
export const REDIS_CONF_PATH = `${CONFIG_DIR}/redis.conf`;
export const AUTH_FILE_PATH = `${CONFIG_DIR}/auth`;
/** ACL stacks: the password of the user the healthcheck logs in as (the default user may be off). */
export const HEALTH_AUTH_FILE_PATH = `${CONFIG_DIR}/health-auth`;
/**
 * The config a data node runs from: in its data volume, so CONFIG REWRITE can persist live changes there
 * and a restart keeps them. Composed at every start from the upload plus the live section (live-config.ts).
 */
export const DATA_NODE_CONFIG_PATH = "/data/redis.conf";

export interface RedisNodeArgs {
    /** Docker container name, also its hostname on the stack network. Fixed, hence delete-before-replace. */
    containerName: string;
    /** Image id (not name) from a RemoteImage, so an unchanged image never causes a replacement. */
    imageId: pulumi.Input<string>;
    /** Rendered configuration file; it contains the password, so pass it as a secret. */
    config: pulumi.Input<string>;
    /** Node password, written to a file the healthcheck reads (never argv or environment). */
    password: pulumi.Input<string>;
    /** ACL stacks: the healthcheck logs in as this user instead (its password in HEALTH_AUTH_FILE_PATH). */
    healthLogin?: NodeLogin & { username: string };
    network: NodeNetwork;
    /** Host address ports are published on (bridge) or the node binds to (host). */
    bindAddress: string;
    /** Port Redis listens on inside the container. */
    listenPort: number;
    /** Ports published on bindAddress in bridge mode: host port -> container port. */
    publishedPorts: Array<{ hostPort: number; containerPort: number }>;
    /** Command run by the image's entrypoint. Defaults to `redis-server <config>`. */
    command?: string[];
    /** Config file path inside the container. Defaults to REDIS_CONF_PATH. */
    configPath?: string;
    stack: string;
    topology: string;
    /** Extra labels, e.g. role and node name. */
    labels?: Record<string, string>;
    /** Seconds Docker waits after SIGTERM: long enough for Redis to finish its shutdown save. */
    stopTimeoutSeconds?: number;
    /**
     * Live config lines (docker/live-config.ts) the node must have from its first start, passed in the
     * LIVE_CONF_ENV variable. The container ignores later changes of it: a fresh volume is seeded once, and
     * running nodes get new values from the live resources (LiveConfig, or SENTINEL SET for sentinels).
     */
    liveConf?: pulumi.Input<string[]>;
    /**
     * More files uploaded (secret content, mode 0600): a TLS node's certificate, key and CA. Those `inPlace`
     * come through the node's TlsFilesPin and are not part of its revision.
     */
    files?: NodeFile[];
    /** TLS nodes: the healthcheck speaks TLS, verifying the node with this CA file. */
    healthTlsCaFile?: string;
    /** TLS nodes asking clients for a certificate: the one the healthcheck presents (the node's own). */
    healthTlsClient?: { certFile: string; keyFile: string };
    /** The node's RollGate (rolling/gate.ts): the container is replaced only once its gate lets it go. */
    rollGate?: pulumi.Resource;
}

/**
 * The digest of every input of a node's container that replaces it when it changes (the docker provider
 * replaces a container for any of them): a RollGate rolls the node exactly when this changes. `liveConf`
 * is not in it (the container ignores changes of it), nor the content of `inPlace` files (their pin keeps
 * the container's upload still; TlsReload renews them in the running container), only their paths.
 */
export function containerRevision(args: RedisNodeArgs): pulumi.Output<string> {
    const fixed = {
        containerName: args.containerName,
        network: args.network,
        bindAddress: args.bindAddress,
        listenPort: args.listenPort,
        publishedPorts: args.publishedPorts,
        command: args.command ?? null,
        configPath: args.configPath ?? null,
        labels: stackLabels(args.stack, args.topology, args.labels),
        stopTimeoutSeconds: args.stopTimeoutSeconds ?? null,
        files: (args.files ?? []).map((f) => f.path),
        healthTlsCaFile: args.healthTlsCaFile ?? null,
        healthUser: args.healthLogin?.username ?? null,
        // Only when set: a stack without it keeps the digest (and the containers) it had.
        ...(args.healthTlsClient ? { healthTlsClient: args.healthTlsClient } : {}),
    };
    // A digest of the secrets is no secret: it says only that they changed.
    return pulumi.unsecret(
        pulumi
            .all([
                args.imageId,
                args.config,
                args.password,
                pulumi.all((args.files ?? []).filter((f) => !f.inPlace).map((f) => f.content)),
                args.healthLogin?.password ?? "",
            ])
            .apply(([imageId, config, password, files, healthPassword]) => {
                const crypto = require("crypto");
                return crypto
                    .createHash("sha256")
                    .update(JSON.stringify({ ...fixed, imageId, config, password, files, healthPassword }))
                    .digest("hex")
                    .slice(0, 16) as string;
            }),
    );
}

/**
 * One Redis process in one container with its own named data volume at /data. Its configuration is
 * rendered by the caller and uploaded into the container; the healthcheck authenticates with a password
 * file, so `docker inspect` shows no secret. `wait: true` makes the container resource complete only
 * once Redis answers PING.
 */
export class RedisNode extends pulumi.ComponentResource {
    public readonly containerName: pulumi.Output<string>;
    public readonly containerId: pulumi.Output<string>;
    public readonly volumeName: pulumi.Output<string>;
    public readonly container: docker.Container;
    /** In-place TLS renewal: the node's TlsReload or SentinelTlsRestart (declareNode), which the next sentinel's restart waits for. */
    public tlsReload?: pulumi.Resource;

    constructor(name: string, args: RedisNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:RedisNode", name, {}, opts);
        const labels = stackLabels(args.stack, args.topology, args.labels);
        const configPath = args.configPath ?? REDIS_CONF_PATH;
        const healthHost = args.network.mode === "host" ? args.bindAddress : "127.0.0.1";
        const healthTls = args.healthTlsCaFile
            ? ` --tls --cacert ${args.healthTlsCaFile}${args.healthTlsClient ? ` --cert ${args.healthTlsClient.certFile} --key ${args.healthTlsClient.keyFile}` : ""}`
            : "";
        const healthAuth = args.healthLogin
            ? `--user ${args.healthLogin.username} --askpass ping < ${HEALTH_AUTH_FILE_PATH}`
            : `--askpass ping < ${AUTH_FILE_PATH}`;

        const volume = new docker.Volume(
            `${name}-data`,
            { name: `${args.containerName}-data`, labels },
            // Data outlives a container replacement; only `destroy` removes it.
            { parent: this },
        );

        const network =
            args.network.mode === "host"
                ? { networkMode: "host" }
                : {
                      networksAdvanced: [
                          {
                              name: args.network.networkName,
                              aliases: [args.containerName],
                              ...(args.network.ipv4Address ? { ipv4Address: args.network.ipv4Address } : {}),
                          },
                      ],
                      ports: args.publishedPorts.map((p) => ({
                          internal: p.containerPort,
                          external: p.hostPort,
                          ip: args.bindAddress,
                          protocol: "tcp",
                      })),
                  };

        // Renewed in place: the container is created with the files as its pin holds them (tls-pin.ts says why).
        const inPlace = (args.files ?? []).filter((f) => f.inPlace);
        const pin =
            inPlace.length === 0
                ? undefined
                : new TlsFilesPin(
                      `${name}-tls-pin`,
                      {
                          name: args.containerName,
                          revision: containerRevision(args),
                          files: pulumi.secret(pulumi.all(Object.fromEntries(inPlace.map((f) => [f.path, f.content])))),
                      },
                      { parent: this },
                  );
        const contentOf = (f: NodeFile): pulumi.Input<string> => (pin && f.inPlace ? pin.pinned.apply((p) => p[f.path]) : f.content);

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                hostname: args.containerName,
                image: args.imageId,
                command: args.command ?? ["redis-server", configPath],
                restart: "unless-stopped",
                ...(args.liveConf ? { envs: pulumi.output(args.liveConf).apply((lines) => [`${LIVE_CONF_ENV}=${lines.join("\n")}`]) } : {}),
                ...network,
                volumes: [{ volumeName: volume.name, containerPath: "/data" }],
                uploads: [
                    { file: configPath, content: pulumi.secret(args.config) },
                    { file: AUTH_FILE_PATH, content: pulumi.secret(args.password) },
                    ...(args.healthLogin
                        ? [{ file: HEALTH_AUTH_FILE_PATH, content: pulumi.secret(args.healthLogin.password), permissions: "0600" }]
                        : []),
                    ...(args.files ?? []).map((f) => ({ file: f.path, content: pulumi.secret(contentOf(f)), permissions: "0600" })),
                ],
                healthcheck: {
                    tests: [
                        "CMD-SHELL",
                        `redis-cli -h ${healthHost} -p ${args.listenPort}${healthTls} --no-auth-warning ${healthAuth} | grep -q PONG`,
                    ],
                    interval: "1s",
                    timeout: "3s",
                    retries: 30,
                    startPeriod: "1s",
                },
                wait: true,
                waitTimeout: 60,
                stopTimeout: args.stopTimeoutSeconds ?? 30,
                labels,
            },
            // Fixed container names and host ports cannot exist twice, so replacements delete first. The live
            // seed only matters to a fresh volume: a change of it alone must not replace the container.
            {
                parent: this,
                deleteBeforeReplace: true,
                ...(args.liveConf ? { ignoreChanges: ["envs"] } : {}),
                ...(args.rollGate ? { dependsOn: [args.rollGate] } : {}),
            },
        );

        this.containerName = this.container.name;
        this.containerId = this.container.id;
        this.volumeName = volume.name;
        this.registerOutputs({ containerName: this.containerName, containerId: this.containerId, volumeName: this.volumeName });
    }
}
