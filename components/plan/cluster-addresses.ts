/**
 * Fixed addresses for a bridge-mode cluster. Redis 7.0 nodes meet by IP and remember their peers by IP in
 * nodes.conf, so the IPs must survive restarts in any order: Docker re-assigns addresses on start, and after a
 * daemon restart two nodes can swap IPs, each then pinging itself where it expects the other (measured: the two
 * stay `noaddr` to each other for good). So the stack network gets its own subnet and every node a fixed IP.
 *
 * The subnet is a /22 inside 10.200.0.0-10.255.255.255, picked from a hash of the stack's name prefix: stable
 * per stack, different for most stacks, and outside Docker's default pools (172.17-31.x, 192.168.x). If it
 * overlaps another network on the machine, creating the network fails with Docker's "Pool overlaps" error.
 */

export interface ClusterSubnet {
    /** CIDR, e.g. `10.213.36.0/22`. */
    subnet: string;
    gateway: string;
    /** First address of the block as a 32-bit number. */
    base: number;
}

/** Addresses before the first node: network, gateway and a few spare. */
const FIRST_NODE_OFFSET = 10;
/** A /22 holds 1024 addresses: room for the largest cluster settings allow (100 shards × 6 members). */
const BLOCK_BITS = 10;

function fnv1a(text: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
}

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export function clusterSubnet(namePrefix: string): ClusterSubnet {
    const h = fnv1a(namePrefix);
    const secondOctet = 200 + (h % 56);
    const block = (h >>> 8) % 64; // 64 blocks of /22 per /16
    const base = ((10 << 24) >>> 0) + secondOctet * 65536 + block * (1 << BLOCK_BITS);
    return { subnet: `${dotted(base)}/${32 - BLOCK_BITS}`, gateway: dotted(base + 1), base };
}

/** The fixed IP of the node with layout index `index`. */
export function clusterNodeIp(subnet: ClusterSubnet, index: number): string {
    const offset = FIRST_NODE_OFFSET + index;
    if (!Number.isInteger(index) || index < 0 || offset >= (1 << BLOCK_BITS) - 1) throw new Error(`node index ${index} does not fit in ${subnet.subnet}`);
    return dotted(subnet.base + offset);
}
