import { nodeIp, stackSubnet } from "../../components/docker/subnet";
import { DeclaredResource, MockRun, byType, isWireSecret, runStack, unwrapSecret } from "./support/mock-stack";

const base = { topology: "sentinel", replicas: 2, image: "redis-ha-local/redis:7.0", sentinel: { downAfterMs: 1000 } };

type Upload = { file: string; content: unknown };
const uploadsOf = (c: DeclaredResource) => unwrapSecret<Upload[]>(c.inputs.uploads);
const uploaded = (c: DeclaredResource, file: string) => unwrapSecret<string>(uploadsOf(c).find((u) => u.file === file)!.content);
const containerNamed = (run: MockRun, name: string) => byType(run, ":Container").find((c) => c.inputs.name === name)!;

describe("sentinel topology resource graph (bridge network)", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack(base);
    });

    it("declares the image, the network, master, replicas, sentinels with their volumes, and the readiness gate", () => {
        expect(byType(run, ":RemoteImage")).toHaveLength(1);
        expect(byType(run, ":Network").map((n) => n.inputs.name)).toEqual(["redis-ha-test-net"]);
        const names = ["node-0", "node-1", "node-2", "sentinel-0", "sentinel-1", "sentinel-2"].map((n) => `redis-ha-test-${n}`);
        expect(
            byType(run, ":Container")
                .map((c) => c.inputs.name)
                .sort(),
        ).toEqual(names);
        expect(
            byType(run, ":Volume")
                .map((v) => v.inputs.name)
                .sort(),
        ).toEqual(names.map((n) => `${n}-data`));
        expect(byType(run, ":SentinelReadiness")).toHaveLength(1);
        expect(byType(run, ":Sentinel").map((r) => r.type)).toEqual(["redis-ha:index:Sentinel"]);
    });

    it("publishes sentinels on basePort + 20000 + i and labels them with their role", () => {
        [0, 1, 2].forEach((i) => {
            const c = containerNamed(run, `redis-ha-test-sentinel-${i}`);
            expect(c.inputs.ports).toEqual([{ internal: 26379, external: 26379 + i, ip: "127.0.0.1", protocol: "tcp" }]);
            // A fixed address (sentinel j at index 64 + j of the stack subnet), the same on every run.
            expect(c.inputs.networksAdvanced).toEqual([
                { name: "redis-ha-test-net", aliases: [c.inputs.name], ipv4Address: nodeIp(stackSubnet("redis-ha-test"), 64 + i) },
            ]);
            expect(c.inputs.volumes).toEqual([{ volumeName: `${c.inputs.name}-data`, containerPath: "/data" }]);
            expect(c.inputs.labels).toEqual(
                expect.arrayContaining([
                    { label: "redis-ha.role", value: "sentinel" },
                    { label: "redis-ha.node", value: `sentinel-${i}` },
                ]),
            );
        });
    });

    it("uploads a rendered sentinel seed config and runs the sentinel on its writable copy in /data", () => {
        const c = containerNamed(run, "redis-ha-test-sentinel-1");
        expect(isWireSecret(c.inputs.uploads) || uploadsOf(c).every((u) => isWireSecret(u.content))).toBe(true);
        const conf = uploaded(c, "/usr/local/etc/redis/sentinel.conf");
        expect(conf).toContain('requirepass "generated-in-mock"');
        expect(conf).toContain('sentinel sentinel-pass "generated-in-mock"');
        // Quorum and tunables are live: seeded at creation (the container ignores later values), SENTINEL SET after.
        expect(conf).not.toMatch(/^sentinel (monitor|down-after-milliseconds|failover-timeout|parallel-syncs) /m);
        const seed = c.inputs.envs.join("\n");
        expect(c.ignoreChanges).toEqual(["envs"]);
        expect(seed).toMatch(/^REDIS_HA_LIVE_CONF=sentinel monitor mymaster redis-ha-test-node-0 6379 2$/m);
        expect(seed).toMatch(/^sentinel down-after-milliseconds mymaster 1000$/m);
        expect(seed).not.toContain("generated-in-mock");
        expect(conf).toMatch(/^sentinel auth-pass mymaster "generated-in-mock"$/m);
        expect(conf).toMatch(/^sentinel announce-ip redis-ha-test-sentinel-1$/m);
        expect(conf).toMatch(/^sentinel announce-port 26379$/m);
        expect(conf).toMatch(/^sentinel resolve-hostnames yes$/m);
        expect(conf).toMatch(/^sentinel announce-hostnames yes$/m);
        const script = c.inputs.command.join(" ");
        expect(script).toContain("/usr/local/etc/redis/sentinel.conf > /data/sentinel.conf.seed");
        expect(script).toContain("exec docker-entrypoint.sh redis-server /data/sentinel.conf --sentinel");
        expect(script).not.toContain("generated-in-mock");
    });

    it("starts data nodes through the sentinel-aware script: regenerated config, replicaof from the sentinels", () => {
        const node0 = containerNamed(run, "redis-ha-test-node-0");
        const [sh, flag, script] = node0.inputs.command;
        expect([sh, flag]).toEqual(["sh", "-c"]);
        expect(script).toContain('for s in "redis-ha-test-sentinel-0 26379" "redis-ha-test-sentinel-1 26379" "redis-ha-test-sentinel-2 26379"; do');
        expect(script).toContain("SENTINEL get-master-addr-by-name mymaster < /usr/local/etc/redis/auth");
        expect(script).toContain('if [ "$master" = "redis-ha-test-node-0 6379" ]; then');
        expect(script).toContain("exec docker-entrypoint.sh redis-server /data/redis.conf");
        expect(script).not.toContain("generated-in-mock");
        const conf1 = uploaded(containerNamed(run, "redis-ha-test-node-1"), "/usr/local/etc/redis/redis.conf");
        expect(conf1).toMatch(/^replicaof redis-ha-test-node-0 6379$/m);
        expect(conf1).toMatch(/^replica-announce-ip redis-ha-test-node-1$/m);
        expect(uploaded(node0, "/usr/local/etc/redis/redis.conf")).not.toMatch(/^replicaof/m);
    });

    it("gates readiness on every sentinel and data node through published ports, with the tunables and secret passwords", () => {
        const gate = byType(run, ":SentinelReadiness")[0].inputs;
        expect(gate.masterName).toBe("mymaster");
        expect(gate.sentinels.map((s: { name: string; access: unknown }) => [s.name, s.access])).toEqual([
            ["sentinel-0", { host: "127.0.0.1", port: 26379 }],
            ["sentinel-1", { host: "127.0.0.1", port: 26380 }],
            ["sentinel-2", { host: "127.0.0.1", port: 26381 }],
        ]);
        expect(gate.master).toMatchObject({ name: "node-0", access: { host: "127.0.0.1", port: 6379 }, containerId: expect.any(String) });
        expect(gate.replicas.map((r: { access: unknown }) => r.access)).toEqual([
            { host: "127.0.0.1", port: 6380 },
            { host: "127.0.0.1", port: 6381 },
        ]);
        expect(gate.tunables).toEqual({ quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 60000, parallelSyncs: 1 });
        expect(isWireSecret(gate.password)).toBe(true);
        expect(isWireSecret(gate.sentinelPassword)).toBe(true);
        expect(typeof gate.__provider).toBe("string");
    });

    it("exports nodes, master, sentinels and secret ioredis Sentinel options with a natMap for the published ports", () => {
        expect(run.outputs.topology).toBe("sentinel");
        expect(run.outputs.master).toEqual({ host: "127.0.0.1", port: 6379 });
        expect((run.outputs.nodes as Array<{ role: string }>).map((n) => n.role)).toEqual(["master", "replica", "replica"]);
        expect(run.outputs.sentinels).toEqual(
            [0, 1, 2].map((i) => ({ name: `sentinel-${i}`, containerName: `redis-ha-test-sentinel-${i}`, host: "127.0.0.1", port: 26379 + i })),
        );
        const options = run.outputs.ioredisSentinelOptions as Record<string, any>;
        expect(options).toMatchObject({ name: "mymaster", password: "generated-in-mock", sentinelPassword: "generated-in-mock" });
        expect(options.sentinels).toEqual([0, 1, 2].map((i) => ({ host: "127.0.0.1", port: 26379 + i })));
        expect(options.natMap["redis-ha-test-node-2:6379"]).toEqual({ host: "127.0.0.1", port: 6381 });
        expect(options.natMap["redis-ha-test-sentinel-2:26379"]).toEqual({ host: "127.0.0.1", port: 26381 });
        expect(run.secretOutputs.sort()).toEqual(["ioredisOptions", "ioredisSentinelOptions", "password"]);
    });
});

describe("sentinel topology in host mode", () => {
    it("announces bindAddress and host ports, binds to bindAddress, and exports no natMap", async () => {
        const run = await runStack({ ...base, network: { mode: "host" }, basePort: 7000, sentinel: { count: 3, masterName: "cache" } });
        expect(byType(run, ":Network")).toHaveLength(0);
        const s0 = containerNamed(run, "redis-ha-test-sentinel-0");
        expect(s0.inputs.networkMode).toBe("host");
        const conf = uploaded(s0, "/usr/local/etc/redis/sentinel.conf");
        expect(conf).toMatch(/^bind 127\.0\.0\.1$/m);
        expect(conf).toMatch(/^port 27000$/m);
        expect(conf).toMatch(/^sentinel announce-ip 127\.0\.0\.1$/m);
        expect(conf).toMatch(/^sentinel announce-port 27000$/m);
        expect(s0.inputs.envs[0]).toMatch(/^REDIS_HA_LIVE_CONF=sentinel monitor cache 127\.0\.0\.1 7000 2$/m);
        expect(conf).toMatch(/^sentinel resolve-hostnames no$/m);
        const script = containerNamed(run, "redis-ha-test-node-1").inputs.command[2];
        expect(script).toContain('for s in "127.0.0.1 27000" "127.0.0.1 27001" "127.0.0.1 27002"; do');
        expect(script).toContain('if [ "$master" = "127.0.0.1 7001" ]; then');
        const conf1 = uploaded(containerNamed(run, "redis-ha-test-node-1"), "/usr/local/etc/redis/redis.conf");
        expect(conf1).toMatch(/^replica-announce-ip 127\.0\.0\.1$/m);
        expect(conf1).toMatch(/^replicaof 127\.0\.0\.1 7000$/m);
        const options = run.outputs.ioredisSentinelOptions as Record<string, unknown>;
        expect(options.natMap).toBeUndefined();
        expect(options.name).toBe("cache");
    });
});

describe("invalid sentinel settings", () => {
    it.each([
        [{ sentinel: { quorum: 4 } }, /redis-ha:sentinel\.quorum: must be between 1 and sentinel\.count \(3\), got 4/],
        [{ replicas: 0 }, /redis-ha:replicas: topology sentinel needs at least 1 replica/],
    ])("%j is rejected before any resource exists", async (bad, message) => {
        const failure = await runStack({ ...base, ...bad }).then(
            () => undefined,
            (err: Error & { declaredResources?: unknown[] }) => err,
        );
        expect(failure?.message).toMatch(message);
        expect(failure?.declaredResources).toEqual([]);
    });
});
