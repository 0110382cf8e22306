/** Certificates: the names on each per topology and network mode, what is issued, and when it is renewed. */
import * as crypto from "crypto";
import { parseSettings } from "../../components/config";
import { CLIENT_SUBJECT, certificateSubjects, renewalDue } from "../../components/security/certificates";
import { issueCertificates, type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { TLS_RENEW_WITHIN_DAYS } from "../../components/settings";

const settings = (raw: Record<string, unknown>) => parseSettings(raw, "redis-ha", "t");
const DAY = 86400000;

describe("certificate subjects", () => {
    it("standalone, bridge: the container name (also its announced host), bindAddress and 127.0.0.1", () => {
        expect(certificateSubjects(settings({ bindAddress: "10.1.2.3" }))).toEqual([
            { name: "node-0", dnsNames: ["redis-ha-t-node-0"], ipAddresses: ["10.1.2.3", "127.0.0.1"] },
        ]);
    });

    it("replication, host mode: announced host is bindAddress, listed once", () => {
        expect(certificateSubjects(settings({ topology: "replication", replicas: 2, network: { mode: "host" } }))).toEqual(
            [0, 1, 2].map((i) => ({ name: `node-${i}`, dnsNames: [`redis-ha-t-node-${i}`], ipAddresses: ["127.0.0.1"] })),
        );
    });

    it("sentinel: every data node and every sentinel", () => {
        const subjects = certificateSubjects(settings({ topology: "sentinel", replicas: 2, sentinel: { count: 3 } }));
        expect(subjects.map((s) => s.name)).toEqual(["node-0", "node-1", "node-2", "sentinel-0", "sentinel-1", "sentinel-2"]);
        expect(subjects[4]).toEqual({ name: "sentinel-1", dnsNames: ["redis-ha-t-sentinel-1"], ipAddresses: ["127.0.0.1"] });
    });

    it("cluster, bridge: each node's fixed IP on the stack network too", () => {
        const subjects = certificateSubjects(settings({ topology: "cluster", network: { subnet: "10.99.0.0/24" } }));
        expect(subjects).toHaveLength(6);
        expect(subjects[0].dnsNames).toEqual(["redis-ha-t-shard-0-0"]);
        expect(subjects[0].ipAddresses[0]).toBe("127.0.0.1");
        expect(subjects.map((s) => s.ipAddresses[1])).toEqual(expect.arrayContaining([expect.stringMatching(/^10\.99\.0\.\d+$/)]));
        expect(new Set(subjects.map((s) => s.ipAddresses[1])).size).toBe(6);
    });

    it("cluster, host mode: no container IP", () => {
        const subjects = certificateSubjects(settings({ topology: "cluster", network: { mode: "host" }, bindAddress: "192.168.5.5" }));
        expect(subjects.every((s) => JSON.stringify(s.ipAddresses) === JSON.stringify(["192.168.5.5", "127.0.0.1"]))).toBe(true);
    });
});

describe("issuing", () => {
    const subjects = certificateSubjects(settings({ topology: "replication", replicas: 1 }));
    const inputs = { commonName: "redis-ha-t", subjects, validityDays: 365, renewWithinDays: TLS_RENEW_WITHIN_DAYS };
    const now = new Date("2026-01-01T00:00:00Z");
    let first: TlsCertificatesOutputs;
    beforeAll(async () => {
        first = await issueCertificates(inputs, undefined, now);
    });

    it("signs one ECDSA P-256 certificate per subject with its SANs, chained to the CA", () => {
        const ca = new crypto.X509Certificate(first.caCert);
        expect(ca.ca).toBe(true);
        for (const s of subjects) {
            const cert = new crypto.X509Certificate(first.certs[s.name].cert);
            expect(cert.verify(ca.publicKey)).toBe(true);
            expect(cert.checkIssued(ca)).toBe(true);
            expect(cert.subjectAltName).toBe([...s.dnsNames.map((d) => `DNS:${d}`), ...s.ipAddresses.map((i) => `IP Address:${i}`)].join(", "));
            expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
            const key = crypto.createPrivateKey(first.keys[s.name]);
            expect(crypto.createPublicKey(key).export({ format: "pem", type: "spki" })).toBe(cert.publicKey.export({ format: "pem", type: "spki" }));
            expect(Date.parse(first.certs[s.name].notAfter)).toBe(now.getTime() + 365 * DAY);
        }
    });

    it("a node's certificate serves and authenticates as a client (it presents it on its own links with tls.authClients yes)", () => {
        for (const s of subjects)
            expect(new crypto.X509Certificate(first.certs[s.name].cert).keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    });

    it("with tls.authClients yes or optional, a client certificate too: clientAuth only, no subjectAltName, chained to the CA", async () => {
        for (const authClients of ["yes", "optional"]) {
            const withClient = certificateSubjects(settings({ topology: "replication", replicas: 1, tls: { enabled: true, authClients } }));
            expect(withClient.map((s) => s.name)).toEqual(["node-0", "node-1", "client"]);
        }
        const issued = await issueCertificates({ ...inputs, subjects: [...subjects, CLIENT_SUBJECT] }, first, now);
        const client = new crypto.X509Certificate(issued.certs.client.cert);
        expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
        expect(client.subjectAltName).toBeUndefined();
        expect(client.subject).toBe("CN=redis-ha-t client");
        expect(client.verify(new crypto.X509Certificate(first.caCert).publicKey)).toBe(true);
        // Adding it reissues nothing else.
        expect(issued.certs["node-0"]).toEqual(first.certs["node-0"]);
    });

    it("keeps everything that is not due", async () => {
        const again = await issueCertificates(inputs, first, new Date(now.getTime() + 300 * DAY));
        expect(again).toEqual(first);
    });

    it("renews the certificates that expire within 30 days, under the same CA", async () => {
        const later = new Date(now.getTime() + 340 * DAY);
        expect(renewalDue(first.certs["node-0"].notAfter, later, TLS_RENEW_WITHIN_DAYS)).toBe(true);
        // The CA is due as well at the same age: a CA living longer than its leaves is kept.
        const longCa = { ...first, caNotAfter: new Date(now.getTime() + 3650 * DAY).toISOString() };
        const renewed = await issueCertificates(inputs, longCa, later);
        expect(renewed.caCert).toBe(first.caCert);
        expect(renewed.certs["node-0"].serialNumber).not.toBe(first.certs["node-0"].serialNumber);
        expect(renewed.keys["node-0"]).not.toBe(first.keys["node-0"]);
        expect(Date.parse(renewed.certs["node-0"].notAfter)).toBe(later.getTime() + 365 * DAY);
    });

    it("renews the CA and every certificate when the CA is due", async () => {
        const renewed = await issueCertificates(inputs, first, new Date(now.getTime() + 340 * DAY));
        expect(renewed.caCert).not.toBe(first.caCert);
        const ca = new crypto.X509Certificate(renewed.caCert);
        for (const s of subjects) expect(new crypto.X509Certificate(renewed.certs[s.name].cert).verify(ca.publicKey)).toBe(true);
    });

    it("reissues only the certificate whose names changed", async () => {
        const moved = subjects.map((s) => (s.name === "node-1" ? { ...s, ipAddresses: [...s.ipAddresses, "10.0.0.9"] } : s));
        const renewed = await issueCertificates({ ...inputs, subjects: moved }, first, now);
        expect(renewed.certs["node-0"]).toEqual(first.certs["node-0"]);
        expect(new crypto.X509Certificate(renewed.certs["node-1"].cert).subjectAltName).toContain("IP Address:10.0.0.9");
    });
});
