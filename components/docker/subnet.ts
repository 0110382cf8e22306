/** Fixed subnets and node addresses for bridge networks. Pure. */

/**
 * Fixed addresses on a bridge network, for the topologies whose members remember each other by IP: Redis 7.0
 * cluster nodes meet by IP and keep their peers' IPs in nodes.conf, and Sentinel resolves a node's announced
 * name once and keeps the IP (a replaced container with a new IP stays `disconnected` for it). The IPs must survive
 * restarts and replacements in any order: Docker re-assigns addresses on start, and after a
 * daemon restart two nodes can swap IPs, each then pinging itself where it expects the other (measured: the two
 * stay `noaddr` to each other for good). So the stack network gets its own subnet and every node a fixed IP.
 *
 * The subnet is a /22 inside 10.200.0.0-10.255.255.255, picked from a hash of the stack's name prefix: stable
 * per stack, different for most stacks, and outside Docker's default pools (172.17-31.x, 192.168.x). If it
 * overlaps another network on the machine, creating the network fails with Docker's "Pool overlaps" error;
 * `network.subnet` then names a free one (parseSubnet).
 */

export interface StackSubnet {
    /** CIDR, e.g. `10.213.36.0/22`. */
    subnet: string;
    gateway: string;
    /** First address of the block as a 32-bit number. */
    base: number;
    /** Addresses in the block. */
    size: number;
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

export function stackSubnet(namePrefix: string): StackSubnet {
    const h = fnv1a(namePrefix);
    const secondOctet = 200 + (h % 56);
    const block = (h >>> 8) % 64; // 64 blocks of /22 per /16
    const base = ((10 << 24) >>> 0) + secondOctet * 65536 + block * (1 << BLOCK_BITS);
    return { subnet: `${dotted(base)}/${32 - BLOCK_BITS}`, gateway: dotted(base + 1), base, size: 1 << BLOCK_BITS };
}

/** Node addresses a subnet has room for (network address, gateway and spares come first, broadcast last). */
export function subnetCapacity(subnet: StackSubnet): number {
    return subnet.size - FIRST_NODE_OFFSET - 1;
}

/** A user-chosen `a.b.c.d/n` (n 8-28, a.b.c.d the block's first address), or why it is not one. */
export function parseSubnet(cidr: string): StackSubnet | string {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) return `must be an IPv4 CIDR such as 10.99.0.0/24, got ${JSON.stringify(cidr)}`;
    const bits = Number(m[5]);
    if (bits < 8 || bits > 28) return `prefix length must be between 8 and 28, got /${bits}`;
    const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - bits);
    if (base % size !== 0) return `${cidr} is not the first address of its /${bits} block (did you mean ${dotted(base - (base % size))}/${bits}?)`;
    return { subnet: cidr, gateway: dotted(base + 1), base, size };
}

/** The fixed IP of the node at `addressIndex` (ClusterNodeLayout.addressIndex). */
export function nodeIp(subnet: StackSubnet, index: number): string {
    const offset = FIRST_NODE_OFFSET + index;
    if (!Number.isInteger(index) || index < 0 || offset >= subnet.size - 1) throw new Error(`node index ${index} does not fit in ${subnet.subnet}`);
    return dotted(subnet.base + offset);
}

/** The validated `network.subnet` (parseSettings rejected a malformed one), if any. */
export function chosenSubnet(cidr: string | undefined): StackSubnet | undefined {
    const parsed = cidr === undefined ? undefined : parseSubnet(cidr);
    return typeof parsed === "object" ? parsed : undefined;
}
