/** Fixed port arithmetic shared by layouts and validation (no imports, so no cycles). */

/** Host port of the first sentinel relative to basePort: 6379 -> 26379, Redis's sentinel port. */
export const SENTINEL_PORT_OFFSET = 20000;
/** Host-port step between replica rounds of a cluster: 6379-6381 masters, 6479-6481 replicas (walkthrough 4.1). */
export const CLUSTER_ROUND_PORT_STEP = 100;
/** The cluster bus listens on the client port + 10000 (Redis's fixed offset). */
export const CLUSTER_BUS_PORT_OFFSET = 10000;
