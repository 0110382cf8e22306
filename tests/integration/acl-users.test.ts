/**
 * Application users on a real redis-server, the way a data node container runs: the running config is
 * composed by the node's start script from the uploaded file (the stack's own users, the default user off)
 * plus the live section; the AclUsers resource adds, changes and removes users with ACL SETUSER/DELUSER and
 * CONFIG REWRITE, without a restart (same run_id); a restart through the start script keeps them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseSettings } from "../../components/config";
import { renderRedisConf } from "../../components/docker/templates";
import { INTERNAL_USERS } from "../../components/security/acl";
import { type AclUserSpec, type AclUsersInputs, aclUsersProvider, describeAclUsersChange } from "../../components/security/acl-users";
import { nodeSecurityConf } from "../../components/security/node-security";
import { type RedisProcess, startRedis, stopAllRedis } from "../support/redis-process";
import { commandReply } from "../support/command-reply";
import { internalPasswords, sha256Hex } from "../support/internal-passwords";
import { dataNodeFiles } from "../support/data-node-files";

const PORT = 8210;
const sha = sha256Hex;
const passwords = internalPasswords(`-${process.pid}`);
const operator = { user: INTERNAL_USERS.operator.name, password: passwords.internal.operator.password };
const user = (name: string, password: string, rules: string): AclUserSpec => ({ name, passwordSha256: sha(password), rules });

afterAll(stopAllRedis);

/** The error (or "OK"/reply) of one command as `name`/`password`, on a fresh connection. */
const as = (name: string | undefined, password: string, ...command: string[]) =>
    commandReply({ host: "127.0.0.1", port: PORT, ...(name ? { username: name } : {}), password }, ...command);

const runId = async () => /run_id:(\w+)/.exec(await as(operator.user, operator.password, "INFO", "server"))?.[1];

describe("AclUsers on a real redis-server (default user off)", () => {
    let dir: string;
    let rp: RedisProcess | undefined;
    const { uploaded, running, compose } = dataNodeFiles(() => dir, "0");
    const inputs = (users: AclUserSpec[]): AclUsersInputs => ({
        name: "node-0",
        access: { host: "127.0.0.1", port: PORT },
        username: operator.user,
        password: operator.password,
        users,
        containerId: "c1",
        timeoutMs: 10000,
    });
    const v1 = [user("app", "app-pw", "~app:* +@read +@write -@dangerous"), user("reader", "reader-pw", "~* +@read")];
    const v2 = [user("app", "app-pw", "~app:* +@read"), user("writer", "writer-pw", "~w:* +set")];

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-acl-"));
        const settings = parseSettings(
            { topology: "replication", acl: { defaultUser: "off", users: [{ name: "app", password: "x", rules: "" }] } },
            "redis-ha",
            "it",
        );
        const conf = renderRedisConf({
            nodeName: "node-0",
            role: "master",
            bind: "127.0.0.1",
            port: PORT,
            password: "default-pw",
            persistence: { save: [], appendonly: false, appendfsync: "everysec" },
            maxmemory: "0",
            maxmemoryPolicy: "noeviction",
            omitLive: true,
            security: nodeSecurityConf(settings, passwords, { cluster: false }),
        }).replace(/^dir .*$/m, `dir ${dir}`);
        fs.writeFileSync(uploaded(), conf);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("starts with the stack's own users only; the default user cannot log in", async () => {
        compose();
        rp = await startRedis({ port: PORT, config: fs.readFileSync(running(), "utf8"), password: operator.password, user: operator.user, dir });
        expect(await as(undefined, "default-pw", "PING")).toMatch(/WRONGPASS|NOAUTH/);
        expect(await as(operator.user, operator.password, "PING")).toBe("PONG");
        // Least privilege: the operator reads no key and runs no write command.
        expect(await as(operator.user, operator.password, "GET", "k")).toMatch(/NOPERM/);
        expect((await as(operator.user, operator.password, "ACL", "USERS")).split(",")).toEqual(
            expect.arrayContaining(["default", "redis-ha-operator", "redis-ha-replication"]),
        );
    });

    it("create: the users get exactly their rules", async () => {
        await aclUsersProvider.create!(inputs(v1));
        expect(await as("app", "app-pw", "SET", "app:1", "v")).toBe("OK");
        expect(await as("app", "app-pw", "SET", "other:1", "v")).toMatch(/NOPERM/);
        expect(await as("app", "app-pw", "FLUSHALL")).toMatch(/NOPERM/);
        expect(await as("reader", "reader-pw", "GET", "app:1")).toBe("v");
        expect(await as("reader", "reader-pw", "SET", "app:1", "w")).toMatch(/NOPERM/);
        expect(await as("app", "wrong", "PING")).toMatch(/WRONGPASS/);
    });

    it("update: changed rules, a removed user and a new one apply live (same run_id), and the plan names them without passwords", async () => {
        const before = await runId();
        const diff = await aclUsersProvider.diff!("node-0-acl", inputs(v1), inputs(v2));
        expect(diff.changes).toBe(true);
        const plan = describeAclUsersChange("node-0", v1, v2);
        expect(plan).toEqual([
            'node-0: user app rules "~app:* +@read +@write -@dangerous" -> "~app:* +@read" live (ACL SETUSER, no restart)',
            'node-0: user writer added live (ACL SETUSER, no restart): "~w:* +set"',
            "node-0: user reader removed live (ACL DELUSER, no restart)",
        ]);
        expect(plan.join("\n")).not.toMatch(/pw|[0-9a-f]{64}/);
        expect((await aclUsersProvider.diff!("node-0-acl", inputs(v2), inputs(v2))).changes).toBe(false);

        await aclUsersProvider.update!("node-0-acl", inputs(v1), inputs(v2));
        expect(await runId()).toBe(before);
        expect(await as("app", "app-pw", "GET", "app:1")).toBe("v");
        expect(await as("app", "app-pw", "SET", "app:1", "x")).toMatch(/NOPERM/);
        expect(await as("reader", "reader-pw", "PING")).toMatch(/WRONGPASS/);
        expect(await as("writer", "writer-pw", "SET", "w:1", "v")).toBe("OK");
        expect(await as("writer", "writer-pw", "GET", "w:1")).toMatch(/NOPERM/);
        // Persisted by CONFIG REWRITE, hashes only.
        const file = fs.readFileSync(running(), "utf8");
        expect(file).toMatch(/^user app on .*#[0-9a-f]{64}/m);
        expect(file).not.toMatch(/^user reader /m);
        expect(file).not.toContain("app-pw");
    });

    it("a restart through the start script keeps the application users (the stack's own come from the upload)", async () => {
        await rp!.kill();
        compose();
        const composed = fs.readFileSync(running(), "utf8");
        expect(composed.match(/^user (\S+) /gm)).toEqual([
            "user redis-ha-replication ",
            "user redis-ha-operator ",
            "user default ",
            "user app ",
            "user writer ",
        ]);
        await rp!.restart();
        // No persistence in this test: the key is gone, the right to read it is not.
        expect(await as("app", "app-pw", "GET", "app:1")).toBe("null");
        expect(await as("app", "app-pw", "SET", "app:1", "x")).toMatch(/NOPERM/);
        expect(await as("writer", "writer-pw", "SET", "w:1", "v")).toBe("OK");
        expect(await as(undefined, "default-pw", "PING")).toMatch(/WRONGPASS|NOAUTH/);
    });
});
