/**
 * What TLS costs (issue 11), TLS against plain text in the same run, on real processes on 127.0.0.1 with
 * the stack's own generated certificates (security/tls-certificates.ts) and its redis.conf and
 * sentinel.conf templates:
 *   throughput   redis-benchmark SET/GET -P 16 -c 50 against one server: its plain port, then its
 *                tls-port with `--tls --cacert` (same process, same data, alternating, BENCH_ROUNDS each)
 *   replica sync a replica of a master holding BENCH_TLS_KEYS keys (default 200,000, 100-byte values):
 *                from REPLICAOF to master_link_status:up with every key loaded (full sync), plain vs
 *                tls-replication
 *   failover     bench/sentinel-round.ts with downAfterMs 1000, every link of the group plain vs TLS
 * There is no target: the figures are reported and explained in the README.
 * Ports: 7456-7459 here; the failover round's are in bench/sentinel-round.ts. Run: npx ts-node bench/tls.ts
 */
import { localTlsFiles } from "../tests/support/tls-files";
import type { NodeTlsConf } from "../components/docker/redis-conf";
import { pollUntil } from "../components/shared/poll";
import { parseInfo, withRedis } from "../components/shared/redis-connection";
import { hostDataConf } from "../tests/support/host-data-conf";
import { startRedis, stopAllRedis } from "../tests/support/redis-process";
import { failoverRound, type GroupTls } from "./sentinel-round";
import { median, redisBenchmark } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200000);
const KEYS = Number(process.env.BENCH_TLS_KEYS ?? 200000);
const PASSWORD = "bench-pw";
/** Master plain/tls, replica plain/tls. */
const [MASTER_PLAIN, MASTER_TLS, REPLICA_PLAIN, REPLICA_TLS] = [7456, 7457, 7458, 7459];

/** One certificate for 127.0.0.1, shared by every process, written where redis-server and redis-benchmark read it. */
async function benchTls(): Promise<GroupTls> {
    const { files, issued } = await localTlsFiles("redis-ha-bench-tls");
    return { files, ca: issued.caCert };
}

const nodeTls = (tls: GroupTls, plaintextPort: number): NodeTlsConf => ({ ...tls.files, authClients: "no", plaintextPort, cluster: false });

async function throughput(tls: GroupTls): Promise<string[]> {
    await startRedis({
        port: MASTER_PLAIN,
        config: hostDataConf(MASTER_TLS, PASSWORD, undefined, "bench", nodeTls(tls, MASTER_PLAIN)),
        password: PASSWORD,
    });
    const plain: Array<Record<string, number>> = [];
    const encrypted: Array<Record<string, number>> = [];
    for (let r = 0; r < ROUNDS; r++) {
        plain.push(redisBenchmark(MASTER_PLAIN, PASSWORD, REQUESTS));
        encrypted.push(redisBenchmark(MASTER_TLS, PASSWORD, REQUESTS, ["--tls", "--cacert", tls.files.caCertFile]));
        process.stderr.write(`throughput round ${r + 1}: plain ${JSON.stringify(plain[r])}, TLS ${JSON.stringify(encrypted[r])}\n`);
    }
    await stopAllRedis();
    return ["SET", "GET"].map((t) => {
        const p = median(plain.map((x) => x[t]));
        const e = median(encrypted.map((x) => x[t]));
        return `${t.padEnd(12)} | ${String(Math.round(p)).padStart(12)} | ${String(Math.round(e)).padStart(12)} | ${(e / p).toFixed(2).padStart(9)}`;
    });
}

/** REPLICAOF to a caught-up full sync of KEYS keys, in ms. */
async function replicaSync(tls: GroupTls | undefined): Promise<number> {
    const masterPort = tls ? MASTER_TLS : MASTER_PLAIN;
    const replicaPort = tls ? REPLICA_TLS : REPLICA_PLAIN;
    const access = (port: number) => ({ host: "127.0.0.1", port, password: PASSWORD, ...(tls ? { tls: { ca: tls.ca } } : {}) });
    await startRedis({
        port: MASTER_PLAIN,
        config: hostDataConf(masterPort, PASSWORD, undefined, "master", tls && nodeTls(tls, MASTER_PLAIN)),
        password: PASSWORD,
    });
    await startRedis({
        port: REPLICA_PLAIN,
        config: hostDataConf(replicaPort, PASSWORD, undefined, "replica", tls && nodeTls(tls, REPLICA_PLAIN)),
        password: PASSWORD,
    });
    const value = "v".repeat(100);
    await withRedis(access(masterPort), async (c) => {
        for (let i = 0; i < KEYS; i += 1000) {
            const args: string[] = [];
            for (let k = i; k < Math.min(KEYS, i + 1000); k++) args.push(`key:${k}`, value);
            await c.mset(...args);
        }
    });
    const started = Date.now();
    await withRedis(access(replicaPort), (c) => c.call("REPLICAOF", "127.0.0.1", String(masterPort)));
    // Done when the link is up with every key loaded. Not "offsets equal": after a sync the master's offset
    // moves with its periodic PING to replicas, which would time the ping period, not the sync.
    await pollUntil(
        async () =>
            withRedis(access(replicaPort), async (c) => {
                const link = parseInfo(await c.info("replication")).master_link_status;
                const keys = await c.dbsize();
                return link === "up" && keys === KEYS ? { done: true, value: true } : { done: false, observed: `link ${link}, ${keys} keys` };
            }),
        { timeoutMs: 120000, intervalMs: 10, description: "the replica to finish its full sync" },
    );
    const ms = Date.now() - started;
    await stopAllRedis();
    return ms;
}

async function main(): Promise<void> {
    const tls = await benchTls();
    const rows = await throughput(tls);
    const sync = { plain: [] as number[], tls: [] as number[] };
    const failover = { plain: [] as number[], tls: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
        sync.plain.push(await replicaSync(undefined));
        sync.tls.push(await replicaSync(tls));
        failover.plain.push((await failoverRound(1000)).toFirstWriteMs);
        failover.tls.push((await failoverRound(1000, tls)).toFirstWriteMs);
        process.stderr.write(`round ${r + 1}: sync ${sync.plain[r]} / ${sync.tls[r]} ms, failover ${failover.plain[r]} / ${failover.tls[r]} ms\n`);
    }
    const row = (what: string, xs: { plain: number[]; tls: number[] }) =>
        `${what.padEnd(12)} | ${String(median(xs.plain)).padStart(12)} | ${String(median(xs.tls)).padStart(12)} | ${(median(xs.tls) / median(xs.plain)).toFixed(2).padStart(9)}`;
    console.log(`TLS against plain text on 127.0.0.1, median of ${ROUNDS} (throughput: redis-benchmark -P 16 -c 50 -n ${REQUESTS}, requests/s)`);
    console.log(`${"".padEnd(12)} | ${"plain".padStart(12)} | ${"TLS".padStart(12)} | ${"TLS/plain".padStart(9)}`);
    for (const r of rows) console.log(r);
    console.log(row(`sync ms`, sync) + `   (full sync of ${KEYS} keys)`);
    console.log(row(`failover ms`, failover) + "   (kill -9 -> first write, downAfterMs 1000)");
}

main().catch(async (err) => {
    console.error(err);
    await stopAllRedis();
    process.exit(1);
});
