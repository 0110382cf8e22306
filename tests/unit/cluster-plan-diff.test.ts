/**
 * The formation resource's diff (only a topology change re-runs it) and its shipping form: Pulumi's closure
 * serializer must capture the provider, and the captured provider must work without this test's modules.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ClusterFormationInputs, ClusterFormationOutputs, clusterFormationProvider } from "../../components/cluster/formation";
import { testSpec } from "./cluster-plan-fixtures";

const inputs = (): ClusterFormationInputs => ({
    clusterName: "redis-ha-dev",
    nodes: testSpec().nodes.map((n, i) => ({ ...n, revision: `container-${i}` })),
    password: "pw",
    nodeTimeoutMs: 5000,
    timeoutMs: 60000,
});

/** What the state holds after an `up`: the inputs plus outputs from the live cluster. */
const olds = (): ClusterFormationOutputs => ({
    ...inputs(),
    clusterState: "ok",
    nodeStatus: [{ name: "node-0", shard: 0, nodeId: "a".repeat(40), role: "master", master: "", slots: ["0-5461"], slotCount: 5462 }],
    lastRebalance: "",
});

const changed = async (edit: (i: ClusterFormationInputs) => void, from: ClusterFormationOutputs = olds()) => {
    const news = inputs();
    edit(news);
    return (await clusterFormationProvider.diff!("cluster-redis-ha-dev", from, news)).changes;
};

describe("cluster formation diff", () => {
    it("sees no change when only the provider code, the timeout or last run's outputs differ", async () => {
        expect(await changed(() => undefined)).toBe(false);
        expect(await changed((i) => (i.timeoutMs = 1))).toBe(false);
        // A failover changed the live roles recorded in the state: still no change to apply.
        const afterFailover = { ...olds(), clusterState: "degraded" as const, nodeStatus: [] };
        expect(await changed(() => undefined, afterFailover)).toBe(false);
    });

    it("does not depend on the order keys were written in", async () => {
        expect(
            await changed((i) => {
                i.nodes = i.nodes.map((n) => ({
                    revision: n.revision,
                    meet: { busPort: n.meet.busPort, port: n.meet.port, host: n.meet.host },
                    access: n.access,
                    role: n.role,
                    shard: n.shard,
                    name: n.name,
                }));
            }),
        ).toBe(false);
    });

    it("sees a change for a changed node set, address, shard, replaced container, password or node timeout", async () => {
        expect(await changed((i) => i.nodes.pop())).toBe(true);
        expect(await changed((i) => i.nodes.push({ ...i.nodes[0], name: "node-6", access: { host: "127.0.0.1", port: 7006 } }))).toBe(true);
        expect(await changed((i) => (i.nodes[3].meet = { host: "172.18.0.9", port: 6379, busPort: 16379 }))).toBe(true);
        expect(await changed((i) => (i.nodes[2].access.port = 7100))).toBe(true);
        expect(await changed((i) => (i.nodes[4].shard = 2))).toBe(true);
        expect(await changed((i) => (i.nodes[1].revision = "replaced"))).toBe(true);
        expect(await changed((i) => (i.password = "rotated"))).toBe(true);
        expect(await changed((i) => (i.nodeTimeoutMs = 2000))).toBe(true);
    });

    it("sees a change, without failing, when a preview does not know the node list or a new node's container id", async () => {
        const allUnknown = { ...inputs(), nodes: pulumi.runtime.unknownValue as unknown as ClusterFormationInputs["nodes"] };
        expect((await clusterFormationProvider.diff!("id", olds(), allUnknown)).changes).toBe(true);
        expect(await changed((i) => (i.nodes[1].revision = pulumi.runtime.unknownValue))).toBe(true);
    });

    it("never asks for a replacement: update converges in place", async () => {
        const result = await clusterFormationProvider.diff!("id", olds(), { ...inputs(), nodes: inputs().nodes.slice(1) });
        expect(result).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
    });

    it("check names every invalid input", async () => {
        const bad = inputs();
        bad.nodes[1].role = "replica";
        bad.timeoutMs = 0;
        const { failures } = await clusterFormationProvider.check!({}, bad);
        expect(failures).toEqual([
            { property: "nodes", reason: "shard 1: needs exactly one node with role master, has 0" },
            { property: "timeoutMs", reason: "must be a positive number of milliseconds, got 0" },
        ]);
    });
    it("check lets preview placeholders through (an unknown container IP, or the whole node list)", async () => {
        const preview = inputs();
        preview.nodes[0].meet.host = pulumi.runtime.unknownValue;
        expect((await clusterFormationProvider.check!({}, preview)).failures).toEqual([]);
        const allUnknown = { ...inputs(), nodes: pulumi.runtime.unknownValue as unknown as ClusterFormationInputs["nodes"] };
        expect((await clusterFormationProvider.check!({}, allUnknown)).failures).toEqual([]);
    });
});

describe("the provider as Pulumi ships it", () => {
    it("serializes with Pulumi's closure serializer, requires ioredis lazily, and the captured diff works", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => clusterFormationProvider, { allowSecrets: true });
        // ioredis is loaded inside methods (by the provider host), never captured as a value.
        expect(serialized.text).toMatch(/require\("ioredis"\)/);
        expect(serialized.text).not.toMatch(/jest|expect\(/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-cluster-serialized-"));
        try {
            const file = path.join(dir, "provider.js");
            fs.writeFileSync(file, serialized.text);

            const provider: pulumi.dynamic.ResourceProvider = require(file).handler();
            expect((await provider.diff!("id", olds(), inputs())).changes).toBe(false);
            expect((await provider.diff!("id", olds(), { ...inputs(), password: "other" })).changes).toBe(true);
            expect((await provider.check!({}, inputs())).failures).toEqual([]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
