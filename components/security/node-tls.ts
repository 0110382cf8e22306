/**
 * A TLS node's certificate files in its container: what the stack's TlsCertificates resource hands to the
 * topologies, and the uploads (key secret) plus start-time setup that make them the redis user's alone.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NodeTls } from "../shared/redis-connection";
import { CLIENT_CERTIFICATE } from "./certificates";
import { TLS_FILES, tlsFilesSetup } from "./node-security";
import type { IssuedCertificate } from "./tls-certificates";

/** What the stack's TlsCertificates resource hands to the topologies. */
export interface StackTls {
    caCert: pulumi.Output<string>;
    certs: pulumi.Output<Record<string, IssuedCertificate>>;
    /** Secret: PKCS#8 PEM per subject (node) name. */
    keys: pulumi.Output<Record<string, string>>;
    /**
     * When the nodes ask clients for a certificate (security/certificates.ts clientCertificatesAsked): the
     * one the deploy-time providers present, also handed to clients by the stack outputs. Secret (the key).
     */
    client?: pulumi.Output<ClientCertificate>;
}

/** A client certificate and its key (PEM). */
export interface ClientCertificate {
    cert: string;
    key: string;
}

/**
 * The stack's client certificate out of its issued certificates (subject CLIENT_CERTIFICATE); undefined when
 * none was asked for. With the user's own certificate (ownStackTls) it is that certificate.
 */
export function stackClientCertificate(tls: Pick<StackTls, "certs" | "keys">, asked: boolean): pulumi.Output<ClientCertificate> | undefined {
    if (!asked) return undefined;
    return pulumi.secret(
        pulumi.all([tls.certs, tls.keys]).apply(([certs, keys]) => ({
            cert: certOf(certs, CLIENT_CERTIFICATE).cert,
            key: certOf(keys, CLIENT_CERTIFICATE),
        })),
    );
}

/**
 * How the deploy-time providers reach a TLS node: verifying it with the CA, and presenting the client
 * certificate when the nodes ask for one. Secret as soon as it carries the key.
 */
export function providerTls(tls: StackTls): pulumi.Output<NodeTls> {
    if (!tls.client) return tls.caCert.apply((ca) => ({ ca }));
    return pulumi.secret(pulumi.all([tls.caCert, tls.client]).apply(([ca, client]) => ({ ca, cert: client.cert, key: client.key })));
}

/**
 * Bring-your-own TLS (security/own-certificates.ts checked it): the one certificate and key every node
 * and sentinel (`names`) uses, as given. Changing them goes into the running data nodes in place, as a
 * renewal does (security/tls-reload.ts); the sentinels restart in their containers, one at a time
 * (security/sentinel-tls-restart.ts).
 */
export function ownStackTls(own: { caCert: string; cert: string; key: string }, names: string[]): StackTls {
    const { X509Certificate } = require("crypto");
    const parsed = new X509Certificate(own.cert);
    const issued: IssuedCertificate = {
        cert: own.cert,
        notAfter: new Date(parsed.validTo).toISOString(),
        serialNumber: parsed.serialNumber.toLowerCase(),
    };
    return {
        caCert: pulumi.output(own.caCert),
        certs: pulumi.output(Object.fromEntries(names.map((n) => [n, issued]))),
        keys: pulumi.secret(Object.fromEntries(names.map((n) => [n, own.key]))),
    };
}

/** A file uploaded into a node's container. */
export interface NodeFile {
    path: string;
    /** Secret when it is a key. */
    content: pulumi.Input<string>;
    /**
     * Renewed in place (security/tls-reload.ts): its content is not part of the container's revision, and
     * the container is created with it through its TlsFilesPin (security/tls-pin.ts).
     */
    inPlace?: boolean;
}

/** A node's TLS part of its container: the uploaded files, and the start-time lines that make them the redis user's. */
export interface NodeTlsFiles {
    files: NodeFile[];
    /** The CA the healthcheck verifies the node with. */
    caCertFile: string;
    /**
     * When the nodes ask clients for a certificate: the node's own, which the healthcheck (and a sentinel
     * group's data node asking the sentinels at start) presents; it carries clientAuth.
     */
    clientFiles?: { certFile: string; keyFile: string };
    /** Shell lines the start command runs as root before Redis drops to the redis user. */
    setup: string[];
    /** `inPlace`: what the node's TlsReload (SentinelTlsRestart) writes into the running container when a certificate is renewed. */
    reload?: {
        caCert: pulumi.Input<string>;
        cert: pulumi.Input<string>;
        key: pulumi.Input<string>;
        /**
         * Sentinels (which cannot reload TLS): the master they monitor. The renewal then restarts the sentinel
         * in its container (security/sentinel-tls-restart.ts) and waits until it names this master again.
         */
        sentinelMaster?: string;
    };
}

/**
 * Node `name`'s certificate, key and the CA as container files, readable by the redis user alone (0600).
 * `inPlace`: a renewal is written into the running container and reloaded (TlsReload; a sentinel restarts
 * in its container, SentinelTlsRestart); otherwise it is a new container revision, rolled.
 */
export function nodeTlsFiles(tls: StackTls, name: string, opts: { inPlace: boolean }): NodeTlsFiles {
    const cert = tls.certs.apply((c) => certOf(c, name).cert);
    const key = pulumi.secret(tls.keys.apply((k) => certOf(k, name)));
    const inPlace = opts.inPlace ? { inPlace: true } : {};
    return {
        files: [
            { path: TLS_FILES.caCertFile, content: tls.caCert, ...inPlace },
            { path: TLS_FILES.certFile, content: cert, ...inPlace },
            { path: TLS_FILES.keyFile, content: key, ...inPlace },
        ],
        caCertFile: TLS_FILES.caCertFile,
        ...(tls.client ? { clientFiles: { certFile: TLS_FILES.certFile, keyFile: TLS_FILES.keyFile } } : {}),
        setup: tlsFilesSetup(),
        ...(opts.inPlace ? { reload: { caCert: tls.caCert, cert, key } } : {}),
    };
}

function certOf<T>(byName: Record<string, T>, name: string): T {
    const found = byName[name];
    if (found === undefined) throw new Error(`TLS: no certificate was issued for node ${name}`);
    return found;
}
