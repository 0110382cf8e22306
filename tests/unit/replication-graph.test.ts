import { MockRun, byType, isWireSecret, runStack, unwrapSecret } from "./support/mock-stack";

const base = { topology: "replication", replicas: 2, image: "redis-ha-local/redis:7.0" };

describe("replication topology resource graph", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await runStack(base);
    });

    it("declares one image, one network, a volume and a container per node, and the readiness gate", async () => {
        expect(byType(run, ":RemoteImage")).toHaveLength(1);
        expect(byType(run, ":RemoteImage")[0].inputs).toMatchObject({ name: "redis-ha-local/redis:7.0", keepLocally: true });
        const networks = byType(run, ":Network");
        expect(networks).toHaveLength(1);
        expect(networks[0].inputs.name).toBe("redis-ha-test-net");
        expect(
            byType(run, ":Volume")
                .map((v) => v.inputs.name)
                .sort(),
        ).toEqual(["redis-ha-test-node-0-data", "redis-ha-test-node-1-data", "redis-ha-test-node-2-data"]);
        const containers = byType(run, ":Container");
        expect(containers.map((c) => c.inputs.name).sort()).toEqual(["redis-ha-test-node-0", "redis-ha-test-node-1", "redis-ha-test-node-2"]);
        expect(byType(run, ":ReplicationReadiness")).toHaveLength(1);
        expect(byType(run, ":GeneratedPassword")).toHaveLength(1);
    });

    it("runs containers from the image id, publishes walkthrough ports on 127.0.0.1 and mounts /data", async () => {
        const containers = byType(run, ":Container").sort((a, b) => a.inputs.name.localeCompare(b.inputs.name));
        containers.forEach((c, i) => {
            expect(c.inputs.image).toBe("sha256:redis-ha-local/redis:7.0");
            expect(c.inputs.ports).toEqual([{ internal: 6379, external: 6379 + i, ip: "127.0.0.1", protocol: "tcp" }]);
            expect(c.inputs.networksAdvanced).toEqual([{ name: "redis-ha-test-net", aliases: [c.inputs.name] }]);
            expect(c.inputs.volumes).toEqual([{ volumeName: `${c.inputs.name}-data`, containerPath: "/data" }]);
            expect(c.inputs.restart).toBe("unless-stopped");
            expect(c.inputs.wait).toBe(true);
            // The running config is composed in the volume (upload + live section), where CONFIG REWRITE can persist live changes.
            expect(c.inputs.command.slice(0, 2)).toEqual(["sh", "-c"]);
            expect(c.inputs.command[2]).toMatch(/^cp \/usr\/local\/etc\/redis\/redis\.conf \/data\/redis\.conf\.new$/m);
            expect(c.inputs.command[2]).toMatch(/\nexec docker-entrypoint\.sh redis-server \/data\/redis\.conf$/);
        });
    });

    it("uploads a secret redis.conf with replicaof for replicas only and keeps the password off argv and env", async () => {
        const containers = byType(run, ":Container").sort((a, b) => a.inputs.name.localeCompare(b.inputs.name));
        for (const c of containers) {
            const uploads = unwrapSecret<Array<{ file: string; content: unknown }>>(c.inputs.uploads);
            const conf = uploads.find((u) => u.file === "/usr/local/etc/redis/redis.conf");
            expect(conf).toBeDefined();
            expect(isWireSecret(c.inputs.uploads) || isWireSecret(conf!.content)).toBe(true);
            const text = unwrapSecret<string>(conf!.content);
            expect(text).toContain('requirepass "generated-in-mock"');
            expect(JSON.stringify(c.inputs.command)).not.toContain("generated-in-mock");
            expect(JSON.stringify(c.inputs.envs)).not.toContain("generated-in-mock");
            expect(JSON.stringify(c.inputs.healthcheck)).not.toContain("generated-in-mock");
        }
        const confOf = (i: number) =>
            unwrapSecret<string>(
                unwrapSecret<Array<{ file: string; content: unknown }>>(containers[i].inputs.uploads).find((u) => u.file.endsWith("redis.conf"))!
                    .content,
            );
        expect(confOf(0)).not.toMatch(/^replicaof/m);
        expect(confOf(1)).toMatch(/^replicaof redis-ha-test-node-0 6379$/m);
        expect(confOf(2)).toMatch(/^replicaof redis-ha-test-node-0 6379$/m);
    });

    it("labels every container with stack, topology, node and role", async () => {
        const c = byType(run, ":Container").find((r) => r.inputs.name === "redis-ha-test-node-1")!;
        expect(c.inputs.labels).toEqual(
            expect.arrayContaining([
                { label: "redis-ha.stack", value: "test" },
                { label: "redis-ha.topology", value: "replication" },
                { label: "redis-ha.node", value: "node-1" },
                { label: "redis-ha.role", value: "replica" },
            ]),
        );
    });

    it("gates readiness on every replica with the master's in-network address", async () => {
        const gate = byType(run, ":ReplicationReadiness")[0].inputs;
        expect(gate.masterPeer).toEqual({ host: "redis-ha-test-node-0", port: 6379 });
        expect(gate.replicas.map((r: { access: unknown }) => r.access)).toEqual([
            { host: "127.0.0.1", port: 6380 },
            { host: "127.0.0.1", port: 6381 },
        ]);
        expect(isWireSecret(gate.password)).toBe(true);
        expect(typeof gate.__provider).toBe("string");
    });

    it("exports endpoints, ioredis options and the password, with secrets marked secret", async () => {
        expect(run.outputs.topology).toBe("replication");
        expect(run.outputs.master).toEqual({ host: "127.0.0.1", port: 6379 });
        expect(run.outputs.nodes).toEqual([
            { name: "node-0", containerName: "redis-ha-test-node-0", role: "master", host: "127.0.0.1", port: 6379 },
            { name: "node-1", containerName: "redis-ha-test-node-1", role: "replica", host: "127.0.0.1", port: 6380 },
            { name: "node-2", containerName: "redis-ha-test-node-2", role: "replica", host: "127.0.0.1", port: 6381 },
        ]);
        expect(run.outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 6379, password: "generated-in-mock" });
        expect(run.secretOutputs.sort()).toEqual(["ioredisOptions", "password"]);
    });

    it("uses a configured password instead of generating one", async () => {
        const run = await runStack({ ...base, password: "s3cret" }, { secretKeys: ["password"] });
        expect(byType(run, ":GeneratedPassword")).toHaveLength(0);
        expect(run.outputs.password).toBe("s3cret");
        expect(run.secretOutputs).toContain("password");
    });
});
