/**
 * Sentinel failover time, measured on real processes on 127.0.0.1: from `kill -9` of the master to the
 * first write acknowledged through a sentinel-aware ioredis client, for downAfterMs 1000 and 5000
 * (median of BENCH_ROUNDS, default 3, each on a fresh group of 1 master, 2 replicas, 3 sentinels).
 * downAfterMs is the floor: no sentinel may even suspect the master before it has passed.
 * Ports: data 7440-7442, sentinels 7490-7492. Run: npx ts-node bench/sentinel-failover.ts
 */
import type { Redis as RedisClient } from "ioredis";
import { sentinelClientOptions } from "../components/sentinel/client";
import { sentinelConfView } from "../components/sentinel/conf";
import { SENTINEL_DEFAULTS } from "../components/settings";
import { pollUntil } from "../components/shared/poll";
import { sentinelMasterAddress } from "../components/sentinel/readiness";
import { waitForSentinelGroup } from "../components/sentinel/readiness";
import { renderTemplate } from "../components/docker/templates";
import { startRedis, stopAllRedis } from "../tests/support/redis-process";
import { hostDataConf } from "../tests/support/host-data-conf";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSWORD = "bench-pw";
const DATA_PORTS = [7440, 7441, 7442];
const SENTINEL_PORTS = [7490, 7491, 7492];

interface Round {
    /** kill -9 to the first acknowledged write through the sentinel client. */
    toFirstWriteMs: number;
    /** kill -9 to sentinel-0 handing out the new master. */
    toSwitchMs: number;
    failedWrites: number;
}

const dataConf = (port: number, replicaOf?: number): string => hostDataConf(port, PASSWORD, replicaOf);

function sentinelConf(port: number, downAfterMs: number): string {
    return renderTemplate(
        "sentinel.conf.mustache",
        sentinelConfView({
            sentinelName: `sentinel-${port - SENTINEL_PORTS[0]}`,
            networkMode: "host",
            bind: "127.0.0.1",
            port,
            announce: { host: "127.0.0.1", port },
            master: { host: "127.0.0.1", port: DATA_PORTS[0] },
            settings: { ...SENTINEL_DEFAULTS, downAfterMs },
            password: PASSWORD,
        }),
    );
}

async function oneRound(downAfterMs: number): Promise<Round> {
    const master = await startRedis({ port: DATA_PORTS[0], config: dataConf(DATA_PORTS[0]), password: PASSWORD });
    await Promise.all(DATA_PORTS.slice(1).map((p) => startRedis({ port: p, config: dataConf(p, DATA_PORTS[0]), password: PASSWORD })));
    await Promise.all(SENTINEL_PORTS.map((p) => startRedis({ port: p, config: sentinelConf(p, downAfterMs), password: PASSWORD, sentinel: true })));
    const member = (prefix: string, port: number, i: number) => ({ name: `${prefix}-${i}`, access: { host: "127.0.0.1", port } });
    await waitForSentinelGroup({
        masterName: SENTINEL_DEFAULTS.masterName,
        sentinels: SENTINEL_PORTS.map((p, i) => member("sentinel", p, i)),
        master: member("node", DATA_PORTS[0], 0),
        replicas: DATA_PORTS.slice(1).map((p, i) => member("node", p, i + 1)),
        password: PASSWORD,
        timeoutMs: 30000,
    });

    const Redis = require("ioredis");
    const client: RedisClient = new Redis({
        ...sentinelClientOptions({
            sentinels: SENTINEL_PORTS.map((port) => ({ host: "127.0.0.1", port })),
            masterName: SENTINEL_DEFAULTS.masterName,
            password: PASSWORD,
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
                { host: "127.0.0.1", port: SENTINEL_PORTS[0], password: PASSWORD },
                SENTINEL_DEFAULTS.masterName,
            );
            return addr && addr.port !== DATA_PORTS[0] ? { done: true, value: Date.now() } : { done: false, observed: JSON.stringify(addr) };
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

function redisVersion(): string {
    const out: string = require("child_process").execFileSync("redis-server", ["--version"], { encoding: "utf8" });
    return `redis ${/v=(\S+)/.exec(out)?.[1] ?? "?"}`;
}

function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main(): Promise<void> {
    const rows: string[] = [];
    for (const downAfterMs of [1000, 5000]) {
        const rounds: Round[] = [];
        for (let r = 0; r < ROUNDS; r++) {
            rounds.push(await oneRound(downAfterMs));
            process.stderr.write(`downAfterMs ${downAfterMs} round ${r + 1}: ${JSON.stringify(rounds[r])}\n`);
        }
        const toWrite = median(rounds.map((r) => r.toFirstWriteMs));
        rows.push(
            [
                String(downAfterMs).padStart(11),
                String(toWrite).padStart(20),
                `+${toWrite - downAfterMs}`.padStart(14),
                String(median(rounds.map((r) => r.toSwitchMs))).padStart(16),
                rounds
                    .map((r) => r.toFirstWriteMs)
                    .join(", ")
                    .padStart(22),
                rounds
                    .map((r) => r.failedWrites)
                    .join(", ")
                    .padStart(14),
            ].join(" |"),
        );
    }
    console.log(
        `sentinel failover on 127.0.0.1, ${redisVersion()}: kill -9 of the master -> first acknowledged write through ioredis (median of ${ROUNDS})`,
    );
    console.log(
        ["downAfterMs", "kill->first write ms", "over floor ms", "kill->switch ms", "rounds (first write)", "failed writes"]
            .map((h, i) => h.padStart([11, 20, 14, 16, 22, 14][i]))
            .join(" |"),
    );
    for (const row of rows) console.log(row);
}

main().catch(async (err) => {
    console.error(err);
    await stopAllRedis();
    process.exit(1);
});
