/**
 * The TLS files of tests and benchmarks: certificates issued by the stack's own TlsCertificates code and
 * written to a local directory for redis-server processes; the certificate a port serves (its serial, as
 * TlsCertificates records it); and, for the renewal tests (tests/integration/tls-reload.test.ts,
 * sentinel-tls-restart.test.ts), one node's three files as the archive the stack puts into a container and
 * the inputs both in-place renewals take for one node.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import type { CertificateSubject } from "../../components/security/certificates";
import { TLS_FILES, tlsFilesSetup } from "../../components/security/node-security";
import { issueCertificates, type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { tarOf } from "../../components/security/tls-reload";
import { TLS_RENEW_WITHIN_DAYS } from "../../components/settings";

/** Where a node's files are: the three paths of TLS_FILES, in a directory of the test's own. */
export interface LocalTlsFiles {
    dir: string;
    files: { caCertFile: string; certFile: string; keyFile: string };
    issued: TlsCertificatesOutputs;
}

/**
 * One certificate (subject `node`, for localhost, 127.0.0.1 and `dnsNames`) written as ca.crt, node.crt and
 * node.key (0600) into a new temporary directory; with `clientSubject`, that subject's certificate too, as
 * client.crt and client.key.
 */
export async function localTlsFiles(prefix: string, opts: { dnsNames?: string[]; clientSubject?: CertificateSubject } = {}): Promise<LocalTlsFiles> {
    const subjects: CertificateSubject[] = [
        { name: "node", dnsNames: ["localhost", ...(opts.dnsNames ?? [])], ipAddresses: ["127.0.0.1"] },
        ...(opts.clientSubject ? [opts.clientSubject] : []),
    ];
    const issued = await issueCertificates(
        { commonName: prefix, subjects, validityDays: 365, renewWithinDays: TLS_RENEW_WITHIN_DAYS },
        undefined,
        new Date(),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const files = { caCertFile: path.join(dir, "ca.crt"), certFile: path.join(dir, "node.crt"), keyFile: path.join(dir, "node.key") };
    fs.writeFileSync(files.caCertFile, issued.caCert);
    fs.writeFileSync(files.certFile, issued.certs.node.cert);
    fs.writeFileSync(files.keyFile, issued.keys.node, { mode: 0o600 });
    if (opts.clientSubject) {
        fs.writeFileSync(path.join(dir, "client.crt"), issued.certs[opts.clientSubject.name].cert);
        fs.writeFileSync(path.join(dir, "client.key"), issued.keys[opts.clientSubject.name], { mode: 0o600 });
    }
    return { dir, files, issued };
}

/** A rendered config with the container's TLS directory moved to the test's own. */
export const withLocalTlsDir = (conf: string, dir: string): string => conf.split(path.dirname(TLS_FILES.certFile)).join(dir);

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
