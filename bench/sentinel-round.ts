/**
 * One sentinel failover, measured on real processes on 127.0.0.1 (used by bench/sentinel-failover.ts and
 * bench/tls.ts): a fresh group of 1 master, 2 replicas and 3 sentinels from the stack's own templates, an
 * ioredis Sentinel client writing in a loop, then `kill -9` of the master. Times the switch as sentinel-0
 * hands it out and the first write acknowledged after the kill.
 *
 * With `tls`, every link of the group is TLS, as in a TLS stack: clients, replication, sentinels to the
 * data nodes and to each other (data tls-ports 7450-7452, sentinel tls-ports 7453-7455). The plain ports
 * 7440-7442 and 7490-7492 stay open on the same processes only for the start-up PING of the test helper.
 */
import type { Redis as RedisClient } from "ioredis";
import { sentinelClientOptions } from "../components/sentinel/client";
import { sentinelConfView } from "../components/sentinel/conf";
import { sentinelMasterAddress, waitForSentinelGroup } from "../components/sentinel/readiness";
import { SENTINEL_DEFAULTS } from "../components/settings";
import { renderTemplate } from "../components/docker/templates";
import type { NodeTlsConf } from "../components/docker/redis-conf";
import { pollUntil } from "../components/shared/poll";
import type { NodeTls } from "../components/shared/redis-connection";
import { hostDataConf } from "../tests/support/host-data-conf";
import { startRedis, stopAllRedis } from "../tests/support/redis-process";

const PASSWORD = "bench-pw";
const PLAIN_DATA = [7440, 7441, 7442];
const PLAIN_SENTINELS = [7490, 7491, 7492];
const TLS_DATA = [7450, 7451, 7452];
const TLS_SENTINELS = [7453, 7454, 7455];

/** The certificate files every process of the group uses (one certificate for 127.0.0.1), and its CA. */
export interface GroupTls {
    files: Pick<NodeTlsConf, "certFile" | "keyFile" | "caCertFile">;
    ca: string;
}

export interface FailoverRound {
    /** kill -9 to the first acknowledged write through the sentinel client. */
    toFirstWriteMs: number;
    /** kill -9 to sentinel-0 handing out the new master. */
    toSwitchMs: number;
    failedWrites: number;
}

export async function failoverRound(downAfterMs: number, tls?: GroupTls): Promise<FailoverRound> {
    const data = tls ? TLS_DATA : PLAIN_DATA;
    const sentinels = tls ? TLS_SENTINELS : PLAIN_SENTINELS;
    const nodeTls = (i: number): NodeTlsConf | undefined => tls && { ...tls.files, authClients: "no", plaintextPort: PLAIN_DATA[i], cluster: false };
    const access: { tls?: NodeTls } = tls ? { tls: { ca: tls.ca } } : {};
    const dataConf = (i: number) => hostDataConf(data[i], PASSWORD, i === 0 ? undefined : data[0], `node-${i}`, nodeTls(i));
    const sentinelConf = (i: number) =>
        renderTemplate(
            "sentinel.conf.mustache",
            sentinelConfView({
                sentinelName: `sentinel-${i}`,
                networkMode: "host",
                bind: "127.0.0.1",
                port: sentinels[i],
                announce: { host: "127.0.0.1", port: sentinels[i] },
                master: { host: "127.0.0.1", port: data[0] },
                settings: { ...SENTINEL_DEFAULTS, downAfterMs },
                password: PASSWORD,
                tls: tls && { ...tls.files, authClients: "no" },
            }),
        );

    const master = await startRedis({ port: PLAIN_DATA[0], config: dataConf(0), password: PASSWORD });
    await Promise.all([1, 2].map((i) => startRedis({ port: PLAIN_DATA[i], config: dataConf(i), password: PASSWORD })));
    await Promise.all([0, 1, 2].map((i) => startRedis({ port: PLAIN_SENTINELS[i], config: sentinelConf(i), password: PASSWORD, sentinel: true })));
    const member = (prefix: string, port: number, i: number) => ({ name: `${prefix}-${i}`, access: { host: "127.0.0.1", port } });
    await waitForSentinelGroup({
        masterName: SENTINEL_DEFAULTS.masterName,
        sentinels: sentinels.map((p, i) => member("sentinel", p, i)),
        master: member("node", data[0], 0),
        replicas: data.slice(1).map((p, i) => member("node", p, i + 1)),
        password: PASSWORD,
        ...access,
        timeoutMs: 30000,
    });

    const Redis = require("ioredis");
    const client: RedisClient = new Redis({
        ...sentinelClientOptions({
            sentinels: sentinels.map((port) => ({ host: "127.0.0.1", port })),
            masterName: SENTINEL_DEFAULTS.masterName,
            password: PASSWORD,
            caCert: tls?.ca,
        }),
        // Retry quickly: the figure should be Sentinel's, not the client's back-off.
        retryStrategy: () => 50,
        sentinelRetryStrategy: () => 50,
        maxRetriesPerRequest: 1,
        commandTimeout: 1000,
    });
    client.on("error", () => undefined);
    const ackTimes: number[] = [];
    let failed = 0;
    let writing = true;
    const writer = (async () => {
        for (let i = 0; writing; i++) {
            try {
                await client.set(`bench:${i}`, String(i));
                ackTimes.push(Date.now());
            } catch {
                failed++;
                await new Promise((r) => setTimeout(r, 10));
            }
        }
    })();
    const waitFor = (what: string, timeoutMs: number, cond: () => boolean) =>
        pollUntil(async () => (cond() ? { done: true, value: true } : { done: false, observed: `${ackTimes.length} acked, ${failed} failed` }), {
            timeoutMs,
            intervalMs: 5,
            description: what,
        });
    await waitFor("50 writes before the kill", 10000, () => ackTimes.length >= 50);

    const failedBefore = failed;
    const killedAt = Date.now();
    await master.kill("SIGKILL");
    const goneAt = Date.now();
    const switched = pollUntil(
        async () => {
            const addr = await sentinelMasterAddress(
                { host: "127.0.0.1", port: sentinels[0], password: PASSWORD, ...access },
                SENTINEL_DEFAULTS.masterName,
            );
            return addr && addr.port !== data[0] ? { done: true, value: Date.now() } : { done: false, observed: JSON.stringify(addr) };
        },
        { timeoutMs: downAfterMs + 30000, intervalMs: 10, description: "sentinel-0 to hand out a new master" },
    );
    await waitFor("a write after the kill", downAfterMs + 30000, () => ackTimes[ackTimes.length - 1] > goneAt);
    const firstWriteAt = ackTimes.find((t) => t > goneAt)!;
    const switchedAt = await switched;
    writing = false;
    await writer;
    client.disconnect();
    await stopAllRedis();
    return { toFirstWriteMs: firstWriteAt - killedAt, toSwitchMs: switchedAt - killedAt, failedWrites: failed - failedBefore };
}
