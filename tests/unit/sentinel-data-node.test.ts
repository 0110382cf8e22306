import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataNodeCommandInput, dataNodeStartCommand, dataNodeStartScript } from "../../components/sentinel/layout";
import { LIVE_CONF_ENV } from "../../components/docker/live-config";

const input: DataNodeCommandInput = {
    sentinels: [
        { host: "p-sentinel-0", port: 26379 },
        { host: "p-sentinel-1", port: 26379 },
    ],
    masterName: "mymaster",
    self: { host: "p-node-0", port: 6379 },
    uploadedConfigPath: "/usr/local/etc/redis/redis.conf",
    configPath: "/data/redis.conf",
    authFilePath: "/usr/local/etc/redis/auth",
};

describe("data node start script (sentinel topology)", () => {
    it("is `sh -c <script>` asking every sentinel, with the password only from the auth file", () => {
        const [sh, flag, script] = dataNodeStartCommand(input);
        expect([sh, flag]).toEqual(["sh", "-c"]);
        expect(script).toContain('for s in "p-sentinel-0 26379" "p-sentinel-1 26379"; do');
        expect(script).toContain("--askpass --raw SENTINEL get-master-addr-by-name mymaster < /usr/local/etc/redis/auth");
        expect(script).toMatch(/mv \/data\/redis\.conf\.new \/data\/redis\.conf\nexec docker-entrypoint\.sh redis-server \/data\/redis\.conf$/);
    });

    it.each([
        [{ sentinels: [] }, /at least one sentinel/],
        [{ sentinels: [{ host: "a;rm -rf /", port: 1 }] }, /not shell-safe/],
        [{ self: { host: "node", port: 0 } }, /outside 1-65535/],
        [{ masterName: "a b" }, /master name/],
        [{ configPath: "data/redis.conf" }, /absolute and shell-safe/],
    ])("refuses %j", (bad, message) => {
        expect(() => dataNodeStartScript({ ...input, ...bad } as DataNodeCommandInput)).toThrow(message);
    });

    // The script's decisions, run by a real sh with stand-ins for redis-cli, timeout and the entrypoint.
    describe("decisions, run by sh", () => {
        let dir: string;
        const run = (sentinelReplies: Record<string, string>): string => {
            const script = dataNodeStartScript({
                ...input,
                uploadedConfigPath: `${dir}/uploaded.conf`,
                configPath: `${dir}/redis.conf`,
                authFilePath: `${dir}/auth`,
            });
            const replies = Object.entries(sentinelReplies)
                .map(([host, reply]) => `  ${host}) printf '${reply}';;`)
                .join("\n");
            fs.writeFileSync(`${dir}/bin/redis-cli`, `#!/bin/sh\ncase "$2" in\n${replies}\n  *) exit 1;;\nesac\n`, { mode: 0o755 });
            return execFileSync("sh", ["-c", script], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, [LIVE_CONF_ENV]: 'maxmemory "1mb"\nappendonly "yes"' },
            });
        };
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-start-"));
            fs.mkdirSync(`${dir}/bin`);
            fs.writeFileSync(`${dir}/bin/timeout`, '#!/bin/sh\nshift\nexec "$@"\n', { mode: 0o755 });
            fs.writeFileSync(`${dir}/bin/docker-entrypoint.sh`, '#!/bin/sh\necho started "$@"\n', { mode: 0o755 });
            fs.writeFileSync(`${dir}/uploaded.conf`, "port 6379\nreplicaof p-node-9 6379\n");
            fs.writeFileSync(`${dir}/auth`, "pw");
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const LIVE = '# --- live settings: changed at runtime with CONFIG SET and kept here by CONFIG REWRITE\nmaxmemory "1mb"\nappendonly "yes"\n';

        it("keeps the deployed role when no sentinel answers; a fresh volume gets the live values the container was created with", () => {
            expect(run({})).toContain("no sentinel answered");
            expect(fs.readFileSync(`${dir}/redis.conf`, "utf8")).toBe(`port 6379\nreplicaof p-node-9 6379\n${LIVE}`);
        });

        it("keeps the live values of the file it ran from (rewritten by CONFIG REWRITE), not the creation-time ones", () => {
            fs.writeFileSync(
                `${dir}/redis.conf`,
                "port 6379\nreplicaof p-node-9 6379\nmaxmemory 256mb\nappendonly no\nmaxmemory-policy allkeys-lru\n",
            );
            run({});
            expect(fs.readFileSync(`${dir}/redis.conf`, "utf8")).toBe(
                "port 6379\nreplicaof p-node-9 6379\n# --- live settings: changed at runtime with CONFIG SET and kept here by CONFIG REWRITE\n" +
                    "maxmemory 256mb\nappendonly no\nmaxmemory-policy allkeys-lru\n",
            );
        });

        it("replicates the master the first answering sentinel names, skipping one that is down", () => {
            expect(run({ "p-sentinel-1": "p-node-2\\n6379\\n" })).toContain("sentinels name p-node-2 6379 master; starting as its replica");
            expect(fs.readFileSync(`${dir}/redis.conf`, "utf8")).toBe(`port 6379\nreplicaof p-node-2 6379\n${LIVE}`);
        });

        it("starts as master, without replicaof, when the sentinels name this node", () => {
            expect(run({ "p-sentinel-0": "p-node-0\\n6379\\n" })).toContain("sentinels name this node master");
            expect(fs.readFileSync(`${dir}/redis.conf`, "utf8")).toBe(`port 6379\n${LIVE}`);
        });

        it("ignores an error reply (e.g. NOAUTH) and asks the next sentinel", () => {
            run({ "p-sentinel-0": "NOAUTH Authentication required.\\n", "p-sentinel-1": "p-node-1\\n6379\\n" });
            expect(fs.readFileSync(`${dir}/redis.conf`, "utf8")).toMatch(/^replicaof p-node-1 6379$/m);
        });
    });
});
