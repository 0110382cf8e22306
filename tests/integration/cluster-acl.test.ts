/**
 * The cluster's deploy-time code as the stack's operator user, on real redis-server processes with the `user`
 * lines, `masteruser` and `user default reset off` that nodeSecurityConf renders for a cluster node: formation
 * (MEET, ADDSLOTSRANGE, REPLICATE, replicas linking as the replication user), the application users put on every
 * node by the AclUsers code, a rolling gate's health check and CLUSTER FAILOVER handover, a fourth shard joining
 * (its share of the keys moved by the nodes' own MIGRATE, which logs in to the target with AUTH2 as the operator)
 * and leaving again (resharded away, then forgotten). Then what the operator may not do: read or write a value,
 * flush, reset the cluster. Before that, every node's ACL LOG (read by a test-only admin user) must hold no
 * denial of the stack's users, so a rule missing from the operator's set fails here by name.
 *
 * Ports: node i (layout index) on 9100 + i, bus 19100 + i.
 */
import { Cluster } from "ioredis";
import Redis from "ioredis";
import { parseSettings } from "../../components/config";
import { convergeCluster } from "../../components/cluster/formation";
import { readinessProblems } from "../../components/cluster/readiness";
import { groupProblems, handOver } from "../../components/rolling/health";
import { INTERNAL_USERS, aclUserLine } from "../../components/security/acl";
import { applyAclUsers } from "../../components/security/acl-users";
import { nodeSecurityConf } from "../../components/security/node-security";
import { type ClusterTestNode, startClusterNodes } from "../support/cluster-test-nodes";
import { stopAllRedis } from "../support/redis-process";
import { commandReply } from "../support/command-reply";
import { internalPasswords, sha256Hex } from "../support/internal-passwords";

jest.setTimeout(60000);

const BASE = 9100;
const KEYS = 2000;
const sha = sha256Hex;
const passwords = internalPasswords(`-${process.pid}`);
const operator = { username: INTERNAL_USERS.operator.name, password: passwords.internal.operator.password };
/**
 * `+cluster|slots +cluster|info`: an ioredis Cluster client reads the slot map with CLUSTER SLOTS and checks
 * CLUSTER INFO before it is ready, which `+@read +@write` do not include.
 */
const APP = { name: "app", password: "app-pw-it", rules: "~app:* +@read +@write -@dangerous +cluster|slots +cluster|info" };
/** Test-only: reads ACL LOG at the end. Not a user of the stack. */
const ADMIN = { name: "it-admin", password: "it-admin-pw" };
const STACK_PASSWORD = "cluster-acl-stack-pw";

let nodes: ClusterTestNode[];

beforeAll(async () => {
    const settings = parseSettings({ topology: "cluster", acl: { defaultUser: "off", users: [APP] } }, "redis-ha", "it");
    const security = nodeSecurityConf(settings, passwords, { cluster: true })!;
    const admin = aclUserLine({ name: ADMIN.name, passwordSha256: sha(ADMIN.password), rules: "+@all ~* &*" });
    nodes = await startClusterNodes({
        basePort: BASE,
        shards: 4,
        replicasPerShard: 1,
        password: STACK_PASSWORD,
        nodeTimeoutMs: 1000,
        acl: {
            security: { ...security, userLines: [...security.userLines, admin] },
            login: { user: operator.username, password: operator.password },
        },
    });
});
afterAll(() => stopAllRedis());

const specs = (shards: number) => nodes.filter((n) => n.spec.shard < shards).map((n) => n.spec);
const inputs = (shards: number) => ({ clusterName: "it-acl", nodes: specs(shards), ...operator, nodeTimeoutMs: 1000, timeoutMs: 30000 });

/** One command on node `port` as `username` (the default user when absent): its reply, or the error's text. */
const as = (port: number, username: string | undefined, password: string | undefined, ...command: string[]) =>
    commandReply({ host: "127.0.0.1", port, ...(username ? { username } : {}), ...(password ? { password } : {}) }, ...command);

const appCluster = (shards: number) =>
    new Cluster(
        specs(shards).map((s) => s.access),
        { redisOptions: { username: APP.name, password: APP.password }, scaleReads: "master", maxRedirections: 64 },
    );

async function readAll(shards: number): Promise<Array<string | null>> {
    const cluster = appCluster(shards);
    try {
        return await Promise.all(Array.from({ length: KEYS }, (_, i) => cluster.get(`app:${i}`)));
    } finally {
        cluster.disconnect();
    }
}
const written = Array.from({ length: KEYS }, (_, i) => `v${i}`);

it("forms three shards as the operator; replicas link as the replication user; the default user cannot log in", async () => {
    const { snapshot } = await convergeCluster(inputs(3));
    expect(readinessProblems({ nodes: specs(3) }, snapshot)).toEqual([]);
    for (const n of nodes.filter((x) => x.spec.shard < 3 && x.spec.role === "replica")) {
        expect(await as(n.port, operator.username, operator.password, "INFO", "replication")).toMatch(/^master_link_status:up\r?$/m);
    }
    const master = nodes[0].port;
    expect(await as(master, undefined, STACK_PASSWORD, "PING")).toMatch(/WRONGPASS|invalid username-password/);
    expect(await as(master, undefined, undefined, "PING")).toMatch(/NOAUTH/);
    // The replicas' links are the replication user's: the master counts its connections under that name.
    expect(await as(master, ADMIN.name, ADMIN.password, "CLIENT", "LIST", "TYPE", "replica")).toContain(`user=${INTERNAL_USERS.replication.name}`);
});

it("the AclUsers code puts the application user on every node as the operator; it writes and reads across masters", async () => {
    for (const n of nodes) {
        const deleted = await applyAclUsers({
            name: n.spec.name,
            access: n.spec.access,
            ...operator,
            users: [{ name: APP.name, passwordSha256: sha(APP.password), rules: APP.rules }],
            containerId: "it",
            timeoutMs: 10000,
        });
        // The test's admin user is not one the stack knows: the resource removes it like any stale user. Put back.
        expect(deleted).toEqual([ADMIN.name]);
        await as(n.port, operator.username, operator.password, "ACL", "SETUSER", ADMIN.name, "on", `>${ADMIN.password}`, "+@all", "~*", "&*");
    }
    const cluster = appCluster(3);
    try {
        await Promise.all(written.map((v, i) => cluster.set(`app:${i}`, v)));
        await expect(cluster.set("other:1", "x")).rejects.toThrow(/NOPERM/);
        await expect(cluster.call("FLUSHALL")).rejects.toThrow(/NOPERM/);
    } finally {
        cluster.disconnect();
    }
    const perMaster = await Promise.all(
        specs(3)
            .filter((s) => s.role === "master")
            .map((s) => as(s.access.port, operator.username, operator.password, "DBSIZE")),
    );
    for (const count of perMaster) expect(Number(count)).toBeGreaterThan(KEYS / 4);
    expect(await readAll(3)).toEqual(written);
});

it("a rolling gate's health check and CLUSTER FAILOVER handover work as the operator", async () => {
    const group = { kind: "cluster" as const, nodes: specs(3) };
    expect(await groupProblems(group, operator)).toEqual([]);
    const master = specs(3).find((s) => s.name === "node-1")!;
    expect(await handOver(group, master.name, master.access, operator, 20000)).toBe("node-1 handed over to node-5 with CLUSTER FAILOVER");
});

it("a fourth shard joins and leaves: MIGRATE with AUTH2 as the operator moves keys both ways, then the node is forgotten", async () => {
    const joined = await convergeCluster(inputs(4));
    expect(joined.rebalance).toMatch(/^shard-3 takes \d+ slots from/);
    expect(readinessProblems({ nodes: specs(4) }, joined.snapshot)).toEqual([]);
    // Only the nodes' own MIGRATE could have put keys on the new master.
    const newMaster = nodes.find((n) => n.spec.name === "node-3")!;
    expect(Number(await as(newMaster.port, operator.username, operator.password, "DBSIZE"))).toBeGreaterThan(KEYS / 8);
    expect(await readAll(4)).toEqual(written);

    const leaving = specs(4).filter((s) => s.shard === 3);
    const left = await convergeCluster(inputs(3), leaving);
    expect(left.rebalance).toMatch(
        /^shard-0 takes \d+ slots from shard-3; shard-1 takes \d+ slots from shard-3; shard-2 takes \d+ slots from shard-3$/,
    );
    expect(readinessProblems({ nodes: specs(3) }, left.snapshot)).toEqual([]);
    // Every key is back on the three masters (node-3, emptied, now replicates one of them: Redis makes a master that
    // loses its last slot a replica of the node that took it).
    const masters = [];
    for (const s of specs(3)) if ((await as(s.access.port, operator.username, operator.password, "ROLE")).startsWith("master")) masters.push(s);
    expect(masters).toHaveLength(3);
    const counts = await Promise.all(masters.map((s) => as(s.access.port, operator.username, operator.password, "DBSIZE")));
    expect(counts.reduce((sum, c) => sum + Number(c), 0)).toBe(KEYS);
    // What the engine does next: delete the leaving containers.
    for (const n of nodes.filter((x) => x.spec.shard === 3)) await n.proc.kill();
    for (const s of specs(3)) {
        const view = await as(s.access.port, operator.username, operator.password, "CLUSTER", "NODES");
        expect(view.split("\n").filter((l) => l.trim() !== "")).toHaveLength(6);
    }
    expect(await readAll(3)).toEqual(written);
});

it("no node logged an ACL denial of the operator or the replication user", async () => {
    for (const n of nodes.filter((x) => x.spec.shard < 3)) {
        const log = (await new Promise<unknown[]>((resolve, reject) => {
            const c = new Redis({ host: "127.0.0.1", port: n.port, username: ADMIN.name, password: ADMIN.password, lazyConnect: true });
            c.connect()
                .then(() => c.call("ACL", "LOG"))
                .then((r) => resolve(r as unknown[]), reject)
                .finally(() => c.disconnect());
        })) as Array<Array<string | number>>;
        const entries = log.map((e) => Object.fromEntries(Array.from({ length: e.length / 2 }, (_, i) => [e[2 * i], e[2 * i + 1]])));
        const stack = entries.filter((e) => [INTERNAL_USERS.operator.name as string, INTERNAL_USERS.replication.name].includes(String(e.username)));
        expect([n.spec.name, stack.map((e) => `${e.username}: ${e.reason} ${e.object}`)]).toEqual([n.spec.name, []]);
    }
});

it("the operator reads and writes no value, and cannot flush, reset or reconfigure users' data", async () => {
    const port = nodes[0].port;
    const denied = [
        ["GET", "app:1"],
        ["SET", "app:1", "x"],
        ["DEL", "app:1"],
        ["KEYS", "*"],
        ["SCAN", "0"],
        ["DUMP", "app:1"],
        ["FLUSHALL"],
        ["FLUSHDB"],
        ["CLUSTER", "RESET"],
        ["CLUSTER", "FLUSHSLOTS"],
        ["CLUSTER", "DELSLOTS", "1"],
        ["ACL", "LIST"],
        ["MONITOR"],
        ["SHUTDOWN"],
        ["RESTORE", "x", "0", "x"],
    ];
    for (const command of denied)
        expect([command.join(" "), await as(port, operator.username, operator.password, ...command)]).toEqual([
            command.join(" "),
            expect.stringMatching(/NOPERM/),
        ]);
});
