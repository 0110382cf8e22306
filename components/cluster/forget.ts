/**
 * Forgetting nodes that have left the cluster (`redis-cli --cluster del-node`'s CLUSTER FORGET on every
 * remaining node), after resharding (reshard.ts) has moved every slot and key off them.
 */
import { pollUntil } from "../shared/poll";
import { type ClusterAccess, Membership, addressOf } from "./membership";
import { isMaster, parseClusterNodes } from "./observe";

/** Redis forgets a CLUSTER FORGET after this long, and would re-learn the node from gossip. */
const FORGET_WINDOW_MS = 60000;

export interface ForgetOptions extends ClusterAccess {
    /** Ids of the nodes that leave; their masters must own no slot and hold no key. */
    leaving: string[];
    /** Bound on waiting for the remaining nodes to stop listing the leaving ones (default 10 s). */
    timeoutMs?: number;
}

/**
 * Every remaining node forgets the leaving ones: replicas first, then masters, all within Redis's 60 s
 * forget window (after it, a node still listed anywhere would be re-learned through gossip). A remaining
 * replica of a leaving master is first re-pointed at the remaining master with the fewest replicas.
 * Refuses, changing nothing, while a leaving master still owns a slot or holds a key. The leaving nodes
 * themselves are left alone (their containers are deleted next); they must stop within the window.
 */
export async function forgetNodes(opts: ForgetOptions): Promise<void> {
    const ms = await Membership.open(opts);
    try {
        const leaving = new Set(opts.leaving);
        const remaining = [...ms.members.values()].filter((m) => !leaving.has(m.address.id));
        const problems: string[] = [];
        for (const u of ms.unreachable.values()) if (!leaving.has(u.address.id)) problems.push(`${u.label} is unreachable: ${u.error}`);
        const entryOf = (id: string) => remaining.map((m) => m.view.find((e) => e.id === id)).find((e) => e !== undefined);
        for (const id of leaving) {
            const own = ms.members.get(id);
            const entry = own?.self ?? entryOf(id);
            if (!entry) continue;
            const slots = entry.slots.reduce((n, r) => n + r.end - r.start + 1, 0);
            const name = own?.label ?? ms.label(addressOf(entry));
            if (slots > 0) problems.push(`${name} still owns ${slots} slots; rebalance them away first`);
            if (own && isMaster(own.self)) {
                const keys = Number(await own.conn.call("DBSIZE"));
                if (keys > 0) problems.push(`${name} still holds ${keys} keys`);
            }
        }
        if (problems.length > 0) throw new Error(`cannot forget ${[...leaving].join(", ")}, nothing was changed: ${problems.join("; ")}`);

        // Remaining replicas of a leaving master follow a remaining one (a replica cannot forget its own master).
        const remainingMasters = remaining.filter((m) => isMaster(m.self));
        const replicasOf = (id: string) => remaining.filter((m) => m.self.masterId === id).length;
        for (const r of remaining.filter((m) => leaving.has(m.self.masterId))) {
            const to = [...remainingMasters].sort((a, b) => replicasOf(a.address.id) - replicasOf(b.address.id))[0];
            if (!to) throw new Error(`${r.label} replicates a leaving master and no master remains to replicate`);
            await r.conn.call("CLUSTER", "REPLICATE", to.address.id);
            r.self.masterId = to.address.id;
        }

        const isReplicaNow = (id: string) => {
            const e = ms.members.get(id)?.self ?? entryOf(id);
            return !!e && !isMaster(e);
        };
        const order = [...leaving].sort((a, b) => Number(isReplicaNow(b)) - Number(isReplicaNow(a)));
        const first = Date.now();
        for (const id of order) {
            await Promise.all(
                remaining.map(async (m) => {
                    try {
                        await m.conn.call("CLUSTER", "FORGET", id);
                    } catch (err) {
                        if (!/Unknown node/i.test((err as Error).message))
                            throw new Error(`${m.label}: CLUSTER FORGET ${id} failed: ${(err as Error).message}`);
                    }
                }),
            );
        }
        if (Date.now() - first > FORGET_WINDOW_MS)
            throw new Error(`forgetting took longer than Redis's ${FORGET_WINDOW_MS / 1000} s forget window; run again`);
        await pollUntil(
            async () => {
                const still = (
                    await Promise.all(
                        remaining.map(async (m) => {
                            const view = parseClusterNodes((await m.conn.call("CLUSTER", "NODES")) as string);
                            return view.filter((e) => leaving.has(e.id)).map((e) => `${m.label} still lists ${e.id}`);
                        }),
                    )
                ).flat();
                return still.length === 0 ? { done: true, value: undefined } : { done: false, observed: still.join("; ") };
            },
            { timeoutMs: opts.timeoutMs ?? 10000, intervalMs: 50, description: "the remaining nodes to stop listing the leaving ones" },
        );
    } finally {
        ms.close();
    }
}
