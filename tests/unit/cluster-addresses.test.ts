import { nodeIp, parseSubnet, stackSubnet, subnetCapacity } from "../../components/docker/subnet";

describe("fixed cluster addresses (bridge mode)", () => {
    it("picks a stable /22 in 10.200-10.255 from the name prefix, outside Docker's default pools", () => {
        expect(stackSubnet("redis-ha-dev")).toEqual(stackSubnet("redis-ha-dev"));
        for (const prefix of ["redis-ha-dev", "redis-ha-test", "redis-ha-e2e-cluster-bridge", "x", ""]) {
            const { subnet, gateway } = stackSubnet(prefix);
            const m = /^10\.(\d+)\.(\d+)\.0\/22$/.exec(subnet)!;
            expect(m).not.toBeNull();
            expect(Number(m[1])).toBeGreaterThanOrEqual(200);
            expect(Number(m[1])).toBeLessThanOrEqual(255);
            expect(Number(m[2]) % 4).toBe(0);
            expect(gateway).toBe(subnet.replace(/0\/22$/, "1"));
        }
        const prefixes = ["redis-ha-dev", "redis-ha-test", "redis-ha-e2e-cluster-bridge", "redis-ha-prod", "redis-ha-staging"];
        expect(new Set(prefixes.map((p) => stackSubnet(p).subnet)).size).toBe(prefixes.length);
    });

    it("numbers nodes from .10 and spans the block for the largest cluster (100 shards x 6 members)", () => {
        const s = stackSubnet("redis-ha-dev"); // 10.246.24.0/22
        expect(nodeIp(s, 0)).toBe("10.246.24.10");
        expect(nodeIp(s, 245)).toBe("10.246.24.255");
        expect(nodeIp(s, 246)).toBe("10.246.25.0");
        expect(nodeIp(s, 599)).toBe("10.246.26.97");
        expect(() => nodeIp(s, 1013)).toThrow(/does not fit/);
        expect(() => nodeIp(s, -1)).toThrow(/does not fit/);
    });

    it("takes a user-chosen subnet (network.subnet) and says what is wrong with a bad one", () => {
        const s = parseSubnet("10.99.0.0/24");
        expect(s).toEqual({ subnet: "10.99.0.0/24", gateway: "10.99.0.1", base: expect.any(Number), size: 256 });
        if (typeof s === "string") throw new Error(s);
        expect(nodeIp(s, 0)).toBe("10.99.0.10");
        expect(subnetCapacity(s)).toBe(245);
        expect(nodeIp(s, 244)).toBe("10.99.0.254");
        expect(() => nodeIp(s, 245)).toThrow(/does not fit/);
        expect(parseSubnet("10.99.0.5/24")).toMatch(/not the first address.*10\.99\.0\.0\/24/);
        expect(parseSubnet("10.99.0.0/30")).toMatch(/between 8 and 28/);
        expect(parseSubnet("10.300.0.0/16")).toMatch(/IPv4 CIDR/);
        expect(parseSubnet("fd00::/64")).toMatch(/IPv4 CIDR/);
    });
});
