/**
 * Bring-your-own TLS (tls.caCert, tls.cert, tls.key): real certificates from the stack's own issuer, checked
 * by security/own-certificates.ts through parseSettings, and handed to every node as given (ownStackTls).
 */
import { parseSettings } from "../../components/config";
import { ownStackTls } from "../../components/security/node-tls";
import { issueCertificates, type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { ConfigError } from "../../components/settings";

const DAY = 86400000;
const local = { name: "node", dnsNames: ["redis-ha-dev-node-0"], ipAddresses: ["127.0.0.1"] };
const issue = (subjects: Array<typeof local>, now = new Date(), validityDays = 365) =>
    issueCertificates({ commonName: "byo", subjects, validityDays, renewWithinDays: 30 }, undefined, now);

let good: TlsCertificatesOutputs;
let other: TlsCertificatesOutputs;
let noLocal: TlsCertificatesOutputs;
let expired: TlsCertificatesOutputs;

beforeAll(async () => {
    good = await issue([local, { name: "second", dnsNames: [], ipAddresses: ["127.0.0.1"] }]);
    other = await issue([local]);
    noLocal = await issue([{ name: "node", dnsNames: ["somewhere"], ipAddresses: ["10.1.2.3"] }]);
    expired = await issue([local], new Date(Date.now() - 400 * DAY), 31);
});

const pemBody = (pem: string) => Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");

const own = (o: TlsCertificatesOutputs, patch: Partial<{ caCert: string; cert: string; key: string }> = {}) => ({
    caCert: o.caCert,
    cert: o.certs.node.cert,
    key: o.keys.node,
    ...patch,
});

function problemsOf(tls: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
    try {
        parseSettings({ tls: { enabled: true, ...tls }, ...extra }, "redis-ha", "test");
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error("expected the certificates to be rejected");
}

describe("bring-your-own certificates", () => {
    it("takes a CA, certificate and key that belong together and name 127.0.0.1", () => {
        const s = parseSettings({ tls: { enabled: true, ...own(good) } }, "p", "s");
        expect(s.tls.own).toEqual(own(good));
    });

    it.each([
        ["a certificate from another CA", () => own(good, { caCert: other.caCert }), "redis-ha:tls.cert: is not signed by tls.caCert"],
        ["the key of another certificate", () => own(good, { key: good.keys.second }), "redis-ha:tls.key: is not the private key of tls.cert"],
        ["an expired certificate", () => own(expired), "redis-ha:tls.cert: expired on"],
        ["a certificate without 127.0.0.1", () => own(noLocal), "redis-ha:tls.cert: does not name 127.0.0.1"],
        [
            "a key that is not a key",
            () => own(good, { key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }),
            "redis-ha:tls.key: is not a private key",
        ],
    ])("refuses %s, naming the key", (_what, tls, expected) => {
        expect(problemsOf(tls())).toContain(expected);
    });

    it("asks for bindAddress as well when the nodes listen elsewhere", () => {
        expect(problemsOf(own(good), { bindAddress: "10.0.0.5", network: { mode: "host" } })).toContain("does not name 10.0.0.5");
    });

    it("with tls.authClients yes or optional, the certificate must allow clientAuth: it is every client's certificate too", async () => {
        // A server-only certificate (extended key usage serverAuth alone), as some PKIs issue for servers.
        require("reflect-metadata");
        const x509 = require("@peculiar/x509");
        const webcrypto = require("crypto").webcrypto;
        x509.cryptoProvider.set(webcrypto);
        const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
        const caKey = await webcrypto.subtle.importKey("pkcs8", pemBody(good.caKey), alg, false, ["sign"]);
        const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
        const serverOnly = await x509.X509CertificateGenerator.create({
            serialNumber: "01",
            subject: "CN=server only",
            issuer: new x509.X509Certificate(good.caCert).subject,
            notBefore: new Date(Date.now() - 60000),
            notAfter: new Date(Date.now() + 30 * DAY),
            signingAlgorithm: alg,
            publicKey: keys.publicKey,
            signingKey: caKey,
            extensions: [
                new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
                new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }]),
            ],
        });
        const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
        const serverTls = own(good, {
            cert: serverOnly.toString("pem"),
            key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`,
        });
        // Fine as long as no client certificate is asked for.
        expect(parseSettings({ tls: { enabled: true, ...serverTls } }, "p", "s").tls.own).toEqual(serverTls);
        for (const authClients of ["yes", "optional"]) {
            expect(problemsOf({ ...serverTls, authClients })).toContain(
                `redis-ha:tls.cert: does not allow clientAuth (extended key usage), yet with tls.authClients ${authClients}`,
            );
        }
        // The stack's issuer gives serverAuth and clientAuth: accepted.
        expect(parseSettings({ tls: { enabled: true, authClients: "yes", ...own(good) } }, "p", "s").tls.authClients).toBe("yes");
    });

    it("never repeats the key in a message", () => {
        const message = problemsOf(own(good, { caCert: other.caCert, key: good.keys.second }));
        expect(message).not.toContain(good.keys.second.split("\n")[1]);
    });

    it("hands every node the one certificate, the key only as a secret", async () => {
        const tls = ownStackTls(own(good), ["node-0", "sentinel-0"]);
        const values = await new Promise<[string, Record<string, { cert: string; notAfter: string }>, Record<string, string>]>((resolve) =>
            require("@pulumi/pulumi")
                .all([tls.caCert, tls.certs, tls.keys])
                .apply((v: [string, Record<string, { cert: string; notAfter: string }>, Record<string, string>]) => resolve(v)),
        );
        expect(values[0]).toBe(good.caCert);
        expect(Object.keys(values[1])).toEqual(["node-0", "sentinel-0"]);
        expect(values[1]["sentinel-0"].cert).toBe(good.certs.node.cert);
        // X.509 keeps whole seconds; the issuer's record keeps milliseconds.
        expect(Math.abs(Date.parse(values[1]["node-0"].notAfter) - Date.parse(good.certs.node.notAfter))).toBeLessThan(1000);
        expect(values[2]["node-0"]).toBe(good.keys.node);
        expect(await (tls.keys as any).isSecret).toBe(true);
    });
});
