/**
 * Passwords for the stack's internal ACL users (INTERNAL_USERS), as the stack hands them to nodeSecurityConf:
 * each with its SHA-256, the form redis.conf's `user` lines carry. Tests that render or run an ACL node's
 * configuration share these instead of each building the table.
 */
import { createHash } from "crypto";
import { INTERNAL_USERS, type InternalUser } from "../../components/security/acl";
import type { SecurityPasswords } from "../../components/security/node-security";

/** Hex SHA-256, the form of an ACL user's `#<hash>` password. */
export const sha256Hex = (s: string): string => createHash("sha256").update(s).digest("hex");

/** Every internal user's password, `<user>-pw<suffix>`, with its hash. */
export function internalPasswords(suffix = ""): SecurityPasswords {
    const entries = (Object.keys(INTERNAL_USERS) as InternalUser[]).map((k) => [
        k,
        { password: `${k}-pw${suffix}`, sha256: sha256Hex(`${k}-pw${suffix}`) },
    ]);
    return { internal: Object.fromEntries(entries) as SecurityPasswords["internal"] };
}
