/**
 * AclUsers: one data node's application users (`acl.users`), kept on the running node with ACL SETUSER and
 * persisted with CONFIG REWRITE into the config the node runs from (the start script carries the `user`
 * lines across restarts: docker/live-config.ts). A change of the users is an update of this resource and
 * touches no container. Declared by declareNode beside the container it configures, like LiveConfig.
 *
 * Each user is set with `reset` first, so its rules are exactly the configured ones whatever it had before;
 * a user the node has that is neither configured, the default user nor one of the stack's own is deleted
 * (a user removed from `acl.users`, or left in a volume by an older stack). Passwords travel only as
 * SHA-256 (`#<hash>`), and the resource keeps them as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import { type NodeAccess, type NodeTls, withRedisRetried } from "../shared/redis-connection";
import { RESERVED_USER_NAMES, aclRuleArgs } from "./acl";

/** An application user as the nodes get it: the password only as its SHA-256. */
export interface AclUserSpec {
    name: string;
    passwordSha256: string;
    rules: string;
}

export interface AclUsersInputs {
    /** Logical node name, for messages. */
    name: string;
    /** The published endpoint, from the machine running pulumi. */
    access: { host: string; port: number };
    /** The stack's operator user and its password. */
    username: string;
    password: string;
    /** TLS stacks: how the node's certificate is verified. Not in the diff key. */
    tls?: NodeTls;
    users: AclUserSpec[];
    /** A replaced container re-applies (its volume may hold older users). */
    containerId: string;
    /** Bound on reaching the node (it may still be loading its dataset). */
    timeoutMs: number;
}

/** What a diff compares: the users and the node they go to. */
export function aclUsersKey(inputs: AclUsersInputs): string {
    return JSON.stringify([inputs.name, inputs.access, inputs.containerId, inputs.users]);
}

/** The ACL SETUSER arguments of a user: reset, on, its password hash, then its rules as Redis splits them. */
export function aclSetUserArgs(user: AclUserSpec): string[] {
    return ["SETUSER", user.name, "reset", "on", `#${user.passwordSha256}`, ...aclRuleArgs(user.rules).args];
}

/** The plan's lines for a change of users: added, removed, new rules, new password; never a password or hash. */
export function describeAclUsersChange(node: string, olds: AclUserSpec[], news: AclUserSpec[]): string[] {
    const before = new Map(olds.map((u) => [u.name, u]));
    const lines: string[] = [];
    for (const u of news) {
        const old = before.get(u.name);
        if (!old) lines.push(`${node}: user ${u.name} added live (ACL SETUSER, no restart): ${JSON.stringify(u.rules)}`);
        else {
            if (old.rules !== u.rules)
                lines.push(`${node}: user ${u.name} rules ${JSON.stringify(old.rules)} -> ${JSON.stringify(u.rules)} live (ACL SETUSER, no restart)`);
            if (old.passwordSha256 !== u.passwordSha256) lines.push(`${node}: user ${u.name} gets a new password live (ACL SETUSER, no restart)`);
        }
    }
    const kept = new Set(news.map((u) => u.name));
    for (const u of olds) if (!kept.has(u.name)) lines.push(`${node}: user ${u.name} removed live (ACL DELUSER, no restart)`);
    return lines;
}

/** Sets every user, deletes the ones not configured, then CONFIG REWRITE; returns the names it deleted. */
export async function applyAclUsers(inputs: AclUsersInputs): Promise<string[]> {
    const node: NodeAccess = { ...inputs.access, username: inputs.username, password: inputs.password, tls: inputs.tls };
    return withRedisRetried(
        node,
        async (c) => {
            for (const user of inputs.users) await c.call("ACL", ...aclSetUserArgs(user));
            const keep = new Set([...RESERVED_USER_NAMES, ...inputs.users.map((u) => u.name)]);
            const stale = ((await c.call("ACL", "USERS")) as string[]).filter((n) => !keep.has(n));
            // DELUSER also disconnects the user's clients: a removed user is logged out at once.
            if (stale.length > 0) await c.call("ACL", "DELUSER", ...stale);
            await c.call("CONFIG", "REWRITE");
            return stale;
        },
        {
            timeoutMs: inputs.timeoutMs,
            description: `${inputs.name} (${inputs.access.host}:${inputs.access.port}) to take ACL SETUSER and CONFIG REWRITE`,
        },
    );
}

export const aclUsersProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: AclUsersInputs): Promise<pulumi.dynamic.CreateResult> {
        await applyAclUsers(inputs);
        return { id: `${inputs.name}-acl`, outs: inputs };
    },
    async diff(_id: string, olds: AclUsersInputs, news: AclUsersInputs): Promise<pulumi.dynamic.DiffResult> {
        // The plan's text (a dynamic provider's console output shows in the engine's display).
        if (Array.isArray(news.users)) for (const line of describeAclUsersChange(news.name, olds.users ?? [], news.users)) console.log(line);
        return { changes: aclUsersKey(olds) !== aclUsersKey(news) };
    },
    async update(_id: string, _olds: AclUsersInputs, news: AclUsersInputs): Promise<pulumi.dynamic.UpdateResult> {
        await applyAclUsers(news);
        return { outs: news };
    },
};

export class AclUsers extends pulumi.dynamic.Resource {
    constructor(name: string, args: ResourceArgs<AclUsersInputs>, opts?: pulumi.CustomResourceOptions) {
        super(aclUsersProvider, name, args, { ...opts, additionalSecretOutputs: ["password", "users", "tls"] }, "redis-ha", "AclUsers");
    }
}
