/** The pure half of scaling (components/cluster/scaling.ts): membership, strangers, handovers, the preview text. */
import { clusterLayout, clusterNodeSpec } from "../../components/cluster/layout";
import { type ClusterNodeStatus, type ClusterSnapshot, parseClusterNodes } from "../../components/cluster/observe";
import { describeScaling, membershipChange, planHandovers, strangers } from "../../components/cluster/scaling";
import type { ClusterNodeSpec } from "../../components/cluster/spec";

const specs = (shards: number, replicasPerShard: number): ClusterNodeSpec[] => {
    const input = {
        namePrefix: "redis-ha-dev",
        basePort: 6379,
        bindAddress: "127.0.0.1",
        network: { mode: "bridge" as const },
        cluster: { shards, replicasPerShard, nodeTimeoutMs: 5000 },
    };
    return clusterLayout(input).map((n) => clusterNodeSpec(input, n, { id: `c-${n.logicalName}`, ip: `10.0.0.${n.addressIndex}` }));
};

/** The formation's nodeStatus after the first `up`: masters hold the even split, replicas follow shard order. */
const formedStatus = (shards: number, ranges: string[][]): ClusterNodeStatus[] =>
    specs(shards, 1).map((n) => ({
        name: n.name,
        shard: n.shard,
        nodeId: n.name.padEnd(40, "0"),
        role: n.role === "master" ? "master" : "replica",
        master: n.role === "master" ? "" : `shard-${n.shard}-0`,
        slots: n.role === "master" ? ranges[n.shard] : [],
        slotCount: 0,
    }));

const THREE = [["0-5461"], ["5462-10922"], ["10923-16383"]];

describe("membershipChange", () => {
    it("names the nodes a change of counts adds and removes, never an existing node", () => {
        expect(membershipChange(specs(3, 1), specs(4, 1))).toEqual({ joining: ["shard-3-0", "shard-3-1"], leaving: [] });
        expect(membershipChange(specs(4, 1), specs(3, 1))).toEqual({ joining: [], leaving: ["shard-3-0", "shard-3-1"] });
        expect(membershipChange(specs(3, 1), specs(3, 2))).toEqual({ joining: ["shard-0-2", "shard-1-2", "shard-2-2"], leaving: [] });
        expect(membershipChange(specs(3, 1), specs(3, 0)).leaving).toEqual(["shard-0-1", "shard-1-1", "shard-2-1"]);
    });
});

describe("describeScaling: what a preview prints", () => {
    it("3 → 4 shards: the new master takes a proportional share from every old master", () => {
        expect(describeScaling(specs(3, 1), formedStatus(3, THREE), specs(4, 1))).toBe(
            "joining: shard-3-0, shard-3-1; shard-3 takes 1366 slots from shard-0, 1365 from shard-1, 1365 from shard-2",
        );
    });

    it("4 → 3 shards: the leaving shard's slots go to the staying masters, its nodes are forgotten then deleted", () => {
        const four = [["0-4095"], ["4096-8191"], ["8192-12287"], ["12288-16383"]];
        const status = specs(4, 1).map((n) => ({
            name: n.name,
            shard: n.shard,
            nodeId: "",
            role: (n.role === "master" ? "master" : "replica") as "master" | "replica",
            master: "",
            slots: n.role === "master" ? four[n.shard] : [],
            slotCount: 0,
        }));
        const text = describeScaling(specs(4, 1), status, specs(3, 1))!;
        expect(text).toMatch(/^leaving \(forgotten, then deleted\): shard-3-0, shard-3-1; /);
        expect(text).toMatch(/shard-0 takes 1366 slots from shard-3/);
        expect(text).toMatch(/shard-1 takes 1365 from shard-3|shard-1 takes 1365 slots from shard-3/);
    });

    it("replicas 1 → 2 → 0: replicas join and leave, and not one slot moves", () => {
        expect(describeScaling(specs(3, 1), formedStatus(3, THREE), specs(3, 2))).toBe(
            "joining: shard-0-2, shard-1-2, shard-2-2; no slot moves: every master already holds its share",
        );
        const two = formedStatus(3, THREE).concat(
            [0, 1, 2].map((s) => ({ ...formedStatus(3, THREE)[3 + s], name: `shard-${s}-2`, nodeId: `shard-${s}-2`.padEnd(40, "0") })),
        );
        expect(describeScaling(specs(3, 2), two, specs(3, 0))).toBe(
            "leaving (forgotten, then deleted): shard-0-1, shard-1-1, shard-2-1, shard-0-2, shard-1-2, shard-2-2; no slot moves: every master already holds its share",
        );
    });

    it("no text when no node joins or leaves (a maxmemory change, a replaced container)", () => {
        expect(describeScaling(specs(3, 1), formedStatus(3, THREE), specs(3, 1))).toBeUndefined();
    });

    it("a replica round scaled away after a failover: the promoted node hands its shard back first", () => {
        const status = formedStatus(3, THREE).map((n) =>
            n.name === "shard-1-1"
                ? { ...n, role: "master" as const, master: "", slots: ["5462-10922"] }
                : n.name === "shard-1-0"
                  ? { ...n, role: "replica" as const, master: "shard-1-1", slots: [] }
                  : n,
        );
        const text = describeScaling(specs(3, 1), status, specs(3, 0))!;
        expect(text).toContain("shard-1-1 hands shard 1 over to shard-1-0");
        expect(text).toContain("no slot moves");
    });
});

/** A snapshot in which every spec node answers with the given CLUSTER NODES text as its view. */
const snapshotOf = (spec: ClusterNodeSpec[], myIds: Record<string, string>, nodesText: string): ClusterSnapshot => ({
    nodes: spec.map((n) => {
        const view = parseClusterNodes(nodesText).map((e) => ({ ...e, flags: e.id === myIds[n.name] ? ["myself", ...e.flags] : e.flags }));
        return { name: n.name, reachable: true as const, myId: myIds[n.name], view, clusterInfo: {}, replication: {}, keys: 0 };
    }),
});

describe("strangers and handovers from a live snapshot", () => {
    const three = specs(3, 0);
    const ids = { "shard-0-0": "a".repeat(40), "shard-1-0": "b".repeat(40), "shard-2-0": "c".repeat(40) };
    const text = [
        `${"a".repeat(40)} 10.0.0.0:6379@16379 master - 0 0 1 connected 0-5461`,
        `${"b".repeat(40)} 10.0.0.1:6379@16379 master - 0 0 2 connected 5462-10922`,
        `${"c".repeat(40)} 10.0.0.2:6379@16379 master - 0 0 3 connected 10923-16383`,
        `${"d".repeat(40)} 10.0.0.3:6379@16379 master - 0 0 4 connected`,
        `${"e".repeat(40)} 10.0.0.103:6379@16379 slave,fail ${"d".repeat(40)} 0 0 4 disconnected`,
    ].join("\n");

    it("lists the nodes the spec no longer has, whether they own slots, and whether they are gone", () => {
        const found = strangers(three, snapshotOf(three, ids, text));
        expect(found.map((s) => [s.id[0], s.ownsSlots, s.gone])).toEqual([
            ["d", false, false],
            ["e", false, true],
        ]);
    });

    it("a leaving master with slots is handed over by the staying node that replicates it", () => {
        // Replicas scaled to 0 after shard-1's replica (c…, at 10.0.0.101) was promoted by a failover.
        const staying = [three[0], three[1]];
        const afterFailover = [
            `${"a".repeat(40)} 10.0.0.0:6379@16379 master - 0 0 1 connected 0-5461`,
            `${"b".repeat(40)} 10.0.0.1:6379@16379 slave ${"c".repeat(40)} 0 0 5 connected`,
            `${"c".repeat(40)} 10.0.0.101:6379@16379 master - 0 0 5 connected 5462-16383`,
        ].join("\n");
        const snap = snapshotOf(staying, ids, afterFailover);
        const leaving = strangers(staying, snap);
        expect(leaving.map((x) => [x.id[0], x.ownsSlots])).toEqual([["c", true]]);
        expect(planHandovers(staying, snap, leaving)).toEqual([{ node: "shard-1-0", from: "c".repeat(40) }]);
    });
});
