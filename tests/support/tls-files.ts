/**
 * What the renewal tests (tests/integration/tls-reload.test.ts, sentinel-tls-restart.test.ts) share: the
 * certificate a port serves (its serial, as TlsCertificates records it), one node's three TLS files as the
 * archive the stack puts into a container, and the inputs both in-place renewals take for one node.
 */
import * as tls from "tls";
import { TLS_FILES, tlsFilesSetup } from "../../components/security/node-security";
import type { TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { tarOf } from "../../components/security/tls-reload";

/** A certificate serial as TlsCertificates records it: lower-case hex without leading zeros. */
export const serialOf = (serial: string): string => serial.toLowerCase().replace(/^0+/, "");

/** The serial of the certificate 127.0.0.1:`port` presents (with `clientCert` where it asks clients for one). */
export function servedSerial(port: number, ca: string, clientCert?: { cert: string; key: string }): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ca, ...clientCert }, () => {
            const serial = serialOf(socket.getPeerCertificate().serialNumber);
            socket.end();
            resolve(serial);
        });
        socket.once("error", reject);
    });
}

/** A path from the root, as an archive put at "/" names it (the image has no /usr/local/etc/redis: the archive creates it). */
export const fromRoot = (p: string): string => p.replace(/^\//, "");

/** Subject `name`'s three files at the paths redis.conf names, plus any other uploads, as one archive. */
export const tlsFilesArchive = (out: TlsCertificatesOutputs, name: string, more: Array<{ name: string; content: string }> = []): Buffer =>
    tarOf([
        { name: fromRoot(TLS_FILES.caCertFile), content: out.caCert },
        { name: fromRoot(TLS_FILES.certFile), content: out.certs[name].cert },
        { name: fromRoot(TLS_FILES.keyFile), content: out.keys[name] },
        ...more,
    ]);

/** The inputs TlsReload and SentinelTlsRestart share, for subject `name` in a container published on `port`. */
export function renewalInputs(name: string, containerId: string, port: number, password: string, out: TlsCertificatesOutputs) {
    return {
        name,
        containerId,
        access: { host: "127.0.0.1", port },
        password,
        paths: TLS_FILES,
        setup: tlsFilesSetup(),
        caCert: out.caCert,
        cert: out.certs[name].cert,
        key: out.keys[name],
    };
}
