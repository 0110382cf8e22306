/**
 * The formation planner and readiness check, given observed snapshots (rendered as real CLUSTER NODES text):
 * fresh nodes, partial formations, a formed cluster, failovers, and the cases it must refuse.
 */
import { ClusterAction, planConvergence } from "../../components/cluster/converge";
import { deriveLiveView, isUnformed } from "../../components/cluster/observe";
import { readinessProblems } from "../../components/cluster/readiness";
import { clusterStatus } from "../../components/cluster/observe";
import { LiveNode, World, formedWorld, freshWorld, idOf, snapshot, testSpec } from "./cluster-plan-fixtures";

const spec = testSpec();
const plan = (world: World, s = spec) => planConvergence(s, snapshot(s, world));
const kinds = (actions: ClusterAction[]) => actions.map((a) => a.kind);
const ready = (world: World, s = spec) => readinessProblems(s, snapshot(s, world));

describe("formation from fresh nodes", () => {
    it("assigns the even split to the initial masters and meets every node from one anchor", () => {
        const p = plan(freshWorld());
        expect(p.actions.filter((a) => a.kind === "addSlots")).toEqual([
            { kind: "addSlots", node: "node-0", ranges: [{ start: 0, end: 5461 }] },
            { kind: "addSlots", node: "node-1", ranges: [{ start: 5462, end: 10922 }] },
            { kind: "addSlots", node: "node-2", ranges: [{ start: 10923, end: 16383 }] },
        ]);
        expect(p.actions.filter((a) => a.kind === "meet")).toEqual(
            [1, 2, 3, 4, 5].map((i) => ({ kind: "meet", node: "node-0", peer: `node-${i}`, ip: "127.0.0.1", port: 7000 + i, busPort: 17000 + i })),
        );
        // Slots go out before meets: their owners then advertise them from the first message.
        expect(kinds(p.actions).lastIndexOf("addSlots")).toBeLessThan(kinds(p.actions).indexOf("meet"));
        // Replicas cannot be told to replicate a master they have not heard of yet.
        expect(kinds(p.actions)).not.toContain("replicate");
        expect(p.waiting).toContain("node-3 does not know node-0 yet (meet/gossip in progress)");
    });

    it("has replicas replicate their shard's master once they know it", () => {
        const world: World = {
            ...formedWorld(),
            "node-3": { role: "master" },
            "node-4": { role: "master" },
            "node-5": { role: "master" },
        };
        expect(plan(world).actions).toEqual([
            { kind: "replicate", node: "node-3", master: "node-0", masterId: idOf("node-0") },
            { kind: "replicate", node: "node-4", master: "node-1", masterId: idOf("node-1") },
            { kind: "replicate", node: "node-5", master: "node-2", masterId: idOf("node-2") },
        ]);
    });

    it("gives more shards and replicas their own ranges and masters", () => {
        const big = testSpec(5, 2);
        const p = planConvergence(big, snapshot(big, freshWorld(big.nodes.map((n) => n.name))));
        const slots = p.actions.filter((a): a is Extract<ClusterAction, { kind: "addSlots" }> => a.kind === "addSlots");
        expect(slots.map((a) => [a.node, a.ranges[0].end - a.ranges[0].start + 1])).toEqual([
            ["node-0", 3277],
            ["node-1", 3277],
            ["node-2", 3277],
            ["node-3", 3277],
            ["node-4", 3276],
        ]);
        expect(p.actions.filter((a) => a.kind === "meet")).toHaveLength(14);
    });

    it("does not meet a node again while the handshake with it is under way", () => {
        const world = freshWorld();
        world["node-0"] = { role: "master", slots: ["0-5461"], knows: ["node-1", "node-2"], handshakes: ["node-3", "node-4", "node-5"] };
        const meets = plan(world).actions.filter((a) => a.kind === "meet");
        expect(meets).toEqual([]);
    });
});

describe("convergence from partial states", () => {
    it("finishes a half-formed cluster: missing meets, the rest of a range, the missing replicas", () => {
        const world: World = {
            "node-0": { role: "master", slots: ["0-5461"], epoch: 1, knows: ["node-1", "node-3"] },
            "node-1": { role: "master", slots: ["5462-8000"], epoch: 2, knows: ["node-0", "node-3"] },
            "node-2": { role: "master", knows: [], clusterState: "fail" },
            "node-3": { role: "replica", masterOf: "node-0", knows: ["node-0", "node-1"] },
            "node-4": { role: "master", knows: [], clusterState: "fail" },
            "node-5": { role: "master", knows: [], clusterState: "fail" },
        };
        const p = plan(world);
        expect(p.actions).toEqual([
            { kind: "addSlots", node: "node-1", ranges: [{ start: 8001, end: 10922 }] },
            { kind: "addSlots", node: "node-2", ranges: [{ start: 10923, end: 16383 }] },
            ...["node-2", "node-4", "node-5"].map((peer) => {
                const port = 7000 + Number(peer.slice(5));
                return { kind: "meet", node: "node-0", peer, ip: "127.0.0.1", port, busPort: port + 10000 };
            }),
        ]);
        // node-3 already replicates node-0: left alone.
        expect(p.actions.some((a) => a.node === "node-3")).toBe(false);
    });

    it("keeps a master that a member already replicates before any slot is assigned (done by hand)", () => {
        const world = freshWorld();
        world["node-0"] = { role: "master", knows: ["node-3"] };
        world["node-3"] = { role: "replica", masterOf: "node-0", knows: ["node-0"] };
        const view = deriveLiveView(spec, snapshot(spec, world));
        expect(view.shards[0].master).toBe("node-0");
    });

    it("does nothing at all on a formed cluster, which is ready", () => {
        expect(plan(formedWorld())).toEqual({ actions: [], waiting: [] });
        expect(ready(formedWorld())).toEqual([]);
    });

    it("never turns a master holding keys into a replica, and says so", () => {
        const world: World = { ...formedWorld(), "node-3": { role: "master", keys: 42 } };
        const p = plan(world);
        expect(p.actions).toEqual([]);
        expect(p.waiting).toEqual([
            "node-3 is a master holding 42 keys but must replicate node-0; formation never flushes data, move or delete those keys first",
        ]);
    });

    it("re-points a replica that replicates another shard's master (a replica holds no data of its own)", () => {
        const world: World = { ...formedWorld(), "node-5": { role: "replica", masterOf: "node-0" } };
        expect(plan(world).actions).toEqual([{ kind: "replicate", node: "node-5", master: "node-2", masterId: idOf("node-2") }]);
    });

    it("reports a shard whose slots sit on two of its members instead of guessing", () => {
        const world: World = { ...formedWorld(), "node-3": { role: "master", slots: ["5"], epoch: 9 } };
        world["node-0"] = { role: "master", slots: ["0-4", "6-5461"], epoch: 1 };
        const p = plan(world);
        expect(kinds(p.actions)).not.toContain("replicate");
        expect(p.waiting.join("\n")).toMatch(/shard 0 has slots on node-0 and node-3; merging them needs resharding/);
    });

    it("waits for an initial master that is down instead of promoting a fresh replica", () => {
        const world = freshWorld();
        world["node-0"] = "down";
        const p = plan(world);
        expect(p.actions.some((a) => a.kind === "addSlots" && a.node === "node-3")).toBe(false);
        expect(p.waiting).toContain("node-0 (127.0.0.1:7000) is not reachable: connect ECONNREFUSED");
        expect(p.waiting.join("\n")).toMatch(/shard 0 waits for its initial master node-0 to be reachable/);
    });

    it("restores a drifted cluster-node-timeout when the spec names one, and only then", () => {
        const world = formedWorld();
        (world["node-4"] as LiveNode).nodeTimeoutMs = 500;
        (world["node-0"] as LiveNode).nodeTimeoutMs = 5000;
        expect(plan(world, testSpec(3, 1, 5000)).actions).toEqual([{ kind: "setNodeTimeout", node: "node-4", ms: 5000 }]);
        expect(ready(world, testSpec(3, 1, 5000))).toEqual(["node-4 runs with cluster-node-timeout 500, want 5000"]);
        expect(plan(world).actions).toEqual([]);
    });

    it("treats only a cluster with no slot and no key anywhere as unformed", () => {
        expect(isUnformed(spec, snapshot(spec, freshWorld()))).toBe(true);
        const withKeys = freshWorld();
        withKeys["node-4"] = { role: "master", knows: [], keys: 1 };
        expect(isUnformed(spec, snapshot(spec, withKeys))).toBe(false);
        const oneDown = freshWorld();
        oneDown["node-5"] = "down";
        expect(isUnformed(spec, snapshot(spec, oneDown))).toBe(false);
        expect(isUnformed(spec, snapshot(spec, formedWorld()))).toBe(false);
    });
});

describe("after a failover", () => {
    /** node-0's master died; node-3 won the election with a newer config epoch. */
    const failedOver = (): World => ({
        ...formedWorld(),
        "node-3": { role: "master", slots: ["0-5461"], epoch: 7 },
        "node-0": { role: "replica", masterOf: "node-3", epoch: 7 },
    });

    it("accepts the new roles: no action, ready, and the status reports the promoted replica", () => {
        expect(plan(failedOver()).actions).toEqual([]);
        expect(ready(failedOver())).toEqual([]);
        const status = clusterStatus(spec, snapshot(spec, failedOver()));
        expect(status.clusterState).toBe("ok");
        expect(status.nodes.find((n) => n.name === "node-3")).toEqual({
            name: "node-3",
            shard: 0,
            nodeId: idOf("node-3"),
            role: "master",
            master: "",
            slots: ["0-5461"],
            slotCount: 5462,
        });
        expect(status.nodes.find((n) => n.name === "node-0")).toMatchObject({ role: "replica", master: "node-3", slots: [], slotCount: 0 });
    });

    it("while the old master is down: no swap back, it is named, the cluster counts as degraded", () => {
        const world = failedOver();
        world["node-0"] = "down";
        const p = plan(world);
        expect(p.actions).toEqual([]);
        expect(ready(world)).toContain("node-0 (127.0.0.1:7000) is not reachable: connect ECONNREFUSED");
        const status = clusterStatus(spec, snapshot(spec, world));
        expect(status.clusterState).toBe("degraded");
        // Peers still list the dead node: its id is recovered from its meet address.
        expect(status.nodes[0]).toMatchObject({ name: "node-0", nodeId: idOf("node-0"), role: "unreachable" });
    });

    it("a promoted master that does not claim a slot its peers credit to it claims it, and only that slot", () => {
        // Redis 7.0: peers moved the demoted master's slots to node-3, whose own view had left slot 1365 out.
        const credited = { "node-3": { slots: ["0-5461"] } };
        const world: World = Object.fromEntries(
            Object.entries(failedOver()).map(([name, n]) => [name, n === "down" || name === "node-3" ? n : { ...n, sees: credited }]),
        );
        world["node-3"] = { role: "master", slots: ["0-1364", "1366-5461"], epoch: 7 };
        expect(ready(world).join("\n")).toMatch(
            /node-3 disagrees on the slot map for slots 1365 \(slot 1365: nobody there, node-3 by the newest config epoch\)/,
        );
        expect(plan(world).actions).toEqual([{ kind: "addSlots", node: "node-3", ranges: [{ start: 1365, end: 1365 }] }]);
        // Once it claims the slot, the cluster is the formed one after a failover.
        expect(plan(failedOver()).actions).toEqual([]);
    });

    it("a slot its own view gives to another node is not claimed: that is a move, not a missing claim", () => {
        const world = failedOver();
        for (const name of ["node-1", "node-2", "node-4", "node-5"])
            world[name] = { ...(world[name] as LiveNode), sees: { "node-3": { slots: ["0-5461"] } } };
        world["node-3"] = {
            role: "master",
            slots: ["0-1364", "1366-5461"],
            epoch: 7,
            sees: { "node-0": { role: "master", slots: ["1365"], epoch: 1 } },
        };
        expect(plan(world).actions.filter((a) => a.kind === "addSlots")).toEqual([]);
    });

    it("a restarted old master that still claims its slots loses to the newer epoch and is waited for", () => {
        const world = failedOver();
        world["node-0"] = { role: "master", slots: ["0-5461"], epoch: 1, sees: { "node-3": { role: "master", slots: ["0-5461"], epoch: 7 } } };
        const view = deriveLiveView(spec, snapshot(spec, world));
        expect(view.shards[0].master).toBe("node-3");
        const p = plan(world);
        expect(p.actions).toEqual([]);
        expect(p.waiting.join("\n")).toMatch(/node-0 is a master that still claims slots; it must become a replica of node-3/);
        expect(ready(world).join("\n")).toMatch(/node-0 is not yet a replica of node-3/);
    });
});

describe("readiness", () => {
    it("names the node and the condition it is stuck on", () => {
        const world = formedWorld();
        world["node-4"] = { role: "replica", masterOf: "node-1", linkStatus: "down" };
        world["node-2"] = { role: "master", slots: ["10923-16383"], epoch: 3, clusterState: "fail" };
        world["node-5"] = { role: "replica", masterOf: "node-2", epoch: 3, sees: { "node-1": { slots: ["5462-10000"] } } };
        world["node-1"] = { role: "master", slots: ["5462-10922"], epoch: 2, sees: { "node-3": { role: "master" } } };
        expect(ready(world)).toEqual([
            "node-1 still sees node-3 as a master, but it is a replica of node-0",
            "node-2 reports cluster_state:fail (slots assigned 16384, known nodes 6)",
            "node-5 disagrees on the slot map for slots 10001-10922 (slot 10001: nobody there, node-1 by the newest config epoch)",
            "node-4 reports master_link_status:down towards node-1",
        ]);
    });

    it("reports unassigned slots, unknown owners and handshakes that do not complete", () => {
        const world = formedWorld();
        world["node-2"] = { role: "master", epoch: 3 };
        world["node-5"] = { role: "master", knows: ["node-0"], handshakes: ["node-1"] };
        const problems = ready(world).join("\n");
        expect(problems).toMatch(/slots 10923-16383 are not assigned to any node/);
        expect(problems).toMatch(/shard 2: master node-2 owns no slots/);
        expect(problems).toMatch(
            /node-5 is still shaking hands with node-1 at 127.0.0.1:7001@17001 \(if this persists, that meet address or its bus port is not reachable from node-5\)/,
        );
    });
});
