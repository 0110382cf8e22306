/**
 * What a RollGate reads and does against the live group: is it healthy, which role does a node have now,
 * and the handover that takes the master role off a node before its restart. One function per question,
 * each per RollKind, reusing the readiness checks of the topology (so "healthy" means what `up` means by
 * ready: cluster_state:ok with one agreed slot map and every replica linked; sentinels agreeing on one master
 * with all replicas linked; every replica of a plain group linked).
 */
import type { Redis as RedisClient } from "ioredis";
import type { ClusterNodeSpec } from "../cluster/spec";
import { observeCluster } from "../cluster/formation-io";
import { isMyself, parseClusterNodes } from "../cluster/observe";
import { readinessProblems } from "../cluster/readiness";
import { checkSentinelGroup, sentinelMasterAddress } from "../sentinel/readiness";
import { pollUntil } from "../shared/poll";
import { type NodeAccess, parseInfo, withRedis } from "../shared/redis-connection";

/**
 * How a gate logs in: to the data nodes with the stack's password (as the operator user on ACL stacks), to
 * the sentinels with their own password (`sentinelPassword`, by default the same), and the CA on TLS stacks.
 */
export type Credentials = Pick<NodeAccess, "username" | "password" | "tls"> & { sentinelPassword?: string };

/** The login to a data node. */
export function dataLogin(c: Credentials): Pick<NodeAccess, "username" | "password" | "tls"> {
    return { username: c.username, password: c.password, tls: c.tls };
}

/** The login to a sentinel: the default user with the sentinels' password. */
export function sentinelLogin(c: Credentials): Pick<NodeAccess, "password" | "tls"> {
    return { password: c.sentinelPassword ?? c.password, tls: c.tls };
}

/** The login to member `name` of the group: a sentinel's or a data node's. */
export function memberLogin(group: RollGroup, name: string, c: Credentials): Pick<NodeAccess, "username" | "password" | "tls"> {
    return group.kind === "sentinel" && group.sentinels.some((s) => s.name === name) ? sentinelLogin(c) : dataLogin(c);
}

/** A member as a gate reaches it: the published endpoint, from the machine running pulumi. */
export interface RollPeer {
    name: string;
    access: { host: string; port: number };
}

/** The group a node belongs to, as its gate checks it. */
export type RollGroup =
    | { kind: "replication"; dataNodes: RollPeer[] }
    | { kind: "sentinel"; masterName: string; dataNodes: RollPeer[]; sentinels: RollPeer[] }
    /** The formation's node specs (without revisions: a gate must not wait for containers). */
    | { kind: "cluster"; nodes: ClusterNodeSpec[] };

const where = (p: RollPeer) => `${p.name} (${p.access.host}:${p.access.port})`;

async function replicationProblems(dataNodes: RollPeer[], creds: Credentials): Promise<string[]> {
    const views = await Promise.all(
        dataNodes.map((n) =>
            withRedis({ ...n.access, ...dataLogin(creds) }, (c) => c.info("replication"))
                .then((text) => ({ ok: true as const, info: parseInfo(text) }))
                .catch((err: Error) => ({ ok: false as const, error: err.message })),
        ),
    );
    const problems: string[] = [];
    let masters = 0;
    views.forEach((v, i) => {
        const n = dataNodes[i];
        if (!v.ok) problems.push(`${where(n)} is not reachable: ${v.error}`);
        else if (v.info.role === "master") {
            masters++;
            if (Number(v.info.connected_slaves) !== dataNodes.length - 1)
                problems.push(`${where(n)} is master with connected_slaves:${v.info.connected_slaves} (want ${dataNodes.length - 1})`);
        } else if (v.info.master_link_status !== "up" || v.info.master_sync_in_progress === "1") {
            problems.push(
                `${where(n)} reports master_link_status:${v.info.master_link_status}${v.info.master_sync_in_progress === "1" ? " (sync in progress)" : ""}`,
            );
        }
    });
    if (problems.length === 0 && masters !== 1) problems.push(`${masters} data nodes report role:master (want 1)`);
    return problems;
}

/** What keeps the group from being healthy; empty when it is. */
export async function groupProblems(group: RollGroup, creds: Credentials): Promise<string[]> {
    const password = creds.password ?? "";
    if (group.kind === "replication") return replicationProblems(group.dataNodes, creds);
    if (group.kind === "sentinel") {
        const [master, ...replicas] = group.dataNodes;
        const { problems } = await checkSentinelGroup({
            masterName: group.masterName,
            sentinels: group.sentinels,
            master,
            replicas,
            ...(creds.username ? { username: creds.username } : {}),
            password,
            ...(creds.sentinelPassword !== undefined ? { sentinelPassword: creds.sentinelPassword } : {}),
            tls: creds.tls,
            timeoutMs: 0,
        });
        return problems;
    }
    const spec = { nodes: group.nodes };
    return readinessProblems(spec, await observeCluster(group.nodes, dataLogin(creds)));
}

/** `master`, `replica` or `sentinel` as the node says now; throws when it cannot be reached. */
export async function liveRole(node: NodeAccess): Promise<string> {
    return withRedis(node, async (c) => {
        // One section per INFO call: Sentinel has no replication section.
        if (parseInfo((await c.call("INFO", "server")) as string).redis_mode === "sentinel") return "sentinel";
        return parseInfo((await c.call("INFO", "replication")) as string).role === "slave" ? "replica" : "master";
    });
}

/** The node's run_id: a new one means a new process (its container was replaced or restarted). */
export async function runIdOf(node: NodeAccess): Promise<string> {
    return withRedis(node, async (c) => parseInfo((await c.call("INFO", "server")) as string).run_id ?? "");
}

/** A cluster member that replicates `masterId` over a live link, or undefined. */
async function linkedClusterReplica(nodes: ClusterNodeSpec[], masterId: string, creds: Credentials): Promise<ClusterNodeSpec | undefined> {
    for (const n of nodes) {
        const linked = await withRedis({ ...n.access, ...creds }, async (c: RedisClient) => {
            const myself = parseClusterNodes((await c.call("CLUSTER", "NODES")) as string).find(isMyself);
            const info = parseInfo((await c.call("INFO", "replication")) as string);
            return myself?.masterId === masterId && info.master_link_status === "up" && info.master_sync_in_progress !== "1";
        }).catch(() => false);
        if (linked) return n;
    }
    return undefined;
}

/**
 * Takes the master role off `name` if it has it, and returns once another node is master and serving: what
 * redis-cli's cluster manager and Sentinel's own failover do, asked for instead of waiting for a failure.
 * Returns what it did, for the log; a master nothing can take over from is left as it is.
 */
export async function handOver(group: RollGroup, name: string, access: RollPeer["access"], creds: Credentials, timeoutMs: number): Promise<string> {
    const node: NodeAccess = { ...access, ...memberLogin(group, name, creds) };
    if ((await liveRole(node)) !== "master") return `${name} is not a master: nothing to hand over`;
    if (group.kind === "replication") return `${name} is the master and nothing can take over without Sentinel: writes pause until it is back`;
    if (group.kind === "sentinel") {
        const sentinels = group.sentinels.map((p) => ({ ...p.access, ...sentinelLogin(creds) }));
        const before = JSON.stringify(await sentinelMasterAddress(sentinels[0], group.masterName));
        // SENTINEL FAILOVER does not stop the old master from taking writes, and what it takes after its replica
        // was promoted is lost when it is demoted. So, as CLUSTER FAILOVER does by itself: pause its clients'
        // writes, let the replicas catch up, fail over, demote it ourselves (a paused write then gets READONLY,
        // which a client retries on the new master, instead of an acknowledgement that is later lost), unpause.
        await withRedis(node, (c) => c.call("CLIENT", "PAUSE", String(timeoutMs), "WRITE"));
        try {
            await pollUntil(
                async () => {
                    const info = parseInfo(await withRedis(node, (c) => c.info("replication")));
                    const offset = Number(info.master_repl_offset);
                    const behind = Object.entries(info).filter(
                        ([k, v]) => /^slave\d+$/.test(k) && Number(/offset=(\d+)/.exec(v)?.[1] ?? -1) < offset,
                    );
                    return behind.length === 0
                        ? { done: true, value: undefined }
                        : { done: false, observed: `replicas behind offset ${offset}: ${behind.map(([, v]) => v).join("; ")}` };
                },
                { timeoutMs, intervalMs: 20, description: `the replicas of ${name} to have its whole replication stream` },
            );
            await sentinelFailover(group, name, sentinels, before, creds, timeoutMs);
            const promoted = await sentinelMasterAddress(sentinels[0], group.masterName);
            if (promoted) await withRedis(node, (c) => c.call("REPLICAOF", promoted.host, String(promoted.port)));
        } finally {
            await withRedis(node, (c) => c.call("CLIENT", "UNPAUSE")).catch(() => undefined);
        }
        return `${name} handed over with SENTINEL FAILOVER`;
    }
    const myId = await withRedis(node, (c) => c.call("CLUSTER", "MYID") as Promise<string>);
    const others = group.nodes.filter((n) => n.name !== name);
    const replica = await linkedClusterReplica(others, myId, creds);
    if (!replica) return `${name} is a master with no linked replica: its slots are unavailable until it is back`;
    // The default (coordinated) CLUSTER FAILOVER: the master pauses its clients until the replica has its
    // whole replication stream, so no acknowledged write is lost; clients then follow MOVED to the new master.
    await withRedis({ ...replica.access, ...creds }, (c) => c.call("CLUSTER", "FAILOVER"));
    await pollUntil(
        async () => {
            const [newRole, oldRole] = await Promise.all([liveRole({ ...replica.access, ...creds }), liveRole(node)]);
            return newRole === "master" && oldRole === "replica"
                ? { done: true, value: undefined }
                : { done: false, observed: `${replica.name} is ${newRole}, ${name} is ${oldRole}` };
        },
        { timeoutMs, intervalMs: 50, description: `CLUSTER FAILOVER from ${name} to ${replica.name}` },
    );
    return `${name} handed over to ${replica.name} with CLUSTER FAILOVER`;
}

/** SENTINEL FAILOVER, asked once, and the wait until every sentinel names one new master that says role:master. */
async function sentinelFailover(
    group: Extract<RollGroup, { kind: "sentinel" }>,
    name: string,
    sentinels: NodeAccess[],
    before: string,
    creds: Credentials,
    timeoutMs: number,
): Promise<void> {
    let asked = false;
    await pollUntil(
        async () => {
            // Asked once: a second SENTINEL FAILOVER after the first completed would start another one.
            if (!asked) {
                const reply = await withRedis(sentinels[0], (c) => c.call("SENTINEL", "FAILOVER", group.masterName)).then(
                    () => "OK",
                    (err: Error) => err.message,
                );
                if (reply !== "OK" && !/INPROG/.test(reply)) return { done: false, observed: `SENTINEL FAILOVER answered ${reply}` };
                asked = true;
            }
            const named = await Promise.all(sentinels.map((a) => sentinelMasterAddress(a, group.masterName).then((m) => JSON.stringify(m))));
            const others = group.dataNodes.filter((n) => n.name !== name);
            const roles = await Promise.all(others.map((n) => liveRole({ ...n.access, ...dataLogin(creds) }).catch(() => "unreachable")));
            const agreed = named.every((m) => m === named[0]) && named[0] !== before;
            return agreed && roles.includes("master")
                ? { done: true, value: undefined }
                : {
                      done: false,
                      observed: `sentinels name ${[...new Set(named)].join(", ")} (before: ${before}); ${others.map((n, i) => `${n.name} ${roles[i]}`).join(", ")}`,
                  };
        },
        { timeoutMs, intervalMs: 100, description: `SENTINEL FAILOVER to move the master role off ${name}` },
    );
}
