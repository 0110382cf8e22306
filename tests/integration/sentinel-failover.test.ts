/**
 * A real sentinel group on 127.0.0.1 (docs/walkthrough.md, "Sentinel"): master 7400, replicas 7401-7402, sentinels
 * 7450-7452, all started from the rendered templates. The tests run in order on one group: readiness gate
 * passing and failing, `kill -9` of the master with a client writing through the failover, the old master
 * rejoining as a replica, and a restarted sentinel keeping what it learned.
 *
 * The writing client reaches everything through TCP proxies (data 7420-7422, sentinels 7460-7462), like
 * Docker's published ports in bridge mode, and finds the master through the natMap: a connection counted
 * on the new master's proxy proves the map is used.
 */
import * as fs from "fs";
import * as net from "net";
import type { Redis as RedisClient } from "ioredis";
import { SentinelConfInput, sentinelConfView } from "../../components/sentinel/conf";
import { sentinelClientOptions } from "../../components/sentinel/client";
import { buildNatMap } from "../../components/shared/endpoint";
import { pollUntil } from "../../components/shared/poll";
import { parseInfo, withRedis } from "../../components/shared/redis-connection";
import { SentinelReadinessInputs, sentinelReadinessProvider } from "../../components/sentinel/readiness";
import { fieldsOf } from "../../components/sentinel/observe";
import { sentinelMasterAddress } from "../../components/sentinel/readiness";
import { renderTemplate } from "../../components/docker/templates";
import { RedisProcess, startRedis, stopAllRedis } from "../support/redis-process";
import { hostDataConf } from "../support/host-data-conf";

jest.setTimeout(60000);

const PASSWORD = "fail\\over!#pw"; // a backslash, as in the template's escaping tests
const MASTER_NAME = "mymaster";
const DOWN_AFTER_MS = 1000;
const DATA_PORTS = [7400, 7401, 7402];
const SENTINEL_PORTS = [7450, 7451, 7452];
/** Published ports: data 7400 -> 7420, sentinels 7450 -> 7460. */
const proxyPort = (port: number) => port + 20;
const sentinelProxyPort = (port: number) => port + 10;
const tunables = { quorum: 2, downAfterMs: DOWN_AFTER_MS, failoverTimeoutMs: 10000, parallelSyncs: 1 };

const dataConf = (port: number, replicaOf?: number): string => hostDataConf(port, PASSWORD, replicaOf, `node-${port - 7400}`);

const sentinelConf = (port: number): string => {
    const input: SentinelConfInput = {
        sentinelName: `sentinel-${port - 7450}`,
        networkMode: "host",
        bind: "127.0.0.1",
        port,
        announce: { host: "127.0.0.1", port },
        master: { host: "127.0.0.1", port: DATA_PORTS[0] },
        settings: { masterName: MASTER_NAME, ...tunables },
        password: PASSWORD,
    };
    return renderTemplate("sentinel.conf.mustache", sentinelConfView(input));
};

const member = (prefix: string, port: number, index: number) => ({ name: `${prefix}-${index}`, access: { host: "127.0.0.1", port } });
const gateInputs = (timeoutMs: number): SentinelReadinessInputs => ({
    masterName: MASTER_NAME,
    sentinels: SENTINEL_PORTS.map((p, i) => member("sentinel", p, i)),
    master: member("node", DATA_PORTS[0], 0),
    replicas: DATA_PORTS.slice(1).map((p, i) => member("node", p, i + 1)),
    password: PASSWORD,
    tunables,
    timeoutMs,
});

interface Proxy {
    server: net.Server;
    connections: number;
    sockets: Set<net.Socket>;
}

/** A port-forwarder standing in for Docker's published ports; closes the client side when the target goes. */
function startProxy(listenPort: number, targetPort: number): Promise<Proxy> {
    const proxy: Proxy = { server: net.createServer(), connections: 0, sockets: new Set() };
    proxy.server.on("connection", (client) => {
        proxy.connections++;
        const upstream = net.connect(targetPort, "127.0.0.1");
        proxy.sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const close = () => {
            client.destroy();
            upstream.destroy();
            proxy.sockets.delete(client);
            proxy.sockets.delete(upstream);
        };
        client.on("error", close).on("close", close);
        upstream.on("error", close).on("close", close);
    });
    return new Promise((resolve) => proxy.server.listen(listenPort, "127.0.0.1", () => resolve(proxy)));
}

const nodes = new Map<number, RedisProcess>();
const sentinels = new Map<number, RedisProcess>();
const proxies = new Map<number, Proxy>();
const timings: Record<string, number | string> = {};

beforeAll(async () => {
    for (const port of [...DATA_PORTS, ...SENTINEL_PORTS]) {
        const listen = SENTINEL_PORTS.includes(port) ? sentinelProxyPort(port) : proxyPort(port);
        proxies.set(port, await startProxy(listen, port));
    }
});

afterAll(async () => {
    await stopAllRedis();
    for (const p of proxies.values()) p.sockets.forEach((s) => s.destroy());
    await Promise.all([...proxies.values()].map((p) => new Promise((r) => p.server.close(r))));

    console.log(`sentinel failover timings: ${JSON.stringify(timings)}`);
});

describe("sentinel group on real processes", () => {
    it("brings up master, replicas and sentinels from the templates; the readiness gate passes", async () => {
        const started = Date.now();
        nodes.set(7400, await startRedis({ port: 7400, config: dataConf(7400), password: PASSWORD }));
        // No waiting for sync or for sentinels to find each other: that is the gate's job.
        const replicas = await Promise.all(DATA_PORTS.slice(1).map((p) => startRedis({ port: p, config: dataConf(p, 7400), password: PASSWORD })));
        replicas.forEach((r) => nodes.set(r.port, r));
        const ss = await Promise.all(SENTINEL_PORTS.map((p) => startRedis({ port: p, config: sentinelConf(p), password: PASSWORD, sentinel: true })));
        ss.forEach((s) => sentinels.set(s.port, s));
        const processesUp = Date.now();

        const result = await sentinelReadinessProvider.create!(gateInputs(30000));
        timings.bringUpProcessesMs = processesUp - started;
        timings.gateAfterProcessesMs = Date.now() - processesUp;
        expect(result.outs.status).toEqual({ masterNode: "node-0", masterAddress: { host: "127.0.0.1", port: 7400 }, configEpoch: 0 });
    });

    it("fails with the missing replica named when one is down, and passes again once it is back", async () => {
        await nodes.get(7402)!.kill();
        const started = Date.now();
        const failure = sentinelReadinessProvider.create!(gateInputs(1500));
        await expect(failure).rejects.toThrow(/timed out after 1500 ms waiting for sentinel group "mymaster"/);
        await expect(failure).rejects.toThrow(/node node-2 \(127\.0\.0\.1:7402\): connect ECONNREFUSED/);
        await expect(failure).rejects.toThrow(/node node-0 \(127\.0\.0\.1:7400\) is master with connected_slaves:1 \(want 2\)/);
        expect(Date.now() - started).toBeLessThan(4000);

        await nodes.get(7402)!.restart();
        await sentinelReadinessProvider.create!(gateInputs(20000));
    });

    let newMasterPort = 0;

    it("kill -9 of the master: sentinels promote a replica within downAfterMs + a few seconds; a client keeps writing", async () => {
        const natMap = buildNatMap(
            [...DATA_PORTS.map((p) => [p, proxyPort(p)]), ...SENTINEL_PORTS.map((p) => [p, sentinelProxyPort(p)])].map(([internal, published]) => ({
                internal: { host: "127.0.0.1", port: internal },
                published: { host: "127.0.0.1", port: published },
            })),
        );

        const Redis = require("ioredis");
        const client: RedisClient = new Redis({
            ...sentinelClientOptions({
                sentinels: SENTINEL_PORTS.map((p) => ({ host: "127.0.0.1", port: sentinelProxyPort(p) })),
                masterName: MASTER_NAME,
                password: PASSWORD,
                natMap,
            }),
            retryStrategy: () => 50,
            sentinelRetryStrategy: () => 50,
            maxRetriesPerRequest: 1,
            commandTimeout: 1000,
        });
        client.on("error", () => undefined);

        const acked: number[] = [];
        const ackTimes: number[] = [];
        let failed = 0;
        let writing = true;
        const writer = (async () => {
            for (let i = 0; writing; i++) {
                try {
                    await client.set(`k:${i}`, String(i));
                    acked.push(i);
                    ackTimes.push(Date.now());
                } catch {
                    failed++;
                    await new Promise((r) => setTimeout(r, 10));
                }
            }
        })();
        const ackedBefore = (n: number) =>
            pollUntil(async () => (acked.length >= n ? { done: true, value: true } : { done: false, observed: `${acked.length} acked` }), {
                timeoutMs: 10000,
                description: `${n} acked writes`,
            });
        await ackedBefore(100);

        const killedAt = Date.now();
        await nodes.get(7400)!.kill("SIGKILL");
        // Writes acknowledged until the process is gone came from the old master.
        const goneAt = Date.now();
        const lastAckBeforeKill = ackTimes[ackTimes.length - 1];
        const sentinelAccess = { host: "127.0.0.1", port: SENTINEL_PORTS[0], password: PASSWORD };
        const promoted = await pollUntil(
            async () => {
                const addr = await sentinelMasterAddress(sentinelAccess, MASTER_NAME);
                return addr && addr.port !== 7400 ? { done: true, value: addr } : { done: false, observed: `master ${JSON.stringify(addr)}` };
            },
            { timeoutMs: DOWN_AFTER_MS + 9000, intervalMs: 20, description: "a new master" },
        );
        const switchedAt = Date.now();
        newMasterPort = promoted.port;

        await pollUntil(
            async () =>
                ackTimes[ackTimes.length - 1] > switchedAt ? { done: true, value: true } : { done: false, observed: "no write since the switch" },
            {
                timeoutMs: 10000,
                description: "a write after the failover",
            },
        );
        const firstAckAfterKill = ackTimes.find((t) => t > goneAt)!;
        const ackedAtResume = acked.length;
        await ackedBefore(ackedAtResume + 100);
        writing = false;
        await writer;
        client.disconnect();

        // Every acknowledged write must be on the new master.
        const values = await withRedis({ host: "127.0.0.1", port: newMasterPort, password: PASSWORD }, async (c) => {
            const out: Array<string | null> = [];
            for (let i = 0; i < acked.length; i += 1000) out.push(...(await c.mget(...acked.slice(i, i + 1000).map((k) => `k:${k}`))));
            return out;
        });
        const lost = acked.filter((k, i) => values[i] !== String(k));

        Object.assign(timings, {
            downAfterMs: DOWN_AFTER_MS,
            killToExitMs: goneAt - killedAt,
            killToNewMasterMs: switchedAt - killedAt,
            killToFirstWriteMs: firstAckAfterKill - killedAt,
            writeOutageMs: firstAckAfterKill - lastAckBeforeKill,
            ackedWrites: acked.length,
            failedWrites: failed,
            lostAckedWrites: lost.length,
        });
        expect([7401, 7402]).toContain(newMasterPort);
        expect(switchedAt - killedAt).toBeGreaterThanOrEqual(DOWN_AFTER_MS);
        expect(switchedAt - killedAt).toBeLessThan(DOWN_AFTER_MS + 5000);
        expect(firstAckAfterKill - killedAt).toBeLessThan(DOWN_AFTER_MS + 6000);
        // The client found the new master through the natMap (its published port), not directly.
        expect(proxies.get(newMasterPort)!.connections).toBeGreaterThan(0);
        // Replication is asynchronous, but on one host every acknowledged write had reached the replicas.
        expect(lost).toEqual([]);
    });

    it("the old master, restarted, becomes a replica of the new master", async () => {
        const restartedAt = Date.now();
        await nodes.get(7400)!.restart();
        const info = await pollUntil(
            async () => {
                const i = parseInfo(await withRedis({ host: "127.0.0.1", port: 7400, password: PASSWORD }, (c) => c.info("replication")));
                return i.role === "slave" && Number(i.master_port) === newMasterPort && i.master_link_status === "up"
                    ? { done: true, value: i }
                    : { done: false, observed: `role:${i.role} master_port:${i.master_port} link:${i.master_link_status}` };
            },
            { timeoutMs: 30000, description: "the old master to replicate the new one" },
        );
        timings.oldMasterRejoinMs = Date.now() - restartedAt;
        expect(info).toMatchObject({ role: "slave", master_host: "127.0.0.1", master_port: String(newMasterPort), master_link_status: "up" });
    });

    it("the readiness gate passes again after the failover, reporting the new master", async () => {
        const result = await sentinelReadinessProvider.create!(gateInputs(20000));
        expect(result.outs.status).toEqual({
            masterNode: `node-${newMasterPort - 7400}`,
            masterAddress: { host: "127.0.0.1", port: newMasterPort },
            configEpoch: 1,
        });
    });

    it("a restarted sentinel keeps its learned state: id, config epoch and current master from its rewritten file", async () => {
        const sentinel = sentinels.get(7451)!;
        const sentinelAccess = { host: "127.0.0.1", port: 7451, password: PASSWORD };
        const myidBefore = await withRedis(sentinelAccess, (c) => c.call("SENTINEL", "MYID"));
        const file = fs.readFileSync(sentinel.configPath, "utf8");
        expect(file).toMatch(new RegExp(`^sentinel monitor mymaster 127\\.0\\.0\\.1 ${newMasterPort} 2$`, "m"));
        expect(file).toMatch(/^sentinel config-epoch mymaster 1$/m);
        expect(file).toMatch(new RegExp(`^sentinel myid ${myidBefore}$`, "m"));

        await sentinel.kill("SIGKILL");
        await sentinel.restart();
        const master = fieldsOf(await withRedis(sentinelAccess, (c) => c.call("SENTINEL", "MASTER", MASTER_NAME)));
        expect(master).toMatchObject({ ip: "127.0.0.1", port: String(newMasterPort), "config-epoch": "1" });
        expect(await withRedis(sentinelAccess, (c) => c.call("SENTINEL", "MYID"))).toBe(myidBefore);
        // The peers still count it as the same sentinel (no duplicate), so the whole group is ready again.
        await sentinelReadinessProvider.create!(gateInputs(20000));
    });
});
