/**
 * The stack's ACL users as the topologies get them: the stack's own users' generated passwords (secrets,
 * stable in state like the stack password), the application users with their passwords as SHA-256, how the
 * deploy-time providers log in (the operator user), and which user the stack outputs hand to clients.
 */
import * as pulumi from "@pulumi/pulumi";
import { GeneratedPassword } from "../shared/generated-password";
import type { Settings } from "../settings";
import { INTERNAL_USERS, type InternalUser } from "./acl";
import type { AclUserSpec } from "./acl-users";
import { type SecurityPasswords, aclInUse } from "./node-security";

/** A user and its password: how a provider, a healthcheck or a client logs in to the data nodes. */
export interface NodeLogin {
    /** Absent: the default user (`password` is then the stack password, requirepass). */
    username?: string;
    /** Secret. */
    password: pulumi.Input<string>;
}

export interface StackAcl {
    /** The stack's own users' passwords and hashes; secret. */
    passwords: pulumi.Output<SecurityPasswords>;
    /** `acl.users` as the AclUsers resources take them; secret. */
    users: pulumi.Output<AclUserSpec[]>;
    /** How the deploy-time providers and the healthcheck log in to the data nodes. */
    operator: NodeLogin & { username: string };
    /** How the sentinels log in to the data nodes (`sentinel auth-user`, `auth-pass`). */
    sentinel: NodeLogin & { username: string };
    /**
     * With `acl.defaultUser: off`, the user the stack outputs hand to clients: the first of `acl.users` (the
     * default user cannot log in). Absent while the default user is on: clients keep the stack password.
     */
    client?: NodeLogin & { username: string };
}

function sha256(text: string): string {
    const crypto = require("crypto");
    return crypto.createHash("sha256").update(text).digest("hex") as string;
}

/** Declares the stack's own users' passwords when ACL is in use (security/node-security.ts aclInUse); else undefined. */
export function declareStackAcl(namePrefix: string, settings: Pick<Settings, "acl">): StackAcl | undefined {
    if (!aclInUse(settings)) return undefined;
    const kinds = Object.keys(INTERNAL_USERS) as InternalUser[];
    const generated = kinds.map((k) => new GeneratedPassword(`${namePrefix}-acl-${k}-password`, { length: 32 }).result);
    const passwords = pulumi.secret(
        pulumi
            .all(generated)
            .apply(
                (pws) =>
                    ({ internal: Object.fromEntries(kinds.map((k, i) => [k, { password: pws[i], sha256: sha256(pws[i]) }])) }) as SecurityPasswords,
            ),
    );
    const users = pulumi.secret(settings.acl.users.map((u) => ({ name: u.name, passwordSha256: sha256(u.password), rules: u.rules })));
    const first = settings.acl.users[0];
    return {
        passwords,
        users,
        operator: { username: INTERNAL_USERS.operator.name, password: generated[kinds.indexOf("operator")] },
        sentinel: { username: INTERNAL_USERS.sentinel.name, password: generated[kinds.indexOf("sentinel")] },
        client: settings.acl.defaultUser === "off" && first ? { username: first.name, password: pulumi.secret(first.password) } : undefined,
    };
}
