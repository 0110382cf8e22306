/** Every host port a stack would take, with the config key that decides it, for collision checks. */
import type { Settings } from "./settings";
import { SENTINEL_PORT_OFFSET } from "./port-offsets";
import { clusterLayout } from "./cluster/layout";
import { replicationLayout, standaloneLayout } from "./docker/layout";
import { sentinelLayout } from "./sentinel/layout";

export interface PlannedPort {
    port: number;
    /** Config key a user changes to move this port. */
    key: string;
    /** Human description used in validation messages. */
    purpose: string;
}

/** Host port of sentinel-0. */
export function firstSentinelPort(settings: Pick<Settings, "basePort">): number {
    return settings.basePort + SENTINEL_PORT_OFFSET;
}

export function planPorts(settings: Settings): PlannedPort[] {
    switch (settings.topology) {
        case "standalone":
            return standaloneLayout(settings).map((n) => ({ port: n.hostPort, key: "basePort", purpose: `${n.logicalName} (${n.role})` }));
        case "replication":
            return replicationPorts(settings);
        case "sentinel":
            return [
                ...replicationPorts(settings),
                ...sentinelLayout({ ...settings, count: settings.sentinel.count, firstHostPort: firstSentinelPort(settings) }).map((s) => ({
                    port: s.hostPort,
                    key: "sentinel.count",
                    purpose: `${s.logicalName} (basePort + ${SENTINEL_PORT_OFFSET} + ${s.index})`,
                })),
            ];
        case "cluster":
            return clusterLayout(settings).flatMap((n) => {
                const key = n.member === 0 ? "cluster.shards" : "cluster.replicasPerShard";
                const ports = [{ port: n.hostPort, key, purpose: `${n.logicalName} (shard ${n.shard} ${n.role})` }];
                if (n.hostBusPort !== undefined) ports.push({ port: n.hostBusPort, key, purpose: `${n.logicalName} cluster bus` });
                return ports;
            });
    }
}

function replicationPorts(settings: Settings): PlannedPort[] {
    return replicationLayout(settings).map((n) => ({
        port: n.hostPort,
        key: n.index === 0 ? "basePort" : "replicas",
        purpose: `${n.logicalName} (${n.role})`,
    }));
}
