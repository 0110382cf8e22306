/** The sentinel readiness gate's diff: only real topology changes re-run it. */
import { SentinelReadinessInputs, sentinelReadinessProvider } from "../../components/sentinel/readiness";

const inputs = (): SentinelReadinessInputs => ({
    masterName: "mymaster",
    sentinels: [0, 1, 2].map((i) => ({ name: `sentinel-${i}`, access: { host: "127.0.0.1", port: 26379 + i }, containerId: `s${i}` })),
    master: { name: "node-0", access: { host: "127.0.0.1", port: 6379 }, containerId: "n0" },
    replicas: [{ name: "node-1", access: { host: "127.0.0.1", port: 6380 }, containerId: "n1" }],
    password: "pw",
    tunables: { quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 },
    timeoutMs: 60000,
});
const olds = { ...inputs(), status: { masterNode: "node-0", masterAddress: { host: "redis-ha-dev-node-0", port: 6379 }, configEpoch: 0 } };
const changed = async (edit: (i: SentinelReadinessInputs) => void) => {
    const news = inputs();
    edit(news);
    return (await sentinelReadinessProvider.diff!("id", olds, news)).changes;
};

describe("sentinel readiness diff", () => {
    it("ignores the timeout and the previous status", async () => {
        expect(await changed((i) => (i.timeoutMs = 5))).toBe(false);
        expect(await changed(() => undefined)).toBe(false);
    });

    it("re-runs for a replaced container, another sentinel or replica, a new master name, password or tunables", async () => {
        expect(await changed((i) => (i.sentinels[1].containerId = "new"))).toBe(true);
        expect(await changed((i) => i.sentinels.push({ name: "sentinel-3", access: { host: "127.0.0.1", port: 26382 } }))).toBe(true);
        expect(await changed((i) => i.replicas.push({ name: "node-2", access: { host: "127.0.0.1", port: 6381 } }))).toBe(true);
        expect(await changed((i) => (i.masterName = "other"))).toBe(true);
        expect(await changed((i) => (i.password = "rotated"))).toBe(true);
        expect(await changed((i) => (i.tunables = { ...i.tunables!, quorum: 3 }))).toBe(true);
    });

    it("treats an explicit sentinel password equal to the data password as no change", async () => {
        expect(await changed((i) => (i.sentinelPassword = "pw"))).toBe(false);
    });
});
