/**
 * The six-node Redis Cluster brought up for real on the local Docker engine (docs/walkthrough.md, "Cluster"), in
 * bridge mode (clients outside Docker follow redirects through the output natMap) and host mode (nodes on
 * bindAddress ports directly): writes over all slots, `redis-cli --cluster check`, the walkthrough's MOVED,
 * failover after `docker kill` of a master and its return as a replica, a restart of all nodes in another order
 * (fixed IPs), an idempotent second `up`, and a
 * `destroy` that leaves nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import Redis, { Cluster } from "ioredis";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects } from "./support/stack-driver";
import { infoField, until } from "./support/probes";

jest.setTimeout(240000);

interface ClusterOptions {
    startupNodes: Array<{ host: string; port: number }>;
    options: { natMap?: Record<string, { host: string; port: number }>; redisOptions: { password: string } };
}
interface NodeOut {
    name: string;
    containerName: string;
    role: string;
    host: string;
    port: number;
    shard: number;
    slots: string[];
}

const AUTH_FILE = "/usr/local/etc/redis/auth";
const KEYS = 10000;

async function withNode<T>(node: { host: string; port: number }, password: string, fn: (c: Redis) => Promise<T>): Promise<T> {
    const client = new Redis({ host: node.host, port: node.port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
        await client.connect();
        return await fn(client);
    } finally {
        client.disconnect();
    }
}

/** Writes KEYS keys through the Cluster client and reads them back; returns how many keys each master holds. */
async function writeAndReadAll(opts: ClusterOptions, prefix: string): Promise<void> {
    const cluster = new Cluster(opts.startupNodes, { ...opts.options, scaleReads: "master" });
    try {
        for (let i = 0; i < KEYS; i += 500) {
            await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.set(`${prefix}:${i + j}`, `v${i + j}`)));
        }
        for (let i = 0; i < KEYS; i += 500) {
            const values = await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.get(`${prefix}:${i + j}`)));
            expect(values).toEqual(Array.from({ length: 500 }, (_, j) => `v${i + j}`));
        }
        // Every master got some of them: the keys spread over all slots.
        const sizes = await Promise.all(cluster.nodes("master").map((n) => n.dbsize()));
        expect(sizes).toHaveLength(3);
        for (const s of sizes) expect(s).toBeGreaterThan(KEYS / 5);
    } finally {
        cluster.disconnect();
    }
}

/** `redis-cli --cluster check`, the password on stdin (--askpass), never argv. */
function clusterCheck(args: { container?: string; host: string; port: number; password: string }): { ok: boolean; out: string } {
    const cli = ["redis-cli", "--no-auth-warning", "--askpass", "--cluster", "check", `${args.host}:${args.port}`];
    const r = args.container
        ? spawnSync("docker", ["exec", args.container, "sh", "-c", `${cli.join(" ")} < ${AUTH_FILE}`], { encoding: "utf8" })
        : spawnSync(cli[0], cli.slice(1), { encoding: "utf8", input: `${args.password}\n` });
    return { ok: r.status === 0 && /\[OK\] All 16384 slots covered/.test(r.stdout), out: r.stdout + r.stderr };
}

/** The walkthrough's redirect: `name` hashes to slot 5798 (shard 1); any other master answers MOVED. */
async function expectMoved(wrongNode: { host: string; port: number }, password: string, movedTo: RegExp): Promise<void> {
    await withNode(wrongNode, password, async (c) => {
        expect(await c.cluster("KEYSLOT", "name")).toBe(5798);
        await expect(c.set("name", "huey")).rejects.toThrow(movedTo);
    });
}

/** Walkthrough 4.6-4.7: kill a master's container, its replica takes over; start it again, it rejoins as a replica. */
async function killAndRestartMaster(
    old: NodeOut,
    replica: NodeOut,
    opts: ClusterOptions,
    password: string,
    keyPrefix: string,
    check: () => { ok: boolean; out: string },
): Promise<void> {
    docker("kill", old.containerName);
    await until(`${replica.name} promoted and cluster_state:ok`, () =>
        withNode(replica, password, async (c) => {
            const role = infoField(await c.info("replication"), "role");
            const state = infoField(await c.cluster("INFO"), "cluster_state");
            return role === "master" && state === "ok" ? true : `role ${role}, cluster_state ${state}`;
        }),
    );
    const cluster = new Cluster(opts.startupNodes, opts.options);
    try {
        expect(await cluster.get(`${keyPrefix}:0`)).toBe("v0");
        await cluster.set("after-failover", "yes");
    } finally {
        cluster.disconnect();
    }

    docker("start", old.containerName);
    await until(`${old.name} back as a linked replica of ${replica.name}`, () =>
        withNode(old, password, async (c) => {
            const info = await c.info("replication");
            const state = infoField(await c.cluster("INFO"), "cluster_state");
            const ok = infoField(info, "role") === "slave" && infoField(info, "master_link_status") === "up" && state === "ok";
            return ok ? true : `role ${infoField(info, "role")}, link ${infoField(info, "master_link_status")}, cluster_state ${state}`;
        }),
    );
    await until("redis-cli --cluster check to pass again", async () => {
        const r = check();
        return r.ok || r.out;
    });
}

describe(`cluster topology through ${driver.name}`, () => {
    describe("bridge network (announced container names + natMap)", () => {
        const stack = "e2e-cluster-bridge";
        const config = { topology: "cluster", image: LOCAL_IMAGE, basePort: 7700 };
        let outputs: Record<string, any>;
        let opts: ClusterOptions;
        let password: string;
        const node = (name: string): NodeOut => outputs.nodes.find((n: NodeOut) => n.name === name);
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("forms six nodes on the walkthrough port layout, usable from outside Docker through the natMap", async () => {
            ({ outputs } = await driver.up(stack, config));
            opts = outputs.ioredisClusterOptions;
            password = opts.options.redisOptions.password;
            expect(outputs.nodes.map((n: NodeOut) => [n.name, n.role, n.port, n.slots.length > 0])).toEqual([
                ["shard-0-0", "master", 7700, true],
                ["shard-1-0", "master", 7701, true],
                ["shard-2-0", "master", 7702, true],
                ["shard-0-1", "replica", 7800, false],
                ["shard-1-1", "replica", 7801, false],
                ["shard-2-1", "replica", 7802, false],
            ]);
            expect(node("shard-0-0").slots).toEqual(["0-5461"]);
            expect(outputs.seedNodes).toEqual(opts.startupNodes);
            expect(opts.options.natMap!["redis-ha-e2e-cluster-bridge-shard-1-0:6379"]).toEqual({ host: "127.0.0.1", port: 7701 });
            expect(docker("inspect", node("shard-0-0").containerName)).not.toContain(password);
            // Secrets (password, rendered redis.conf, formation inputs) are encrypted in the engine's state.
            expect(fs.readFileSync(driver.stateFile(stack), "utf8")).not.toContain(password);
            await writeAndReadAll(opts, "bridge");
        });

        it("passes redis-cli --cluster check (run inside the network, where the announced names resolve)", () => {
            const check = clusterCheck({ container: node("shard-0-0").containerName, host: "127.0.0.1", port: 6379, password });
            expect(check.out).toMatch(/\[OK\] All nodes agree about slots configuration/);
            expect(check.ok).toBe(true);
        });

        it("answers the walkthrough's MOVED with the announced name, which the natMap client follows", async () => {
            await expectMoved(node("shard-0-0"), password, /MOVED 5798 redis-ha-e2e-cluster-bridge-shard-1-0:6379/);
            const cluster = new Cluster(opts.startupNodes, opts.options);
            try {
                await cluster.set("name", "huey");
                expect(await withNode(node("shard-1-0"), password, (c) => c.get("name"))).toBe("huey");
            } finally {
                cluster.disconnect();
            }
        });

        it("docker kill of a master: its replica is promoted and the cluster is ok; docker start: it rejoins as a replica", async () => {
            await killAndRestartMaster(node("shard-0-0"), node("shard-0-1"), opts, password, "bridge", () =>
                clusterCheck({ container: node("shard-0-1").containerName, host: "127.0.0.1", port: 6379, password }),
            );
        });

        it("all six stopped and started in reverse order (as after a daemon restart) keep their IPs and re-form", async () => {
            const names = outputs.nodes.map((n: NodeOut) => n.containerName);
            const ipOf = (c: string) => docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", c);
            const before = names.map(ipOf);
            docker("stop", "-t", "10", ...names);
            docker("start", ...[...names].reverse());
            expect(names.map(ipOf)).toEqual(before);
            await until("every node ok and linked to all five peers", async () => {
                const seen = await Promise.all(
                    outputs.nodes.map((n: NodeOut) =>
                        withNode(n, password, async (c) => {
                            const bad = ((await c.cluster("NODES")) as string)
                                .split("\n")
                                .filter((l) => /noaddr|fail|handshake|disconnected/.test(l)).length;
                            const state = infoField(await c.cluster("INFO"), "cluster_state");
                            return state === "ok" && bad === 0 ? "" : `${n.name}: ${state}, ${bad} unhealthy peers`;
                        }),
                    ),
                );
                return seen.every((x) => x === "") || seen.filter(Boolean).join("; ");
            });
        });

        it("a second up changes nothing and keeps the new roles", async () => {
            const again = await driver.up(stack, config);
            expect(again.operations.length).toBeGreaterThan(0);
            expect(again.operations.filter((o: { op: string }) => o.op !== "same")).toEqual([]);
            await withNode(node("shard-0-1"), password, async (c) => expect(infoField(await c.info("replication"), "role")).toBe("master"));
            await withNode(node("shard-0-0"), password, async (c) => expect(infoField(await c.info("replication"), "role")).toBe("slave"));
        });

        it("refresh reads the live roles: the outputs show the promoted replica as master and the old master as replica", async () => {
            const refreshed = await driver.refresh(stack);
            const role = (name: string) => refreshed.nodes.find((n: NodeOut) => n.name === name).role;
            expect([role("shard-0-0"), role("shard-0-1")]).toEqual(["replica", "master"]);
            expect(refreshed.nodes.filter((n: NodeOut) => n.role === "master").length).toBe(3);
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("host network (nodes on bindAddress ports, buses on +10000)", () => {
        const stack = "e2e-cluster-host";
        const config = { topology: "cluster", image: LOCAL_IMAGE, basePort: 7710, network: { mode: "host" } };
        let outputs: Record<string, any>;
        let opts: ClusterOptions;
        let password: string;
        const node = (name: string): NodeOut => outputs.nodes.find((n: NodeOut) => n.name === name);
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("forms on 7710-7712/7810-7812, serves all slots without a natMap, and passes redis-cli --cluster check from the host", async () => {
            ({ outputs } = await driver.up(stack, config));
            opts = outputs.ioredisClusterOptions;
            password = opts.options.redisOptions.password;
            expect(opts.options.natMap).toBeUndefined();
            expect(outputs.nodes.map((n: NodeOut) => [n.role, n.port])).toEqual([
                ["master", 7710],
                ["master", 7711],
                ["master", 7712],
                ["replica", 7810],
                ["replica", 7811],
                ["replica", 7812],
            ]);
            await withNode({ host: "127.0.0.1", port: 7810 }, password, async (c) => {
                // The bus is announced at the client port + 10000 on bindAddress.
                expect(await c.cluster("NODES")).toMatch(/127\.0\.0\.1:7710@17710/);
            });
            await writeAndReadAll(opts, "host");
            await expectMoved({ host: "127.0.0.1", port: 7710 }, password, /MOVED 5798 127\.0\.0\.1:7711/);
            const check = clusterCheck({ host: "127.0.0.1", port: 7710, password });
            expect(check.out).toMatch(/\[OK\] All nodes agree about slots configuration/);
            expect(check.ok).toBe(true);
        });

        it("docker kill of a master: its replica is promoted; docker start: it rejoins as a replica; a second up keeps the roles", async () => {
            await killAndRestartMaster(node("shard-1-0"), node("shard-1-1"), opts, password, "host", () =>
                clusterCheck({ host: "127.0.0.1", port: 7710, password }),
            );
            const again = await driver.up(stack, config);
            expect(again.operations.filter((o: { op: string }) => o.op !== "same")).toEqual([]);
            await withNode(node("shard-1-1"), password, async (c) => expect(infoField(await c.info("replication"), "role")).toBe("master"));
        });

        it("destroy leaves no container or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });
});
