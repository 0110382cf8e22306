/**
 * Standalone and replication stacks brought up for real on the local Docker engine (docs/walkthrough.md,
 * "Persistence" and "Replication"), checked with real clients, re-deployed without changes, and destroyed without leftovers.
 */
import Redis from "ioredis";
import { LOCAL_IMAGE, StackDriver, allDrivers, docker, labelledObjects } from "./support/stack-driver";

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

describe.each(allDrivers().map((d) => [d.name, d] as [string, StackDriver]))("foundation topologies through %s", (_name, driver) => {
    describe("standalone (bridge network)", () => {
        const stack = "e2e-standalone";
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("keeps keys across a container restart (AOF) and never shows the password to docker inspect", async () => {
            const { outputs } = await driver.up(stack, { topology: "standalone", image: LOCAL_IMAGE, basePort: 7500 });
            expect(outputs.master).toEqual({ host: "127.0.0.1", port: 7500 });
            const options = outputs.ioredisOptions;
            expect(options.password).toMatch(/^[A-Za-z0-9]{32}$/);

            await withClient(options, async (c) => {
                for (let i = 0; i < 100; i++) await c.set(`key:${i}`, `value-${i}`);
            });
            const container = outputs.nodes[0].containerName;
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
