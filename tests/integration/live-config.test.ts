/**
 * A live change on a real redis-server, the way a data node container runs: the running config is composed
 * by the node's start script (upload + live section), LiveConfig applies new values with CONFIG SET and
 * CONFIG REWRITE, and after a restart (the start script runs again, with the creation-time seed still in its
 * environment) the node keeps the new values.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { type LiveDirective, liveRedisDirectives } from "../../components/docker/live-config";
import { renderRedisConf } from "../../components/docker/templates";
import { type LiveConfigInputs, liveConfigProvider } from "../../components/docker/live-config-resource";
import { type RedisProcess, redisCli, startRedis, stopAllRedis } from "../support/redis-process";
import { dataNodeFiles } from "../support/data-node-files";

const PORT = 7231;
const PASSWORD = "live-pw";

afterAll(stopAllRedis);

describe("live settings on a real redis-server", () => {
    let dir: string;
    let rp: RedisProcess | undefined;
    const { uploaded, running, seed, compose } = dataNodeFiles(() => dir, "100mb");
    const get = (name: string) => redisCli(PORT, PASSWORD, "CONFIG", "GET", name).split("\n")[1];

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-live-"));
        const conf = renderRedisConf({
            nodeName: "node-0",
            role: "master",
            bind: "127.0.0.1",
            port: PORT,
            password: PASSWORD,
            persistence: { save: [], appendonly: false, appendfsync: "everysec" },
            maxmemory: "0",
            maxmemoryPolicy: "noeviction",
            omitLive: true,
        }).replace(/^dir .*$/m, `dir ${dir}`);
        fs.writeFileSync(uploaded(), conf);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("starts a fresh node with the seeded live values from its first start", async () => {
        compose();
        expect(fs.readFileSync(running(), "utf8")).toMatch(/^maxmemory "100mb"$/m);
        rp = await startRedis({ port: PORT, config: fs.readFileSync(running(), "utf8"), password: PASSWORD, dir });
        expect(get("maxmemory")).toBe(String(100 * 1024 * 1024));
    });

    it("applies new values with CONFIG SET, and a restart through the start script keeps them", async () => {
        const directives: LiveDirective[] = liveRedisDirectives({
            persistence: { save: [{ seconds: 900, changes: 1 }], appendonly: true, appendfsync: "always" },
            maxmemory: "256mb",
            maxmemoryPolicy: "allkeys-lru",
        });
        const inputs: LiveConfigInputs = {
            name: "node-0",
            access: { host: "127.0.0.1", port: PORT },
            password: PASSWORD,
            directives,
            containerId: "c1",
            timeoutMs: 10000,
        };
        await liveConfigProvider.update!("node-0-live", { ...inputs, directives: seed }, inputs);
        const expected = {
            maxmemory: String(256 * 1024 * 1024),
            "maxmemory-policy": "allkeys-lru",
            appendonly: "yes",
            appendfsync: "always",
            save: "900 1",
        };
        for (const [name, value] of Object.entries(expected)) expect(get(name)).toBe(value);

        // Restart: kill the process (no shutdown hook writes anything), compose again, start again.
        await rp!.kill();
        compose();
        await rp!.restart();
        for (const [name, value] of Object.entries(expected)) expect(get(name)).toBe(value);
    });
});
