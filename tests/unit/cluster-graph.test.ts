import { MockRun, byType, isWireSecret, runStack, unwrapSecret } from "./support/mock-stack";

const base = { topology: "cluster", image: "redis-ha-local/redis:7.0" };

const confOf = (c: { inputs: Record<string, any> }): string =>
    unwrapSecret<string>(
        unwrapSecret<Array<{ file: string; content: unknown }>>(c.inputs.uploads).find((u) => u.file.endsWith("redis.conf"))!.content,
    );

const byName = (run: MockRun) => byType(run, ":Container").sort((a, b) => a.inputs.name.localeCompare(b.inputs.name));

describe("cluster topology resource graph (bridge, defaults: 3 shards x 1 replica)", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack(base);
    });

    it("declares one image, one network, six volumes, six containers and one formation resource", () => {
        expect(byType(run, ":RemoteImage")).toHaveLength(1);
        expect(byType(run, ":Network").map((n) => [n.inputs.name, n.inputs.ipamConfigs])).toEqual([
            ["redis-ha-test-net", [{ subnet: "10.251.108.0/22", gateway: "10.251.108.1" }]],
        ]);
        const names = ["shard-0-0", "shard-0-1", "shard-1-0", "shard-1-1", "shard-2-0", "shard-2-1"].map((n) => `redis-ha-test-${n}`);
        expect(byName(run).map((c) => c.inputs.name)).toEqual(names);
        expect(
            byType(run, ":Volume")
                .map((v) => v.inputs.name)
                .sort(),
        ).toEqual(names.map((n) => `${n}-data`));
        expect(byType(run, ":ClusterFormation")).toHaveLength(1);
        expect(byType(run, ":Cluster").map((c) => c.name)).toEqual(["redis-ha-test"]);
    });

    it("attaches every node to the stack network under its name with a fixed IP", () => {
        expect(byName(run).map((c) => c.inputs.networksAdvanced)).toEqual(
            byName(run).map((c) => [
                { name: "redis-ha-test-net", aliases: [c.inputs.name], ipv4Address: expect.stringMatching(/^10\.251\.108\.1[01]?\d$/) },
            ]),
        );
        expect(new Set(byName(run).map((c) => c.inputs.networksAdvanced[0].ipv4Address)).size).toBe(6);
    });

    it("publishes the walkthrough ports (6379-6381 masters, 6479-6481 replicas) and never the bus", () => {
        const ports = Object.fromEntries(byName(run).map((c) => [c.inputs.name.replace("redis-ha-test-", ""), c.inputs.ports]));
        const published = (p: number) => [{ internal: 6379, external: p, ip: "127.0.0.1", protocol: "tcp" }];
        expect(ports).toEqual({
            "shard-0-0": published(6379),
            "shard-1-0": published(6380),
            "shard-2-0": published(6381),
            "shard-0-1": published(6479),
            "shard-1-1": published(6480),
            "shard-2-1": published(6481),
        });
    });

    it("renders a secret cluster redis.conf: cluster-enabled, nodes.conf in /data, announced container name, no replicaof", () => {
        for (const c of byName(run)) {
            expect(
                isWireSecret(c.inputs.uploads) || unwrapSecret<Array<{ content: unknown }>>(c.inputs.uploads).every((u) => isWireSecret(u.content)),
            ).toBe(true);
            const conf = confOf(c);
            expect(conf).toMatch(/^cluster-enabled yes$/m);
            expect(conf).toMatch(/^dir \/data$/m);
            expect(conf).toMatch(/^cluster-config-file nodes\.conf$/m);
            // Live: kept out of the upload, seeded at creation and kept by LiveConfig.
            expect(conf).not.toMatch(/^cluster-node-timeout/m);
            expect(c.inputs.envs[0]).toMatch(/^cluster-node-timeout "5000"$/m);
            expect(conf).toMatch(new RegExp(`^cluster-announce-hostname ${c.inputs.name}$`, "m"));
            expect(conf).toMatch(/^cluster-preferred-endpoint-type hostname$/m);
            expect(conf).toMatch(/^requirepass "generated-in-mock"$/m);
            expect(conf).toMatch(/^masterauth "generated-in-mock"$/m);
            expect(c.inputs.envs[0]).toMatch(/^appendonly "yes"$/m);
            expect(conf).not.toMatch(/^(replicaof|replica-announce-ip|cluster-announce-ip)/m);
            expect(JSON.stringify(c.inputs.command)).not.toContain("generated-in-mock");
        }
    });

    it("gives the formation every node: shard, initial role, published access, fixed IP to meet, container id", () => {
        const f = byType(run, ":ClusterFormation")[0].inputs;
        expect(f.clusterName).toBe("redis-ha-test");
        expect(f.nodeTimeoutMs).toBe(5000);
        expect(f.timeoutMs).toBe(60000);
        expect(isWireSecret(f.password)).toBe(true);
        const nodes = unwrapSecret<Array<Record<string, any>>>(f.nodes);
        expect(nodes.map((n) => [n.name, n.shard, n.role, n.access.port])).toEqual([
            ["shard-0-0", 0, "master", 6379],
            ["shard-1-0", 1, "master", 6380],
            ["shard-2-0", 2, "master", 6381],
            ["shard-0-1", 0, "replica", 6479],
            ["shard-1-1", 1, "replica", 6480],
            ["shard-2-1", 2, "replica", 6481],
        ]);
        const ipOf = Object.fromEntries(byName(run).map((c) => [c.inputs.name, c.inputs.networksAdvanced[0].ipv4Address]));
        expect(nodes.map((n) => n.meet.host)).toEqual([
            "10.251.108.10",
            "10.251.108.11",
            "10.251.108.12",
            "10.251.108.110",
            "10.251.108.111",
            "10.251.108.112",
        ]);
        for (const n of nodes) {
            expect(n.access.host).toBe("127.0.0.1");
            expect(n.meet.host).toBe(ipOf[`redis-ha-test-${n.name}`]);
            expect(n.meet).toMatchObject({ port: 6379, busPort: 16379 });
            expect(n.revision).toBe(`redis-ha-test-${n.name}-container-id`);
        }
    });

    it("exports nodes with live roles and slots, seed nodes, and secret Cluster options with a natMap", () => {
        expect(run.outputs.topology).toBe("cluster");
        expect((run.outputs.nodes as Array<Record<string, unknown>>)[0]).toEqual({
            name: "shard-0-0",
            containerName: "redis-ha-test-shard-0-0",
            role: "master",
            host: "127.0.0.1",
            port: 6379,
            shard: 0,
            slots: ["mock-0"],
        });
        expect(run.outputs.seedNodes).toEqual([6379, 6380, 6381].map((port) => ({ host: "127.0.0.1", port })));
        const opts = run.outputs.ioredisClusterOptions as {
            startupNodes: unknown;
            options: { natMap: Record<string, unknown>; redisOptions: unknown };
        };
        expect(opts.startupNodes).toEqual(run.outputs.seedNodes);
        expect(opts.options.redisOptions).toEqual({ password: "generated-in-mock" });
        expect(opts.options).toMatchObject({ maxRedirections: 128 });
        expect(opts.options.natMap["redis-ha-test-shard-1-1:6379"]).toEqual({ host: "127.0.0.1", port: 6480 });
        expect(Object.keys(opts.options.natMap)).toHaveLength(6);
        // redis-cli on the host cannot resolve the container names MOVED names; inside the network it can.
        expect(run.outputs.redisCli).toBe("docker exec -it redis-ha-test-shard-0-0 redis-cli -c --askpass");
        expect(run.outputs.master).toBeUndefined();
        expect(run.secretOutputs.sort()).toEqual(["ioredisClusterOptions", "password"]);
    });
});

describe("cluster shape and network mode change the graph", () => {
    it("4 shards x 2 replicas: twelve nodes, three per shard, replica rounds on +100/+200", async () => {
        const run = await runStack({ ...base, cluster: { shards: 4, replicasPerShard: 2 }, basePort: 7000 });
        expect(byType(run, ":Container")).toHaveLength(12);
        expect(byType(run, ":Volume")).toHaveLength(12);
        const nodes = unwrapSecret<Array<{ name: string; shard: number; role: string; access: { port: number } }>>(
            byType(run, ":ClusterFormation")[0].inputs.nodes,
        );
        for (let shard = 0; shard < 4; shard++) {
            expect(nodes.filter((n) => n.shard === shard).map((n) => [n.role, n.access.port])).toEqual([
                ["master", 7000 + shard],
                ["replica", 7100 + shard],
                ["replica", 7200 + shard],
            ]);
        }
    });

    it("network.subnet replaces the derived subnet: network ipam and node IPs come from it", async () => {
        const run = await runStack({ ...base, network: { subnet: "10.99.4.0/24" } });
        expect(byType(run, ":Network")[0].inputs.ipamConfigs).toEqual([{ subnet: "10.99.4.0/24", gateway: "10.99.4.1" }]);
        expect(
            byName(run)
                .map((c) => c.inputs.networksAdvanced[0].ipv4Address)
                .sort(),
        ).toEqual(["10.99.4.10", "10.99.4.11", "10.99.4.110", "10.99.4.111", "10.99.4.112", "10.99.4.12"]);
    });

    it("a node's address follows its port offset, so adding shards or replica rounds never moves an existing node", async () => {
        const ips = async (cluster: { shards: number; replicasPerShard: number }) => {
            const r = await runStack({ ...base, cluster, network: { subnet: "10.99.4.0/24" } });
            return Object.fromEntries(byName(r).map((c) => [c.inputs.name, c.inputs.networksAdvanced[0].ipv4Address]));
        };
        const three = await ips({ shards: 3, replicasPerShard: 1 });
        const grown = await ips({ shards: 5, replicasPerShard: 2 });
        expect(three["redis-ha-test-shard-2-1"]).toBe("10.99.4.112");
        for (const [name, ip] of Object.entries(three)) expect(grown[name]).toBe(ip);
        expect(grown["redis-ha-test-shard-4-2"]).toBe("10.99.4.214");
    });

    it("3 shards x 0 replicas: three masters only", async () => {
        const run = await runStack({ ...base, cluster: { shards: 3, replicasPerShard: 0 } });
        expect(byType(run, ":Container")).toHaveLength(3);
        expect((run.outputs.nodes as Array<{ role: string }>).every((n) => n.role === "master")).toBe(true);
    });

    it("host mode: no network, nodes bind bindAddress on their host port, meet there with bus port + 10000, no natMap", async () => {
        const run = await runStack({ ...base, network: { mode: "host" }, basePort: 7710 });
        expect(byType(run, ":Network")).toHaveLength(0);
        const c = byName(run)[0];
        expect(c.inputs.networkMode).toBe("host");
        expect(c.inputs.ports).toBeUndefined();
        const conf = confOf(c);
        expect(conf).toMatch(/^bind 127\.0\.0\.1$/m);
        expect(conf).toMatch(/^port 7710$/m);
        expect(conf).not.toMatch(/^cluster-announce-hostname/m);
        const nodes = unwrapSecret<Array<Record<string, any>>>(byType(run, ":ClusterFormation")[0].inputs.nodes);
        expect(nodes.find((n) => n.name === "shard-1-1")).toMatchObject({
            access: { host: "127.0.0.1", port: 7811 },
            meet: { host: "127.0.0.1", port: 7811, busPort: 17811 },
        });
        const opts = run.outputs.ioredisClusterOptions as { options: Record<string, unknown> };
        expect(opts.options.natMap).toBeUndefined();
        expect(run.outputs.redisCli).toBe("redis-cli -c -h 127.0.0.1 -p 7710 --askpass");
    });
});

describe("invalid cluster shapes are rejected before any resource exists", () => {
    it.each([
        [{ shards: 2 }, /cluster\.shards/],
        [{ shards: 101 }, /cluster\.shards/],
        [{ replicasPerShard: 6 }, /cluster\.replicasPerShard/],
        [{ replicasPerShard: -1 }, /cluster\.replicasPerShard/],
        [{ shard: 3 }, /cluster\.shard/],
    ])("cluster %j", async (cluster, message) => {
        const err = await runStack({ ...base, cluster }).catch((e) => e);
        expect(err).toBeInstanceOf(Error);
        expect(String(err.message)).toMatch(message);
        expect(err.declaredResources).toEqual([]);
    });

    it("host mode bus ports that collide with another node's port are rejected", async () => {
        // basePort 55000: replica rounds reach 65000+, buses past 65535.
        const err = await runStack({ ...base, network: { mode: "host" }, basePort: 60000 }).catch((e) => e);
        expect(err).toBeInstanceOf(Error);
        expect(err.declaredResources).toEqual([]);
    });
});
