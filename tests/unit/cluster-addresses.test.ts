import { clusterNodeIp, clusterSubnet } from "../../components/plan/cluster-addresses";

describe("fixed cluster addresses (bridge mode)", () => {
    it("picks a stable /22 in 10.200-10.255 from the name prefix, outside Docker's default pools", () => {
        expect(clusterSubnet("redis-ha-dev")).toEqual(clusterSubnet("redis-ha-dev"));
        for (const prefix of ["redis-ha-dev", "redis-ha-test", "redis-ha-e2e-cluster-bridge", "x", ""]) {
            const { subnet, gateway } = clusterSubnet(prefix);
            const m = /^10\.(\d+)\.(\d+)\.0\/22$/.exec(subnet)!;
            expect(m).not.toBeNull();
            expect(Number(m[1])).toBeGreaterThanOrEqual(200);
            expect(Number(m[1])).toBeLessThanOrEqual(255);
            expect(Number(m[2]) % 4).toBe(0);
            expect(gateway).toBe(subnet.replace(/0\/22$/, "1"));
        }
        const prefixes = ["redis-ha-dev", "redis-ha-test", "redis-ha-e2e-cluster-bridge", "redis-ha-prod", "redis-ha-staging"];
        expect(new Set(prefixes.map((p) => clusterSubnet(p).subnet)).size).toBe(prefixes.length);
    });

    it("numbers nodes from .10 and spans the block for the largest cluster (100 shards x 6 members)", () => {
        const s = clusterSubnet("redis-ha-dev"); // 10.246.24.0/22
        expect(clusterNodeIp(s, 0)).toBe("10.246.24.10");
        expect(clusterNodeIp(s, 245)).toBe("10.246.24.255");
        expect(clusterNodeIp(s, 246)).toBe("10.246.25.0");
        expect(clusterNodeIp(s, 599)).toBe("10.246.26.97");
        expect(() => clusterNodeIp(s, 1013)).toThrow(/does not fit/);
        expect(() => clusterNodeIp(s, -1)).toThrow(/does not fit/);
    });
});
