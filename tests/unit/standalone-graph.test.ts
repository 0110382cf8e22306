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

    it("keeps persistence and memory settings (live) out of the uploaded redis.conf: the container starts with them from its seed, LiveConfig keeps them", () => {
        const conf = uploadedConf(run, "redis-ha-test-node-0");
        expect(conf).not.toMatch(/^(appendonly|appendfsync|save|maxmemory|maxmemory-policy) /m);
        expect(conf).toMatch(/^dir \/data$/m);
        const c = byType(run, ":Container")[0];
        expect(c.inputs.envs).toEqual([
            'REDIS_HA_LIVE_CONF=save "900 1"\nappendonly "yes"\nappendfsync "always"\nmaxmemory "64mb"\nmaxmemory-policy "allkeys-lru"',
        ]);
        const live = byType(run, ":LiveConfig");
        expect(live).toHaveLength(1);
        expect(live[0].inputs.directives).toEqual([
            ["save", "900 1"],
            ["appendonly", "yes"],
            ["appendfsync", "always"],
            ["maxmemory", "64mb"],
            ["maxmemory-policy", "allkeys-lru"],
        ]);
        expect(live[0].inputs.access).toEqual({ host: "127.0.0.1", port: 7000 });
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
