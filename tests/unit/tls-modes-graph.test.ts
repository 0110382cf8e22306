/**
 * tls.authClients yes and tls.allowPlaintext under mocks: who presents which certificate (the providers the
 * client certificate, the healthcheck and a data node's start script the node's own), the plain-text port
 * each node serves and publishes, and what the outputs hand to clients.
 */
import { MockRun, byType, isWireSecret, runStack, unwrapSecret } from "./support/mock-stack";

type Upload = { file: string; content: unknown; permissions?: string };
const uploadsOf = (c: { inputs: Record<string, any> }) => unwrapSecret<Upload[]>(c.inputs.uploads);
const confOf = (c: { inputs: Record<string, any> }): string =>
    unwrapSecret<string>(uploadsOf(c).find((u) => u.file.endsWith("redis.conf") || u.file.endsWith("sentinel.conf"))!.content);
const lines = (conf: string) => conf.split("\n");
const CLIENT_TLS = { ca: "mock-ca-cert", cert: "mock-cert-client", key: "mock-key-client" };
const NODE_CLIENT_FLAGS = "--cert /usr/local/etc/redis/tls/node.crt --key /usr/local/etc/redis/tls/node.key";

describe("sentinel stack with tls.authClients yes and tls.allowPlaintext", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack({ topology: "sentinel", replicas: 1, basePort: 7000, tls: { enabled: true, authClients: "yes", allowPlaintext: true } });
    });

    it("issues a client certificate (clientAuth only, no names) beside the nodes'", () => {
        const subjects = byType(run, ":TlsCertificates")[0].inputs.subjects as Array<{ name: string; use?: string }>;
        expect(subjects.map((s) => s.name)).toEqual(["node-0", "node-1", "sentinel-0", "sentinel-1", "sentinel-2", "client"]);
        expect(subjects[5]).toEqual({ name: "client", dnsNames: [], ipAddresses: [], use: "client" });
    });

    it("every node asks for a client certificate and also serves plain text on its TLS port + 1000, published likewise", () => {
        for (const c of byType(run, ":Container")) {
            const conf = lines(confOf(c));
            const tlsPort = c.inputs.name.includes("sentinel") ? 26379 : 6379;
            expect(conf).toEqual(expect.arrayContaining([`port ${tlsPort + 1000}`, `tls-port ${tlsPort}`, "tls-auth-clients yes"]));
            const published = (c.inputs.ports as Array<{ internal: number; external: number }>).map((p) => [p.internal, p.external]);
            expect(published).toHaveLength(2);
            expect(published[1]).toEqual([tlsPort + 1000, published[0][1] + 1000]);
        }
    });

    it("the healthcheck and a data node's start script present the node's own certificate; no key in any visible place", () => {
        for (const c of byType(run, ":Container")) {
            expect(c.inputs.healthcheck.tests[1]).toContain(`--tls --cacert /usr/local/etc/redis/tls/ca.crt ${NODE_CLIENT_FLAGS}`);
            expect(JSON.stringify([c.inputs.command, c.inputs.envs ?? [], c.inputs.healthcheck, c.inputs.labels])).not.toContain("mock-key-");
        }
        const dataNode = byType(run, ":Container").find((c) => c.inputs.name === "redis-ha-test-node-0")!;
        expect(dataNode.inputs.command.join(" ")).toContain(`--tls --cacert /usr/local/etc/redis/tls/ca.crt ${NODE_CLIENT_FLAGS}`);
    });

    it("every deploy-time provider presents the client certificate, its input secret", () => {
        const providers = [":LiveConfig", ":SentinelReadiness", ":RollGate", ":RollPlan"].flatMap((t) => byType(run, t));
        expect(providers.length).toBeGreaterThan(5);
        for (const p of providers) {
            expect(isWireSecret(p.inputs.tls)).toBe(true);
            expect(unwrapSecret(p.inputs.tls)).toEqual(CLIENT_TLS);
        }
    });

    it("outputs: plainPort beside every port, the client certificate in the ioredis options, redisCli with --cert and --key", () => {
        const outputs = run.outputs as Record<string, any>;
        expect(outputs.master).toEqual({ host: "127.0.0.1", port: 7000, plainPort: 8000 });
        expect(outputs.nodes.map((n: { port: number; plainPort: number }) => [n.port, n.plainPort])).toEqual([
            [7000, 8000],
            [7001, 8001],
        ]);
        expect(outputs.sentinels.map((s: { port: number; plainPort: number }) => [s.port, s.plainPort])).toEqual([
            [27000, 28000],
            [27001, 28001],
            [27002, 28002],
        ]);
        expect(outputs.ioredisOptions.tls).toEqual(CLIENT_TLS);
        expect(outputs.ioredisSentinelOptions).toMatchObject({ sentinelTLS: CLIENT_TLS, tls: CLIENT_TLS, enableTLSForSentinelMode: true });
        expect(outputs.clientCert).toBe("mock-cert-client");
        expect(outputs.clientKey).toBe("mock-key-client");
        expect(run.secretOutputs).toEqual(expect.arrayContaining(["clientKey", "ioredisOptions", "ioredisSentinelOptions"]));
        expect(run.secretOutputs).not.toContain("clientCert");
        expect(outputs.redisCli).toBe(
            "redis-cli --tls --cacert redis-ha-test-ca.crt --cert redis-ha-test-client.crt --key redis-ha-test-client.key -h 127.0.0.1 -p 7000 --askpass",
        );
    });
});

it("cluster stack with tls.authClients yes: the formation presents the client certificate, redisCli in a node presents the node's", async () => {
    const run = await runStack({ topology: "cluster", tls: { enabled: true, authClients: "yes" } });
    expect(unwrapSecret(byType(run, ":ClusterFormation")[0].inputs.tls)).toEqual(CLIENT_TLS);
    for (const c of byType(run, ":Container")) {
        expect(lines(confOf(c))).toEqual(expect.arrayContaining(["port 0", "tls-auth-clients yes", "tls-cluster yes"]));
        expect(c.inputs.healthcheck.tests[1]).toContain(NODE_CLIENT_FLAGS);
    }
    const opts = run.outputs.ioredisClusterOptions as { options: { redisOptions: unknown } };
    expect(opts.options.redisOptions).toEqual({ password: "generated-in-mock", tls: CLIENT_TLS });
    expect(run.outputs.redisCli).toBe(
        `docker exec -it redis-ha-test-shard-0-0 redis-cli -c --tls --cacert /usr/local/etc/redis/tls/ca.crt ${NODE_CLIENT_FLAGS} --askpass`,
    );
});

it("tls.authClients no (the default): no client certificate is issued and nothing presents one", async () => {
    const run = await runStack({ topology: "replication", replicas: 1, tls: { enabled: true } });
    expect((byType(run, ":TlsCertificates")[0].inputs.subjects as Array<{ name: string }>).map((s) => s.name)).toEqual(["node-0", "node-1"]);
    expect(byType(run, ":ReplicationReadiness")[0].inputs.tls).toEqual({ ca: "mock-ca-cert" });
    expect(run.outputs.clientCert).toBeUndefined();
    expect(run.outputs.redisCli).not.toContain("--cert");
    for (const c of byType(run, ":Container")) expect(c.inputs.ports).toHaveLength(1);
});

it("own certificate with tls.authClients yes: it is the client certificate too (providers, outputs); no client certificate is generated", async () => {
    const { issueCertificates } = require("../../components/security/tls-certificates");
    const mine = await issueCertificates(
        { commonName: "own", subjects: [{ name: "mine", dnsNames: [], ipAddresses: ["127.0.0.1"] }], validityDays: 90, renewWithinDays: 30 },
        undefined,
        new Date(),
    );
    const own = { caCert: mine.caCert, cert: mine.certs.mine.cert, key: mine.keys.mine };
    const run = await runStack({ topology: "replication", replicas: 1, tls: { enabled: true, authClients: "yes", ...own } }, { secretKeys: ["tls"] });
    expect(byType(run, ":TlsCertificates")).toHaveLength(0);
    expect(unwrapSecret(byType(run, ":ReplicationReadiness")[0].inputs.tls)).toEqual({ ca: own.caCert, cert: own.cert, key: own.key });
    expect(run.outputs.clientCert).toBe(own.cert);
    expect(run.outputs.clientKey).toBe(own.key);
    expect(run.secretOutputs).toContain("clientKey");
    for (const c of byType(run, ":Container")) expect(c.inputs.healthcheck.tests[1]).toContain(NODE_CLIENT_FLAGS);
});

describe("cluster stack with tls.allowPlaintext", () => {
    it("bridge: every node serves plain text on 7379 beside TLS 6379 (bus over TLS), publishes it, and the natMap maps both", async () => {
        const run = await runStack({
            topology: "cluster",
            basePort: 7000,
            cluster: { shards: 3, replicasPerShard: 1 },
            tls: { enabled: true, allowPlaintext: true },
        });
        const containers = byType(run, ":Container");
        expect(containers).toHaveLength(6);
        for (const c of containers) {
            const conf = lines(confOf(c));
            expect(conf).toEqual(
                expect.arrayContaining(["port 7379", "tls-port 6379", "tls-cluster yes", `cluster-announce-hostname ${c.inputs.name}`]),
            );
            // Nothing announces a port: peers and MOVED get the ports the node listens on, 6379 and 7379.
            expect(conf.filter((l) => l.startsWith("cluster-announce-port") || l.startsWith("cluster-port"))).toEqual([]);
            const published = (c.inputs.ports as Array<{ internal: number; external: number }>).map((p) => [p.internal, p.external]);
            expect(published).toHaveLength(2);
            expect(published[1]).toEqual([7379, published[0][1] + 1000]);
        }
        const outputs = run.outputs as Record<string, any>;
        expect(outputs.nodes.map((n: { name: string; port: number; plainPort: number }) => [n.name, n.port, n.plainPort])).toEqual([
            ["shard-0-0", 7000, 8000],
            ["shard-1-0", 7001, 8001],
            ["shard-2-0", 7002, 8002],
            ["shard-0-1", 7100, 8100],
            ["shard-1-1", 7101, 8101],
            ["shard-2-1", 7102, 8102],
        ]);
        const natMap = outputs.ioredisClusterOptions.options.natMap as Record<string, { host: string; port: number }>;
        expect(Object.keys(natMap)).toHaveLength(12);
        expect(natMap["redis-ha-test-shard-1-1:6379"]).toEqual({ host: "127.0.0.1", port: 7101 });
        expect(natMap["redis-ha-test-shard-1-1:7379"]).toEqual({ host: "127.0.0.1", port: 8101 });
    });

    it("host: the node's plain port is its host port + 1000; no natMap", async () => {
        const run = await runStack({
            topology: "cluster",
            basePort: 7000,
            network: { mode: "host" },
            cluster: { shards: 3, replicasPerShard: 0 },
            tls: { enabled: true, allowPlaintext: true },
        });
        const first = byType(run, ":Container").find((c) => c.inputs.name === "redis-ha-test-shard-0-0")!;
        expect(lines(confOf(first))).toEqual(expect.arrayContaining(["port 8000", "tls-port 7000", "tls-cluster yes"]));
        const outputs = run.outputs as Record<string, any>;
        expect(outputs.nodes[0]).toMatchObject({ port: 7000, plainPort: 8000 });
        expect(outputs.ioredisClusterOptions.options.natMap).toBeUndefined();
    });
});
