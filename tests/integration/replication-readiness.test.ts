/** The replication readiness gate against real redis-server processes on 127.0.0.1. */
import { ReplicationReadinessInputs, replicationReadinessProvider } from "../../components/replication/readiness";
import { redisCli, startRedis, stopAllRedis } from "../support/redis-process";
import { hostDataConf } from "../support/host-data-conf";

const password = "gate-pw";
const conf = (port: number, replicaOf?: number): string => hostDataConf(port, password, replicaOf);

const inputs = (master: number, replicas: number[], timeoutMs = 10000): ReplicationReadinessInputs => ({
    master: { name: "node-0", access: { host: "127.0.0.1", port: master }, containerId: "c0" },
    masterPeer: { host: "127.0.0.1", port: master },
    replicas: replicas.map((port, i) => ({ name: `node-${i + 1}`, access: { host: "127.0.0.1", port }, containerId: `c${i + 1}` })),
    password,
    timeoutMs,
});

afterEach(stopAllRedis);

describe("replication readiness gate", () => {
    it("waits until every replica reports master_link_status:up, then reports each link", async () => {
        await startRedis({ port: 7210, config: conf(7210), password });
        // Start replicas without waiting for sync: the gate, not the test, does the waiting.
        await Promise.all([
            startRedis({ port: 7211, config: conf(7211, 7210), password }),
            startRedis({ port: 7212, config: conf(7212, 7210), password }),
        ]);
        const result = await replicationReadinessProvider.create!(inputs(7210, [7211, 7212]));
        expect(result.outs.replicaStatus).toEqual([
            { name: "node-1", masterHost: "127.0.0.1", masterPort: 7210, linkStatus: "up" },
            { name: "node-2", masterHost: "127.0.0.1", masterPort: 7210, linkStatus: "up" },
        ]);
        expect(redisCli(7211, password, "info", "replication")).toMatch(/master_link_status:up/);
    });

    it("fails after its timeout naming the replica and what it saw", async () => {
        await startRedis({ port: 7213, config: conf(7213), password });
        await startRedis({ port: 7214, config: conf(7214), password }); // a master, not a replica
        const started = Date.now();
        await expect(replicationReadinessProvider.create!(inputs(7213, [7214], 1500))).rejects.toThrow(
            /replica node-1 \(127\.0\.0\.1:7214\).*last seen: node-1 has role:master, expected a replica of 127\.0\.0\.1:7213/,
        );
        expect(Date.now() - started).toBeLessThan(5000);
    });

    it("names a replica that follows the wrong master", async () => {
        await startRedis({ port: 7215, config: conf(7215), password });
        await startRedis({ port: 7216, config: conf(7216), password });
        await startRedis({ port: 7217, config: conf(7217, 7216), password });
        await expect(replicationReadinessProvider.create!(inputs(7215, [7217], 1000))).rejects.toThrow(
            /node-1 replicates 127\.0\.0\.1:7216, expected 127\.0\.0\.1:7215/,
        );
    });

    it("diff ignores timeouts and provider code, and reacts to a replaced container", async () => {
        const olds = { ...inputs(7210, [7211]), replicaStatus: [] };
        const diff = replicationReadinessProvider.diff!;
        expect((await diff("id", olds, { ...inputs(7210, [7211]), timeoutMs: 99 })).changes).toBe(false);
        const replaced = inputs(7210, [7211]);
        replaced.replicas[0].containerId = "new-container";
        expect((await diff("id", olds, replaced)).changes).toBe(true);
        expect((await diff("id", olds, inputs(7210, [7211, 7212]))).changes).toBe(true);
    });
});
