import { parseSettings } from "../../components/config";
import { ConfigError, DEFAULTS } from "../../components/settings";
import { runStack } from "./support/mock-stack";

function problemsOf(raw: Record<string, unknown>): string {
    try {
        parseSettings(raw, "redis-ha", "test");
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("settings defaults", () => {
    it("applies every default when nothing is set", () => {
        const s = parseSettings({}, "redis-ha", "dev");
        expect(s).toMatchObject({
            namePrefix: "redis-ha-dev",
            topology: "standalone",
            image: "redis:7.2",
            bindAddress: "127.0.0.1",
            basePort: 6379,
            replicas: 1,
            network: { mode: "bridge" },
            maxmemory: "0",
            maxmemoryPolicy: "noeviction",
            persistence: { appendonly: true, appendfsync: "everysec" },
        });
        expect(s.persistence.save).toEqual([
            { seconds: 3600, changes: 1 },
            { seconds: 300, changes: 100 },
            { seconds: 60, changes: 10000 },
        ]);
    });

    it("accepts strings from `pulumi config set` for numbers and booleans", () => {
        const s = parseSettings({ basePort: "7000", replicas: "2", persistence: { appendonly: "false", save: ["3600 1", "60 5"] } }, "p", "s");
        expect(s.basePort).toBe(7000);
        expect(s.replicas).toBe(2);
        expect(s.persistence.appendonly).toBe(false);
        expect(s.persistence.save).toEqual([
            { seconds: 3600, changes: 1 },
            { seconds: 60, changes: 5 },
        ]);
    });

    it('disables RDB with save ""', () => {
        expect(parseSettings({ persistence: { save: "" } }, "p", "s").persistence.save).toEqual([]);
    });
});

describe("settings validation names the key and the allowed values", () => {
    it.each([
        [{ topology: "mesh" }, "redis-ha:topology: must be one of standalone, replication, sentinel, cluster"],
        [{ replicas: "-1" }, "redis-ha:replicas: must be between 0 and 32, got -1"],
        [{ replicas: "two" }, "redis-ha:replicas: must be an integer"],
        [{ basePort: "70000" }, "redis-ha:basePort: must be between 1 and 65535"],
        [{ topology: "replication", basePort: "65535", replicas: 1 }, "redis-ha:replicas: node-1 (replica) would use port 65536, outside 1-65535"],
        [{ maxmemoryPolicy: "lru" }, "redis-ha:maxmemoryPolicy: must be one of noeviction, allkeys-lru"],
        [{ maxmemory: "lots" }, "redis-ha:maxmemory: must be a Redis memory size"],
        [{ persistence: { save: "3600" } }, "redis-ha:persistence.save: odd number of values"],
        [{ persistence: { save: "3600 x" } }, 'redis-ha:persistence.save: "3600 x" is not a pair of positive integers'],
        [{ persistence: { appendfsync: "sometimes" } }, "redis-ha:persistence.appendfsync: must be one of always, everysec, no"],
        [{ persistence: { appendonly: "maybe" } }, "redis-ha:persistence.appendonly: must be true or false"],
        [{ image: "" }, "redis-ha:image: must be a non-empty image reference"],
        [{ image: "   " }, "redis-ha:image: must be a non-empty image reference"],
        [{ network: { mode: "overlay" } }, "redis-ha:network.mode: must be one of bridge, host"],
        [{ network: { subnet: "10.99.0.7/24" } }, "redis-ha:network.subnet: 10.99.0.7/24 is not the first address of its /24 block"],
        [
            { network: { subnet: "10.99.0.0/28" }, topology: "cluster" },
            "redis-ha:network.subnet: 10.99.0.0/28 has room for 5 node addresses, the cluster's address plan needs 103 (replica round r of shard s takes address 100·r + s)",
        ],
        [{ network: { vlan: "7" } }, "redis-ha:network.vlan: unknown key; known keys: mode, subnet"],
        [{ network: "host" }, "redis-ha:network: must be an object"],
        [{ bindAddress: "localhost" }, "redis-ha:bindAddress: must be an IPv4 address"],
        [{ password: "" }, "redis-ha:password: must be a non-empty string"],
        [{ replica: 2 }, "redis-ha:replica: unknown key"],
        [{ topology: "sentinel", sentinel: { quorum: 4 } }, "redis-ha:sentinel.quorum: must be between 1 and sentinel.count (3), got 4"],
        [{ topology: "sentinel", sentinel: { quorum: 0 } }, "redis-ha:sentinel.quorum: must be between 1 and sentinel.count (3), got 0"],
        [{ topology: "sentinel", replicas: 0 }, "redis-ha:replicas: topology sentinel needs at least 1 replica"],
        [{ topology: "sentinel", sentinel: { count: 0 } }, "redis-ha:sentinel.count: must be between 1 and 15"],
        [{ topology: "sentinel", sentinel: { masterName: "my master" } }, "redis-ha:sentinel.masterName: must be 1-64 characters"],
        [{ topology: "sentinel", sentinel: { downAfterMs: 0 } }, "redis-ha:sentinel.downAfterMs: must be between 1 and 3600000"],
        [{ topology: "sentinel", sentinel: { parallelSyncs: 0 } }, "redis-ha:sentinel.parallelSyncs: must be between 1 and 32"],
        [{ topology: "sentinel", sentinel: { qourum: 2 } }, "redis-ha:sentinel.qourum: unknown key"],
        [{ topology: "sentinel", password: "pa ss" }, "redis-ha:password: contains U+0020"],
        [{ topology: "sentinel", basePort: 50000 }, "redis-ha:sentinel.count: sentinel-0 (basePort + 20000 + 0) would use port 70000"],
    ])("rejects %j", (raw, expected) => {
        expect(problemsOf(raw)).toContain(expected);
    });

    it("reports every problem at once", () => {
        const message = problemsOf({ topology: "mesh", replicas: "-1", network: { mode: "x" } });
        expect(message).toContain("redis-ha:topology");
        expect(message).toContain("redis-ha:replicas");
        expect(message).toContain("redis-ha:network.mode");
    });

    it("stops the program before any resource is declared", async () => {
        // A bad key must fail the run with no resource registered at all (not even the password).
        const failure = await runStack({ topology: "replication", replicas: "-3" }).then(
            () => undefined,
            (err: Error & { declaredResources?: unknown[] }) => err,
        );
        expect(failure?.message).toMatch(/redis-ha:replicas: must be between 0 and 32/);
        expect(failure?.declaredResources).toEqual([]);
    });

    it("accepts sentinel and cluster now that both are supported, with the sentinel defaults", () => {
        const s = parseSettings({ topology: "sentinel" }, "redis-ha", "test");
        expect(s.sentinel).toEqual({ count: 3, quorum: 2, masterName: "mymaster", downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 });
        expect(s.warnings).toEqual([]);
        expect(parseSettings({ topology: "cluster" }, "redis-ha", "test").topology).toBe("cluster");
    });

    it("warns (does not reject) about an even sentinel count and a minority quorum", () => {
        const s = parseSettings({ topology: "sentinel", sentinel: { count: 4, quorum: 2 } }, "redis-ha", "test");
        expect(s.warnings.map((w) => w.key)).toEqual(["sentinel.count", "sentinel.quorum"]);
    });

    it("ignores sentinel cross-checks for other topologies", () => {
        expect(parseSettings({ topology: "replication", replicas: 0, sentinel: { quorum: 5 } }, "redis-ha", "test").warnings).toEqual([]);
    });

    it("keeps DEFAULTS free of accidental mutation", () => {
        parseSettings({ persistence: { appendonly: "false" } }, "p", "s");
        expect(DEFAULTS.persistence.appendonly).toBe(true);
    });
});
