/**
 * Sentinel stacks on the local Docker engine through the Pulumi engine (walkthrough section 3), in bridge and
 * host mode: `up` passes the readiness gate, an ioredis Sentinel client built from the stack output writes,
 * `docker kill` of the master container promotes a replica while the client keeps writing, the old master
 * restarted with `docker start` comes back as a replica of the new one, a second `up` changes nothing (no
 * swap back), and `destroy` leaves nothing. Figures are printed at the end.
 */
import { execFile } from "child_process";
import type { Redis as RedisClient, RedisOptions } from "ioredis";
import Redis from "ioredis";
import { pollUntil } from "../../components/shared/poll";
import { parseInfo, withRedis } from "../../components/shared/redis-connection";
import { sentinelMasterAddress } from "../../components/sentinel/readiness";
import { LOCAL_IMAGE, type StackDriver, docker, engineDriver, labelledObjects } from "./support/stack-driver";

// Not 1 s: a sentinel drops its link to a node after half of down-after without a PONG, so at 1 s a
// half-second stall of a healthy master (two cores busy with the engine's next `up`) once made the
// sentinels fail over a second time, to node-2. 3 s keeps the failover quick and the master ours.
const DOWN_AFTER_MS = 3000;

/** docker without blocking the event loop: replies already received must be timestamped before the kill completes. */
const dockerAsync = (...args: string[]) => new Promise<void>((resolve, reject) => execFile("docker", args, (err) => (err ? reject(err) : resolve())));
const figures: Record<string, Record<string, number | string>> = {};

afterAll(() => {
    console.log(`sentinel e2e figures: ${JSON.stringify(figures, null, 1)}`);
});

interface Endpoint {
    host: string;
    port: number;
}

// The Pulumi engine × both network modes.
const cases = [engineDriver].flatMap((driver) =>
    (
        [
            ["bridge", "e2e-sentinel-bridge", 7900],
            ["host", "e2e-sentinel-host", 7910],
        ] as const
    ).map(([mode, stack, basePort]) => [`${driver.name}, ${mode}`, driver, mode, stack, basePort] as const),
);

describe.each(cases)("sentinel topology through %s network", (_title, driver: StackDriver, mode, stack, basePort) => {
    const config = { topology: "sentinel", image: LOCAL_IMAGE, basePort, replicas: 2, network: { mode }, sentinel: { downAfterMs: DOWN_AFTER_MS } };
    const seen: Record<string, number | string> = (figures[`${driver.name}, ${mode}`] = {});
    let outputs: Record<string, any>;
    let password = "";
    let client: RedisClient | undefined;
    let newMaster: { name: string; containerName: string; host: string; port: number } | undefined;
    let destroyed = false;

    afterAll(async () => {
        client?.disconnect();
        // Only when a test failed before the destroy test: each engine run costs tens of seconds on a loaded machine.
        if (!destroyed) await driver.destroy(stack).catch(() => undefined);
    });

    const sentinelAccess = () => ({ host: outputs.sentinels[0].host, port: outputs.sentinels[0].port, password });
    /** The data node a sentinel names master, as its stack output entry. */
    const masterFromSentinel = async () => {
        const addr = await sentinelMasterAddress(sentinelAccess(), "mymaster");
        if (!addr) return undefined;
        // Bridge: sentinels name containers; host: bindAddress and the node's port.
        return outputs.nodes.find((n: { containerName: string; port: number }) =>
            mode === "bridge" ? n.containerName === addr.host : n.port === addr.port,
        );
    };
    const replicationOf = async (node: Endpoint) => parseInfo(await withRedis({ ...node, password }, (c) => c.info("replication")));

    it("up passes the readiness gate and exports sentinels and Sentinel client options", async () => {
        const started = Date.now();
        ({ outputs } = await driver.up(stack, config));
        seen.upMs = Date.now() - started;
        password = outputs.password;
        expect(outputs.topology).toBe("sentinel");
        expect(outputs.master).toEqual({ host: "127.0.0.1", port: basePort });
        expect(outputs.sentinels.map((s: Endpoint) => s.port)).toEqual([20000 + basePort, 20001 + basePort, 20002 + basePort]);
        const options = outputs.ioredisSentinelOptions;
        expect(options).toMatchObject({
            name: "mymaster",
            password,
            sentinelPassword: password,
            sentinels: outputs.sentinels.map((s: Endpoint) => ({ host: s.host, port: s.port })),
        });
        if (mode === "bridge") {
            expect(options.natMap[`redis-ha-${stack}-node-0:6379`]).toEqual({ host: "127.0.0.1", port: basePort });
            expect(options.natMap[`redis-ha-${stack}-sentinel-2:26379`]).toEqual({ host: "127.0.0.1", port: basePort + 20002 });
        } else {
            expect(options.natMap).toBeUndefined();
        }
        // The gate passed: the sentinels agree on node-0 and every replica is linked.
        expect((await masterFromSentinel())?.name).toBe("node-0");
        for (const replica of outputs.nodes.slice(1)) expect((await replicationOf(replica)).master_link_status).toBe("up");
        expect(docker("inspect", outputs.nodes[0].containerName, outputs.sentinels[0].containerName)).not.toContain(password);
    }, 400000);

    it("docker kill of the master: a replica is promoted and the Sentinel client keeps writing", async () => {
        client = new Redis({
            ...(outputs.ioredisSentinelOptions as RedisOptions),
            retryStrategy: () => 50,
            sentinelRetryStrategy: () => 50,
            maxRetriesPerRequest: 1,
            commandTimeout: 1000,
        });
        client.on("error", () => undefined);
        const writes = { acked: [] as number[], ackTimes: [] as number[], failed: 0, running: true };
        const writer = (async () => {
            for (let i = 0; writes.running; i++) {
                try {
                    await client!.set(`k:${i}`, String(i));
                    writes.acked.push(i);
                    writes.ackTimes.push(Date.now());
                } catch {
                    writes.failed++;
                    await new Promise((r) => setTimeout(r, 10));
                }
            }
        })();
        const ackedAtLeast = (n: number) =>
            pollUntil(
                async () => (writes.acked.length >= n ? { done: true, value: true } : { done: false, observed: `${writes.acked.length} acked` }),
                {
                    timeoutMs: 20000,
                    description: `${n} acknowledged writes`,
                },
            );
        try {
            await ackedAtLeast(100);
            const killedAt = Date.now();
            await dockerAsync("kill", outputs.nodes[0].containerName);
            const goneAt = Date.now();
            const lastAckBeforeKill = writes.ackTimes.filter((t) => t <= goneAt).pop()!;
            const promoted = await pollUntil(
                async () => {
                    const m = await masterFromSentinel();
                    return m && m.name !== "node-0" ? { done: true, value: m } : { done: false, observed: `master ${m?.name}` };
                },
                { timeoutMs: DOWN_AFTER_MS + 20000, intervalMs: 20, description: "sentinels to name a new master" },
            );
            newMaster = promoted;
            // Killed, not restarted by Docker's restart policy.
            expect(docker("inspect", "-f", "{{.State.Running}}", outputs.nodes[0].containerName)).toBe("false");
            const switchedAt = Date.now();
            await pollUntil(
                async () =>
                    writes.ackTimes[writes.ackTimes.length - 1] > switchedAt
                        ? { done: true, value: true }
                        : { done: false, observed: "no write since the switch" },
                {
                    timeoutMs: 20000,
                    description: "a write after the failover",
                },
            );
            const firstAckAfterKill = writes.ackTimes.find((t) => t > goneAt)!;
            await ackedAtLeast(writes.acked.length + 100);
            writes.running = false;
            await writer;

            const values = await withRedis({ host: promoted.host, port: promoted.port, password }, async (c) => {
                const out: Array<string | null> = [];
                for (let i = 0; i < writes.acked.length; i += 1000)
                    out.push(...(await c.mget(...writes.acked.slice(i, i + 1000).map((k) => `k:${k}`))));
                return out;
            });
            Object.assign(seen, {
                newMaster: promoted.name,
                killToNewMasterMs: switchedAt - killedAt,
                killToFirstWriteMs: firstAckAfterKill - killedAt,
                writeOutageMs: firstAckAfterKill - lastAckBeforeKill,
                ackedWrites: writes.acked.length,
                failedWrites: writes.failed,
                lostAckedWrites: writes.acked.filter((k, i) => values[i] !== String(k)).length,
            });
            expect(["node-1", "node-2"]).toContain(promoted.name);
            expect(switchedAt - killedAt).toBeGreaterThanOrEqual(DOWN_AFTER_MS);
            expect((await replicationOf(promoted)).role).toBe("master");
        } finally {
            writes.running = false;
            await writer;
            client.disconnect();
            client = undefined;
        }
    }, 120000);

    it("docker start of the old master: it comes back as a replica of the new master", async () => {
        const old = outputs.nodes[0];
        const startedAt = Date.now();
        docker("start", old.containerName);
        const info = await pollUntil(
            async () => {
                try {
                    const i = await replicationOf(old);
                    return i.role === "slave" && i.master_link_status === "up"
                        ? { done: true, value: i }
                        : { done: false, observed: `role:${i.role} link:${i.master_link_status}` };
                } catch (err) {
                    return { done: false, observed: (err as Error).message };
                }
            },
            { timeoutMs: 60000, intervalMs: 50, description: "the old master to replicate the new one" },
        );
        seen.startToLinkedMs = Date.now() - startedAt;
        expect(mode === "bridge" ? info.master_host : Number(info.master_port)).toBe(mode === "bridge" ? newMaster!.containerName : newMaster!.port);
        // It never served as a second master: the start script asked the sentinels first.
        expect(docker("logs", old.containerName)).toMatch(/redis-ha: sentinels name \S+ \d+ master; starting as its replica/);
        expect((await masterFromSentinel())?.name).toBe(newMaster!.name);
    }, 120000);

    it("a second up changes nothing and does not swap the roles back", async () => {
        const started = Date.now();
        const { outputs: again, operations } = await driver.up(stack, config);
        seen.secondUpMs = Date.now() - started;
        expect(operations.filter((o) => o.op !== "same")).toEqual([]);
        expect(again.sentinels).toEqual(outputs.sentinels);
        const master = (await masterFromSentinel())?.name;
        if (master !== newMaster!.name)
            for (const s of outputs.sentinels) console.log(`${s.containerName}:\n${docker("logs", "-t", s.containerName)}`);
        expect(master).toBe(newMaster!.name);
        expect((await replicationOf(outputs.nodes[0])).role).toBe("slave");
    }, 400000);

    it("destroy leaves no container, network or volume of the stack", async () => {
        await driver.destroy(stack);
        destroyed = true;
        expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 300000);
});
