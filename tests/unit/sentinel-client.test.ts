/** Sentinel layout, natMap, ioredis options and the container command: pure planning helpers. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RedisOptions } from "ioredis";
import { renderTemplate } from "../../components/docker/templates";
import { SENTINEL_LIVE_MARKER, sentinelConfView } from "../../components/sentinel/conf";
import { replicationLayout } from "../../components/docker/layout";
import { sentinelClientOptions } from "../../components/sentinel/client";
import { buildNatMap, natMapForLayout } from "../../components/shared/endpoint";
import { SENTINEL_CONFIG_PATH, SENTINEL_SEED_PATH, seedOnceCommand, sentinelContainerCommand } from "../../components/sentinel/layout";
import { sentinelLayout } from "../../components/sentinel/layout";

const layouts = (mode: "bridge" | "host") => {
    const common = { namePrefix: "redis-ha-dev", bindAddress: "127.0.0.1", network: { mode } };
    return {
        nodes: replicationLayout({ ...common, basePort: 6379, replicas: 2 }),
        sentinels: sentinelLayout({ ...common, count: 3, firstHostPort: 26379 }),
    };
};

describe("sentinel layout", () => {
    it("bridge: container names on 26379 inside, consecutive published ports", () => {
        expect(layouts("bridge").sentinels).toEqual(
            [0, 1, 2].map((i) => ({
                index: i,
                logicalName: `sentinel-${i}`,
                containerName: `redis-ha-dev-sentinel-${i}`,
                hostPort: 26379 + i,
                listenPort: 26379,
                peerHost: `redis-ha-dev-sentinel-${i}`,
            })),
        );
    });

    it("host: each sentinel listens on its own host port at bindAddress", () => {
        expect(layouts("host").sentinels.map((s) => [s.peerHost, s.listenPort])).toEqual([
            ["127.0.0.1", 26379],
            ["127.0.0.1", 26380],
            ["127.0.0.1", 26381],
        ]);
    });
});

describe("natMap", () => {
    it("bridge: maps every data node and sentinel from container name:listen port to the published port", () => {
        const { nodes, sentinels } = layouts("bridge");
        expect(natMapForLayout([...nodes, ...sentinels], "127.0.0.1")).toEqual({
            "redis-ha-dev-node-0:6379": { host: "127.0.0.1", port: 6379 },
            "redis-ha-dev-node-1:6379": { host: "127.0.0.1", port: 6380 },
            "redis-ha-dev-node-2:6379": { host: "127.0.0.1", port: 6381 },
            "redis-ha-dev-sentinel-0:26379": { host: "127.0.0.1", port: 26379 },
            "redis-ha-dev-sentinel-1:26379": { host: "127.0.0.1", port: 26380 },
            "redis-ha-dev-sentinel-2:26379": { host: "127.0.0.1", port: 26381 },
        });
    });

    it("host: addresses are already reachable, so the map is empty and the options carry none", () => {
        const { nodes, sentinels } = layouts("host");
        const natMap = natMapForLayout([...nodes, ...sentinels], "127.0.0.1");
        expect(natMap).toEqual({});
        expect(sentinelClientOptions({ sentinels: [{ host: "127.0.0.1", port: 26379 }], masterName: "mymaster", natMap })).toEqual({
            sentinels: [{ host: "127.0.0.1", port: 26379 }],
            name: "mymaster",
        });
    });

    it("refuses one in-network address mapped to two published ports", () => {
        expect(() =>
            buildNatMap([
                { internal: { host: "n0", port: 6379 }, published: { host: "127.0.0.1", port: 1 } },
                { internal: { host: "n0", port: 6379 }, published: { host: "127.0.0.1", port: 2 } },
            ]),
        ).toThrow(/n0:6379 would map to both 127.0.0.1:1 and 127.0.0.1:2/);
    });
});

describe("ioredis sentinel options", () => {
    it("carries sentinels, master name, both passwords and the natMap, and type-checks as ioredis options", () => {
        const { nodes, sentinels } = layouts("bridge");
        const natMap = natMapForLayout([...nodes, ...sentinels], "127.0.0.1");
        const options: RedisOptions = sentinelClientOptions({
            sentinels: sentinels.map((s) => ({ host: "127.0.0.1", port: s.hostPort })),
            masterName: "mymaster",
            password: "pw",
            natMap,
        });
        expect(options).toEqual({
            sentinels: [26379, 26380, 26381].map((port) => ({ host: "127.0.0.1", port })),
            name: "mymaster",
            password: "pw",
            sentinelPassword: "pw",
            natMap,
        });
        expect(() => sentinelClientOptions({ sentinels: [], masterName: "m" })).toThrow(/at least one sentinel/);
    });
});

describe("sentinel container command", () => {
    it("seeds the data volume once, then runs the sentinel through the entrypoint on the volume's copy", () => {
        expect(sentinelContainerCommand()).toEqual([
            "sh",
            "-c",
            `if [ ! -s ${SENTINEL_CONFIG_PATH} ]; then ` +
                `awk 'index($0, "${SENTINEL_LIVE_MARKER}") == 1 { print; print ENVIRON["REDIS_HA_LIVE_CONF"]; next } { print }' ` +
                `${SENTINEL_SEED_PATH} > ${SENTINEL_CONFIG_PATH}.seed && mv ${SENTINEL_CONFIG_PATH}.seed ${SENTINEL_CONFIG_PATH}; fi; ` +
                `exec docker-entrypoint.sh redis-server ${SENTINEL_CONFIG_PATH} --sentinel`,
        ]);
        expect(SENTINEL_SEED_PATH).toBe("/usr/local/etc/redis/sentinel.conf");
        expect(SENTINEL_CONFIG_PATH).toBe("/data/sentinel.conf");
        expect(() => sentinelContainerCommand({ configPath: "/data/x; rm -rf /" })).toThrow(/shell-safe/);
    });

    it("seeds the live lines the container was created with after the marker, before auth-pass (run by sh)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-seed-"));
        try {
            const seedText = renderTemplate(
                "sentinel.conf.mustache",
                sentinelConfView({
                    sentinelName: "sentinel-0",
                    networkMode: "bridge",
                    bind: "0.0.0.0",
                    port: 26379,
                    announce: { host: "s0", port: 26379 },
                    master: { host: "n0", port: 6379 },
                    settings: { masterName: "mymaster", quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 },
                    password: "pw",
                    omitLive: true,
                }),
            );
            fs.writeFileSync(`${dir}/seed.conf`, seedText);
            const live = "sentinel monitor mymaster n0 6379 2\nsentinel down-after-milliseconds mymaster 1000";
            const [sh, flag, script] = sentinelContainerCommand({ seedPath: `${dir}/seed.conf`, configPath: `${dir}/sentinel.conf`, exec: "true" });
            execFileSync(sh, [flag, script], { env: { ...process.env, REDIS_HA_LIVE_CONF: live } });
            const lines = fs.readFileSync(`${dir}/sentinel.conf`, "utf8").split("\n");
            const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
            expect(lines[at(SENTINEL_LIVE_MARKER) + 1]).toBe("sentinel monitor mymaster n0 6379 2");
            expect(at("sentinel down-after-milliseconds mymaster 1000")).toBeGreaterThan(at("sentinel monitor"));
            expect(at("sentinel resolve-hostnames")).toBeLessThan(at("sentinel monitor"));
            expect(at("sentinel auth-pass")).toBeGreaterThan(at("sentinel monitor"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the same seed-once pattern serves data nodes, whose role changes Sentinel persists with CONFIG REWRITE", () => {
        const cmd = seedOnceCommand({
            seedPath: "/usr/local/etc/redis/redis.conf",
            configPath: "/data/redis.conf",
            exec: "docker-entrypoint.sh redis-server /data/redis.conf",
        });
        expect(cmd[2]).toBe(
            "if [ ! -s /data/redis.conf ]; then cp /usr/local/etc/redis/redis.conf /data/redis.conf.seed && mv /data/redis.conf.seed /data/redis.conf; fi; " +
                "exec docker-entrypoint.sh redis-server /data/redis.conf",
        );
        expect(() => seedOnceCommand({ seedPath: "/a", configPath: "/b", exec: "redis-server /b; reboot" })).toThrow(/plain words and paths/);
    });
});
