/**
 * Generated certificates against a real redis-server 7.0 built with TLS: redis-cli --tls and ioredis connect
 * with the CA, a certificate for another name is refused by a verifying client, a foreign CA is refused, and
 * renewal (files rewritten, reloadTls) makes the same server process serve the new certificate while its
 * clients stay connected.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import Redis from "ioredis";
import { issueCertificates, reloadTls, type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { TLS_RENEW_WITHIN_DAYS } from "../../components/settings";
import { startRedis, stopAllRedis, type RedisProcess } from "../support/redis-process";

const PLAIN_PORT = 7562;
const TLS_PORT = 7563;
const DAY = 86400000;
const subjects = [
    { name: "node-0", dnsNames: ["redis-ha-it-node-0"], ipAddresses: ["127.0.0.1"] },
    { name: "elsewhere", dnsNames: ["some-other-host"], ipAddresses: ["10.9.9.9"] },
];
const inputs = { commonName: "redis-ha-it", subjects, validityDays: 365, renewWithinDays: TLS_RENEW_WITHIN_DAYS };

let issued: TlsCertificatesOutputs;
let server: RedisProcess;

function writeFiles(dir: string, out: TlsCertificatesOutputs, name: string) {
    const files = { caCertFile: path.join(dir, "ca.crt"), certFile: path.join(dir, "node.crt"), keyFile: path.join(dir, "node.key") };
    fs.writeFileSync(files.caCertFile, out.caCert);
    fs.writeFileSync(files.certFile, out.certs[name].cert);
    fs.writeFileSync(files.keyFile, out.keys[name], { mode: 0o600 });
    return files;
}

/** The serial number of the certificate the server presents on a fresh TLS connection. */
async function servedSerial(port: number, ca: string): Promise<string> {
    return await new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ca }, () => {
            const serial = socket.getPeerCertificate().serialNumber;
            socket.end();
            resolve(serial.toLowerCase());
        });
        socket.once("error", reject);
    });
}

function tlsClient(ca: string, servername?: string): Redis {
    return new Redis({
        host: "127.0.0.1",
        port: TLS_PORT,
        tls: { ca, servername },
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
    });
}

let files: ReturnType<typeof writeFiles>;
let admin: Redis;

beforeAll(async () => {
    issued = await issueCertificates(inputs, undefined, new Date());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-tls-"));
    files = writeFiles(dir, issued, "node-0");
    server = await startRedis({
        port: PLAIN_PORT,
        config: [
            'save ""',
            "appendonly no",
            `tls-port ${TLS_PORT}`,
            `tls-cert-file ${files.certFile}`,
            `tls-key-file ${files.keyFile}`,
            `tls-ca-cert-file ${files.caCertFile}`,
            "tls-auth-clients no",
        ].join("\n"),
    });
    admin = new Redis({ host: "127.0.0.1", port: PLAIN_PORT, lazyConnect: true, retryStrategy: () => null });
    await admin.connect();
});
afterAll(async () => {
    admin?.disconnect();
    await stopAllRedis();
});

function cliPing(caFile: string): string {
    try {
        return execFileSync("redis-cli", ["--tls", "--cacert", caFile, "-h", "127.0.0.1", "-p", String(TLS_PORT), "ping"], {
            encoding: "utf8",
            timeout: 10000,
            stdio: ["ignore", "pipe", "pipe"],
        }).trim();
    } catch (err) {
        return `failed: ${(err as { stderr?: string }).stderr ?? err}`;
    }
}

it("redis-cli --tls --cacert talks to the node, and refuses a server signed by another CA", async () => {
    expect(cliPing(files.caCertFile)).toBe("PONG");
    const foreign = await issueCertificates(inputs, undefined, new Date());
    const foreignCa = path.join(server.dir, "foreign-ca.crt");
    fs.writeFileSync(foreignCa, foreign.caCert);
    expect(cliPing(foreignCa)).toMatch(/certificate verify failed/);
});

it("ioredis verifies the node by its 127.0.0.1 SAN and by its container name (servername)", async () => {
    for (const servername of [undefined, "redis-ha-it-node-0"]) {
        const client = tlsClient(issued.caCert, servername);
        try {
            await client.connect();
            expect(await client.ping()).toBe("PONG");
        } finally {
            client.disconnect();
        }
    }
});

it("a verifying client refuses a certificate for another name", async () => {
    const wrong = writeFiles(fs.mkdtempSync(path.join(server.dir, "wrong-")), issued, "elsewhere");
    await reloadTls(admin, wrong);
    const client = tlsClient(issued.caCert);
    const errors: Error[] = [];
    client.on("error", (e: Error) => errors.push(e));
    try {
        await expect(client.connect()).rejects.toThrow();
        expect(errors.map((e) => e.message).join("\n")).toMatch(/does not match certificate's altnames/);
    } finally {
        client.disconnect();
        await reloadTls(admin, files);
    }
});

it("renewal: rewritten files and reloadTls make the same process serve the new certificate, clients stay connected", async () => {
    const client = tlsClient(issued.caCert);
    try {
        await client.connect();
        const clientId = await client.client("ID");
        const pid = /process_id:(\d+)/.exec(await admin.info("server"))?.[1];
        expect(await servedSerial(TLS_PORT, issued.caCert)).toBe(issued.certs["node-0"].serialNumber);

        // As the state reads 355 days on, with a CA that outlives its leaves: only the leaves are due.
        const aged: TlsCertificatesOutputs = {
            ...issued,
            caNotAfter: new Date(Date.now() + 3650 * DAY).toISOString(),
            certs: Object.fromEntries(
                Object.entries(issued.certs).map(([k, c]) => [k, { ...c, notAfter: new Date(Date.now() + 10 * DAY).toISOString() }]),
            ),
        };
        const renewed = await issueCertificates(inputs, aged, new Date());
        expect(renewed.caCert).toBe(issued.caCert);
        expect(renewed.certs["node-0"].serialNumber).not.toBe(issued.certs["node-0"].serialNumber);
        writeFiles(path.dirname(files.certFile), renewed, "node-0");
        expect(fs.statSync(files.keyFile).mode & 0o777).toBe(0o600);

        // Before the reload the server still serves the old certificate from memory.
        expect(await servedSerial(TLS_PORT, issued.caCert)).toBe(issued.certs["node-0"].serialNumber);
        await reloadTls(admin, files);
        expect(await servedSerial(TLS_PORT, issued.caCert)).toBe(renewed.certs["node-0"].serialNumber);

        expect(/process_id:(\d+)/.exec(await admin.info("server"))?.[1]).toBe(pid);
        expect(await client.client("ID")).toBe(clientId);
        expect(await client.ping()).toBe("PONG");
    } finally {
        client.disconnect();
    }
});
