/**
 * TLS wiring of the containers (issue 11), under mocks, for sentinel and cluster (bridge and host network): every node and sentinel gets its own certificate
 * and key as uploaded files (mode 0600, key secret) that its start command hands to the redis user, a TLS
 * healthcheck, deploy-time links that verify with the CA, and client outputs carrying the CA.
 */
import { MockRun, byType, runStack, unwrapSecret } from "./support/mock-stack";

type Upload = { file: string; content: unknown; permissions?: string };
const uploadsOf = (c: { inputs: Record<string, any> }) => unwrapSecret<Upload[]>(c.inputs.uploads);

describe("sentinel stack with tls.enabled", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack({ topology: "sentinel", replicas: 1, tls: { enabled: true } });
    });

    it("gives every container its own certificate and key as 0600 uploads, the key secret, and no TLS material elsewhere", () => {
        const containers = byType(run, ":Container");
        expect(containers).toHaveLength(5);
        for (const c of containers) {
            const node = c.inputs.labels.find((l: { label: string }) => l.label === "redis-ha.node").value;
            const tls = uploadsOf(c).filter((u) => u.file.startsWith("/usr/local/etc/redis/tls/"));
            expect(tls.map((u) => [u.file, u.permissions, unwrapSecret(u.content)])).toEqual([
                ["/usr/local/etc/redis/tls/ca.crt", "0600", "mock-ca-cert"],
                ["/usr/local/etc/redis/tls/node.crt", "0600", `mock-cert-${node}`],
                ["/usr/local/etc/redis/tls/node.key", "0600", `mock-key-${node}`],
            ]);
            const visible = JSON.stringify([c.inputs.command, c.inputs.envs ?? [], c.inputs.healthcheck, c.inputs.labels]);
            expect(visible).not.toContain("mock-key-");
            expect(c.inputs.command.join(" ")).toContain("chown redis:redis /usr/local/etc/redis/tls");
            expect(c.inputs.healthcheck.tests[1]).toContain("--tls --cacert /usr/local/etc/redis/tls/ca.crt");
        }
    });

    it("deploy-time links verify with the CA: LiveConfig, SentinelReadiness; the data nodes ask the sentinels over TLS", () => {
        for (const live of byType(run, ":LiveConfig")) expect(live.inputs.tls).toEqual({ ca: "mock-ca-cert" });
        expect(byType(run, ":SentinelReadiness")[0].inputs.tls).toEqual({ ca: "mock-ca-cert" });
        const dataNode = byType(run, ":Container").find((c) => c.inputs.name === "redis-ha-test-node-0")!;
        expect(dataNode.inputs.command.join(" ")).toContain('redis-cli -h "$1" -p "$2" --tls --cacert /usr/local/etc/redis/tls/ca.crt');
    });

    it("outputs: caCert, ioredis options with tls, Sentinel options with sentinelTLS, redisCli with --tls --cacert", () => {
        expect(run.outputs.caCert).toBe("mock-ca-cert");
        expect(run.outputs.ioredisOptions).toMatchObject({ tls: { ca: "mock-ca-cert" } });
        expect(run.outputs.ioredisSentinelOptions).toMatchObject({
            sentinelTLS: { ca: "mock-ca-cert" },
            tls: { ca: "mock-ca-cert" },
            enableTLSForSentinelMode: true,
        });
        expect(run.outputs.redisCli).toBe("redis-cli --tls --cacert redis-ha-test-ca.crt -h 127.0.0.1 -p 6379 --askpass");
    });
});

const confOf = (c: { inputs: Record<string, any> }): string => unwrapSecret<string>(uploadsOf(c).find((u) => u.file.endsWith("redis.conf"))!.content);
const lines = (conf: string) => conf.split("\n");
const nodeLabel = (c: { inputs: Record<string, any> }): string => c.inputs.labels.find((l: { label: string }) => l.label === "redis-ha.node").value;

describe("cluster stack with tls.enabled (bridge network)", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack({ topology: "cluster", tls: { enabled: true }, network: { subnet: "10.99.4.0/24" } });
    });

    it("every node serves TLS only, replicates and runs the cluster bus over TLS, from its own 0600 certificate files", () => {
        const containers = byType(run, ":Container");
        expect(containers).toHaveLength(6);
        for (const c of containers) {
            const node = nodeLabel(c);
            expect(lines(confOf(c))).toEqual(
                expect.arrayContaining([
                    "port 0",
                    "tls-port 6379",
                    'tls-cert-file "/usr/local/etc/redis/tls/node.crt"',
                    'tls-key-file "/usr/local/etc/redis/tls/node.key"',
                    'tls-ca-cert-file "/usr/local/etc/redis/tls/ca.crt"',
                    "tls-auth-clients no",
                    "tls-replication yes",
                    "tls-cluster yes",
                    "cluster-enabled yes",
                    `cluster-announce-hostname redis-ha-test-${node}`,
                ]),
            );
            const tls = uploadsOf(c).filter((u) => u.file.startsWith("/usr/local/etc/redis/tls/"));
            expect(tls.map((u) => [u.file, u.permissions, unwrapSecret(u.content)])).toEqual([
                ["/usr/local/etc/redis/tls/ca.crt", "0600", "mock-ca-cert"],
                ["/usr/local/etc/redis/tls/node.crt", "0600", `mock-cert-${node}`],
                ["/usr/local/etc/redis/tls/node.key", "0600", `mock-key-${node}`],
            ]);
            expect(JSON.stringify([c.inputs.command, c.inputs.envs ?? [], c.inputs.healthcheck, c.inputs.labels])).not.toContain("mock-key-");
            expect(c.inputs.command.join(" ")).toContain("chown redis:redis /usr/local/etc/redis/tls");
            expect(c.inputs.healthcheck.tests[1]).toContain("-h 127.0.0.1 -p 6379 --tls --cacert /usr/local/etc/redis/tls/ca.crt");
        }
    });

    it("each certificate names its node as clients and peers reach it: container name, 127.0.0.1, its fixed IP", () => {
        const subjects = byType(run, ":TlsCertificates")[0].inputs.subjects as Array<{ name: string; dnsNames: string[]; ipAddresses: string[] }>;
        const containers = byType(run, ":Container");
        expect(subjects.map((s) => s.name).sort()).toEqual(containers.map(nodeLabel).sort());
        for (const c of containers) {
            const s = subjects.find((x) => x.name === nodeLabel(c))!;
            expect(s).toEqual({
                name: nodeLabel(c),
                dnsNames: [c.inputs.name],
                ipAddresses: ["127.0.0.1", c.inputs.networksAdvanced[0].ipv4Address],
            });
        }
    });

    it("deploy-time links verify with the CA: the formation, every RollGate and LiveConfig", () => {
        expect(byType(run, ":ClusterFormation")[0].inputs.tls).toEqual({ ca: "mock-ca-cert" });
        expect(byType(run, ":RollGate")).toHaveLength(6);
        for (const gate of byType(run, ":RollGate")) expect(gate.inputs.tls).toEqual({ ca: "mock-ca-cert" });
        expect(byType(run, ":LiveConfig")).toHaveLength(6);
        for (const live of byType(run, ":LiveConfig")) expect(live.inputs.tls).toEqual({ ca: "mock-ca-cert" });
    });

    it("outputs: caCert, Cluster options whose redisOptions carry the CA (natMap to 127.0.0.1), redis-cli -c --tls in a node", () => {
        expect(run.outputs.caCert).toBe("mock-ca-cert");
        const opts = run.outputs.ioredisClusterOptions as { options: { natMap: Record<string, unknown>; redisOptions: unknown } };
        expect(opts.options.redisOptions).toEqual({ password: "generated-in-mock", tls: { ca: "mock-ca-cert" } });
        expect(opts.options.natMap["redis-ha-test-shard-0-0:6379"]).toEqual({ host: "127.0.0.1", port: 6379 });
        expect(run.outputs.redisCli).toBe(
            "docker exec -it redis-ha-test-shard-0-0 redis-cli -c --tls --cacert /usr/local/etc/redis/tls/ca.crt --askpass",
        );
        expect(run.outputs.ioredisOptions).toBeUndefined();
    });
});

it("cluster stack with tls.enabled in host mode: TLS on each node's own port, bus on +10000 over TLS, certificates name bindAddress", async () => {
    const run = await runStack({ topology: "cluster", tls: { enabled: true }, network: { mode: "host" }, basePort: 7710, bindAddress: "127.0.0.2" });
    const c = byType(run, ":Container").find((x) => nodeLabel(x) === "shard-1-1")!;
    expect(lines(confOf(c))).toEqual(expect.arrayContaining(["bind 127.0.0.2", "port 0", "tls-port 7811", "tls-replication yes", "tls-cluster yes"]));
    expect(c.inputs.healthcheck.tests[1]).toContain("-h 127.0.0.2 -p 7811 --tls --cacert /usr/local/etc/redis/tls/ca.crt");
    const subjects = byType(run, ":TlsCertificates")[0].inputs.subjects as Array<{ name: string; dnsNames: string[]; ipAddresses: string[] }>;
    expect(subjects.find((s) => s.name === "shard-1-1")).toEqual({
        name: "shard-1-1",
        dnsNames: ["redis-ha-test-shard-1-1"],
        ipAddresses: ["127.0.0.2", "127.0.0.1"],
    });
    const nodes = unwrapSecret<Array<Record<string, any>>>(byType(run, ":ClusterFormation")[0].inputs.nodes);
    expect(nodes.find((n) => n.name === "shard-1-1")).toMatchObject({
        access: { host: "127.0.0.2", port: 7811 },
        meet: { port: 7811, busPort: 17811 },
    });
    const opts = run.outputs.ioredisClusterOptions as { options: Record<string, unknown> };
    expect(opts.options).toEqual({ redisOptions: { password: "generated-in-mock", tls: { ca: "mock-ca-cert" } } });
    expect(run.outputs.redisCli).toBe("redis-cli -c --tls --cacert redis-ha-test-ca.crt -h 127.0.0.2 -p 7710 --askpass");
});
