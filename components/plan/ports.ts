/** Every host port a stack would take, with the config key that decides it, for collision checks. */
import type { Settings } from "../settings";
import { replicationLayout, standaloneLayout } from "./layout";

export interface PlannedPort {
    port: number;
    /** Config key a user changes to move this port. */
    key: string;
    /** Human description used in validation messages. */
    purpose: string;
}

export function planPorts(settings: Settings): PlannedPort[] {
    switch (settings.topology) {
        case "standalone":
            return standaloneLayout(settings).map((n) => ({ port: n.hostPort, key: "basePort", purpose: `${n.logicalName} (${n.role})` }));
        case "replication":
        case "sentinel":
        case "cluster":
            return replicationLayout(settings).map((n) => ({
                port: n.hostPort,
                key: n.index === 0 ? "basePort" : "replicas",
                purpose: `${n.logicalName} (${n.role})`,
            }));
    }
}
