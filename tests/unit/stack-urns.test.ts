/**
 * The URN (type chain and name) of every resource each topology's default stack declares. Pulumi matches state
 * by URN, so a stack deployed by an earlier version gets no changes from `up` only while this list holds.
 */
import { runStack } from "./support/mock-stack";

const PREFIX = "urn:pulumi:test::redis-ha::";

/** URNs of the stack `test` with the given config, sorted, without the common `urn:pulumi:test::redis-ha::`. */
async function urnsOf(config: Record<string, unknown>): Promise<string[]> {
    const urns = (await runStack(config)).urns;
    expect(urns.every((u) => u.startsWith(PREFIX))).toBe(true);
    return urns.map((u) => u.slice(PREFIX.length)).sort();
}

describe("URNs of each topology's default stack (bridge mode)", () => {
    it("standalone", async () => {
        expect(await urnsOf({ topology: "standalone" })).toEqual([
            "pulumi-nodejs:dynamic/redis-ha:GeneratedPassword::redis-ha-test-password",
            "redis-ha:index:Standalone$docker:index/network:Network::redis-ha-test-network",
            "redis-ha:index:Standalone$docker:index/remoteImage:RemoteImage::redis-ha-test-image",
            "redis-ha:index:Standalone$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-node-0-container",
            "redis-ha:index:Standalone$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-node-0-data",
            "redis-ha:index:Standalone$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-node-0-live",
            "redis-ha:index:Standalone$redis-ha:index:RedisNode::redis-ha-test-node-0",
            "redis-ha:index:Standalone::redis-ha-test",
        ]);
    });
    it("replication", async () => {
        expect(await urnsOf({ topology: "replication" })).toEqual([
            "pulumi-nodejs:dynamic/redis-ha:GeneratedPassword::redis-ha-test-password",
            "redis-ha:index:Replication$docker:index/network:Network::redis-ha-test-network",
            "redis-ha:index:Replication$docker:index/remoteImage:RemoteImage::redis-ha-test-image",
            "redis-ha:index:Replication$pulumi-nodejs:dynamic/redis-ha:ReplicationReadiness::redis-ha-test-readiness",
            "redis-ha:index:Replication$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-node-0-roll",
            "redis-ha:index:Replication$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-node-1-roll",
            "redis-ha:index:Replication$pulumi-nodejs:dynamic/redis-ha:RollPlan::redis-ha-test-roll-plan",
            "redis-ha:index:Replication$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-node-0-container",
            "redis-ha:index:Replication$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-node-1-container",
            "redis-ha:index:Replication$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-node-0-data",
            "redis-ha:index:Replication$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-node-1-data",
            "redis-ha:index:Replication$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-node-0-live",
            "redis-ha:index:Replication$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-node-1-live",
            "redis-ha:index:Replication$redis-ha:index:RedisNode::redis-ha-test-node-0",
            "redis-ha:index:Replication$redis-ha:index:RedisNode::redis-ha-test-node-1",
            "redis-ha:index:Replication::redis-ha-test",
        ]);
    });
    it("sentinel", async () => {
        expect(await urnsOf({ topology: "sentinel" })).toEqual([
            "pulumi-nodejs:dynamic/redis-ha:GeneratedPassword::redis-ha-test-password",
            "redis-ha:index:Sentinel$docker:index/network:Network::redis-ha-test-network",
            "redis-ha:index:Sentinel$docker:index/remoteImage:RemoteImage::redis-ha-test-image",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-node-0-roll",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-node-1-roll",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-sentinel-0-roll",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-sentinel-1-roll",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-sentinel-2-roll",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:RollPlan::redis-ha-test-roll-plan",
            "redis-ha:index:Sentinel$pulumi-nodejs:dynamic/redis-ha:SentinelReadiness::redis-ha-test-readiness",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-node-0-container",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-node-1-container",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-sentinel-0-container",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-sentinel-1-container",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-sentinel-2-container",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-node-0-data",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-node-1-data",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-sentinel-0-data",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-sentinel-1-data",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-sentinel-2-data",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-node-0-live",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-node-1-live",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode::redis-ha-test-node-0",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode::redis-ha-test-node-1",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode::redis-ha-test-sentinel-0",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode::redis-ha-test-sentinel-1",
            "redis-ha:index:Sentinel$redis-ha:index:RedisNode::redis-ha-test-sentinel-2",
            "redis-ha:index:Sentinel::redis-ha-test",
        ]);
    });
    it("cluster", async () => {
        expect(await urnsOf({ topology: "cluster" })).toEqual([
            "pulumi-nodejs:dynamic/redis-ha:GeneratedPassword::redis-ha-test-password",
            "redis-ha:index:Cluster$docker:index/network:Network::redis-ha-test-network",
            "redis-ha:index:Cluster$docker:index/remoteImage:RemoteImage::redis-ha-test-image",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:ClusterFormation::redis-ha-test-formation",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-shard-0-0-roll",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-shard-0-1-roll",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-shard-1-0-roll",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-shard-1-1-roll",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-shard-2-0-roll",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollGate::redis-ha-test-shard-2-1-roll",
            "redis-ha:index:Cluster$pulumi-nodejs:dynamic/redis-ha:RollPlan::redis-ha-test-roll-plan",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-shard-0-0-container",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-shard-0-1-container",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-shard-1-0-container",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-shard-1-1-container",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-shard-2-0-container",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/container:Container::redis-ha-test-shard-2-1-container",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-shard-0-0-data",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-shard-0-1-data",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-shard-1-0-data",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-shard-1-1-data",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-shard-2-0-data",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$docker:index/volume:Volume::redis-ha-test-shard-2-1-data",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-shard-0-0-live",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-shard-0-1-live",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-shard-1-0-live",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-shard-1-1-live",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-shard-2-0-live",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode$pulumi-nodejs:dynamic/redis-ha:LiveConfig::redis-ha-test-shard-2-1-live",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode::redis-ha-test-shard-0-0",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode::redis-ha-test-shard-0-1",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode::redis-ha-test-shard-1-0",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode::redis-ha-test-shard-1-1",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode::redis-ha-test-shard-2-0",
            "redis-ha:index:Cluster$redis-ha:index:RedisNode::redis-ha-test-shard-2-1",
            "redis-ha:index:Cluster::redis-ha-test",
        ]);
    });
});
