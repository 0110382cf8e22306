/**
 * Builds observed snapshots for the pure cluster planner from a compact description of a live cluster.
 * Every node's view is rendered as real `CLUSTER NODES` text and parsed back, so the planner is tested
 * against the format Redis prints, not against hand-made objects.
 */
import { ClusterSnapshot, NodeObservation, parseClusterNodes } from "../../components/cluster/observe";
import { ClusterSpec } from "../../components/cluster/spec";
import { layoutNodes } from "../support/cluster-test-nodes";

export const BASE_PORT = 7000;

/** A spec like the stack's (its layout, host mode): node-i (layout index i) on 127.0.0.1:7000+i, bus +10000, access == meet (host mode). */
export function testSpec(shards = 3, replicasPerShard = 1, nodeTimeoutMs?: number): ClusterSpec {
    return {
        nodeTimeoutMs,
        nodes: layoutNodes(shards, replicasPerShard).map((r) => ({
            name: r.name,
            shard: r.shard,
            role: r.role,
            access: { host: "127.0.0.1", port: BASE_PORT + r.index },
            meet: { host: "127.0.0.1", port: BASE_PORT + r.index, busPort: BASE_PORT + r.index + 10000 },
        })),
    };
}

export const idOf = (name: string) => `${name.replace("node-", "")}`.padStart(40, "a");

/** How one node really is. */
export interface LiveNode {
    role: "master" | "replica";
    /** For a replica: the name of its master. */
    masterOf?: string;
    /** Slot ranges in CLUSTER NODES notation, e.g. ["0-5461"]. */
    slots?: string[];
    epoch?: number;
    keys?: number;
    /** Names this node knows (besides itself); default: every other live node. */
    knows?: string[];
    /** Names this node is shaking hands with (placeholder id, address only). */
    handshakes?: string[];
    /** How this node sees others, where it lags behind the truth. */
    sees?: Record<string, Partial<Omit<LiveNode, "knows" | "handshakes" | "sees">>>;
    clusterState?: "ok" | "fail";
    linkStatus?: string;
    nodeTimeoutMs?: number;
}

export type World = Record<string, LiveNode | "down">;

function line(
    spec: ClusterSpec,
    name: string,
    n: Omit<LiveNode, "knows" | "handshakes" | "sees">,
    myself: boolean,
    met: boolean,
    failed = false,
): string {
    const s = spec.nodes.find((x) => x.name === name)!;
    const flags = [myself ? "myself" : "", n.role === "replica" ? "slave" : "master", failed ? "fail" : ""].filter(Boolean).join(",");
    const address = met ? `${s.meet.host}:${s.meet.port}@${s.meet.busPort}` : `:${s.meet.port}@${s.meet.busPort}`;
    const master = n.role === "replica" && n.masterOf ? idOf(n.masterOf) : "-";
    return [idOf(name), address, flags, master, 0, 0, n.epoch ?? 0, failed ? "disconnected" : "connected", ...(n.slots ?? [])].join(" ");
}

export function snapshot(spec: ClusterSpec, world: World): ClusterSnapshot {
    const nodes = spec.nodes.map((s): NodeObservation => {
        const me = world[s.name];
        if (!me || me === "down") return { name: s.name, reachable: false, error: "connect ECONNREFUSED" };
        // Peers keep listing a node that went down (flagged fail), as Redis does.
        const known = me.knows ?? Object.keys(world).filter((n) => n !== s.name);
        const lines = [line(spec, s.name, me, true, known.length > 0)];
        for (const [name, truth] of Object.entries(world)) {
            if (name === s.name || !known.includes(name)) continue;
            const seen = truth === "down" ? { role: "master" as const } : truth;
            lines.push(line(spec, name, { ...seen, ...(me.sees?.[name] ?? {}) }, false, true, truth === "down"));
        }
        for (const h of me.handshakes ?? []) {
            const t = spec.nodes.find((x) => x.name === h)!;
            lines.push(`${"f".repeat(40)} ${t.meet.host}:${t.meet.port}@${t.meet.busPort} handshake - 0 0 0 disconnected`);
        }
        return {
            name: s.name,
            reachable: true,
            myId: idOf(s.name),
            view: parseClusterNodes(lines.join("\n")),
            clusterInfo: { cluster_state: me.clusterState ?? "ok", cluster_slots_assigned: "16384", cluster_known_nodes: String(known.length + 1) },
            replication:
                me.role === "replica"
                    ? { role: "slave", master_link_status: me.linkStatus ?? "up", master_sync_in_progress: "0" }
                    : { role: "master", connected_slaves: "1" },
            keys: me.keys ?? 0,
            nodeTimeoutMs: me.nodeTimeoutMs,
        };
    });
    return { nodes };
}

/** A fully formed 3×1 cluster: node-0..2 masters of 0-5461/5462-10922/10923-16383, node-3..5 their replicas. */
export function formedWorld(): World {
    return {
        "node-0": { role: "master", slots: ["0-5461"], epoch: 1 },
        "node-1": { role: "master", slots: ["5462-10922"], epoch: 2 },
        "node-2": { role: "master", slots: ["10923-16383"], epoch: 3 },
        "node-3": { role: "replica", masterOf: "node-0", epoch: 1 },
        "node-4": { role: "replica", masterOf: "node-1", epoch: 2 },
        "node-5": { role: "replica", masterOf: "node-2", epoch: 3 },
    };
}

/** Six nodes just started: each a slotless master that knows only itself. */
export function freshWorld(names = ["node-0", "node-1", "node-2", "node-3", "node-4", "node-5"]): World {
    return Object.fromEntries(names.map((n) => [n, { role: "master", knows: [], clusterState: "fail" } as LiveNode]));
}
