/**
 * Every redis.conf variant the stack renders is started by a real redis-server: a directive Redis rejects
 * fails here, and CONFIG GET proves each setting took effect.
 */
import * as fs from "fs";
import * as path from "path";
import Redis from "ioredis";
import { clusterLayout } from "../../components/cluster/layout";
import { clusterNodeConfLines } from "../../components/cluster/layout";
import { renderRedisConf } from "../../components/docker/templates";
import type { RedisConfInput } from "../../components/docker/redis-conf";
import { startRedis, stopAllRedis } from "../support/redis-process";

const base: RedisConfInput = {
    nodeName: "node-0",
    role: "master",
    bind: "0.0.0.0",
    port: 6379,
    password: "pw",
    persistence: {
        save: [
            { seconds: 3600, changes: 1 },
            { seconds: 300, changes: 100 },
        ],
        appendonly: true,
        appendfsync: "everysec",
    },
    maxmemory: "0",
    maxmemoryPolicy: "noeviction",
};

async function configOf(port: number, password: string, keys: string[]): Promise<Record<string, string>> {
    const client = new Redis({ host: "127.0.0.1", port, password, lazyConnect: true, retryStrategy: () => null });
    try {
        await client.connect();
        const out: Record<string, string> = {};
        for (const key of keys) {
            const [, value] = (await client.config("GET", key)) as string[];
            out[key] = value;
        }
        return out;
    } finally {
        client.disconnect();
    }
}

afterEach(stopAllRedis);

describe("rendered redis.conf runs on a real redis-server", () => {
    it("default persistence: RDB rules and AOF everysec", async () => {
        const p = await startRedis({ port: 7201, config: renderRedisConf(base), password: "pw" });
        expect(await configOf(p.port, "pw", ["appendonly", "appendfsync", "save", "maxmemory-policy", "replica-read-only"])).toEqual({
            appendonly: "yes",
            appendfsync: "everysec",
            save: "3600 1 300 100",
            "maxmemory-policy": "noeviction",
            "replica-read-only": "yes",
        });
    });

    it("persistence off: no RDB rules and no AOF", async () => {
        const conf = renderRedisConf({ ...base, persistence: { save: [], appendonly: false, appendfsync: "no" } });
        const p = await startRedis({ port: 7202, config: conf, password: "pw" });
        expect(await configOf(p.port, "pw", ["appendonly", "appendfsync", "save"])).toEqual({ appendonly: "no", appendfsync: "no", save: "" });
    });

    it("memory limits and eviction policy", async () => {
        const conf = renderRedisConf({
            ...base,
            maxmemory: "64mb",
            maxmemoryPolicy: "allkeys-lfu",
            persistence: { ...base.persistence, appendfsync: "always" },
        });
        const p = await startRedis({ port: 7203, config: conf, password: "pw" });
        expect(await configOf(p.port, "pw", ["maxmemory", "maxmemory-policy", "appendfsync"])).toEqual({
            maxmemory: String(64 * 1024 * 1024),
            "maxmemory-policy": "allkeys-lfu",
            appendfsync: "always",
        });
    });

    it("a password with quotes, backslashes and spaces survives quoting, and auth is enforced", async () => {
        const password = 'a "quoted" \\ back slash';
        const p = await startRedis({ port: 7204, config: renderRedisConf({ ...base, password }), password });
        const anonymous = new Redis({ host: "127.0.0.1", port: p.port, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
        await anonymous.connect();
        await expect(anonymous.set("k", "v")).rejects.toThrow(/NOAUTH/);
        anonymous.disconnect();
        expect(await configOf(p.port, password, ["masterauth"])).toEqual({ masterauth: password });
    });

    it("a replica config replicates its master and announces its stable address", async () => {
        const master = await startRedis({ port: 7205, config: renderRedisConf(base), password: "pw" });
        const conf = renderRedisConf({
            ...base,
            nodeName: "node-1",
            role: "replica",
            replicaOf: { host: "127.0.0.1", port: master.port },
            announce: { host: "127.0.0.1", port: 7206 },
        });
        const replica = await startRedis({ port: 7206, config: conf, password: "pw" });
        expect(await configOf(replica.port, "pw", ["replicaof", "replica-announce-ip", "replica-announce-port"])).toEqual({
            replicaof: "127.0.0.1 7205",
            "replica-announce-ip": "127.0.0.1",
            "replica-announce-port": "7206",
        });
    });

    it("a cluster node config (bridge mode directives) starts cluster-enabled with nodes.conf in its dir", async () => {
        const conf = renderRedisConf({
            ...base,
            nodeName: "shard-0-0",
            clusterLines: clusterNodeConfLines(
                { bindAddress: "127.0.0.1", network: { mode: "bridge" }, cluster: { nodeTimeoutMs: 5000 } },
                {
                    ...clusterLayout({
                        namePrefix: "redis-ha-t",
                        basePort: 7208,
                        bindAddress: "127.0.0.1",
                        network: { mode: "bridge" },
                        cluster: { shards: 3, replicasPerShard: 0 },
                    })[0],
                },
            ),
        });
        expect(conf).not.toMatch(/^replicaof/m);
        const p = await startRedis({ port: 7208, config: conf, password: "pw" });
        expect(
            await configOf(p.port, "pw", [
                "cluster-enabled",
                "cluster-config-file",
                "cluster-node-timeout",
                "cluster-announce-hostname",
                "cluster-preferred-endpoint-type",
                "appendonly",
            ]),
        ).toEqual({
            "cluster-enabled": "yes",
            "cluster-config-file": "nodes.conf",
            "cluster-node-timeout": "5000",
            "cluster-announce-hostname": "redis-ha-t-shard-0-0",
            "cluster-preferred-endpoint-type": "hostname",
            appendonly: "yes",
        });
        expect(fs.existsSync(path.join(p.dir, "nodes.conf"))).toBe(true);
    });

    it("a config Redis rejects fails start-up with Redis's own error", async () => {
        const broken = renderRedisConf(base).replace(`appendfsync "everysec"`, `appendfsync "sometimes"`);
        await expect(startRedis({ port: 7207, config: broken, password: "pw" })).rejects.toThrow(/appendfsync|FATAL CONFIG/);
    });
});
