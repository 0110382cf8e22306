/**
 * Which certificates a TLS stack needs and the names on each: one per data node and per sentinel, with every
 * name and address it is reached by (container name, announced hostname, bindAddress, 127.0.0.1 and, for
 * cluster nodes in bridge mode, their fixed IP); and, when the nodes ask clients for a certificate
 * (`tls.authClients` yes or optional), one client certificate for the deploy-time providers and the stack's
 * client outputs. And when a generated certificate is due for renewal. Pure; security/tls-certificates.ts
 * issues them.
 */
import { clusterLayout } from "../cluster/layout";
import { chosenSubnet, nodeIp, stackSubnet } from "../docker/subnet";
import { replicationLayout, standaloneLayout } from "../docker/layout";
import { firstSentinelPort, sentinelLayout } from "../sentinel/layout";
import type { Settings } from "../settings";

export interface CertificateSubject {
    /** The node's logical name (`node-0`, `sentinel-1`): its certificate's key in the outputs and its CN. */
    name: string;
    dnsNames: string[];
    ipAddresses: string[];
    /** `client`: a client's certificate (clientAuth only, no names). Absent: a node's (serverAuth and clientAuth). */
    use?: "client";
}

/** The subject name of the client certificate (CLIENT_SUBJECT): never a node's logical name. */
export const CLIENT_CERTIFICATE = "client";

/** The client certificate's subject: no subjectAltName, since a server checks only the CA that signed it. */
export const CLIENT_SUBJECT: CertificateSubject = { name: CLIENT_CERTIFICATE, dnsNames: [], ipAddresses: [], use: "client" };

/**
 * Whether the nodes ask clients for a certificate: with `yes` every client must present one (the stack's own
 * links too), with `optional` one presented is verified. Either way the stack has a client certificate.
 */
export function clientCertificatesAsked(settings: Pick<Settings, "tls">): boolean {
    return settings.tls.enabled && settings.tls.authClients !== "no";
}

export type CertificateSettings = Pick<
    Settings,
    "topology" | "namePrefix" | "basePort" | "bindAddress" | "network" | "replicas" | "sentinel" | "cluster" | "tls"
>;

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

function subject(name: string, hosts: Array<string | undefined>): CertificateSubject {
    const all = [...new Set(hosts.filter((h): h is string => h !== undefined))];
    return { name, dnsNames: all.filter((h) => !IPV4.test(h)), ipAddresses: all.filter((h) => IPV4.test(h)) };
}

/** Every certificate the stack needs: the topology's nodes, then the client certificate when one is asked for. */
export function certificateSubjects(s: CertificateSettings): CertificateSubject[] {
    return [...nodeSubjects(s), ...(clientCertificatesAsked(s) ? [CLIENT_SUBJECT] : [])];
}

/** Every node's certificate, in layout order (data nodes, then sentinels). */
function nodeSubjects(s: CertificateSettings): CertificateSubject[] {
    const local = [s.bindAddress, "127.0.0.1"];
    switch (s.topology) {
        case "standalone":
            return standaloneLayout({ ...s, replicas: 0 }).map((n) => subject(n.logicalName, [n.containerName, n.peerHost, ...local]));
        case "replication":
            return replicationLayout(s).map((n) => subject(n.logicalName, [n.containerName, n.peerHost, ...local]));
        case "sentinel":
            return [
                ...replicationLayout(s).map((n) => subject(n.logicalName, [n.containerName, n.peerHost, ...local])),
                ...sentinelLayout({ ...s, count: s.sentinel.count, firstHostPort: firstSentinelPort(s) }).map((n) =>
                    subject(n.logicalName, [n.containerName, n.peerHost, ...local]),
                ),
            ];
        case "cluster": {
            const subnet = s.network.mode !== "bridge" ? undefined : (chosenSubnet(s.network.subnet) ?? stackSubnet(s.namePrefix));
            return clusterLayout(s).map((n) =>
                subject(n.logicalName, [n.containerName, n.peerHost, ...local, subnet && nodeIp(subnet, n.addressIndex)]),
            );
        }
    }
}

const DAY_MS = 86400000;

/**
 * A certificate expiring within `withinDays` (TLS_RENEW_WITHIN_DAYS for the stack) of `now` is renewed by the
 * next `up`. The window is a parameter, not read here, because the issuing provider's code is serialized.
 */
export function renewalDue(notAfter: string, now: Date, withinDays: number): boolean {
    return Date.parse(notAfter) - now.getTime() < withinDays * DAY_MS;
}
