/**
 * TlsReload against a real container of the stack's image (redis-server 7.0 with TLS): writing the renewed
 * files through the Docker API and CONFIG SET make the same process serve the new certificate (same
 * container, same run_id), a client connected before still answers, the files are the redis user's alone
 * (0600), and the key is in neither `docker inspect` nor the container's logs. Also a CA renewal: the node
 * reached with the old CA before the reload, the new one after. And a node asking clients for a certificate
 * (tls-auth-clients yes): the reload connects with the stack's client certificate.
 */
import { execFileSync } from "child_process";
import type Docker from "dockerode";
import Redis from "ioredis";
import { CLIENT_CERTIFICATE, CLIENT_SUBJECT } from "../../components/security/certificates";
import { TLS_FILES, tlsFilesSetup } from "../../components/security/node-security";
import { issueCertificates, type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { type TlsReloadInputs, tlsReloadProvider } from "../../components/security/tls-reload";
import { pollUntil } from "../../components/shared/poll";
import { renewalInputs, serialOf, servedSerial as servedOn, tlsFilesArchive } from "../support/tls-files";

const PORT = 9510;
const IMAGE = process.env.REDIS_HA_LOCAL_IMAGE ?? "redis-ha-local/redis:7.0";
const NAME = `redis-ha-it-tls-reload-${process.pid}`;
const PASSWORD = "tls-reload-it";
const DAY = 86400000;
const subjects = [{ name: "node-0", dnsNames: [NAME], ipAddresses: ["127.0.0.1"] }];
const request = { commonName: "redis-ha-it-reload", subjects, validityDays: 365, renewWithinDays: 30 };

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();

const servedSerial = (ca: string, clientCert?: { cert: string; key: string }) => servedOn(PORT, ca, clientCert);

const client = (ca: string) =>
    new Redis({
        host: "127.0.0.1",
        port: PORT,
        password: PASSWORD,
        tls: { ca },
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
    });

const reloadInputs = (containerId: string, out: TlsCertificatesOutputs): TlsReloadInputs => ({
    ...renewalInputs("node-0", containerId, PORT, PASSWORD, out),
    timeoutMs: 10000,
});

let first: TlsCertificatesOutputs;
let containerId: string;

beforeAll(async () => {
    first = await issueCertificates(request, undefined, new Date());
    const api: Docker = new (require("dockerode"))();
    // As the stack's nodes start: files put into the container before it starts, handed to redis by the start command.
    const container = await api.createContainer({
        name: NAME,
        Image: IMAGE,
        Cmd: [
            "sh",
            "-c",
            [
                ...tlsFilesSetup(),
                `exec docker-entrypoint.sh redis-server --port 0 --tls-port 6379 --tls-auth-clients no --requirepass ${PASSWORD}` +
                    ` --tls-cert-file ${TLS_FILES.certFile} --tls-key-file ${TLS_FILES.keyFile} --tls-ca-cert-file ${TLS_FILES.caCertFile}`,
            ].join(" && "),
        ],
        HostConfig: { PortBindings: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] } },
        ExposedPorts: { "6379/tcp": {} },
    });
    containerId = container.id;
    await container.putArchive(tlsFilesArchive(first, "node-0"), { path: "/" });
    await container.start();
    await pollUntil(
        async () => {
            const c = client(first.caCert);
            try {
                await c.connect();
                await c.ping();
                return { done: true as const, value: undefined };
            } catch (err) {
                return { done: false as const, observed: (err as Error).message };
            } finally {
                c.disconnect();
            }
        },
        { timeoutMs: 20000, intervalMs: 100, description: "the container to answer over TLS" },
    );
}, 30000);

afterAll(() => {
    if (containerId) docker("rm", "-f", containerId);
});

it("a renewed certificate is written into the running container and served, same run_id, a connected client still answers", async () => {
    const before = client(first.caCert);
    await before.connect();
    try {
        const runId = /run_id:(\w+)/.exec(await before.info("server"))![1];
        expect(await servedSerial(first.caCert)).toBe(serialOf(first.certs["node-0"].serialNumber));

        // The leaf is due (its CA is not): a renewal keeps the CA.
        const renewed = await issueCertificates(
            request,
            { ...first, certs: { "node-0": { ...first.certs["node-0"], notAfter: new Date(Date.now() + DAY).toISOString() } } },
            new Date(),
        );
        expect(renewed.caCert).toBe(first.caCert);
        const olds = reloadInputs(containerId, first);
        const news = reloadInputs(containerId, renewed);
        expect((await tlsReloadProvider.diff!("node-0-tls-reload", olds, news)).changes).toBe(true);
        await tlsReloadProvider.update!("node-0-tls-reload", olds, news);

        expect(await servedSerial(first.caCert)).toBe(serialOf(renewed.certs["node-0"].serialNumber));
        expect(await before.ping()).toBe("PONG");
        expect(/run_id:(\w+)/.exec(await before.info("server"))![1]).toBe(runId);
        for (const file of Object.values(TLS_FILES)) expect(docker("exec", containerId, "stat", "-c", "%U %a", file)).toBe("redis 600");
        expect(docker("exec", containerId, "cat", TLS_FILES.certFile)).toBe(renewed.certs["node-0"].cert.trim());
        const keyLine = renewed.keys["node-0"].split("\n")[1];
        expect(docker("inspect", containerId).includes(keyLine)).toBe(false);
        expect(execFileSync("docker", ["logs", containerId], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).includes(keyLine)).toBe(false);
        first = renewed;
    } finally {
        before.disconnect();
    }
}, 30000);

it("a CA renewal too: reached with the old CA before, served under the new CA after; the old client keeps its connection", async () => {
    const before = client(first.caCert);
    await before.connect();
    try {
        // The CA is due: a new CA and every certificate with it.
        const renewed = await issueCertificates(request, { ...first, caNotAfter: new Date(Date.now() + DAY).toISOString() }, new Date());
        expect(renewed.caCert).not.toBe(first.caCert);
        await tlsReloadProvider.update!("node-0-tls-reload", reloadInputs(containerId, first), reloadInputs(containerId, renewed));
        expect(await servedSerial(renewed.caCert)).toBe(serialOf(renewed.certs["node-0"].serialNumber));
        await expect(servedSerial(first.caCert)).rejects.toThrow(/certificate/i);
        expect(await before.ping()).toBe("PONG");
        first = renewed;
    } finally {
        before.disconnect();
    }
}, 30000);

it("diff: nothing to do for the same certificate and CA; a new container is a change", async () => {
    const same = reloadInputs(containerId, first);
    expect((await tlsReloadProvider.diff!("x", same, { ...same })).changes).toBe(false);
    expect((await tlsReloadProvider.diff!("x", same, { ...same, containerId: "another" })).changes).toBe(true);
    expect((await tlsReloadProvider.diff!("x", same, { ...same, timeoutMs: 1 })).changes).toBe(false);
});

it("with tls-auth-clients yes, the reload presents the stack's client certificate; without one the node refuses it", async () => {
    const withClient = { ...request, subjects: [...subjects, CLIENT_SUBJECT] };
    const current = await issueCertificates(withClient, undefined, new Date());
    const clientOf = (out: TlsCertificatesOutputs) => ({ cert: out.certs[CLIENT_CERTIFICATE].cert, key: out.keys[CLIENT_CERTIFICATE] });
    // Onto this CA first (the node does not ask for a client certificate yet), then it starts asking.
    await tlsReloadProvider.update!("node-0-tls-reload", reloadInputs(containerId, first), reloadInputs(containerId, current));
    const admin = client(current.caCert);
    await admin.connect();
    try {
        await admin.call("CONFIG", "SET", "tls-auth-clients", "yes");
    } finally {
        admin.disconnect();
    }
    const renewed = await issueCertificates(
        withClient,
        { ...current, certs: { ...current.certs, "node-0": { ...current.certs["node-0"], notAfter: new Date(Date.now() + DAY).toISOString() } } },
        new Date(),
    );
    const olds = { ...reloadInputs(containerId, current), client: clientOf(current) };
    const news = { ...reloadInputs(containerId, renewed), client: clientOf(renewed) };
    await expect(tlsReloadProvider.update!("node-0-tls-reload", olds, { ...news, client: undefined, timeoutMs: 1500 })).rejects.toThrow(
        /reload its TLS files/,
    );
    await tlsReloadProvider.update!("node-0-tls-reload", olds, news);
    expect(await servedSerial(renewed.caCert, clientOf(renewed))).toBe(serialOf(renewed.certs["node-0"].serialNumber));
}, 30000);
