/**
 * What a client sees while a stack changes under it, for the e2e tests and benches: a writer that writes
 * `<prefix>:<i>` and reads it back until stopped, recording acknowledged writes, failed commands, latencies
 * and the longest time between two acknowledged writes; and a sampler of the stack's containers.
 */
import { execFile } from "child_process";
import type { Cluster, Redis } from "ioredis";

export interface TrafficResult {
    acked: number;
    /** Failed commands, each with its error message. */
    failures: string[];
    /** Acknowledged writes not readable (or wrong) at the end. */
    lost: string[];
    /** Latency of each successful SET+GET round, ms. */
    latencies: number[];
    /** Longest time between two acknowledged writes, ms: the client's outage. */
    longestGapMs: number;
}

/** Starts writing and reading through `client` at once; `finish()` stops, checks every acknowledged write, and disconnects. */
export function traffic(client: Redis | Cluster, prefix = "live") {
    const acked: number[] = [];
    const failures: string[] = [];
    const latencies: number[] = [];
    let lastAck = Date.now();
    let longestGapMs = 0;
    let stop = false;
    const done = (async () => {
        for (let i = 0; !stop; i++) {
            const started = Date.now();
            try {
                await client.set(`${prefix}:${i}`, String(i));
                const now = Date.now();
                longestGapMs = Math.max(longestGapMs, now - lastAck);
                lastAck = now;
                acked.push(i);
                if ((await client.get(`${prefix}:${i}`)) !== String(i)) failures.push(`${prefix}:${i} read back wrong`);
                latencies.push(Date.now() - started);
            } catch (err) {
                failures.push((err as Error).message);
                // A failing client must not spin: the next try comes a little later.
                await new Promise((r) => setTimeout(r, 10));
            }
        }
    })();
    return {
        /** Acknowledged writes so far. */
        ackedSoFar: () => acked.length,
        async finish(): Promise<TrafficResult> {
            stop = true;
            await done;
            try {
                const lost: string[] = [];
                for (let k = 0; k < acked.length; k += 500) {
                    const batch = acked.slice(k, k + 500);
                    const values = await Promise.all(batch.map((i) => client.get(`${prefix}:${i}`)));
                    batch.forEach((i, j) => values[j] !== String(i) && lost.push(`${prefix}:${i}`));
                }
                return { acked: acked.length, failures, lost, latencies, longestGapMs };
            } finally {
                client.disconnect();
            }
        },
    };
}

export function percentile(values: number[], p: number): number {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Samples, every `intervalMs`, how many of the stack's containers are running, and how many of those Docker
 * already reports healthy (its healthcheck runs once a second, so a node that answers may still show
 * "starting" for up to a second). Asynchronous, so clients in the same process keep running. `stop()` returns
 * the fewest of each seen at once and the number of samples.
 */
export function sampleContainers(stack: string, intervalMs = 200) {
    const running: number[] = [];
    const healthy: number[] = [];
    let stop = false;
    // `docker ps` without -a lists running containers only.
    const ps = () =>
        new Promise<string>((resolve, reject) =>
            execFile("docker", ["ps", "--filter", `label=redis-ha.stack=${stack}`, "--format", "{{.Names}} {{.Status}}"], (err, out) =>
                err ? reject(err) : resolve(out),
            ),
        );
    const done = (async () => {
        while (!stop) {
            const lines = (await ps()).split("\n").filter(Boolean);
            running.push(lines.length);
            healthy.push(lines.filter((l) => /\(healthy\)/.test(l)).length);
            await new Promise((r) => setTimeout(r, intervalMs));
        }
    })();
    return {
        async stop(): Promise<{ fewestRunning: number; fewestHealthy: number; samples: number }> {
            stop = true;
            await done;
            return { fewestRunning: Math.min(...running), fewestHealthy: Math.min(...healthy), samples: running.length };
        },
    };
}
