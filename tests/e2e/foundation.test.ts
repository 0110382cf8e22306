/**
 * Standalone and replication stacks brought up for real on the local Docker engine (walkthrough
 * sections 1–2) by the Pulumi engine, checked with real clients, changed after a preview (the following
 * `up` does what the preview said), re-deployed without changes, and destroyed without leftovers.
 */
import * as fs from "fs";
import Redis from "ioredis";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects, resourceSteps, stepsByOp } from "./support/stack-driver";
import type { RunReport } from "../../tools/stack-local/cli";

/** What a run changed: `op urn` for every step that is not "same", sorted. */
const changes = (report: RunReport) =>
    resourceSteps(report)
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.urn}`)
        .sort();

async function withClient<T>(options: { host: string; port: number; password: string }, fn: (c: Redis) => Promise<T>): Promise<T> {
    // No reconnects, and disconnect even when connect fails: a retrying client keeps jest alive forever.
    const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
        await client.connect();
        return await fn(client);
    } finally {
        client.disconnect();
    }
}

/** Polls until a fresh connection answers PING (containers restart asynchronously). */
async function waitForPong(options: { host: string; port: number; password: string }, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            if ((await withClient(options, (c) => c.ping())) === "PONG") return;
        } catch {
            /* restarting */
        }
        if (Date.now() > deadline) throw new Error(`no PONG from ${options.host}:${options.port} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe(`foundation topologies through ${driver.name}`, () => {
    describe("standalone (bridge network)", () => {
        const stack = "e2e-standalone";
        const standalone = { topology: "standalone", image: LOCAL_IMAGE, basePort: 7500 };
        let password = "";
        let containerName = "";
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("keeps keys across a container restart (AOF) and never shows the password to docker inspect", async () => {
            const { outputs, display } = await driver.up(stack, standalone);
            // The outputs of topologies not deployed are not exported (the engine would warn about each).
            expect(display).not.toMatch(/Undefined value/);
            expect(Object.keys(outputs).sort()).toEqual(["ioredisOptions", "master", "nodes", "password", "redisCli", "topology"]);
            expect(outputs.master).toEqual({ host: "127.0.0.1", port: 7500 });
            const options = outputs.ioredisOptions;
            expect(options.password).toMatch(/^[A-Za-z0-9]{32}$/);
            password = options.password;
            // The engine encrypts secrets in its state: the password appears nowhere in plain text.
            expect(fs.readFileSync(driver.stateFile(stack), "utf8")).not.toContain(options.password);

            await withClient(options, async (c) => {
                for (let i = 0; i < 100; i++) await c.set(`key:${i}`, `value-${i}`);
            });
            const container = outputs.nodes[0].containerName;
            containerName = container;
            expect(docker("inspect", container)).not.toContain(options.password);

            docker("restart", container);
            await waitForPong(options);
            await withClient(options, async (c) => {
                expect(await c.get("key:0")).toBe("value-0");
                expect(await c.get("key:99")).toBe("value-99");
                expect(await c.dbsize()).toBe(100);
                expect(await c.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
            });
        });

        it("a live redis.conf setting change: preview plans one LiveConfig update and no container change; up applies it in place", async () => {
            const changed = { ...standalone, maxmemoryPolicy: "allkeys-lru" };
            const before = docker("inspect", "--format", "{{.Id}} {{.State.StartedAt}}", containerName);
            const plan = await driver.preview(stack, changed);
            expect(stepsByOp(plan, "update")).toEqual(["update pulumi-nodejs:dynamic/redis-ha:LiveConfig"]);
            expect(stepsByOp(plan, "create", "delete", "replace", "create-replacement", "delete-replaced")).toEqual([]);
            expect(Object.keys(plan.summary).sort()).toEqual(["same", "update"]);
            const applied = await driver.up(stack, changed);
            expect(changes(applied.report)).toEqual(changes(plan));
            await withClient({ host: "127.0.0.1", port: 7500, password }, async (c) => {
                expect(await c.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"]);
                expect(await c.dbsize()).toBe(100);
            });
            // Same container, never restarted.
            expect(docker("inspect", "--format", "{{.Id}} {{.State.StartedAt}}", containerName)).toBe(before);
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("replication (bridge network)", () => {
        const stack = "e2e-replication";
        afterAll(() => driver.destroy(stack).catch(() => undefined));
        let outputs: Record<string, any>;

        it("comes up with every replica linked, so a write on the master is readable on the replica", async () => {
            ({ outputs } = await driver.up(stack, { topology: "replication", replicas: 2, image: LOCAL_IMAGE, basePort: 7510 }));
            expect(outputs.nodes.map((n: { role: string; port: number }) => [n.role, n.port])).toEqual([
                ["master", 7510],
                ["replica", 7511],
                ["replica", 7512],
            ]);
            const { password } = outputs.ioredisOptions;
            await withClient(outputs.ioredisOptions, (c) => c.set("name", "huey"));
            for (const replica of outputs.nodes.slice(1)) {
                const value = await withClient({ host: replica.host, port: replica.port, password }, async (c) => {
                    // Replication is asynchronous: poll the replica, bounded, for the write.
                    const deadline = Date.now() + 5000;
                    for (;;) {
                        const v = await c.get("name");
                        if (v !== null || Date.now() > deadline) return v;
                        await new Promise((r) => setTimeout(r, 20));
                    }
                });
                expect(value).toBe("huey");
                await withClient({ host: replica.host, port: replica.port, password }, async (c) => {
                    await expect(c.set("x", "1")).rejects.toThrow(/READONLY/);
                });
            }
        });

        it("a second up with the same config changes nothing", async () => {
            const before = docker("inspect", "--format", "{{.Id}} {{.State.StartedAt}}", outputs.nodes[1].containerName);
            const again = await driver.up(stack, { topology: "replication", replicas: 2, image: LOCAL_IMAGE, basePort: 7510 });
            expect(again.operations.length).toBeGreaterThan(0);
            expect(again.operations.filter((o) => o.op !== "same")).toEqual([]);
            expect(again.outputs).toEqual(outputs);
            expect(docker("inspect", "--format", "{{.Id}} {{.State.StartedAt}}", outputs.nodes[1].containerName)).toBe(before);
        });

        it("replicas 2→3: preview says one container and one volume to create, the readiness gate updated, nothing replaced; up does that", async () => {
            const grown = { topology: "replication", replicas: 3, image: LOCAL_IMAGE, basePort: 7510 };
            const plan = await driver.preview(stack, grown);
            expect(stepsByOp(plan, "create")).toEqual([
                "create docker:index/container:Container",
                "create docker:index/volume:Volume",
                "create pulumi-nodejs:dynamic/redis-ha:LiveConfig",
                "create pulumi-nodejs:dynamic/redis-ha:RollGate",
                "create redis-ha:index:RedisNode",
            ]);
            expect(stepsByOp(plan, "update")).toEqual(["update pulumi-nodejs:dynamic/redis-ha:ReplicationReadiness"]);
            expect(stepsByOp(plan, "replace", "create-replacement", "delete-replaced", "delete")).toEqual([]);
            expect(plan.summary).toMatchObject({ create: 5, update: 1 });
            expect(Object.keys(plan.summary).sort()).toEqual(["create", "same", "update"]);
            const applied = await driver.up(stack, grown);
            expect(changes(applied.report)).toEqual(changes(plan));
            expect(applied.outputs.nodes.map((n: { port: number }) => n.port)).toEqual([7510, 7511, 7512, 7513]);
            await withClient({ host: "127.0.0.1", port: 7513, password: applied.outputs.ioredisOptions.password }, async (c) => {
                expect(await c.info("replication")).toMatch(/master_link_status:up/);
            });
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("replication (host network)", () => {
        const stack = "e2e-replication-host";
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("binds each node to bindAddress:port directly and links the replica", async () => {
            const { outputs } = await driver.up(stack, {
                topology: "replication",
                replicas: 1,
                image: LOCAL_IMAGE,
                basePort: 7520,
                network: { mode: "host" },
            });
            const { password } = outputs.ioredisOptions;
            await withClient({ host: "127.0.0.1", port: 7521, password }, async (c) => {
                const info = await c.info("replication");
                expect(info).toMatch(/master_host:127\.0\.0\.1/);
                expect(info).toMatch(/master_port:7520/);
                expect(info).toMatch(/master_link_status:up/);
            });
            expect(docker("inspect", "--format", "{{.HostConfig.NetworkMode}}", outputs.nodes[0].containerName)).toBe("host");
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });
});
