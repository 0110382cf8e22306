/**
 * Convergence on real nodes in host-mode shape (access == meet address; meet hosts given as `localhost`,
 * which the provider must resolve to an IP for CLUSTER MEET): six nodes on 7320-7325 (bus 17320-17325) are
 * partly formed by hand, the walkthrough's way, and the provider finishes the job without redoing or undoing
 * what was done. Then the provider as Pulumi ships it (closure-serialized, run in another node process)
 * re-runs against the formed cluster and sends nothing.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseClusterNodes } from "../../components/cluster/observe";
import { ClusterFormationInputs, ClusterFormationOutputs, clusterFormationProvider } from "../../components/cluster/formation";
import { pollUntil } from "../../components/shared/poll";
import { redisCli, stopAllRedis } from "../support/redis-process";
import { ClusterTestNode, changingCommandCounts, commandCounts, startClusterNodes } from "../support/cluster-test-nodes";

jest.setTimeout(60000);

const PASSWORD = "converge-pw";
const NODE_TIMEOUT_MS = 2000;

let nodes: ClusterTestNode[];
let inputs: ClusterFormationInputs;
let outs: ClusterFormationOutputs;

const port = (name: string) => nodes.find((n) => n.spec.name === name)!.port;
const cli = (name: string, ...args: string[]) => redisCli(port(name), PASSWORD, ...args).trim();
const myId = (name: string) => cli(name, "cluster", "myid");

beforeAll(async () => {
    nodes = await startClusterNodes({ basePort: 7320, shards: 3, replicasPerShard: 1, password: PASSWORD, nodeTimeoutMs: NODE_TIMEOUT_MS });
    inputs = {
        clusterName: "converge",
        nodes: nodes.map((n) => ({ ...n.spec, meet: { ...n.spec.meet, host: "localhost" } })),
        password: PASSWORD,
        nodeTimeoutMs: NODE_TIMEOUT_MS,
        timeoutMs: 20000,
    };
});

afterAll(stopAllRedis);

it("finishes a cluster partly formed by hand: some meets, some slots, a replica already attached", async () => {
    // Walkthrough 4.3-4.5, interrupted: node-0 met node-1 and node-3; node-0 took its whole range, node-1
    // only part of its range; node-3 already replicates node-0. node-2, node-4 and node-5 are untouched.
    expect(cli("node-0", "cluster", "meet", "127.0.0.1", String(port("node-1")))).toBe("OK");
    expect(cli("node-0", "cluster", "meet", "127.0.0.1", String(port("node-3")))).toBe("OK");
    expect(cli("node-0", "cluster", "addslotsrange", "0", "5461")).toBe("OK");
    expect(cli("node-1", "cluster", "addslotsrange", "5462", "8000")).toBe("OK");
    const node0 = myId("node-0");
    await pollUntil(
        async () =>
            cli("node-3", "cluster", "nodes").includes(`${node0} 127.0.0.1:7320@17320 master`)
                ? { done: true, value: 0 }
                : { done: false, observed: cli("node-3", "cluster", "nodes") },
        { timeoutMs: 10000, intervalMs: 50, description: "node-3 to learn node-0" },
    );
    expect(cli("node-3", "cluster", "replicate", node0)).toBe("OK");
    const ids = Object.fromEntries(nodes.map((n) => [n.spec.name, myId(n.spec.name)]));

    const created = await clusterFormationProvider.create(inputs);
    outs = created.outs as ClusterFormationOutputs;

    expect(outs.clusterState).toBe("ok");
    expect(outs.nodeStatus.map((n) => [n.name, n.nodeId, n.role, n.master, n.slots])).toEqual([
        ["node-0", ids["node-0"], "master", "", ["0-5461"]],
        ["node-1", ids["node-1"], "master", "", ["5462-10922"]],
        ["node-2", ids["node-2"], "master", "", ["10923-16383"]],
        ["node-3", ids["node-3"], "replica", "node-0", []],
        ["node-4", ids["node-4"], "replica", "node-1", []],
        ["node-5", ids["node-5"], "replica", "node-2", []],
    ]);
    // What was already done was not done again: node-0's range and node-3's REPLICATE came from the hand
    // commands only; node-1 got exactly the rest of its range; no meet was repeated for known pairs.
    expect(commandCounts(port("node-0"), PASSWORD)["cluster|addslotsrange"]).toBe(1);
    expect(commandCounts(port("node-3"), PASSWORD)["cluster|replicate"]).toBe(1);
    expect(commandCounts(port("node-1"), PASSWORD)["cluster|addslotsrange"]).toBe(2);
    expect(commandCounts(port("node-0"), PASSWORD)["cluster|meet"]).toBe(2 + 3); // by hand: node-1, node-3; provider: node-2, node-4, node-5
    expect(commandCounts(port("node-2"), PASSWORD)["cluster|meet"]).toBeUndefined();
    for (const n of nodes) {
        const counts = commandCounts(n.port, PASSWORD);
        expect([n.spec.name, counts["flushall"] ?? 0, counts["cluster|reset"] ?? 0]).toEqual([n.spec.name, 0, 0]);
    }
    const check = redisCli(7320, PASSWORD, "--cluster", "check", "127.0.0.1:7320");
    expect(check).toMatch(/\[OK\] All nodes agree about slots configuration\./);
    expect(check).toMatch(/\[OK\] All 16384 slots covered\./);
});

it("the serialized provider (as Pulumi ships it, in another process) reads the cluster and re-runs as a no-op", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => clusterFormationProvider, { allowSecrets: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-cluster-serialized-"));
    try {
        const file = path.join(dir, "provider.js");
        fs.writeFileSync(file, serialized.text);
        const script = `
            const provider = require(${JSON.stringify(file)}).handler();
            const olds = ${JSON.stringify(outs)};
            const inputs = ${JSON.stringify(inputs)};
            (async () => {
                const diff = await provider.diff("cluster-converge", olds, { ...inputs, timeoutMs: 5 });
                const read = await provider.read("cluster-converge", olds);
                const updated = await provider.update("cluster-converge", olds, inputs);
                process.stdout.write(JSON.stringify({ diff, read: read.props, updated: updated.outs }));
            })().catch((e) => { console.error(e); process.exit(1); });`;
        const epochs = () =>
            nodes.map((n) =>
                parseClusterNodes(redisCli(n.port, PASSWORD, "cluster", "nodes"))
                    .map((e) => `${e.id}:${e.configEpoch}`)
                    .sort(),
            );
        const beforeCounts = changingCommandCounts(nodes, PASSWORD);
        const beforeEpochs = epochs();
        // Outside the repo the serialized code finds ioredis only through NODE_PATH, as a provider host would.
        const out = execFileSync(process.execPath, ["-e", script], {
            encoding: "utf8",
            // The provider host exits when the provider's work is done; a connection it leaves open would keep
            // this child alive, which must fail the test instead of hanging the run.
            timeout: 60000,
            env: { ...process.env, NODE_PATH: path.join(__dirname, "..", "..", "node_modules") },
        });
        const result = JSON.parse(out);
        expect(result.diff.changes).toBe(false);
        expect(result.read).toEqual(outs);
        expect(result.updated).toEqual(outs);
        expect(changingCommandCounts(nodes, PASSWORD)).toEqual(beforeCounts);
        expect(epochs()).toEqual(beforeEpochs);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
