/** The layout's shards and first roles, spec validation, redis.conf directives and the natMap for bridge-mode clients. */
import { clusterConfLines, clusterLayout } from "../../components/cluster/layout";
import { buildNatMap } from "../../components/shared/endpoint";
import { parseClusterNodes } from "../../components/cluster/observe";
import { shardMembers, validateClusterSpec } from "../../components/cluster/spec";
import { testSpec } from "./cluster-plan-fixtures";

describe("clusterLayout: shards and first roles", () => {
    const layout = (shards: number, replicasPerShard: number) =>
        clusterLayout({
            namePrefix: "redis-ha-dev",
            basePort: 6379,
            bindAddress: "127.0.0.1",
            network: { mode: "bridge" },
            cluster: { shards, replicasPerShard },
        });
    const roles = (shards: number, replicasPerShard: number) =>
        layout(shards, replicasPerShard).map((n) => ({ index: n.index, name: n.logicalName, shard: n.shard, role: n.role }));

    it("gives the default 3 shards x 1 replica six nodes in the walkthrough's order", () => {
        expect(roles(3, 1)).toEqual([
            { index: 0, name: "shard-0-0", shard: 0, role: "master" },
            { index: 1, name: "shard-1-0", shard: 1, role: "master" },
            { index: 2, name: "shard-2-0", shard: 2, role: "master" },
            { index: 3, name: "shard-0-1", shard: 0, role: "replica" },
            { index: 4, name: "shard-1-1", shard: 1, role: "replica" },
            { index: 5, name: "shard-2-1", shard: 2, role: "replica" },
        ]);
    });

    it.each([
        [3, 0],
        [3, 2],
        [5, 1],
        [4, 3],
    ])("gives each of %i masters exactly %i replicas, one master per shard", (shards, replicas) => {
        const nodes = roles(shards, replicas);
        expect(nodes).toHaveLength(shards * (replicas + 1));
        for (let s = 0; s < shards; s++) {
            const members = nodes.filter((n) => n.shard === s);
            expect(members.filter((n) => n.role === "master")).toHaveLength(1);
            expect(members.filter((n) => n.role === "replica")).toHaveLength(replicas);
        }
        expect(new Set(nodes.map((n) => n.name)).size).toBe(nodes.length);
    });

    it("keeps existing node names, indexes and ports when a replica round is added", () => {
        const one = layout(3, 1);
        expect(layout(3, 2).slice(0, one.length)).toEqual(one);
    });
});

describe("validateClusterSpec", () => {
    it("accepts the stack's spec and lists shard members with the initial master first", () => {
        const spec = testSpec();
        expect(validateClusterSpec(spec)).toEqual([]);
        expect(shardMembers({ nodes: [...spec.nodes].reverse() }, 1).map((n) => n.name)).toEqual(["node-1", "node-4"]);
    });

    it("names every problem: duplicates, shards without exactly one master, bad endpoints", () => {
        const spec = testSpec();
        spec.nodes[4].name = "node-3";
        spec.nodes[5].role = "master";
        spec.nodes[1].role = "replica";
        spec.nodes[2].meet = { ...spec.nodes[0].meet };
        spec.nodes[3].access.port = 0;
        const problems = validateClusterSpec({ ...spec, nodeTimeoutMs: -1 });
        expect(problems).toEqual(
            expect.arrayContaining([
                "nodes[4] (node-3).name: duplicate name node-3",
                "shard 1: needs exactly one node with role master, has 0",
                "shard 2: needs exactly one node with role master, has 2 (node-2, node-5)",
                "nodes[2] (node-2).meet: 127.0.0.1:7000 is also node-0's",
                "nodes[3] (node-3).access: needs a host and a port 1-65535",
                "nodeTimeoutMs: must be a positive integer, got -1",
            ]),
        );
        expect(validateClusterSpec({ nodes: [] })).toEqual(["nodes: at least one node is required"]);
    });
});

describe("cluster redis.conf directives", () => {
    it("bridge mode: nodes.conf in the data dir, node timeout, announced hostname preferred", () => {
        expect(
            clusterConfLines({
                configFile: "nodes.conf",
                nodeTimeoutMs: 5000,
                announceHostname: "redis-ha-dev-node-0",
                preferredEndpointType: "hostname",
            }),
        ).toEqual([
            "cluster-enabled yes",
            "cluster-config-file nodes.conf",
            "cluster-node-timeout 5000",
            "cluster-announce-hostname redis-ha-dev-node-0",
            "cluster-preferred-endpoint-type hostname",
        ]);
    });

    it("only announces addresses when asked (NAT between nodes), and refuses unsafe values", () => {
        expect(clusterConfLines({ configFile: "nodes.conf", nodeTimeoutMs: 1000, announce: { ip: "10.0.0.5", port: 7000, busPort: 17000 } })).toEqual(
            [
                "cluster-enabled yes",
                "cluster-config-file nodes.conf",
                "cluster-node-timeout 1000",
                "cluster-announce-ip 10.0.0.5",
                "cluster-announce-port 7000",
                "cluster-announce-bus-port 17000",
            ],
        );
        expect(() => clusterConfLines({ configFile: "../nodes.conf", nodeTimeoutMs: 1000 })).toThrow(/plain file name/);
        expect(() => clusterConfLines({ configFile: "nodes.conf", nodeTimeoutMs: 1000, announceHostname: "bad name\nport 1" })).toThrow(/hostname/);
        expect(() => clusterConfLines({ configFile: "nodes.conf", nodeTimeoutMs: 0 })).toThrow(/timeout/);
    });
});

describe("buildNatMap for a cluster", () => {
    it("maps every announced in-network address to the published endpoint", () => {
        expect(
            buildNatMap([
                { internal: { host: "redis-ha-dev-node-0", port: 6379 }, published: { host: "127.0.0.1", port: 7000 } },
                { internal: { host: "172.18.0.2", port: 6379 }, published: { host: "127.0.0.1", port: 7000 } },
                { internal: { host: "redis-ha-dev-node-1", port: 6379 }, published: { host: "127.0.0.1", port: 7001 } },
            ]),
        ).toEqual({
            "redis-ha-dev-node-0:6379": { host: "127.0.0.1", port: 7000 },
            "172.18.0.2:6379": { host: "127.0.0.1", port: 7000 },
            "redis-ha-dev-node-1:6379": { host: "127.0.0.1", port: 7001 },
        });
        expect(() =>
            buildNatMap([
                { internal: { host: "x", port: 6379 }, published: { host: "127.0.0.1", port: 7000 } },
                { internal: { host: "x", port: 6379 }, published: { host: "127.0.0.1", port: 7001 } },
            ]),
        ).toThrow(/announced by two nodes/);
    });
});

describe("parseClusterNodes", () => {
    it("reads Redis 7 lines: hostname, fresh self without ip, replicas, slot ranges and migration markers", () => {
        const text = [
            "9fa624c3cf1bef0b7dd58347889505ff5982eed4 :6379@16379,redis-ha-dev-node-0 myself,master - 0 0 0 connected",
            "efd49f7d7bc30d0e1246601898566a32db2ad919 172.18.0.3:6379@16379,redis-ha-dev-node-1 master - 0 1616425114600 2 connected 5001-10000 12000 [5798->-139b6dc42bb27103b7ecc8f988dd5f67a418c8fe]",
            "139b6dc42bb27103b7ecc8f988dd5f67a418c8fe 127.0.0.1:6481@16481 slave efd49f7d7bc30d0e1246601898566a32db2ad919 0 1616425114000 2 connected",
            "d463742c293d0f3f688014b1dfd08e40fa416a64 127.0.0.1:6379@16379 master,fail - 1616509853512 1616509848457 0 disconnected",
        ].join("\n");
        const [self, master, replica, failed] = parseClusterNodes(text);
        expect(self).toMatchObject({
            ip: "",
            port: 6379,
            busPort: 16379,
            hostname: "redis-ha-dev-node-0",
            flags: ["myself", "master"],
            masterId: "",
        });
        expect(master).toMatchObject({
            ip: "172.18.0.3",
            configEpoch: 2,
            slots: [
                { start: 5001, end: 10000 },
                { start: 12000, end: 12000 },
            ],
            openSlots: [5798],
        });
        expect(replica).toMatchObject({ flags: ["slave"], masterId: "efd49f7d7bc30d0e1246601898566a32db2ad919", hostname: "" });
        expect(failed).toMatchObject({ flags: ["master", "fail"], linkState: "disconnected" });
    });
});
