/**
 * Bring-your-own TLS (`tls.caCert`, `tls.cert`, `tls.key`): one certificate and key, used as given by every
 * node and sentinel. Checked before any resource exists, so a mismatch is a config problem naming the key,
 * not a node that refuses to start or a client that refuses the node:
 *   - the certificate is signed by the CA and its key is the one given (Redis would refuse the pair);
 *   - it has not expired (nothing renews it: a new one goes into the running nodes and sentinels in place);
 *   - it names 127.0.0.1 and bindAddress, the addresses the deploy-time providers and the stack's client
 *     outputs reach nodes by; a verifying client checks that name. Redis itself does not check names on
 *     its own links (replication, Sentinel, cluster bus), only the CA, so container names may be absent;
 *   - with tls.authClients yes or optional it is also every client's certificate (the nodes' own links, the
 *     deploy-time providers, the stack's client outputs), so it must allow clientAuth: an extended key usage
 *     naming clientAuth, or none at all.
 * Pure: parsing certificates is computation (node:crypto), no I/O. The messages never repeat the key.
 */
import { X509Certificate, createPrivateKey } from "crypto";
import type { ConfigProblem, Settings } from "../settings";

/** The extended key usage OID of TLS client authentication. */
const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

export function ownCertificateProblems(settings: Pick<Settings, "tls" | "bindAddress">, now: Date): ConfigProblem[] {
    const own = settings.tls.own;
    if (!own) return [];
    let ca: X509Certificate;
    let cert: X509Certificate;
    try {
        ca = new X509Certificate(own.caCert);
    } catch (err) {
        return [{ key: "tls.caCert", message: `is not a certificate Node can read: ${(err as Error).message}` }];
    }
    try {
        cert = new X509Certificate(own.cert);
    } catch (err) {
        return [{ key: "tls.cert", message: `is not a certificate Node can read: ${(err as Error).message}` }];
    }
    const problems: ConfigProblem[] = [];
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) problems.push({ key: "tls.cert", message: "is not signed by tls.caCert" });
    try {
        if (!cert.checkPrivateKey(createPrivateKey(own.key))) problems.push({ key: "tls.key", message: "is not the private key of tls.cert" });
    } catch {
        problems.push({ key: "tls.key", message: "is not a private key Node can read (PEM, PKCS#8 or PKCS#1/SEC1)" });
    }
    for (const [key, c] of [
        ["tls.caCert", ca],
        ["tls.cert", cert],
    ] as const) {
        if (Date.parse(c.validTo) <= now.getTime()) problems.push({ key, message: `expired on ${c.validTo}` });
    }
    // Node lists a certificate's extended key usages in `keyUsage` (undefined when it has none: any use).
    const usages = cert.keyUsage as string[] | undefined;
    if (settings.tls.authClients !== "no" && usages !== undefined && !usages.includes(CLIENT_AUTH_OID)) {
        problems.push({
            key: "tls.cert",
            message: `does not allow clientAuth (extended key usage), yet with tls.authClients ${settings.tls.authClients} every node and the stack's providers present it as their client certificate`,
        });
    }
    const missing = [...new Set(["127.0.0.1", settings.bindAddress])].filter((ip) => cert.checkIP(ip) === undefined);
    if (missing.length > 0) {
        problems.push({
            key: "tls.cert",
            message: `does not name ${missing.join(" and ")} (IP subjectAltName): the stack's providers and client outputs reach the nodes there and verify the name`,
        });
    }
    return problems;
}
