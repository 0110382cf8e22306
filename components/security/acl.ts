/**
 * ACL rules (`acl.users[].rules`): checked with the grammar Redis 7.0 applies in ACL SETUSER and in `user`
 * lines of redis.conf (acl.c: ACLSetUser, ACLSetSelector, the selector merge), so a rule Redis would refuse
 * is reported at config time naming the user and the rule, before any resource exists. Also the `user`
 * lines themselves and the least-privilege users of the stack's own links. Pure.
 * tests/integration/acl-rules.test.ts compares every verdict here with a real redis-server's.
 */
import { REDIS_COMMANDS } from "./redis-commands";

/** `ACL CAT` of Redis 7.0. */
export const ACL_CATEGORIES = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
] as const;

/** Commands and subcommands added by Redis 7.2 (the default image); the generated table is 7.0's. */
const REDIS_7_2_COMMANDS = ["waitaof", "client|no-touch", "client|setinfo", "cluster|myshardid"];

const KNOWN_COMMANDS = new Set([...REDIS_COMMANDS, ...REDIS_7_2_COMMANDS]);

/** A command name as ACLLookupCommand resolves it: `cmd` or `cmd|sub`, case-insensitive. */
function lookupCommand(name: string): { found: boolean; hasSubcommands: boolean; isSubcommand: boolean } {
    const lower = name.toLowerCase();
    const parts = lower.split("|");
    if (parts.length > 2 || !KNOWN_COMMANDS.has(lower)) return { found: false, hasSubcommands: false, isSubcommand: false };
    return { found: true, hasSubcommands: [...KNOWN_COMMANDS].some((c) => c.startsWith(`${lower}|`)), isSubcommand: parts.length === 2 };
}

/** Why Redis refuses a rule, in the words of its ACL SETUSER errors. */
const REFUSALS = {
    unknown: "unknown command or category name in ACL",
    syntax: "syntax error",
    keysAfterAll:
        "adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect; use 'resetkeys' to start with an empty list of patterns",
    channelsAfterAll:
        "adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect; use 'resetchannels' to start with an empty list of patterns",
    firstArgOfSubcommand: "allowing first-arg of a subcommand is not supported",
    unmatched: "unmatched parenthesis in acl selector",
};

/**
 * Rules this project does not accept although Redis does: a user's password comes from `password` (a
 * secret), so a password in the rules would sit in the clear in config, and `reset` would drop it.
 */
const PASSWORD_RULES = /^(nopass|resetpass|reset)$/i;

interface SelectorState {
    allKeys: boolean;
    allChannels: boolean;
}

/** One op of a selector (ACLSetSelector); `undefined` when Redis accepts it. */
function selectorOpProblem(op: string, state: SelectorState): string | undefined {
    const lower = op.toLowerCase();
    if (lower === "allkeys" || lower === "~*") {
        state.allKeys = true;
        return undefined;
    }
    if (lower === "resetkeys") {
        state.allKeys = false;
        return undefined;
    }
    if (lower === "allchannels" || lower === "&*") {
        state.allChannels = true;
        return undefined;
    }
    if (lower === "resetchannels") {
        state.allChannels = false;
        return undefined;
    }
    if (["allcommands", "+@all", "nocommands", "-@all"].includes(lower)) return undefined;
    if (op[0] === "~" || op[0] === "%") {
        if (state.allKeys) return REFUSALS.keysAfterAll;
        let read = false;
        let write = false;
        // Only `~*` and `allkeys` close the pattern list; `%RW~*` is one more pattern to Redis 7.0.
        if (op[0] === "%") {
            for (let offset = 1; offset < op.length; offset++) {
                const c = op[offset];
                if (c.toUpperCase() === "R" && !read) read = true;
                else if (c.toUpperCase() === "W" && !write) write = true;
                else if (c === "~") break;
                else return REFUSALS.syntax;
            }
            // Redis 7.0 takes `%R` (an empty pattern) but not `%~a` (no permission).
            if (!read && !write) return REFUSALS.syntax;
        }
        return undefined;
    }
    if (op[0] === "&") {
        return state.allChannels ? REFUSALS.channelsAfterAll : undefined;
    }
    if ((op[0] === "+" || op[0] === "-") && op[1] === "@") {
        return (ACL_CATEGORIES as readonly string[]).includes(op.slice(2).toLowerCase()) ? undefined : REFUSALS.unknown;
    }
    if (op[0] === "+") {
        const name = op.slice(1);
        const cut = name.lastIndexOf("|");
        if (cut < 0) return lookupCommand(name).found ? undefined : REFUSALS.unknown;
        const parent = lookupCommand(name.slice(0, cut));
        if (!parent.found) return REFUSALS.unknown;
        if (parent.isSubcommand) return REFUSALS.firstArgOfSubcommand;
        if (cut === name.length - 1) return REFUSALS.syntax;
        // A command without subcommands takes `cmd|first-arg` (deprecated by Redis, still accepted).
        return !parent.hasSubcommands || lookupCommand(name).found ? undefined : REFUSALS.unknown;
    }
    if (op[0] === "-") {
        return lookupCommand(op.slice(1)).found ? undefined : REFUSALS.unknown;
    }
    return REFUSALS.syntax;
}

/** Splits rules into ACL SETUSER arguments, a `( ... )` selector being one argument as Redis merges it. */
export function aclRuleArgs(rules: string): { args: string[]; problem?: { rule: string; message: string } } {
    const tokens = rules.trim() === "" ? [] : rules.trim().split(/\s+/);
    const args: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
        if (!tokens[i].startsWith("(")) {
            args.push(tokens[i]);
            continue;
        }
        let j = i;
        while (j < tokens.length && !tokens[j].endsWith(")")) j++;
        if (j === tokens.length) return { args, problem: { rule: tokens.slice(i).join(" "), message: REFUSALS.unmatched } };
        args.push(tokens.slice(i, j + 1).join(" "));
        i = j;
    }
    return { args };
}

/** The first rule Redis would refuse (or this project does not take), with why; undefined if all pass. */
export function aclRulesProblem(rules: string): { rule: string; message: string } | undefined {
    const { args, problem } = aclRuleArgs(rules);
    const root: SelectorState = { allKeys: false, allChannels: false };
    for (const arg of args) {
        const found = userOpProblem(arg, root);
        if (found) return { rule: arg, message: found };
    }
    return problem;
}

/** One ACL SETUSER argument (ACLSetUser). */
function userOpProblem(op: string, root: SelectorState): string | undefined {
    const lower = op.toLowerCase();
    if (["on", "off", "skip-sanitize-payload", "sanitize-payload", "clearselectors"].includes(lower)) return undefined;
    if (PASSWORD_RULES.test(op) || /^[><#!]/.test(op)) {
        return "passwords are set with acl.users[].password (a secret), not in rules";
    }
    if (op.startsWith("(") && op.endsWith(")")) {
        const inner: SelectorState = { allKeys: false, allChannels: false };
        for (const innerOp of op
            .slice(1, -1)
            .trim()
            .split(/\s+/)
            .filter((t) => t !== "")) {
            const found = selectorOpProblem(innerOp, inner);
            if (found) return `${found} (in selector: ${innerOp})`;
        }
        return undefined;
    }
    return selectorOpProblem(op, root);
}

export interface AclUserLine {
    name: string;
    /** SHA-256 of the password, hex: what `#<hash>` takes, so the file holds no password. */
    passwordSha256: string;
    rules: string;
}

/** Characters a `user` line token may carry without quotes (sdssplitargs reads the rest quoted). */
const PLAIN_TOKEN = /^[A-Za-z0-9_.:*?@|~&%+\-()[\]^,/=<>!#{}$]+$/;

/** A `user` line for redis.conf: `user <name> reset on #<sha256> <rules>`; the password never appears. */
export function aclUserLine(user: AclUserLine): string {
    const quote = (t: string) => (PLAIN_TOKEN.test(t) ? t : `"${t.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);
    const { args } = aclRuleArgs(user.rules);
    return ["user", quote(user.name), "reset", "on", `#${user.passwordSha256}`, ...args.map(quote)].join(" ");
}

/**
 * The stack's own users, least privilege each. `replication` is what a replica sends its master (`masteruser`).
 * `sentinel` is the set Redis's Sentinel documentation lists for the user a sentinel logs in to the data
 * nodes as (`sentinel auth-user`), with the hello channel it publishes and subscribes to. `operator` is the
 * deploy-time providers' and the container healthcheck's: readiness and the roll gates read INFO/ROLE and
 * hand a master over (CLIENT PAUSE, REPLICAOF), LiveConfig and the TLS renewal CONFIG SET and REWRITE, the
 * AclUsers resource keeps the application users (ACL SETUSER/DELUSER); no key access.
 * `operator.clusterRules`: what the same user gets on top on cluster nodes only (clusterOperatorRules), so
 * the other topologies' nodes keep their rules (and their containers) as they were.
 */
const INTERNAL = {
    replication: { name: "redis-ha-replication", rules: "+psync +replconf +ping" },
    sentinel: {
        name: "redis-ha-sentinel",
        rules:
            "-@all +auth +client|getname +client|id +client|setname +command +hello +ping +role +info +publish +subscribe +psubscribe " +
            "+punsubscribe +unsubscribe +slaveof +replicaof +config|rewrite +client|list +client|kill +multi +exec +script|kill &__sentinel__:hello",
    },
    operator: {
        name: "redis-ha-operator",
        rules:
            "-@all +auth +hello +ping +info +role +config|get +config|set +config|rewrite +client|setname +client|pause +client|unpause " +
            "+replicaof +acl|setuser +acl|deluser +acl|users",
        // Each part is what a cluster provider sends (NOPERM otherwise, tests/integration/cluster-acl.test.ts):
        // cluster|myid, nodes, info: observing a node (formation, readiness, the roll gates);
        // cluster|meet, addslotsrange, replicate: forming; cluster|failover: the handovers before a master
        // leaves or restarts; cluster|setslot, getkeysinslot, countkeysinslot and migrate: resharding;
        // cluster|forget: a node leaving; dbsize: whether a node holds keys (formation, leaving masters);
        // eval + memory|usage: sizing a MIGRATE batch by MEMORY USAGE in one script; exists + asking: naming
        // the key a failed MIGRATE stopped on. restore-asking + select: the nodes' own MIGRATE logs in to the
        // target as this user (AUTH2), selects db 0 and restores there. `~*`: MIGRATE needs read and write on
        // its keys on the source, RESTORE-ASKING write on the target; no command that reads or writes a value
        // for the caller (GET, SET, ...) is allowed, so the keys go only where MIGRATE takes them.
        clusterRules:
            "+cluster|myid +cluster|nodes +cluster|info +cluster|meet +cluster|addslotsrange +cluster|replicate +cluster|failover " +
            "+cluster|setslot +cluster|getkeysinslot +cluster|countkeysinslot +cluster|forget +dbsize +migrate +eval +memory|usage " +
            "+exists +asking +restore-asking +select ~*",
    },
} as const;
export const INTERNAL_USERS = INTERNAL;

export type InternalUser = keyof typeof INTERNAL_USERS;

/** User names a config may not take: Redis's own and the stack's. */
export const RESERVED_USER_NAMES: readonly string[] = ["default", ...Object.values(INTERNAL_USERS).map((u) => u.name)];

/** A stack user's rules on a topology's data nodes: the operator gets its cluster rules on cluster nodes. */
export function internalUserRules(user: InternalUser, topology: string): string {
    const u: { rules: string; clusterRules?: string } = INTERNAL_USERS[user];
    return topology === "cluster" && u.clusterRules ? `${u.rules} ${u.clusterRules}` : u.rules;
}
