/**
 * The redis.conf directives a cluster node needs, on top of the common ones (port, password and masterauth,
 * persistence, `repl-diskless-sync-delay 0`). Pure lines, so the Docker wiring can render them into its
 * template and the integration tests start real nodes from exactly the same text.
 */

export interface ClusterConfInput {
    /** nodes.conf file name, relative to `dir`: inside the data volume so a recreated container keeps its node id. */
    configFile: string;
    /** `cluster-node-timeout`: how long a node may be unreachable before it counts as failed. */
    nodeTimeoutMs: number;
    /**
     * Name clients should use for this node (`cluster-announce-hostname`). In bridge mode: the container name,
     * so in-network clients resolve it by Docker DNS and outside clients map it with ioredis `natMap`.
     */
    announceHostname?: string;
    /** `hostname` makes MOVED/ASK and CLUSTER SLOTS hand out `announceHostname` instead of the IP. */
    preferredEndpointType?: "ip" | "hostname";
    /**
     * Only when peers reach this node through address translation (not the case on one bridge network nor in
     * host mode): what the node tells its peers on the cluster bus.
     */
    announce?: { ip?: string; port?: number; busPort?: number };
}

const HOSTNAME = /^[A-Za-z0-9.-]+$/;

export function clusterConfLines(input: ClusterConfInput): string[] {
    if (!/^[A-Za-z0-9._-]+$/.test(input.configFile)) throw new Error(`cluster config file name ${JSON.stringify(input.configFile)} must be a plain file name`);
    if (!Number.isInteger(input.nodeTimeoutMs) || input.nodeTimeoutMs < 1) throw new Error(`cluster node timeout must be a positive integer, got ${input.nodeTimeoutMs}`);
    const lines = ["cluster-enabled yes", `cluster-config-file ${input.configFile}`, `cluster-node-timeout ${input.nodeTimeoutMs}`];
    if (input.announceHostname !== undefined) {
        // Redis rejects other characters itself; failing here names the value before any container starts.
        if (!HOSTNAME.test(input.announceHostname)) throw new Error(`cluster announce hostname ${JSON.stringify(input.announceHostname)} may only hold letters, digits, '.' and '-'`);
        lines.push(`cluster-announce-hostname ${input.announceHostname}`);
    }
    if (input.preferredEndpointType) lines.push(`cluster-preferred-endpoint-type ${input.preferredEndpointType}`);
    if (input.announce?.ip) lines.push(`cluster-announce-ip ${input.announce.ip}`);
    if (input.announce?.port) lines.push(`cluster-announce-port ${input.announce.port}`);
    if (input.announce?.busPort) lines.push(`cluster-announce-bus-port ${input.announce.busPort}`);
    return lines;
}
