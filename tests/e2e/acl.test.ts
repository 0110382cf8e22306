/**
 * ACL users on the real engine (issue 11). A sentinel group, first with the default user on, then rolled to
 * `acl.defaultUser: off` (the roll hands the master over as the operator user): the default user
 * cannot log in, the outputs hand clients the first application user, who can do only what its rules allow;
 * a change of the users is applied live by `up` (only the AclUsers resources update: same containers, same
 * run_id); the sentinels, logging in to the data nodes as their own least-privilege user, still fail over
 * when the master is killed; and the secrets audit covers every ACL password. A replication group with the
 * default user on shows the other mode: the stack password still works, and the application user is held
 * to its rules.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import Redis, { type RedisOptions } from "ioredis";
import { HEALTH_AUTH_FILE_PATH } from "../../components/docker/redis-node";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects, stepsByOp } from "./support/stack-driver";
import { until } from "./support/probes";
import { commandReply } from "../support/command-reply";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const runIdOf = async (options: RedisOptions) => /run_id:(\w+)/.exec(await commandReply(options, "INFO", "server"))?.[1];

describe(`ACL users through ${driver.name}`, () => {
    describe("sentinel, default user off", () => {
        const stack = "e2e-acl-sentinel";
        const APP_PASSWORD = "app-e2e-Pw1";
        const AUDIT_PASSWORD = "audit-e2e-Pw2";
        const appRules = "~app:* +@read +@write -@dangerous +info";
        // `acl` goes in as one secret (its passwords must not be plain config in the state); stack:local's
        // --secret takes object paths, not list indices, so not `acl.users[0].password` alone.
        const config = {
            topology: "sentinel",
            replicas: 1,
            image: LOCAL_IMAGE,
            basePort: 8200,
            sentinel: { downAfterMs: 2000, failoverTimeoutMs: 10000 },
        };
        const acl = (rules: string, withAudit = false, defaultUser = "off") => ({
            acl: JSON.stringify({
                defaultUser,
                users: [
                    { name: "app", password: APP_PASSWORD, rules },
                    ...(withAudit ? [{ name: "audit", password: AUDIT_PASSWORD, rules: "+info +ping" }] : []),
                ],
            }),
        });
        let outputs: Record<string, any>;
        const nodeIds = () => outputs.nodes.map((n: { containerName: string }) => docker("inspect", "-f", "{{.Id}}", n.containerName));
        const sentinel = () => ({ host: "127.0.0.1", port: 28200, password: outputs.password });
        /** The data node the sentinels name master now, and the other one. */
        const roles = async () => {
            const addr = await commandReply(sentinel(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster");
            const master = outputs.nodes.find((n: { containerName: string }) => addr.startsWith(`${n.containerName},`));
            if (!master) throw new Error(`sentinels name ${addr}`);
            return { master, other: outputs.nodes.find((n: { name: string }) => n.name !== master.name) };
        };
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("up with the default user on: the stack password logs in, the application user is held to its rules", async () => {
            const started = Date.now();
            ({ outputs } = await driver.up(stack, config, acl(appRules, false, "on")));
            console.log(`acl sentinel stack up (2 data nodes, 3 sentinels): ${Date.now() - started} ms`);
            expect(outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 8200, password: outputs.password });
            expect(await commandReply(outputs.ioredisOptions, "SET", "before:roll", "1")).toBe("OK");
            const app = { host: "127.0.0.1", port: 8200, username: "app", password: APP_PASSWORD };
            expect(await commandReply(app, "SET", "app:0", "v0")).toBe("OK");
            expect(await commandReply(app, "SET", "other:0", "v")).toMatch(/NOPERM/);
        });

        it("up with acl.defaultUser off rolls the data nodes (their redis.conf changes), handing the master over as the operator", async () => {
            const ids = nodeIds();
            const started = Date.now();
            const rolled = await driver.up(stack, config, acl(appRules));
            outputs = rolled.outputs;
            console.log(`roll to acl.defaultUser off (2 data nodes, master handed over): ${Date.now() - started} ms`);
            expect(stepsByOp(rolled.report, "replace")).toEqual([
                "replace docker:index/container:Container",
                "replace docker:index/container:Container",
            ]);
            expect(nodeIds().filter((id: string, i: number) => id !== ids[i])).toHaveLength(2);
            // The roll handed the master role to node-1 before replacing node-0 (SENTINEL FAILOVER).
            const { master } = await roles();
            expect(master.name).toBe("node-1");
        });

        it("the outputs name the application user the clients log in as; the password stays secret", async () => {
            expect(outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 8200, username: "app", password: APP_PASSWORD });
            expect(outputs.redisCli).toBe("redis-cli --user app -h 127.0.0.1 -p 8200 --askpass");
            expect(outputs.ioredisSentinelOptions).toMatchObject({
                name: "mymaster",
                username: "app",
                password: APP_PASSWORD,
                sentinelPassword: outputs.password,
            });
            const masked = await driver.outputsWithoutSecrets(stack);
            expect(masked.ioredisOptions).toBe("[secret]");
        });

        it("the default user cannot log in; the application user can do only what its rules allow", async () => {
            const { master: m } = await roles();
            const node = { host: "127.0.0.1", port: m.port as number };
            const app = { ...outputs.ioredisOptions, port: m.port };
            expect(await commandReply({ ...node, password: outputs.password }, "PING")).toMatch(/WRONGPASS|NOAUTH/);
            expect(await commandReply({ ...node, username: "default", password: outputs.password }, "PING")).toMatch(/WRONGPASS/);
            expect(await commandReply(node, "PING")).toMatch(/NOAUTH/);
            expect(await commandReply(app, "GET", "app:0")).toBe("v0");
            expect(await commandReply(app, "SET", "app:1", "v")).toBe("OK");
            expect(await commandReply(app, "GET", "app:1")).toBe("v");
            expect(await commandReply(app, "SET", "other:1", "v")).toMatch(/NOPERM/);
            expect(await commandReply(app, "FLUSHALL")).toMatch(/NOPERM/);
            expect(await commandReply(app, "CONFIG", "GET", "maxmemory")).toMatch(/NOPERM/);
            // Through the Sentinel client options too (it follows the master through failovers).
            const viaSentinel = new Redis({ ...outputs.ioredisSentinelOptions, lazyConnect: true, maxRetriesPerRequest: 1 });
            try {
                await viaSentinel.connect();
                expect(await viaSentinel.set("app:2", "w")).toBe("OK");
                await expect(viaSentinel.set("other:2", "w")).rejects.toThrow(/NOPERM/);
            } finally {
                viaSentinel.disconnect();
            }
            // The replica links as the replication user; the sentinels see both data nodes and each other.
            const { other } = await roles();
            const info = await commandReply({ ...outputs.ioredisOptions, port: other.port }, "INFO", "replication");
            expect(info).toMatch(/master_link_status:up/);
            expect(await commandReply(sentinel(), "SENTINEL", "CKQUORUM", "mymaster")).toMatch(/^OK 3 usable Sentinels/);
        });

        it("up with changed rules and a new user: applied live, only the AclUsers resources update, same containers and run_id", async () => {
            const ids = nodeIds();
            const runIds = await Promise.all([8200, 8201].map((port) => runIdOf({ ...outputs.ioredisOptions, port })));
            expect(runIds.every((r) => r && r.length === 40)).toBe(true);

            const newRules = "~app:* +@read +info";
            const preview = await driver.preview(stack, config, acl(newRules, true));
            expect(preview.display).toContain(
                `node-0: user app rules ${JSON.stringify(appRules)} -> ${JSON.stringify(newRules)} live (ACL SETUSER, no restart)`,
            );
            expect(preview.display).toContain('node-1: user audit added live (ACL SETUSER, no restart): "+info +ping"');
            expect(preview.display).not.toContain(AUDIT_PASSWORD);

            const started = Date.now();
            const { report, outputs: after } = await driver.up(stack, config, acl(newRules, true));
            console.log(`live ACL change (2 data nodes): up took ${Date.now() - started} ms`);
            expect(stepsByOp(report, "create", "replace", "delete", "create-replacement", "delete-replaced", "update")).toEqual([
                "update pulumi-nodejs:dynamic/redis-ha:AclUsers",
                "update pulumi-nodejs:dynamic/redis-ha:AclUsers",
            ]);
            outputs = after;
            expect(nodeIds()).toEqual(ids);
            expect(await Promise.all([8200, 8201].map((port) => runIdOf({ ...outputs.ioredisOptions, port })))).toEqual(runIds);
            const { master: m } = await roles();
            expect(await commandReply({ ...outputs.ioredisOptions, port: m.port }, "GET", "app:1")).toBe("v");
            expect(await commandReply({ ...outputs.ioredisOptions, port: m.port }, "SET", "app:1", "x")).toMatch(/NOPERM/);
            for (const port of [8200, 8201]) {
                const audit = { host: "127.0.0.1", port, username: "audit", password: AUDIT_PASSWORD };
                expect(await commandReply(audit, "PING")).toBe("PONG");
                expect(await commandReply(audit, "GET", "app:1")).toMatch(/NOPERM/);
            }
        });

        it("secrets audit: no ACL password (application, operator, replication, sentinel) nor the stack password in plain text", async () => {
            const node0 = outputs.nodes[0].containerName as string;
            const sentinel0 = `redis-ha-${stack}-sentinel-0`;
            const operatorPassword = docker("exec", node0, "cat", HEALTH_AUTH_FILE_PATH);
            const replicationPassword = /^masterauth "?([^"\s]+)"?$/m.exec(docker("exec", node0, "cat", "/data/redis.conf"))?.[1];
            const sentinelUserPassword = /^sentinel auth-pass mymaster "?([^"\s]+)"?$/m.exec(
                docker("exec", sentinel0, "cat", "/data/sentinel.conf"),
            )?.[1];
            expect(operatorPassword).toMatch(/^[A-Za-z0-9]{32}$/);
            expect(replicationPassword).toMatch(/^[A-Za-z0-9]{32}$/);
            expect(sentinelUserPassword).toMatch(/^[A-Za-z0-9]{32}$/);
            expect(docker("exec", node0, "stat", "-c", "%a", HEALTH_AUTH_FILE_PATH)).toBe("600");
            const values = [outputs.password, APP_PASSWORD, AUDIT_PASSWORD, operatorPassword, replicationPassword!, sentinelUserPassword!];
            const hashes = [APP_PASSWORD, AUDIT_PASSWORD, operatorPassword].map(sha256);
            const containers = [...outputs.nodes.map((n: { containerName: string }) => n.containerName), sentinel0];
            const places: Record<string, string> = {
                "state file": fs.readFileSync(driver.stateFile(stack), "utf8"),
                "outputs without --show-secrets": JSON.stringify(await driver.outputsWithoutSecrets(stack)),
            };
            for (const c of containers) {
                places[`docker inspect ${c}`] = docker("inspect", c);
                places[`environment ${c}`] = docker("exec", c, "env");
                places[`process arguments ${c}`] = docker("exec", c, "ps", "-ef");
                places[`logs ${c}`] = spawnSync("docker", ["logs", c], { encoding: "utf8" }).output.join("");
            }
            const names = ["stack password", "app", "audit", "operator", "replication", "sentinel user"];
            for (const [place, text] of Object.entries(places)) {
                values.forEach((secret, i) =>
                    expect({ place, secret: names[i], leaks: text.includes(secret) }).toEqual({ place, secret: names[i], leaks: false }),
                );
                for (const hash of hashes) expect({ place, hashLeaks: text.includes(hash) }).toEqual({ place, hashLeaks: false });
            }
        });

        it("a Sentinel failover still happens: docker kill of the master promotes the replica, and the app user reads from it", async () => {
            const { master, other } = await roles();
            const killed = Date.now();
            docker("kill", master.containerName);
            await until(
                "the sentinels to name the replica master",
                async () => {
                    const named = (await roles()).master.name;
                    return named === other.name ? true : `sentinels name ${named}`;
                },
                60000,
            );
            await until(
                "the promoted node to say role:master",
                async () => {
                    const info = await commandReply({ ...outputs.ioredisOptions, port: other.port }, "INFO", "replication");
                    return /role:master/.test(info) ? true : (/role:\w+/.exec(info)?.[0] ?? info);
                },
                30000,
            );
            console.log(`failover after docker kill of the master: ${Date.now() - killed} ms until the promoted node says role:master`);
            const viaSentinel = new Redis({ ...outputs.ioredisSentinelOptions, lazyConnect: true, maxRetriesPerRequest: 1 });
            try {
                await viaSentinel.connect();
                expect(await viaSentinel.get("app:1")).toBe("v");
                await expect(viaSentinel.set("app:1", "y")).rejects.toThrow(/NOPERM/);
            } finally {
                viaSentinel.disconnect();
            }
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("replication, default user on", () => {
        const stack = "e2e-acl-replication";
        const config = {
            topology: "replication",
            replicas: 1,
            image: LOCAL_IMAGE,
            basePort: 8220,
        };
        let outputs: Record<string, any>;
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("the stack password still logs in the default user; the application user is held to its rules on every node", async () => {
            ({ outputs } = await driver.up(stack, config, {
                acl: JSON.stringify({ users: [{ name: "reader", password: "reader-e2e-Pw3", rules: "~* +@read" }] }),
            }));
            expect(outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 8220, password: outputs.password });
            expect(outputs.redisCli).toBe("redis-cli -h 127.0.0.1 -p 8220 --askpass");
            expect(await commandReply(outputs.ioredisOptions, "SET", "k", "v")).toBe("OK");
            expect(await commandReply(outputs.ioredisOptions, "WAIT", "1", "5000")).toBe("1");
            for (const port of [8220, 8221]) {
                const reader = { host: "127.0.0.1", port, username: "reader", password: "reader-e2e-Pw3" };
                expect(await commandReply(reader, "GET", "k")).toBe("v");
                expect(await commandReply(reader, "SET", "k", "w")).toMatch(/NOPERM/);
            }
            // The replica links as the replication user, which can do nothing else.
            const info = await commandReply({ ...outputs.ioredisOptions, port: 8221 }, "INFO", "replication");
            expect(info).toMatch(/master_link_status:up/);
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });
});
