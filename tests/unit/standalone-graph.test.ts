import { MockRun, byType, runStack, unwrapSecret } from "./support/mock-stack";

function uploadedConf(run: MockRun, containerName: string): string {
    const c = byType(run, ":Container").find((r) => r.inputs.name === containerName)!;
    const uploads = unwrapSecret<Array<{ file: string; content: unknown }>>(c.inputs.uploads);
    return unwrapSecret<string>(uploads.find((u) => u.file.endsWith("redis.conf"))!.content);
}

describe("standalone topology resource graph", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack({
            topology: "standalone",
            basePort: 7000,
            persistence: { appendfsync: "always", save: "900 1" },
            maxmemory: "64mb",
            maxmemoryPolicy: "allkeys-lru",
        });
    });

    it("declares one node and no readiness gate (the container healthcheck is the gate)", () => {
        expect(byType(run, ":Container")).toHaveLength(1);
        expect(byType(run, ":Volume")).toHaveLength(1);
        expect(byType(run, ":ReplicationReadiness")).toHaveLength(0);
        expect(run.outputs.master).toEqual({ host: "127.0.0.1", port: 7000 });
    });

    it("renders persistence and memory settings into redis.conf", () => {
        const conf = uploadedConf(run, "redis-ha-test-node-0");
        expect(conf).toMatch(/^appendonly yes$/m);
        expect(conf).toMatch(/^appendfsync always$/m);
        expect(conf).toMatch(/^save "900 1"$/m);
        expect(conf).toMatch(/^maxmemory 64mb$/m);
        expect(conf).toMatch(/^maxmemory-policy allkeys-lru$/m);
        expect(conf).toMatch(/^dir \/data$/m);
    });

    it("health-checks with the password read from a file, not from argv", () => {
        const c = byType(run, ":Container")[0];
        expect(c.inputs.healthcheck.tests[0]).toBe("CMD-SHELL");
        expect(c.inputs.healthcheck.tests[1]).toContain("--askpass ping < /usr/local/etc/redis/auth");
    });
});

describe("host network mode", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack({ topology: "replication", network: { mode: "host" }, basePort: 7010 });
    });

    it("declares no network, publishes no ports and binds each node to its own host port", () => {
        expect(byType(run, ":Network")).toHaveLength(0);
        const containers = byType(run, ":Container").sort((a, b) => a.inputs.name.localeCompare(b.inputs.name));
        containers.forEach((c) => {
            expect(c.inputs.networkMode).toBe("host");
            expect(c.inputs.ports).toBeUndefined();
            expect(c.inputs.networksAdvanced).toBeUndefined();
        });
        expect(uploadedConf(run, "redis-ha-test-node-0")).toMatch(/^port 7010$/m);
        expect(uploadedConf(run, "redis-ha-test-node-0")).toMatch(/^bind 127\.0\.0\.1$/m);
        expect(uploadedConf(run, "redis-ha-test-node-1")).toMatch(/^port 7011$/m);
        expect(uploadedConf(run, "redis-ha-test-node-1")).toMatch(/^replicaof 127\.0\.0\.1 7010$/m);
    });
});
