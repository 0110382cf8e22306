/**
 * Latency probe for bench/cluster-reshard.ts, in its own process so the resharding tool under test never
 * shares its event loop. Reads random keys of the bench data set through an ioredis Cluster client, one at
 * a time and at most one per millisecond (an open-loop rate, so the probe does not take CPU from the tool it
 * measures on a small machine), recording each command's latency. On a stdin line `report <t0> <t1>` (epoch ms of the move) it
 * prints `{"before": p99 ms of the 2 s before t0, "during": p99 ms between t0 and t1, "failed": n}` and exits.
 * Args: <port> <password> <key count>.
 */
import * as readline from "readline";
import { VALUE, benchKeys } from "./reshard-keys";

const Redis = require("ioredis");
const [port, password, count] = process.argv.slice(2);
const keys = benchKeys(Number(count));
const client = new Redis.Cluster([{ host: "127.0.0.1", port: Number(port) }], { redisOptions: { password }, maxRedirections: 128 });
const samples: Array<[number, number]> = [];
let failed = 0;
let running = true;

async function loop(): Promise<void> {
    while (running) {
        const key = keys[Math.floor(Math.random() * keys.length)];
        const start = process.hrtime.bigint();
        const at = Date.now();
        try {
            if ((await client.get(key)) !== VALUE) failed++;
        } catch {
            failed++;
        }
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        samples.push([at, ms]);
        if (ms < 1) await new Promise((r) => setTimeout(r, 1));
    }
}

function p99(xs: number[]): number {
    if (xs.length === 0) return NaN;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}

const done = loop();
client.once("ready", () => process.stdout.write("ready\n"));
readline.createInterface({ input: process.stdin }).on("line", async (line) => {
    const m = /^report (\d+) (\d+)$/.exec(line.trim());
    if (!m) return;
    running = false;
    await done;
    const t0 = Number(m[1]);
    const t1 = Number(m[2]);
    const before = samples.filter(([at]) => at >= t0 - 2000 && at < t0).map(([, ms]) => ms);
    const during = samples.filter(([at]) => at >= t0 && at <= t1).map(([, ms]) => ms);
    process.stdout.write(`${JSON.stringify({ before: p99(before), during: p99(during), failed, samples: during.length })}\n`);
    client.disconnect();
    process.exit(0);
});
