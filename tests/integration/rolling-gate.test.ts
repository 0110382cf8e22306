/**
 * A RollGate against real redis-server processes (a master and its replica on 127.0.0.1): it waits for the
 * node before it to come back as a new process, it stops the roll naming its node, its place and what it saw
 * when the group is not healthy or the node before it never comes back, and a node that is down is let go
 * without waiting on it. And the RollPlan: the order from the roles the nodes have now.
 */
import { type RollGateInputs, rollGateProvider } from "../../components/rolling/gate";
import { rollPlanProvider } from "../../components/rolling/plan";
import { type RedisProcess, redisCli, startRedis, stopAllRedis, waitForPing } from "../support/redis-process";

const PASSWORD = "roll-pw";
const MASTER = 7250;
const REPLICA = 7251;

afterAll(stopAllRedis);

const runId = (port: number) => /run_id:(\w+)/.exec(redisCli(port, PASSWORD, "INFO", "server"))![1];
const peer = (name: string, port: number) => ({ name, access: { host: "127.0.0.1", port } });

function gateFor(name: string, port: number, position: number, extra: Partial<RollGateInputs> = {}): RollGateInputs {
    return {
        name,
        position,
        total: 2,
        revision: "new",
        access: { host: "127.0.0.1", port },
        password: PASSWORD,
        group: { kind: "replication", dataNodes: [peer("node-0", MASTER), peer("node-1", REPLICA)] },
        timeoutMs: 10000,
        ...extra,
    };
}

const roll = (inputs: RollGateInputs) => rollGateProvider.update!("id", { ...inputs, revision: "old", runId: "", action: "created" }, inputs);

async function untilLinked(): Promise<void> {
    const deadline = Date.now() + 10000;
    while (!/master_link_status:up/.test(redisCli(REPLICA, PASSWORD, "INFO", "replication"))) {
        if (Date.now() > deadline) throw new Error("replica did not link");
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe("RollGate on a real master and replica", () => {
    let replica: RedisProcess;

    beforeAll(async () => {
        await startRedis({ port: MASTER, password: PASSWORD, config: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\nsave ""\n` });
        replica = await startRedis({
            port: REPLICA,
            password: PASSWORD,
            config: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\nsave ""\nreplicaof 127.0.0.1 ${MASTER}\n`,
        });
        await untilLinked();
    });

    it("waits until the node before it runs as a new process and the group is healthy, then lets its own node go", async () => {
        const before = runId(REPLICA);
        let settledAt = 0;
        const gate = roll(gateFor("node-0", MASTER, 2, { after: { ...peer("node-1", REPLICA), runId: before } })).then((r) => {
            settledAt = Date.now();
            return r;
        });
        await new Promise((r) => setTimeout(r, 300));
        expect(settledAt).toBe(0);
        const restartedAt = Date.now();
        await replica.restart();
        await waitForPing(REPLICA, PASSWORD);
        const { outs } = await gate;
        expect(settledAt).toBeGreaterThanOrEqual(restartedAt);
        expect(runId(REPLICA)).not.toBe(before);
        expect(outs.runId).toBe(runId(MASTER));
        expect(outs.action).toBe("node-0 is the master and nothing can take over without Sentinel: writes pause until it is back");
    });

    it("stops the roll, naming its node, its place and the node that never came back", async () => {
        await untilLinked();
        const stuck = gateFor("node-0", MASTER, 2, { timeoutMs: 1000, after: { ...peer("node-1", REPLICA), runId: runId(REPLICA) } });
        await expect(roll(stuck)).rejects.toThrow(
            /^roll stopped before node-0 \(2\/2\): timed out after 1000 ms waiting for node-1 to come back in its new container; last seen: node-1 still runs/,
        );
    });

    it("stops the roll while the group is not healthy, with what it saw", async () => {
        await replica.kill();
        await expect(roll(gateFor("node-0", MASTER, 2, { timeoutMs: 1000 }))).rejects.toThrow(
            /^roll stopped before node-0 \(2\/2\): timed out after 1000 ms waiting for the group to be healthy; last seen: .*node-1 \(127\.0\.0\.1:7251\) is not reachable/,
        );
    });

    it("lets a node that is down go without waiting on it (replacing it is the fix)", async () => {
        const { outs } = await roll(gateFor("node-1", REPLICA, 1, { timeoutMs: 1000 }));
        expect(outs.action).toBe("node-1 was not reachable: replaced without a handover");
        expect(outs.runId).toBe("");
    });
});

describe("RollPlan on a real master and replica whose roles were swapped", () => {
    const A = 7252;
    const B = 7253;
    const members = [
        { name: "node-0", role: "master" as const, access: { host: "127.0.0.1", port: A } },
        { name: "node-1", role: "replica" as const, access: { host: "127.0.0.1", port: B } },
        { name: "node-2", role: "replica" as const, access: { host: "127.0.0.1", port: 7254 } },
    ];
    const inputs = { members, revisions: ["r0", "r1", "r2"], password: PASSWORD };

    beforeAll(async () => {
        const conf = `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\nsave ""\n`;
        // node-1 took over (a failover): node-0, the layout master, now replicates it. node-2 is not running.
        await startRedis({ port: B, password: PASSWORD, config: conf });
        await startRedis({ port: A, password: PASSWORD, config: `${conf}replicaof 127.0.0.1 ${B}\n` });
    });

    it("orders by the roles the nodes have now: the current master last, a silent node by its layout role", async () => {
        const { outs } = await rollPlanProvider.create!(inputs);
        expect(outs.roles).toEqual({ "node-0": "replica", "node-1": "master", "node-2": "replica" });
        expect(outs.order).toEqual(["node-0", "node-2", "node-1"]);
    });

    it("a new revision is a change that reads the order again; anything else is no change", async () => {
        const { outs } = await rollPlanProvider.create!(inputs);
        expect((await rollPlanProvider.diff!("id", outs, { ...inputs, password: "other" })).changes).toBe(false);
        expect((await rollPlanProvider.diff!("id", outs, { ...inputs, revisions: ["r0", "r1", "r2*"] })).changes).toBe(true);
        // The roles change again (a handover back): the next roll's plan follows them.
        redisCli(A, PASSWORD, "REPLICAOF", "NO", "ONE");
        redisCli(B, PASSWORD, "REPLICAOF", "127.0.0.1", String(A));
        const { outs: next } = await rollPlanProvider.update!("id", outs, { ...inputs, revisions: ["r0", "r1", "r2*"] });
        expect(next.order).toEqual(["node-1", "node-2", "node-0"]);
    });
});
