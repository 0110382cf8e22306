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
