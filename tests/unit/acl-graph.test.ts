/**
 * ACL wiring of the stack (issue 11), under mocks: every data node gets an AclUsers resource holding the
 * application users as hashes (secret), its redis.conf the stack's own users only, the healthcheck and every
 * deploy-time link log in as the operator user, the sentinels as their own user; the outputs name the client
 * user when the default user is off; no ACL password shows in anything `docker inspect` prints. Cluster nodes
 * too: the operator there also forms and reshards, with its cluster rules.
 */
import { createHash } from "crypto";
import { MockRun, byType, isWireSecret, runStack, unwrapSecret } from "./support/mock-stack";

type Upload = { file: string; content: unknown; permissions?: string };
const uploadsOf = (c: { inputs: Record<string, any> }) => unwrapSecret<Upload[]>(c.inputs.uploads);
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const APP = { name: "app", password: "app-pw-unit", rules: "~app:* +@read +@write -@dangerous" };
const clusterRedisOptions = (run: MockRun) => (run.outputs.ioredisClusterOptions as { options: { redisOptions: unknown } }).options.redisOptions;
const nodeOf = (c: { inputs: Record<string, any> }) => c.inputs.labels.find((l: { label: string }) => l.label === "redis-ha.node").value as string;

describe("sentinel stack with acl.defaultUser off", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack(
            { topology: "sentinel", replicas: 1, password: "stack-pw-unit", acl: { defaultUser: "off", users: [APP] } },
            { secretKeys: ["password", "acl"] },
        );
    });

    it("declares one AclUsers per data node (none for sentinels), with the users as SHA-256 only, secret, logging in as the operator", () => {
        const acl = byType(run, ":AclUsers");
        expect(acl.map((a) => a.inputs.name).sort()).toEqual(["node-0", "node-1"]);
        for (const a of acl) {
            expect(a.inputs.username).toBe("redis-ha-operator");
            expect(isWireSecret(a.inputs.users)).toBe(true);
            expect(isWireSecret(a.inputs.password)).toBe(true);
            expect(unwrapSecret(a.inputs.users)).toEqual([{ name: "app", passwordSha256: sha(APP.password), rules: APP.rules }]);
            expect(JSON.stringify(a.inputs)).not.toContain(APP.password);
        }
    });

    it("data nodes: redis.conf has the stack's own users and the default user off, not the application user; healthcheck as the operator", () => {
        const dataNodes = byType(run, ":Container").filter((c) => nodeOf(c).startsWith("node-"));
        expect(dataNodes).toHaveLength(2);
        for (const c of dataNodes) {
            const conf = unwrapSecret<string>(uploadsOf(c).find((u) => u.file === "/usr/local/etc/redis/redis.conf")!.content);
            const users = conf.split("\n").filter((l) => l.startsWith("user "));
            expect(users.map((l) => l.split(" ")[1])).toEqual(["redis-ha-replication", "redis-ha-sentinel", "redis-ha-operator", "default"]);
            expect(users[3]).toBe("user default reset off");
            expect(conf).toMatch(/^masteruser redis-ha-replication$/m);
            expect(conf).not.toMatch(/^requirepass/m);
            expect(conf).not.toContain("stack-pw-unit");
            expect(conf).not.toContain(APP.password);
            expect(conf).not.toContain(sha(APP.password));
            const health = uploadsOf(c).find((u) => u.file === "/usr/local/etc/redis/health-auth")!;
            expect(health.permissions).toBe("0600");
            expect(unwrapSecret(health.content)).toBe("generated-in-mock");
            expect(c.inputs.healthcheck.tests[1]).toContain("--user redis-ha-operator --askpass ping < /usr/local/etc/redis/health-auth");
            const visible = JSON.stringify([c.inputs.command, c.inputs.envs ?? [], c.inputs.healthcheck, c.inputs.labels]);
            for (const secret of [APP.password, sha(APP.password), "stack-pw-unit", "generated-in-mock"]) expect(visible).not.toContain(secret);
        }
    });

    it("sentinels log in to the data nodes as redis-ha-sentinel and keep the stack password themselves", () => {
        const sentinels = byType(run, ":Container").filter((c) => nodeOf(c).startsWith("sentinel-"));
        expect(sentinels).toHaveLength(3);
        for (const c of sentinels) {
            const seed = unwrapSecret<string>(uploadsOf(c).find((u) => u.file === "/usr/local/etc/redis/sentinel.conf")!.content);
            expect(seed).toContain("sentinel auth-user mymaster redis-ha-sentinel");
            expect(seed).toContain('sentinel auth-pass mymaster "generated-in-mock"');
            expect(seed).toContain('requirepass "stack-pw-unit"');
            expect(c.inputs.healthcheck.tests[1]).not.toContain("--user");
            expect(uploadsOf(c).some((u) => u.file.endsWith("health-auth"))).toBe(false);
        }
    });

    it("deploy-time links: LiveConfig, readiness and the roll gates log in to data nodes as the operator, to sentinels with the stack password", () => {
        for (const live of byType(run, ":LiveConfig")) expect(live.inputs.username).toBe("redis-ha-operator");
        const readiness = byType(run, ":SentinelReadiness")[0].inputs;
        expect(readiness.username).toBe("redis-ha-operator");
        expect(unwrapSecret(readiness.password)).toBe("generated-in-mock");
        expect(unwrapSecret(readiness.sentinelPassword)).toBe("stack-pw-unit");
        const gates = byType(run, ":RollGate");
        expect(gates).toHaveLength(5);
        for (const g of gates) {
            expect(g.inputs.username).toBe("redis-ha-operator");
            expect(unwrapSecret(g.inputs.password)).toBe("generated-in-mock");
            expect(unwrapSecret(g.inputs.sentinelPassword)).toBe("stack-pw-unit");
        }
    });

    it("outputs name the first application user; its password stays secret", () => {
        expect(run.outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 6379, username: "app", password: APP.password });
        expect(run.outputs.redisCli).toBe("redis-cli --user app -h 127.0.0.1 -p 6379 --askpass");
        expect(run.outputs.ioredisSentinelOptions).toMatchObject({ username: "app", password: APP.password, sentinelPassword: "stack-pw-unit" });
        expect(run.secretOutputs).toEqual(expect.arrayContaining(["ioredisOptions", "ioredisSentinelOptions", "password"]));
    });
});

describe("replication stack with acl.users and the default user on", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack(
            { topology: "replication", replicas: 1, password: "stack-pw-unit", acl: { users: [APP] } },
            { secretKeys: ["password", "acl"] },
        );
    });

    it("keeps requirepass and the outputs' default user; replication and the providers use their own users", () => {
        expect(run.outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 6379, password: "stack-pw-unit" });
        expect(run.outputs.redisCli).toBe("redis-cli -h 127.0.0.1 -p 6379 --askpass");
        const conf = unwrapSecret<string>(uploadsOf(byType(run, ":Container")[0]).find((u) => u.file === "/usr/local/etc/redis/redis.conf")!.content);
        expect(conf).toContain('requirepass "stack-pw-unit"');
        expect(
            conf
                .split("\n")
                .filter((l) => l.startsWith("user "))
                .map((l) => l.split(" ")[1]),
        ).toEqual(["redis-ha-replication", "redis-ha-operator"]);
        expect(byType(run, ":AclUsers")).toHaveLength(2);
        expect(byType(run, ":ReplicationReadiness")[0].inputs.username).toBe("redis-ha-operator");
    });
});

it("without ACL settings the graph has no AclUsers, no operator login and the healthcheck as before", async () => {
    const run = await runStack({ topology: "standalone" });
    expect(byType(run, ":AclUsers")).toEqual([]);
    expect(byType(run, ":LiveConfig")[0].inputs.username).toBeUndefined();
    const [container] = byType(run, ":Container");
    expect(container.inputs.healthcheck.tests[1]).toContain("--askpass ping < /usr/local/etc/redis/auth");
    expect(uploadsOf(container).map((u) => u.file)).not.toContain("/usr/local/etc/redis/health-auth");
});

describe("cluster stack with acl.defaultUser off", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack(
            { topology: "cluster", image: "redis-ha-local/redis:7.0", password: "stack-pw-unit", acl: { defaultUser: "off", users: [APP] } },
            { secretKeys: ["password", "acl"] },
        );
    });

    it("every node: the stack's own users (the operator with its cluster rules), the default user off, masteruser; healthcheck as the operator", () => {
        const containers = byType(run, ":Container");
        expect(containers).toHaveLength(6);
        const userLines = new Set<string>();
        for (const c of containers) {
            const conf = unwrapSecret<string>(uploadsOf(c).find((u) => u.file === "/usr/local/etc/redis/redis.conf")!.content);
            expect(conf).toMatch(/^cluster-enabled yes$/m);
            const users = conf.split("\n").filter((l) => l.startsWith("user "));
            expect(users.map((l) => l.split(" ")[1])).toEqual(["redis-ha-replication", "redis-ha-operator", "default"]);
            users.forEach((l) => userLines.add(l));
            expect(users[1]).toContain(" +cluster|setslot ");
            expect(users[1]).toContain(" +migrate ");
            expect(users[1]).toMatch(/ ~\*$/);
            expect(users[0]).toBe(`user redis-ha-replication reset on #${sha("generated-in-mock")} +psync +replconf +ping`);
            expect(conf).toMatch(/^masteruser redis-ha-replication$/m);
            expect(conf).toMatch(/^masterauth "generated-in-mock"$/m);
            expect(conf).not.toMatch(/^requirepass/m);
            expect(conf).not.toContain(APP.password);
            expect(c.inputs.healthcheck.tests[1]).toContain("--user redis-ha-operator --askpass ping < /usr/local/etc/redis/health-auth");
        }
        // The same lines on every node, masters and replicas alike.
        expect(userLines.size).toBe(3);
    });

    it("the formation, LiveConfig, AclUsers and every roll gate log in as the operator", () => {
        const formation = byType(run, ":ClusterFormation")[0].inputs;
        expect(formation.username).toBe("redis-ha-operator");
        expect(unwrapSecret(formation.password)).toBe("generated-in-mock");
        for (const live of byType(run, ":LiveConfig")) expect(live.inputs.username).toBe("redis-ha-operator");
        const acl = byType(run, ":AclUsers");
        expect(acl).toHaveLength(6);
        for (const a of acl) {
            expect(a.inputs.username).toBe("redis-ha-operator");
            expect(unwrapSecret(a.inputs.users)).toEqual([{ name: "app", passwordSha256: sha(APP.password), rules: APP.rules }]);
        }
        const gates = byType(run, ":RollGate");
        expect(gates).toHaveLength(6);
        for (const g of gates) {
            expect(g.inputs.username).toBe("redis-ha-operator");
            expect(unwrapSecret(g.inputs.password)).toBe("generated-in-mock");
        }
        expect(byType(run, ":RollPlan")[0].inputs.username).toBe("redis-ha-operator");
    });

    it("the Cluster client options and redisCli name the application user; its password stays secret", () => {
        expect(clusterRedisOptions(run)).toEqual({ username: "app", password: APP.password });
        expect(run.outputs.redisCli).toBe("docker exec -it redis-ha-test-shard-0-0 redis-cli -c --user app --askpass");
        expect(run.secretOutputs).toEqual(expect.arrayContaining(["ioredisClusterOptions", "password"]));
    });
});

it("a cluster stack with acl.users and the default user on keeps the stack password for clients", async () => {
    const run = await runStack(
        { topology: "cluster", image: "redis-ha-local/redis:7.0", password: "stack-pw-unit", acl: { users: [APP] } },
        { secretKeys: ["password", "acl"] },
    );
    expect(clusterRedisOptions(run)).toEqual({ password: "stack-pw-unit" });
    expect(run.outputs.redisCli).toBe("docker exec -it redis-ha-test-shard-0-0 redis-cli -c --askpass");
    expect(byType(run, ":ClusterFormation")[0].inputs.username).toBe("redis-ha-operator");
});
