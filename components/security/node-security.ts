/**
 * A node's TLS and ACL part of redis.conf from the stack's settings: the TLS directives, the `user` lines
 * (application users and the stack's own least-privilege users, passwords only as SHA-256), and the
 * replication user. Undefined when neither TLS nor ACL is in use, so such a stack renders what it did before.
 * Pure: the passwords' hashes are computed by the caller's Output chain (node:crypto is I/O-free but kept out).
 */
import type { NodeSecurityConf } from "../docker/redis-conf";
import type { Settings } from "../settings";
import { INTERNAL_USERS, type InternalUser, aclUserLine } from "./acl";

/** Where a node's TLS files are, inside its container. */
export const TLS_FILES = {
    caCertFile: "/data/tls/ca.crt",
    certFile: "/data/tls/node.crt",
    keyFile: "/data/tls/node.key",
};

/** Whether the stack's own links use their own users: as soon as ACL users exist or the default user is off. */
export function aclInUse(settings: Pick<Settings, "acl">): boolean {
    return settings.acl.users.length > 0 || settings.acl.defaultUser === "off";
}

export interface SecurityPasswords {
    /** SHA-256 (hex) of each application user's password, by name. */
    userSha256: Record<string, string>;
    /** The stack's own users: password and its SHA-256. */
    internal: Record<InternalUser, { password: string; sha256: string }>;
}

export function nodeSecurityConf(
    settings: Pick<Settings, "tls" | "acl">,
    passwords: SecurityPasswords,
    /** `plaintextPort`: where plain text stays open when tls.allowPlaintext (the topology's layout chooses it). */
    node: { cluster: boolean; plaintextPort?: number },
): NodeSecurityConf | undefined {
    const acl = aclInUse(settings);
    if (!settings.tls.enabled && !acl) return undefined;
    const internal = (Object.keys(INTERNAL_USERS) as InternalUser[]).map((k) =>
        aclUserLine({ name: INTERNAL_USERS[k].name, passwordSha256: passwords.internal[k].sha256, rules: INTERNAL_USERS[k].rules }),
    );
    const users = settings.acl.users.map((u) => aclUserLine({ name: u.name, passwordSha256: passwords.userSha256[u.name], rules: u.rules }));
    return {
        tls: settings.tls.enabled
            ? {
                  ...TLS_FILES,
                  authClients: settings.tls.authClients,
                  plaintextPort: settings.tls.allowPlaintext ? node.plaintextPort : undefined,
                  cluster: node.cluster,
              }
            : undefined,
        userLines: acl ? [...internal, ...users] : [],
        defaultUser: settings.acl.defaultUser,
        masterUser: acl ? { name: INTERNAL_USERS.replication.name, password: passwords.internal.replication.password } : undefined,
    };
}
