/**
 * Talks to a Redis Cluster bus port directly, as a peer would, to tell what the bus speaks. A plain-text bus
 * answers a well-formed cluster PING with a PONG (a message starting with the `RCmb` signature) even from an
 * unknown sender; a bus with `tls-cluster yes` closes a plain connection without a word, and answers the same
 * PING only inside a TLS session whose client presents a certificate signed by the cluster's CA (Redis
 * requires one on the bus whatever `tls-auth-clients` says).
 */
import * as net from "net";
import * as tls from "tls";

/** Redis 7.0's cluster message header (`clusterMsg` without its data union): every field, in order. */
const HEADER_BYTES = 4 + 4 + 2 + 2 + 2 + 2 + 8 + 8 + 8 + 40 + 2048 + 40 + 46 + 2 + 30 + 2 + 2 + 2 + 1 + 3;
const PROTOCOL_VERSION = 1;
const TYPE_PING = 0;

/** A PING with no gossip, from a sender no node knows (all-zero id): Redis still answers it with a PONG. */
export function clusterPingPacket(): Buffer {
    const msg = Buffer.alloc(HEADER_BYTES);
    msg.write("RCmb", 0, "latin1");
    msg.writeUInt32BE(HEADER_BYTES, 4); // totlen: a PING's header plus `count` (0) gossip sections
    msg.writeUInt16BE(PROTOCOL_VERSION, 8);
    msg.writeUInt16BE(TYPE_PING, 12);
    return msg;
}

export interface BusAnswer {
    /** Whether the answer starts with the cluster message signature (a PONG). */
    pong: boolean;
    /** Bytes received before the connection closed or the wait ended. */
    bytes: number;
    /** The peer closed the connection (or the TLS handshake failed). */
    closed: boolean;
    /** TLS: the handshake completed (undefined for plain text). */
    handshake?: boolean;
    error?: string;
}

export interface BusTls {
    ca: string;
    /** A client certificate and key signed by `ca`; without them a TLS bus ends the handshake. */
    cert?: string;
    key?: string;
}

/** Sends a cluster PING to host:port in plain text, or over TLS with `tlsOptions`, and reports what came back. */
export function pingClusterBus(host: string, port: number, tlsOptions?: BusTls, timeoutMs = 3000): Promise<BusAnswer> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let handshake: boolean | undefined = tlsOptions ? false : undefined;
        let error: string | undefined;
        let settled = false;
        const finish = (closed: boolean) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            const data = Buffer.concat(chunks);
            resolve({ pong: data.subarray(0, 4).toString("latin1") === "RCmb", bytes: data.length, closed, handshake, error });
        };
        const send = () => socket.write(clusterPingPacket());
        const socket: net.Socket = tlsOptions
            ? tls.connect({ host, port, ca: tlsOptions.ca, cert: tlsOptions.cert, key: tlsOptions.key }, () => {
                  handshake = true;
                  send();
              })
            : net.connect({ host, port }, send);
        const timer = setTimeout(() => finish(false), timeoutMs);
        socket.on("data", (d: Buffer) => {
            chunks.push(d);
            // A PONG's header is all that is needed to recognise it.
            if (Buffer.concat(chunks).length >= HEADER_BYTES) finish(false);
        });
        socket.on("error", (err: Error) => (error ??= err.message));
        socket.on("close", () => finish(true));
    });
}
