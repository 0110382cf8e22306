/**
 * What the formation provider saw on the live nodes, in a form the pure planner can reason about, and the
 * parser for `CLUSTER NODES` that turns each node's view into it. Tests build snapshots from literal
 * CLUSTER NODES text, so the planner is exercised against what Redis really prints.
 */
import { SlotRange, parseSlotRange } from "./cluster-slots";

/** One line of `CLUSTER NODES`: how the viewing node sees one member (itself included). */
export interface ClusterNodeEntry {
    id: string;
    /** Empty until the node has been met (its own line reads `:6379@16379`). */
    ip: string;
    port: number;
    busPort: number;
    /** `cluster-announce-hostname`, when set. */
    hostname: string;
    flags: string[];
    /** Id of the master this entry replicates, or "" for a master. */
    masterId: string;
    configEpoch: number;
    linkState: string;
    slots: SlotRange[];
    /** Slots this node is importing into or migrating out of (`[5798-<-id]`, `[5798->-id]`). */
    openSlots: number[];
}

export type NodeObservation =
    | {
          name: string;
          reachable: true;
          /** `CLUSTER MYID`. */
          myId: string;
          /** Its `CLUSTER NODES`, parsed. */
          view: ClusterNodeEntry[];
          /** Its `CLUSTER INFO` fields (`cluster_state`, `cluster_known_nodes`, ...). */
          clusterInfo: Record<string, string>;
          /** Its `INFO replication` fields (`role`, `master_link_status`, ...). */
          replication: Record<string, string>;
          /** `DBSIZE`: a master holding keys is never turned into a replica (that would discard them). */
          keys: number;
          /** Live `cluster-node-timeout`; undefined where CONFIG is not available (e.g. renamed away). */
          nodeTimeoutMs?: number;
      }
    | { name: string; reachable: false; error: string };

export type ReachableObservation = Extract<NodeObservation, { reachable: true }>;

/** Every node of the spec, in spec order, as seen in one polling round. */
export interface ClusterSnapshot {
    nodes: NodeObservation[];
}

export function parseClusterNodes(text: string): ClusterNodeEntry[] {
    const entries: ClusterNodeEntry[] = [];
    for (const line of text.split(/\r?\n/)) {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 8) continue;
        const [id, address, flags, master, , , epoch, linkState, ...slotTokens] = fields;
        const [endpoint, hostname = ""] = address.split(",");
        const at = endpoint.lastIndexOf("@");
        const hostPort = at >= 0 ? endpoint.slice(0, at) : endpoint;
        const colon = hostPort.lastIndexOf(":");
        const slots: SlotRange[] = [];
        const openSlots: number[] = [];
        for (const token of slotTokens) {
            const range = parseSlotRange(token);
            if (range) slots.push(range);
            else if (token.startsWith("[")) openSlots.push(Number(token.slice(1).split("-")[0]));
        }
        entries.push({
            id,
            ip: hostPort.slice(0, colon),
            port: Number(hostPort.slice(colon + 1)),
            busPort: at >= 0 ? Number(endpoint.slice(at + 1)) : 0,
            hostname,
            flags: flags.split(",").filter((f) => f !== "" && f !== "noflags"),
            masterId: master === "-" ? "" : master,
            configEpoch: Number(epoch),
            linkState,
            slots,
            openSlots,
        });
    }
    return entries;
}

export function isMaster(e: ClusterNodeEntry): boolean {
    return e.flags.includes("master");
}
export function isReplica(e: ClusterNodeEntry): boolean {
    return e.flags.includes("slave");
}
export function isMyself(e: ClusterNodeEntry): boolean {
    return e.flags.includes("myself");
}
/** Still shaking hands: the id is a placeholder, the real one arrives with the first PONG. */
export function inHandshake(e: ClusterNodeEntry): boolean {
    return e.flags.includes("handshake");
}
/** Flags that mean the viewer does not (yet) have a healthy link to this member. */
export const UNHEALTHY_FLAGS = ["fail", "fail?", "handshake", "noaddr"];

export function selfEntry(o: ReachableObservation): ClusterNodeEntry | undefined {
    return o.view.find(isMyself);
}
