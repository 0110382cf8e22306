/**
 * The stack's certificate authority: a dynamic resource that, at deploy time, generates a CA and one
 * certificate per subject (security/certificates.ts) with @peculiar/x509 on Node's WebCrypto, ECDSA P-256.
 * Private keys are secret outputs. `up` renews a certificate expiring within `renewWithinDays` (and the CA,
 * with every certificate it signed, when the CA is the one expiring); nothing is ever replaced, so a
 * renewal is an update that rewrites PEM text. Also the reload that makes a running Redis serve a renewed
 * certificate without a restart.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CertificateSubject } from "./certificates";
import { renewalDue } from "./certificates";
import type { ResourceArgs } from "../shared/dynamic";

export interface TlsCertificatesInputs {
    /** CN prefix of the CA and of every certificate: the stack's namePrefix. */
    commonName: string;
    subjects: CertificateSubject[];
    validityDays: number;
    renewWithinDays: number;
}

export interface IssuedCertificate {
    cert: string;
    notAfter: string;
    serialNumber: string;
}

export interface TlsCertificatesOutputs extends TlsCertificatesInputs {
    caCert: string;
    caNotAfter: string;
    /** Secret. */
    caKey: string;
    /** Per subject name. */
    certs: Record<string, IssuedCertificate>;
    /** Per subject name, PKCS#8 PEM; secret. */
    keys: Record<string, string>;
}

const SAN_FIELDS = (s: CertificateSubject): string => JSON.stringify([s.dnsNames, s.ipAddresses, s.use ?? null]);

/** PEM of an exported key (PKCS#8: what Redis's tls-key-file and Node's tls take). */
function keyPem(der: ArrayBuffer): string {
    const b64 = Buffer.from(der).toString("base64");
    return `-----BEGIN PRIVATE KEY-----\n${b64.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END PRIVATE KEY-----\n`;
}

function pemDer(pem: string): Buffer {
    return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
}

function randomSerial(): string {
    // 16 random bytes, the top bit cleared so the DER integer stays positive.
    const bytes: Buffer = require("crypto").randomBytes(16);
    bytes[0] &= 0x7f;
    return bytes.toString("hex");
}

async function issueCa(commonName: string, validityDays: number, now: Date): Promise<{ cert: string; key: string; notAfter: string }> {
    // @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill loaded first.
    require("reflect-metadata");
    const x509 = require("@peculiar/x509");
    const webcrypto = require("crypto").webcrypto;
    x509.cryptoProvider.set(webcrypto);
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    const notAfter = new Date(now.getTime() + validityDays * 86400000);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: `CN=${commonName} CA`,
        notBefore: new Date(now.getTime() - 60000),
        notAfter,
        signingAlgorithm: alg,
        keys,
        extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
    });
    return {
        cert: cert.toString("pem") + "\n",
        key: keyPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
        notAfter: notAfter.toISOString(),
    };
}

async function issueCertificate(
    ca: { cert: string; key: string },
    commonName: string,
    subject: CertificateSubject,
    validityDays: number,
    now: Date,
): Promise<{ issued: IssuedCertificate; key: string }> {
    // @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill loaded first.
    require("reflect-metadata");
    const x509 = require("@peculiar/x509");
    const webcrypto = require("crypto").webcrypto;
    x509.cryptoProvider.set(webcrypto);
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const caCert = new x509.X509Certificate(ca.cert);
    const caKey = await webcrypto.subtle.importKey("pkcs8", pemDer(ca.key), alg, false, ["sign"]);
    const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
    // A leaf may outlive its CA on paper: the CA is renewed, with every leaf it signed, before it expires.
    const notAfter = new Date(now.getTime() + validityDays * 86400000);
    const serialNumber = randomSerial();
    const names = [...subject.dnsNames.map((value) => ({ type: "dns", value })), ...subject.ipAddresses.map((value) => ({ type: "ip", value }))];
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber,
        subject: `CN=${commonName} ${subject.name}`,
        issuer: caCert.subject,
        notBefore: new Date(now.getTime() - 60000),
        notAfter,
        signingAlgorithm: alg,
        publicKey: keys.publicKey,
        signingKey: caKey,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
            // A node's: both, since a node is a server to clients and a client to its master, peers and
            // sentinels (with tls.authClients yes they present it). The client certificate: clientAuth only.
            new x509.ExtendedKeyUsageExtension(
                subject.use === "client" ? [x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
            ),
            // An empty subjectAltName is invalid DER: the client certificate has none.
            ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
            await x509.AuthorityKeyIdentifierExtension.create(caCert),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
    });
    return {
        issued: { cert: cert.toString("pem") + "\n", notAfter: notAfter.toISOString(), serialNumber },
        key: keyPem(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    };
}

/**
 * Issues what `news` asks for, keeping from `olds` the CA and every certificate that is not due and whose
 * names did not change. Without `olds`, everything is new.
 */
async function issue(news: TlsCertificatesInputs, olds: TlsCertificatesOutputs | undefined, now: Date): Promise<TlsCertificatesOutputs> {
    const keepCa = olds !== undefined && olds.commonName === news.commonName && !renewalDue(olds.caNotAfter, now, news.renewWithinDays);
    const ca = keepCa ? { cert: olds.caCert, key: olds.caKey, notAfter: olds.caNotAfter } : await issueCa(news.commonName, news.validityDays, now);
    const certs: Record<string, IssuedCertificate> = {};
    const keys: Record<string, string> = {};
    for (const subject of news.subjects) {
        const before = olds?.subjects.find((s) => s.name === subject.name);
        const old = olds?.certs[subject.name];
        if (keepCa && before && old && SAN_FIELDS(before) === SAN_FIELDS(subject) && !renewalDue(old.notAfter, now, news.renewWithinDays)) {
            certs[subject.name] = old;
            keys[subject.name] = olds.keys[subject.name];
            continue;
        }
        const fresh = await issueCertificate(ca, news.commonName, subject, news.validityDays, now);
        certs[subject.name] = fresh.issued;
        keys[subject.name] = fresh.key;
    }
    return { ...news, caCert: ca.cert, caKey: ca.key, caNotAfter: ca.notAfter, certs, keys };
}

/** What `up` would change: subjects (names, SANs), the CN, the validity, or a certificate due for renewal. */
function needsIssue(olds: TlsCertificatesOutputs, news: TlsCertificatesInputs, now: Date): boolean {
    if (olds.commonName !== news.commonName || olds.validityDays !== news.validityDays) return true;
    if (JSON.stringify(olds.subjects) !== JSON.stringify(news.subjects)) return true;
    if (renewalDue(olds.caNotAfter, now, news.renewWithinDays)) return true;
    return Object.values(olds.certs).some((c) => renewalDue(c.notAfter, now, news.renewWithinDays));
}

export const tlsCertificatesProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: TlsCertificatesInputs): Promise<pulumi.dynamic.CreateResult> {
        const outs = await issue(inputs, undefined, new Date());
        return { id: `tls-${inputs.commonName}`, outs };
    },
    async diff(_id: string, olds: TlsCertificatesOutputs, news: TlsCertificatesInputs): Promise<pulumi.dynamic.DiffResult> {
        // Never a replacement: renewing rewrites PEM text, the resource (and whoever reads it) stays.
        return { changes: needsIssue(olds, news, new Date()), replaces: [] };
    },
    async update(_id: string, olds: TlsCertificatesOutputs, news: TlsCertificatesInputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: await issue(news, olds, new Date()) };
    },
    async read(id: string, props: TlsCertificatesOutputs): Promise<pulumi.dynamic.ReadResult> {
        return { id, props };
    },
};

/** Exposed for tests: the issuing step with an explicit clock (renewal without waiting a year). */
export const issueCertificates = issue;

export class TlsCertificates extends pulumi.dynamic.Resource {
    declare readonly caCert: pulumi.Output<string>;
    declare readonly caNotAfter: pulumi.Output<string>;
    /** Secret. */
    declare readonly caKey: pulumi.Output<string>;
    declare readonly certs: pulumi.Output<Record<string, IssuedCertificate>>;
    /** Secret: PKCS#8 PEM per subject name. */
    declare readonly keys: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ResourceArgs<TlsCertificatesInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            tlsCertificatesProvider,
            name,
            { ...args, caCert: undefined, caNotAfter: undefined, caKey: undefined, certs: undefined, keys: undefined },
            { ...opts, additionalSecretOutputs: ["caKey", "keys"] },
            "redis-ha",
            "TlsCertificates",
        );
    }
}

/** Where a node's TLS files live; CONFIG SET with these paths makes Redis read them again. */
export interface TlsFilePaths {
    caCertFile: string;
    certFile: string;
    keyFile: string;
}

/**
 * Makes a running Redis serve the certificate now in its files, without a restart: Redis 7 re-reads the TLS
 * files on CONFIG SET even when the paths are unchanged, and keeps its clients connected.
 */
export async function reloadTls(client: { call(...args: string[]): Promise<unknown> }, files: TlsFilePaths): Promise<void> {
    await client.call("CONFIG", "SET", "tls-ca-cert-file", files.caCertFile, "tls-cert-file", files.certFile, "tls-key-file", files.keyFile);
}
