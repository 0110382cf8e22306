/**
 * TLS wiring of the containers (issue 11), under mocks: every node and sentinel gets its own certificate
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

it("a cluster stack with tls.enabled stops before declaring anything, naming the key", async () => {
    const failure = await runStack({ topology: "cluster", tls: { enabled: true } }).catch((err) => err);
    expect(String(failure.message)).toContain("tls.enabled");
    expect(String(failure.message)).toContain("topology cluster");
    expect(failure.declaredResources).toEqual([]);
});
