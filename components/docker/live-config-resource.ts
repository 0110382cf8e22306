/**
 * LiveConfig: one data node's live directives (docker/live-config.ts), applied to the running node with
 * CONFIG SET and persisted with CONFIG REWRITE into the config file the node runs from (in its data
 * volume; the start script keeps those lines on every restart). A change of a live setting is an update of
 * this resource and touches no container. Declared by declareNode beside the container it configures.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import { type NodeAccess, type NodeTls, withRedisRetried } from "../shared/redis-connection";
import type { LiveDirective } from "./live-config";

export interface LiveConfigInputs {
    /** Logical node name, for messages. */
    name: string;
    /** The published endpoint, from the machine running pulumi. */
    access: { host: string; port: number };
    /** ACL stacks: the stack's operator user; absent, the default user. */
    username?: string;
    password: string;
    /** TLS stacks: how the node's certificate is verified. Not in the diff key: a renewed CA changes no setting. */
    tls?: NodeTls;
    directives: LiveDirective[];
    /** A replaced container re-applies (it may have started from older values in its volume). */
    containerId: string;
    /** Bound on reaching the node (it may still be loading its dataset). */
    timeoutMs: number;
}

/** What a diff compares: the values and the node they go to. Timeouts and provider code are not in it. */
export function liveConfigKey(inputs: LiveConfigInputs): string {
    return JSON.stringify([inputs.name, inputs.access, inputs.containerId, inputs.directives]);
}

/** CONFIG SET of every directive in one call (Redis applies it all or nothing), then CONFIG REWRITE. */
export async function applyLiveConfig(inputs: LiveConfigInputs): Promise<void> {
    const node: NodeAccess = { ...inputs.access, username: inputs.username, password: inputs.password, tls: inputs.tls };
    const args = inputs.directives.flatMap(([name, value]) => [name, value]);
    await withRedisRetried(
        node,
        async (c) => {
            await c.call("CONFIG", "SET", ...args);
            await c.call("CONFIG", "REWRITE");
        },
        {
            timeoutMs: inputs.timeoutMs,
            description: `${inputs.name} (${inputs.access.host}:${inputs.access.port}) to take CONFIG SET and CONFIG REWRITE`,
        },
    );
}

export const liveConfigProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: LiveConfigInputs): Promise<pulumi.dynamic.CreateResult> {
        await applyLiveConfig(inputs);
        return { id: `${inputs.name}-live`, outs: inputs };
    },
    async diff(_id: string, olds: LiveConfigInputs, news: LiveConfigInputs): Promise<pulumi.dynamic.DiffResult> {
        // The plan's text (a dynamic provider's console output shows in the engine's display): each value
        // that changes on the running node. A replaced container gets them all again, which says nothing new.
        const before = new Map(olds.directives ?? []);
        for (const [directive, value] of Array.isArray(news.directives) ? news.directives : []) {
            if (before.has(directive) && before.get(directive) !== value)
                console.log(
                    `${news.name}: ${directive} ${JSON.stringify(before.get(directive))} -> ${JSON.stringify(value)} live (CONFIG SET, no restart)`,
                );
        }
        return { changes: liveConfigKey(olds) !== liveConfigKey(news) };
    },
    async update(_id: string, _olds: LiveConfigInputs, news: LiveConfigInputs): Promise<pulumi.dynamic.UpdateResult> {
        await applyLiveConfig(news);
        return { outs: news };
    },
};

export class LiveConfig extends pulumi.dynamic.Resource {
    declare readonly directives: pulumi.Output<LiveDirective[]>;

    constructor(name: string, args: ResourceArgs<LiveConfigInputs>, opts?: pulumi.CustomResourceOptions) {
        super(liveConfigProvider, name, args, { ...opts, additionalSecretOutputs: ["password", "tls"] }, "redis-ha", "LiveConfig");
    }
}
