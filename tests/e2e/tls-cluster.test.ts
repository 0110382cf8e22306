/**
 * A Redis Cluster with `tls.enabled: true` on the real engine and Docker (issue 11). Bridge network, one stack
 * through every step: formed over TLS (the formation reaches each node only by TLS; the nodes meet, gossip
 * and replicate over TLS); no plain text on a client port; a Cluster client built from the outputs writes and
 * reads over every slot; `redis-cli -c --tls` as `redisCli` says follows redirects inside the network; every
 * replica linked; the cluster bus answers a cluster PING only inside TLS with a certificate of the stack's CA
 * and closes a plain one; no password or key in the clear (state, outputs, docker inspect, environment, ps,
 * logs); `docker kill` of a master still gets its replica promoted; a fourth shard joins
 * (`cluster.shards=4`), its slots moved with MIGRATE between the nodes over TLS. Timings are printed.
 * The same bridge stack runs with `acl.defaultUser: off` and an application user (issue 11, ACL on cluster):
 * the default user is refused, the outputs hand clients the application user, which reads and writes its keys
 * on every master and gets NOPERM outside its rules; formation, the failover and the reshard (the nodes'
 * MIGRATE logging in to the target as the operator user, AUTH2) run with the stack's own users.
 * Host network, shorter: formed with every node on bindAddress (certificates name it), TLS-only client ports,
 * a Cluster client from the outputs (no natMap), and the buses on port + 10000 TLS-only, reached directly.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import Redis, { Cluster, type RedisOptions } from "ioredis";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects } from "./support/stack-driver";
import { infoField, plainTextReply, until } from "./support/probes";
import { pingClusterBus } from "../support/cluster-bus";
import { TLS_FILES } from "../../components/security/node-security";

jest.setTimeout(300000);

interface NodeOut {
    name: string;
    containerName: string;
    role: string;
    port: number;
    slots: string[];
}
interface ClusterOptions {
    startupNodes: Array<{ host: string; port: number }>;
    options: {
        natMap?: Record<string, { host: string; port: number }>;
        redisOptions: { username?: string; password: string; tls?: { ca: string } };
    };
}

const STACK = "e2e-tls-cluster";
const BASE_PORT = 8100;
const CONFIG = { topology: "cluster", image: LOCAL_IMAGE, basePort: BASE_PORT, tls: { enabled: true } };
const KEYS = 3000;
/**
 * The client user the outputs name (the first of acl.users). `+cluster|slots +cluster|info`: an ioredis Cluster
 * client reads the slot map with CLUSTER SLOTS and checks CLUSTER INFO before it is ready, which `+@read
 * +@write` do not include (without them it reconnects forever). Its INFO ready check per node is refused and
 * skipped with a warning.
 */
const APP = { name: "app", password: "app-e2e-cluster-Pw1", rules: "~app:* +@read +@write -@dangerous +cluster|slots +cluster|info" };
/** The test's own view of the nodes (INFO, CONFIG GET, CLUSTER INFO, redis-cli --cluster check); not a client's. */
const PROBE = { name: "probe", password: "probe-e2e-cluster-Pw2", rules: "~* +@all" };
/** `acl` goes in as one secret, as tests/e2e/acl.test.ts explains. */
const ACL_SECRETS = { acl: JSON.stringify({ defaultUser: "off", users: [APP, PROBE] }) };

describe(`cluster with TLS through ${driver.name}`, () => {
    let outputs: Record<string, any>;
    let opts: ClusterOptions;
    const node = (name: string): NodeOut => outputs.nodes.find((n: NodeOut) => n.name === name);
    /** One node over TLS with the CA the outputs give, as the test's probe user. */
    const nodeOptions = (port: number): RedisOptions => ({
        host: "127.0.0.1",
        port,
        ...opts.options.redisOptions,
        username: PROBE.name,
        password: PROBE.password,
    });
    async function withNode<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
        const client = new Redis({ ...nodeOptions(port), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
            await client.connect();
            return await fn(client);
        } finally {
            client.disconnect();
        }
    }
    afterAll(() => driver.destroy(STACK).catch(() => undefined));

    it("up forms the cluster over TLS; the outputs carry the CA in the Cluster options and a redis-cli -c --tls line", async () => {
        const started = Date.now();
        ({ outputs } = await driver.up(STACK, CONFIG, ACL_SECRETS));
        console.log(`TLS cluster up (six nodes, from nothing to ready): ${Date.now() - started} ms`);
        opts = outputs.ioredisClusterOptions;
        expect(outputs.caCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
        expect(opts.options.redisOptions).toEqual({ username: APP.name, password: APP.password, tls: { ca: outputs.caCert } });
        expect(opts.options.natMap![`redis-ha-${STACK}-shard-1-0:6379`]).toEqual({ host: "127.0.0.1", port: BASE_PORT + 1 });
        expect(outputs.redisCli).toBe(
            `docker exec -it redis-ha-${STACK}-shard-0-0 redis-cli -c --tls --cacert ${TLS_FILES.caCertFile} --user ${APP.name} --askpass`,
        );
        expect(outputs.nodes.map((n: NodeOut) => [n.name, n.role, n.port, n.slots.length > 0])).toEqual([
            ["shard-0-0", "master", BASE_PORT, true],
            ["shard-1-0", "master", BASE_PORT + 1, true],
            ["shard-2-0", "master", BASE_PORT + 2, true],
            ["shard-0-1", "replica", BASE_PORT + 100, false],
            ["shard-1-1", "replica", BASE_PORT + 101, false],
            ["shard-2-1", "replica", BASE_PORT + 102, false],
        ]);
    });

    it("plain text gets no answer on any node's port; each runs tls-port only, TLS replication and the TLS bus", async () => {
        for (const n of outputs.nodes as NodeOut[]) {
            const { reply, closed } = await plainTextReply(n.port);
            expect({ node: n.name, closed, plainReply: /^[+-]/.test(reply) }).toEqual({ node: n.name, closed: true, plainReply: false });
        }
        await withNode(BASE_PORT, async (c) => {
            const get = async (k: string) => ((await c.config("GET", k)) as string[])[1];
            expect([await get("port"), await get("tls-port"), await get("tls-replication"), await get("tls-cluster")]).toEqual([
                "0",
                "6379",
                "yes",
                "yes",
            ]);
        });
        // A client that does not trust the stack's CA is refused: verification is on.
        const untrusting = new Redis({ ...nodeOptions(BASE_PORT), tls: {}, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        let cause = "";
        untrusting.on("error", (err: Error) => (cause ||= err.message));
        await untrusting.connect().catch(() => undefined);
        untrusting.disconnect();
        expect(cause).toMatch(/certificate/i);
    });

    it("the default user is off on every node: neither the stack password nor no password logs in", async () => {
        for (const n of outputs.nodes as NodeOut[]) {
            for (const password of [outputs.password as string, undefined]) {
                const client = new Redis({
                    host: "127.0.0.1",
                    port: n.port,
                    password,
                    tls: { ca: outputs.caCert },
                    lazyConnect: true,
                    enableReadyCheck: false,
                    maxRetriesPerRequest: 0,
                    retryStrategy: () => null,
                });
                let cause = "";
                client.on("error", (err: Error) => (cause ||= err.message));
                const reply = await client
                    .connect()
                    .then(() => client.ping())
                    .catch((err: Error) => cause || err.message);
                client.disconnect();
                expect({ node: n.name, password: !!password, reply }).toEqual({
                    node: n.name,
                    password: !!password,
                    reply: expect.stringMatching(password ? /WRONGPASS/ : /NOAUTH/),
                });
            }
        }
    });

    it("a Cluster client from ioredisClusterOptions (the application user) writes and reads its keys over every master, through the natMap, over TLS; NOPERM outside its rules", async () => {
        const cluster = new Cluster(opts.startupNodes, { ...opts.options, scaleReads: "master" });
        try {
            for (let i = 0; i < KEYS; i += 500) {
                await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.set(`app:${i + j}`, `v${i + j}`)));
            }
            for (let i = 0; i < KEYS; i += 500) {
                const values = await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.get(`app:${i + j}`)));
                expect(values).toEqual(Array.from({ length: 500 }, (_, j) => `v${i + j}`));
            }
            const sizes = await Promise.all(cluster.nodes("master").map((n) => n.dbsize()));
            expect(sizes).toHaveLength(3);
            for (const s of sizes) expect(s).toBeGreaterThan(KEYS / 5);
            await expect(cluster.set("other:1", "x")).rejects.toThrow(/NOPERM/);
            await expect(cluster.call("FLUSHALL")).rejects.toThrow(/NOPERM/);
        } finally {
            cluster.disconnect();
        }
    });

    it("redis-cli as redisCli says (-c --tls --cacert, inside the network) follows MOVED between nodes over TLS", () => {
        // `-it` wants a terminal; the test feeds the password on stdin instead (what --askpass reads).
        const [cmd, ...args] = (outputs.redisCli as string).replace(" -it ", " -i ").split(" ");
        const cli = (...command: string[]) =>
            spawnSync(cmd, [...args, "--no-auth-warning", ...command], { input: `${APP.password}\n`, encoding: "utf8", timeout: 15000 });
        // `app:name` hashes to slot 6000 (shard 1), so from shard-0-0 the write goes through a MOVED.
        const set = cli("SET", "app:name", "huey");
        expect(set.stderr).toBe("");
        expect(set.stdout.trim()).toBe("OK");
        expect(cli("GET", "app:1").stdout.trim()).toBe("v1");
        // The check reads every node's CLUSTER NODES and INFO: the probe user's, not the application user's.
        const check = spawnSync(
            cmd,
            [...args.map((a) => (a === APP.name ? PROBE.name : a)), "--no-auth-warning", "--cluster", "check", "127.0.0.1:6379"],
            {
                input: `${PROBE.password}\n`,
                encoding: "utf8",
                timeout: 15000,
            },
        );
        expect(check.stdout).toMatch(/\[OK\] All 16384 slots covered/);
    });

    it("every replica is linked to its master (INFO replication), replication running over TLS", async () => {
        for (const shard of [0, 1, 2]) {
            await withNode(node(`shard-${shard}-1`).port, async (c) => {
                const info = await c.info("replication");
                expect([infoField(info, "role"), infoField(info, "master_host"), infoField(info, "master_link_status")]).toEqual([
                    "slave",
                    expect.stringMatching(/^10\./),
                    "up",
                ]);
            });
            await withNode(node(`shard-${shard}-0`).port, async (c) => expect(infoField(await c.info("replication"), "connected_slaves")).toBe("1"));
        }
    });

    it("the cluster bus speaks TLS only: a plain cluster PING is closed unanswered, the same PING in TLS with a node certificate gets a PONG", async () => {
        const target = node("shard-1-0").containerName;
        const ip = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", target);
        // A node's own certificate and key (as a peer presents them), read inside its container.
        const peer = node("shard-2-0").containerName;
        const cert = docker("exec", peer, "cat", TLS_FILES.certFile);
        const key = docker("exec", peer, "cat", TLS_FILES.keyFile);
        const plain = await pingClusterBus(ip, 16379);
        expect(plain).toMatchObject({ pong: false, bytes: 0, closed: true });
        const noClientCert = await pingClusterBus(ip, 16379, { ca: outputs.caCert });
        expect(noClientCert.pong).toBe(false);
        const tls = await pingClusterBus(ip, 16379, { ca: outputs.caCert, cert: `${cert}\n`, key: `${key}\n` });
        expect(tls).toMatchObject({ pong: true, handshake: true });
    });

    it("secrets audit: the password and the nodes' keys appear nowhere in plain text; each key is the redis user's alone", async () => {
        const pemLines = (pem: string) => pem.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"));
        const containers = (outputs.nodes as NodeOut[]).map((n) => n.containerName);
        const keys = containers.map((c) => docker("exec", c, "cat", TLS_FILES.keyFile));
        expect(new Set(keys).size).toBe(containers.length);
        const secrets = [outputs.password as string, APP.password, PROBE.password, ...keys.flatMap(pemLines)];
        const places: Record<string, string> = {
            "state file": fs.readFileSync(driver.stateFile(STACK), "utf8"),
            "outputs without --show-secrets": JSON.stringify(await driver.outputsWithoutSecrets(STACK)),
        };
        for (const c of containers) {
            places[`docker inspect ${c}`] = docker("inspect", c);
            places[`environment of ${c}`] = docker("exec", c, "env");
            places[`process arguments in ${c}`] = docker("exec", c, "ps");
            places[`logs of ${c}`] = spawnSync("docker", ["logs", c], { encoding: "utf8" }).output.join("");
            expect(docker("exec", c, "stat", "-c", "%U %a", TLS_FILES.keyFile)).toBe("redis 600");
        }
        for (const [place, text] of Object.entries(places)) {
            const leaked = secrets.filter((secret) => text.includes(secret)).length;
            expect({ place, leaked }).toEqual({ place, leaked: 0 });
        }
    });

    it("docker kill of a master: its replica is promoted over the TLS bus; started again, the old master rejoins as a replica", async () => {
        const old = node("shard-0-0");
        const heir = node("shard-0-1");
        const killed = Date.now();
        docker("kill", old.containerName);
        await until(`${heir.name} promoted and cluster_state:ok`, () =>
            withNode(heir.port, async (c) => {
                const role = infoField(await c.info("replication"), "role");
                const state = infoField((await c.cluster("INFO")) as string, "cluster_state");
                return role === "master" && state === "ok" ? true : `role ${role}, cluster_state ${state}`;
            }),
        );
        console.log(
            `TLS cluster failover (docker kill of the master -> its replica master, cluster_state:ok; cluster-node-timeout 5000): ${Date.now() - killed} ms`,
        );
        const cluster = new Cluster(opts.startupNodes, opts.options);
        try {
            expect(await cluster.get("app:0")).toBe("v0");
            expect(await cluster.set("app:after-failover", "yes")).toBe("OK");
        } finally {
            cluster.disconnect();
        }
        docker("start", old.containerName);
        await until(`${old.name} back as a linked replica of ${heir.name}`, () =>
            withNode(old.port, async (c) => {
                const info = await c.info("replication");
                const state = infoField((await c.cluster("INFO")) as string, "cluster_state");
                const ok = infoField(info, "role") === "slave" && infoField(info, "master_link_status") === "up" && state === "ok";
                return ok ? true : `role ${infoField(info, "role")}, link ${infoField(info, "master_link_status")}, cluster_state ${state}`;
            }),
        );
    });

    it("cluster.shards=4: a fourth shard joins and takes its slots, the keys moved by MIGRATE between the nodes over TLS", async () => {
        const started = Date.now();
        const scaled = await driver.up(STACK, { ...CONFIG, cluster: { shards: 4 } }, ACL_SECRETS);
        console.log(`TLS cluster scale-out 3 -> 4 shards (up): ${Date.now() - started} ms; ${scaled.outputs.lastRebalance}`);
        outputs = scaled.outputs;
        expect(outputs.nodes.filter((n: NodeOut) => n.slots.length > 0)).toHaveLength(4);
        const joined = node("shard-3-0");
        expect(joined.port).toBe(BASE_PORT + 3);
        // Keys reached it only by MIGRATE: no client wrote to it.
        await withNode(joined.port, async (c) => expect(await c.dbsize()).toBeGreaterThan(KEYS / 8));
        await withNode(node("shard-3-1").port, async (c) => expect(infoField(await c.info("replication"), "master_link_status")).toBe("up"));
        const cluster = new Cluster(outputs.ioredisClusterOptions.startupNodes, outputs.ioredisClusterOptions.options);
        try {
            for (let i = 0; i < KEYS; i += 500) {
                const values = await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.get(`app:${i + j}`)));
                expect(values).toEqual(Array.from({ length: 500 }, (_, j) => `v${i + j}`));
            }
        } finally {
            cluster.disconnect();
        }
    });

    it("destroy leaves no container, network or volume of the stack", async () => {
        await driver.destroy(STACK);
        expect(labelledObjects(STACK)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});

describe(`cluster with TLS in host network mode through ${driver.name}`, () => {
    const stack = "e2e-tls-cluster-host";
    const basePort = BASE_PORT + 10;
    afterAll(() => driver.destroy(stack).catch(() => undefined));

    it("forms on bindAddress ports over TLS; plain text gets no answer; a Cluster client from the outputs works; the buses speak TLS only", async () => {
        const { outputs } = await driver.up(stack, { ...CONFIG, basePort, network: { mode: "host" } });
        const opts = outputs.ioredisClusterOptions as ClusterOptions;
        expect(opts.options).toEqual({ redisOptions: { password: outputs.password, tls: { ca: outputs.caCert } } });
        expect(outputs.redisCli).toBe(`redis-cli -c --tls --cacert redis-ha-${stack}-ca.crt -h 127.0.0.1 -p ${basePort} --askpass`);
        const ports = (outputs.nodes as NodeOut[]).map((n) => n.port);
        expect(ports).toEqual([0, 1, 2, 100, 101, 102].map((d) => basePort + d));
        for (const port of ports) expect((await plainTextReply(port)).reply).not.toMatch(/^[+-]/);
        const cluster = new Cluster(opts.startupNodes, { ...opts.options, scaleReads: "master" });
        try {
            await Promise.all(Array.from({ length: 300 }, (_, i) => cluster.set(`tls-host:${i}`, `v${i}`)));
            expect(await Promise.all(Array.from({ length: 300 }, (_, i) => cluster.get(`tls-host:${i}`)))).toEqual(
                Array.from({ length: 300 }, (_, i) => `v${i}`),
            );
        } finally {
            cluster.disconnect();
        }
        const replica = new Redis({
            host: "127.0.0.1",
            port: basePort + 100,
            ...opts.options.redisOptions,
            lazyConnect: true,
            retryStrategy: () => null,
        });
        try {
            await replica.connect();
            expect(infoField(await replica.info("replication"), "master_link_status")).toBe("up");
        } finally {
            replica.disconnect();
        }
        const peer = (outputs.nodes as NodeOut[])[1].containerName;
        const cert = docker("exec", peer, "cat", TLS_FILES.certFile);
        const key = docker("exec", peer, "cat", TLS_FILES.keyFile);
        expect(await pingClusterBus("127.0.0.1", basePort + 10000)).toMatchObject({ pong: false, bytes: 0, closed: true });
        expect(await pingClusterBus("127.0.0.1", basePort + 10000, { ca: outputs.caCert, cert: `${cert}\n`, key: `${key}\n` })).toMatchObject({
            pong: true,
        });
    });

    it("destroy leaves no container or volume of the stack", async () => {
        await driver.destroy(stack);
        expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
