/**
 * Pure sentinel layout: names and ports of the sentinel containers, in the same shape as the data
 * nodes' layout (plan/layout.ts) so natMap and readiness inputs can be built from either.
 */
import type { NetworkMode } from "../settings";
import { CONTAINER_SENTINEL_PORT } from "./sentinel-container";

export interface SentinelLayoutInput {
    namePrefix: string;
    bindAddress: string;
    network: { mode: NetworkMode };
    count: number;
    /** Host port of sentinel-0; the others take the next ports. Port planning decides it. */
    firstHostPort: number;
}

export interface SentinelLayout {
    index: number;
    /** Stable logical name used in resource names and outputs, e.g. `sentinel-0`. */
    logicalName: string;
    /** Docker container name; also the sentinel's hostname on the stack network. */
    containerName: string;
    /** Port clients outside Docker use: published in bridge mode, listened on directly in host mode. */
    hostPort: number;
    /** Port the sentinel listens on inside its container. */
    listenPort: number;
    /** Address peers use to reach this sentinel, and what it announces: container name (bridge) or bindAddress (host). */
    peerHost: string;
}

export function sentinelLayout(input: SentinelLayoutInput): SentinelLayout[] {
    const host = input.network.mode === "host";
    return Array.from({ length: input.count }, (_, index) => {
        const logicalName = `sentinel-${index}`;
        const containerName = `${input.namePrefix}-${logicalName}`;
        const hostPort = input.firstHostPort + index;
        return {
            index,
            logicalName,
            containerName,
            hostPort,
            listenPort: host ? hostPort : CONTAINER_SENTINEL_PORT,
            peerHost: host ? input.bindAddress : containerName,
        };
    });
}
