import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { stackLabels } from "./labels";

/** Where the node's config and the healthcheck's password file live inside the container. */
export const CONFIG_DIR = "/usr/local/etc/redis";
export const REDIS_CONF_PATH = `${CONFIG_DIR}/redis.conf`;
export const AUTH_FILE_PATH = `${CONFIG_DIR}/auth`;

export type NodeNetwork =
    /** A user-defined bridge network: peers resolve the node by container name; ports are published. */
    | { mode: "bridge"; networkName: pulumi.Input<string>; ipv4Address?: string }
    /** The host's network stack: the node listens on bindAddress:port directly. */
    | { mode: "host" };

export interface RedisNodeArgs {
    /** Docker container name, also its hostname on the stack network. Fixed, hence delete-before-replace. */
    containerName: string;
    /** Image id (not name) from a RemoteImage, so an unchanged image never causes a replacement. */
    imageId: pulumi.Input<string>;
    /** Rendered configuration file; it contains the password, so pass it as a secret. */
    config: pulumi.Input<string>;
    /** Node password, written to a file the healthcheck reads (never argv or environment). */
    password: pulumi.Input<string>;
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

    constructor(name: string, args: RedisNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:RedisNode", name, {}, opts);
        const labels = stackLabels(args.stack, args.topology, args.labels);
        const configPath = args.configPath ?? REDIS_CONF_PATH;
        const healthHost = args.network.mode === "host" ? args.bindAddress : "127.0.0.1";

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

        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                hostname: args.containerName,
                image: args.imageId,
                command: args.command ?? ["redis-server", configPath],
                restart: "unless-stopped",
                ...network,
                volumes: [{ volumeName: volume.name, containerPath: "/data" }],
                uploads: [
                    { file: configPath, content: pulumi.secret(args.config) },
                    { file: AUTH_FILE_PATH, content: pulumi.secret(args.password) },
                ],
                healthcheck: {
                    tests: [
                        "CMD-SHELL",
                        `redis-cli -h ${healthHost} -p ${args.listenPort} --no-auth-warning --askpass ping < ${AUTH_FILE_PATH} | grep -q PONG`,
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
            // Fixed container names and host ports cannot exist twice, so replacements delete first.
            { parent: this, deleteBeforeReplace: true },
        );

        this.containerName = this.container.name;
        this.containerId = this.container.id;
        this.volumeName = volume.name;
        this.registerOutputs({ containerName: this.containerName, containerId: this.containerId, volumeName: this.volumeName });
    }
}
