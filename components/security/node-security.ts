/**
 * A node's TLS and ACL part of redis.conf from the stack's settings: the TLS directives, the `user` lines
 * of the stack's own least-privilege users (passwords only as SHA-256), and the replication user. Undefined when neither TLS nor ACL is in use, so such a stack renders what it did before.
 * Pure: the passwords' hashes are computed by the caller's Output chain (node:crypto is I/O-free but kept out).
 */
import type { NodeSecurityConf } from "../docker/redis-conf";
import type { Settings } from "../settings";
import { INTERNAL_USERS, type InternalUser, aclUserLine, internalUserRules } from "./acl";

/**
 * Where a node's TLS files are inside its container: uploaded there (never in argv, environment or
 * anything `docker inspect` shows), then handed to the redis user alone by the start command.
 */
export const TLS_DIR = "/usr/local/etc/redis/tls";
export const TLS_FILES = {
    caCertFile: `${TLS_DIR}/ca.crt`,
    certFile: `${TLS_DIR}/node.crt`,
    keyFile: `${TLS_DIR}/node.key`,
};

/** Start-time lines (as root) that make the uploaded TLS files the redis user's alone: 0600, directory 0700. */
export function tlsFilesSetup(): string[] {
    const paths = [TLS_FILES.caCertFile, TLS_FILES.certFile, TLS_FILES.keyFile].join(" ");
    return [`chown redis:redis ${TLS_DIR} ${paths}`, `chmod 700 ${TLS_DIR}`, `chmod 600 ${paths}`];
}

/** Whether the stack's own links use their own users: as soon as ACL users exist or the default user is off. */
export function aclInUse(settings: Pick<Settings, "acl">): boolean {
    return settings.acl.users.length > 0 || settings.acl.defaultUser === "off";
}

/** The stack's own users' passwords (generated, secret) and their SHA-256 (what the `user` lines carry). */
export interface SecurityPasswords {
    internal: Record<InternalUser, { password: string; sha256: string }>;
}

/** The stack's own users a topology's data nodes have: the sentinel user only where sentinels log in. */
export function internalUsersOf(topology: Settings["topology"]): InternalUser[] {
    return topology === "sentinel" ? ["replication", "sentinel", "operator"] : ["replication", "operator"];
}

/**
 * A node's TLS and ACL part of redis.conf. Its `user` lines are the stack's own users only: their passwords
 * are generated once and their rules change only with redis-ha, so they may replace a container. The
 * application users (`acl.users`) are not in the file: the AclUsers resource beside each node keeps them
 * with ACL SETUSER, live (security/acl-users.ts), and the start script carries them across restarts.
 */
export function nodeSecurityConf(
    settings: Pick<Settings, "tls" | "acl" | "topology">,
    /** Needed as soon as ACL is in use (aclInUse); a TLS-only stack has no users of its own. */
    passwords: SecurityPasswords | undefined,
    /** `plaintextPort`: where plain text stays open when tls.allowPlaintext (the topology's layout chooses it). */
    node: { cluster: boolean; plaintextPort?: number },
): NodeSecurityConf | undefined {
    const acl = aclInUse(settings);
    if (!settings.tls.enabled && !acl) return undefined;
    if (acl && !passwords) throw new Error("ACL users are in use but no passwords were given for the stack's own users");
    const own = acl ? passwords?.internal : undefined;
    const userLines = !own
        ? []
        : internalUsersOf(settings.topology).map((k) =>
              aclUserLine({ name: INTERNAL_USERS[k].name, passwordSha256: own[k].sha256, rules: internalUserRules(k, settings.topology) }),
          );
    return {
        tls: settings.tls.enabled
            ? {
                  ...TLS_FILES,
                  authClients: settings.tls.authClients,
                  plaintextPort: settings.tls.allowPlaintext ? node.plaintextPort : undefined,
                  cluster: node.cluster,
              }
            : undefined,
        userLines,
        defaultUser: settings.acl.defaultUser,
        masterUser: own ? { name: INTERNAL_USERS.replication.name, password: own.replication.password } : undefined,
    };
}
