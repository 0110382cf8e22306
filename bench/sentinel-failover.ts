/**
 * Sentinel failover time, measured on real processes on 127.0.0.1: from `kill -9` of the master to the
 * first write acknowledged through a sentinel-aware ioredis client, for downAfterMs 1000 and 5000
 * (median of BENCH_ROUNDS, default 3, each on a fresh group of 1 master, 2 replicas, 3 sentinels).
 * downAfterMs is the floor: no sentinel may even suspect the master before it has passed.
 * The round itself is bench/sentinel-round.ts. Run: npx ts-node bench/sentinel-failover.ts
 */
import { stopAllRedis } from "../tests/support/redis-process";
import { failoverRound, type FailoverRound } from "./sentinel-round";
import { median } from "./support";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function redisVersion(): string {
    const out: string = require("child_process").execFileSync("redis-server", ["--version"], { encoding: "utf8" });
    return `redis ${/v=(\S+)/.exec(out)?.[1] ?? "?"}`;
}

async function main(): Promise<void> {
    const rows: string[] = [];
    for (const downAfterMs of [1000, 5000]) {
        const rounds: FailoverRound[] = [];
        for (let r = 0; r < ROUNDS; r++) {
            rounds.push(await failoverRound(downAfterMs));
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
