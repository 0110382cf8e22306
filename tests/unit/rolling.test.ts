/**
 * Rolling restarts, without Docker: the roll order of each topology (rolling/order.ts), from live roles
 * after a failover (the current master rolls last in its shard: rolling/plan.ts reads the roles), what the
 * plan says for each step, and the resource graph under Pulumi's mocks: one RollPlan per group, one
 * RollGate per node behind it, chained in the plan's order, each
 * container behind its own gate and no container behind another one (so a fresh `up` creates them all at
 * once), and a revision that moves exactly when a replacing input of the container does.
 */
import { describeRollStep, rollOrder } from "../../components/rolling/order";
import { byType, runStack, unwrapSecret } from "./support/mock-stack";

describe("roll order", () => {
    it("replication: replicas in layout order, then the master", () => {
        expect(
            rollOrder([
                { name: "node-0", role: "master" },
                { name: "node-1", role: "replica" },
                { name: "node-2", role: "replica" },
            ]),
        ).toEqual(["node-1", "node-2", "node-0"]);
    });

    it("sentinel: replicas, the master, then the sentinels one at a time", () => {
        expect(
            rollOrder([
                { name: "node-0", role: "master" },
                { name: "node-1", role: "replica" },
                { name: "sentinel-0", role: "sentinel" },
                { name: "sentinel-1", role: "sentinel" },
                { name: "sentinel-2", role: "sentinel" },
            ]),
        ).toEqual(["node-1", "node-0", "sentinel-0", "sentinel-1", "sentinel-2"]);
    });

    it("cluster: every replica (shard by shard), then every master", () => {
        const layout = [0, 1, 2].flatMap((shard) => [
            { name: `shard-${shard}-0`, role: "master" as const },
            { name: `shard-${shard}-1`, role: "replica" as const },
            { name: `shard-${shard}-2`, role: "replica" as const },
        ]);
        expect(rollOrder(layout)).toEqual([
            "shard-0-1",
            "shard-0-2",
            "shard-1-1",
            "shard-1-2",
            "shard-2-1",
            "shard-2-2",
            "shard-0-0",
            "shard-1-0",
            "shard-2-0",
        ]);
    });
});

describe("roll order after a failover (the plan's live roles)", () => {
    it("cluster: the node that is master now rolls last in its shard, so the shard hands over once", () => {
        // shard-0 failed over: shard-0-1 is master, shard-0-0 (the layout master) its replica.
        const live = [
            { name: "shard-0-0", role: "replica" as const },
            { name: "shard-0-1", role: "master" as const },
            { name: "shard-1-0", role: "master" as const },
            { name: "shard-1-1", role: "replica" as const },
        ];
        const order = rollOrder(live);
        expect(order).toEqual(["shard-0-0", "shard-1-1", "shard-0-1", "shard-1-0"]);
        for (const shard of ["shard-0", "shard-1"]) {
            const inShard = order.filter((n) => n.startsWith(shard));
            expect(live.find((m) => m.name === inShard[inShard.length - 1])!.role).toBe("master");
        }
    });

    it("sentinel: the promoted replica rolls after the old master, before the sentinels", () => {
        expect(
            rollOrder([
                { name: "node-0", role: "replica" },
                { name: "node-1", role: "master" },
                { name: "node-2", role: "replica" },
                { name: "sentinel-0", role: "sentinel" },
            ]),
        ).toEqual(["node-0", "node-2", "node-1", "sentinel-0"]);
    });
});

describe("what the plan says for a step", () => {
    it("a replica restarts; a master hands over first, by the group's own mechanism", () => {
        expect(describeRollStep("cluster", "shard-0-1", 1, 6, "replica")).toBe("roll 1/6: shard-0-1 (replica) restarts with its new container");
        expect(describeRollStep("cluster", "shard-0-0", 4, 6, "master")).toBe(
            "roll 4/6: shard-0-0 is a master: hands over to an in-sync replica (CLUSTER FAILOVER), then restarts",
        );
        expect(describeRollStep("sentinel", "node-0", 2, 5, "master")).toBe(
            "roll 2/5: node-0 is the master: hands over with SENTINEL FAILOVER, then restarts",
        );
        expect(describeRollStep("replication", "node-0", 3, 3, "master")).toBe(
            "roll 3/3: node-0 is the master and nothing can take over without Sentinel: writes pause until it is back",
        );
        expect(describeRollStep("sentinel", "sentinel-0", 3, 5, "sentinel")).toBe("roll 3/5: sentinel-0 (sentinel) restarts with its new container");
    });

    it("the live role at its turn decides what a gate does (the master may have moved since the plan was made)", () => {
        expect(describeRollStep("cluster", "shard-0-1", 1, 6, "master")).toMatch(/shard-0-1 is a master: hands over/);
        expect(describeRollStep("cluster", "shard-0-0", 4, 6, "replica")).toBe("roll 4/6: shard-0-0 (replica) restarts with its new container");
    });

    it("a node that cannot be reached is replaced without waiting on it", () => {
        expect(describeRollStep("cluster", "shard-0-0", 4, 6, undefined)).toBe(
            "roll 4/6: shard-0-0 is not reachable now; its container is replaced without waiting on it",
        );
    });
});

describe("the roll in the resource graph", () => {
    const gatesOf = async (config: Record<string, unknown>) => {
        const run = await runStack(config);
        return { run, gates: byType(run, ":RollGate") };
    };

    it("cluster: six gates chained in roll order; each container depends on its own gate and on no other container or gate", async () => {
        const { run, gates } = await gatesOf({ topology: "cluster" });
        expect(gates.map((g) => [g.inputs.position, g.inputs.name])).toEqual([
            [1, "shard-0-1"],
            [2, "shard-1-1"],
            [3, "shard-2-1"],
            [4, "shard-0-0"],
            [5, "shard-1-0"],
            [6, "shard-2-0"],
        ]);
        gates.forEach((g, i) => {
            expect(g.inputs.total).toBe(6);
            // Each gate waits for the previous one, and for no container.
            expect(g.dependsOn.filter((d) => d.endsWith("-roll"))).toEqual(i === 0 ? [] : [gates[i - 1].name]);
            expect(g.dependsOn.filter((d) => d.endsWith("-container"))).toEqual([]);
            expect(unwrapSecret<{ name: string } | undefined>(g.inputs.after)?.name).toBe(i === 0 ? undefined : gates[i - 1].inputs.name);
            expect(unwrapSecret<{ kind: string }>(g.inputs.group).kind).toBe("cluster");
            // Every gate takes its place from the group's plan.
            expect(g.dependsOn).toContain("redis-ha-test-roll-plan");
        });
        const [plan] = byType(run, ":RollPlan");
        expect(unwrapSecret<Array<{ name: string; role: string }>>(plan.inputs.members).map((m) => `${m.name}:${m.role}`)).toEqual([
            "shard-0-0:master",
            "shard-1-0:master",
            "shard-2-0:master",
            "shard-0-1:replica",
            "shard-1-1:replica",
            "shard-2-1:replica",
        ]);
        expect(unwrapSecret<string[]>(plan.inputs.revisions)).toHaveLength(6);
        for (const c of byType(run, ":Container")) {
            const node = c.name.replace(/^redis-ha-test-/, "").replace(/-container$/, "");
            expect(c.dependsOn.filter((d) => d.endsWith("-roll") || d.endsWith("-container"))).toEqual([`redis-ha-test-${node}-roll`]);
        }
    });

    it("sentinel and replication: gates in their roll orders; standalone has none", async () => {
        expect((await gatesOf({ topology: "sentinel" })).gates.map((g) => g.inputs.name)).toEqual([
            "node-1",
            "node-0",
            "sentinel-0",
            "sentinel-1",
            "sentinel-2",
        ]);
        expect((await gatesOf({ topology: "replication", replicas: 2 })).gates.map((g) => g.inputs.name)).toEqual(["node-1", "node-2", "node-0"]);
        expect((await gatesOf({ topology: "standalone" })).gates).toEqual([]);
    });

    it("the revision moves with a replacing input (image, a restart-only setting) and not with a live one", async () => {
        const revisions = async (config: Record<string, unknown>) =>
            (await gatesOf({ topology: "cluster", ...config })).gates.map((g) => g.inputs.revision);
        const base = await revisions({});
        expect(new Set(base).size).toBe(6);
        expect(await revisions({})).toEqual(base);
        expect(await revisions({ maxmemory: "256mb", cluster: { nodeTimeoutMs: 8000 } })).toEqual(base);
        const image = await revisions({ image: "redis:7.2.4" });
        image.forEach((r, i) => expect(r).not.toBe(base[i]));
        const port = await revisions({ basePort: 7000 });
        port.forEach((r, i) => expect(r).not.toBe(base[i]));
    });
});

describe("the gate's diff and update without I/O", () => {
    const gate = {
        name: "shard-0-0",
        position: 4,
        total: 6,
        revision: "aaaa",
        access: { host: "127.0.0.1", port: 6379 },
        password: "pw",
        group: { kind: "cluster" as const, nodes: [] },
        timeoutMs: 1000,
        runId: "",
        action: "created",
    };

    it("only a new revision is a change (the chain, timeouts and the group's members are not)", async () => {
        const { rollGateProvider } = await import("../../components/rolling/gate");
        const news = { ...gate, timeoutMs: 5, after: { name: "shard-2-1", access: { host: "127.0.0.1", port: 6481 }, runId: "x" } };
        expect(await rollGateProvider.diff!("id", gate, news)).toEqual({ changes: false });
    });

    it("a new password or port replaces the node without a handover or wait (the old nodes answer only at the old ones)", async () => {
        const { rollGateProvider } = await import("../../components/rolling/gate");
        const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
        try {
            const moved = { ...gate, revision: "bbbb", access: { host: "127.0.0.1", port: 7379 } };
            expect(await rollGateProvider.diff!("id", gate, moved)).toEqual({ changes: true });
            expect(log).toHaveBeenCalledWith("roll 4/6: shard-0-0 gets a new password or address: replaced without a handover or wait");
            const updated = await rollGateProvider.update!("id", gate, { ...gate, revision: "bbbb", password: "new" });
            expect(updated.outs).toMatchObject({
                revision: "bbbb",
                runId: "",
                action: "shard-0-0 got a new password or address: replaced without a handover",
            });
        } finally {
            log.mockRestore();
        }
    });
});
