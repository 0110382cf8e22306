/**
 * SentinelTlsRestart against real containers of the stack's image: a TLS master (redis-server 7.0) and a
 * sentinel monitoring it over TLS, on a network of their own. A renewal writes the new files into the running
 * sentinel container and restarts the sentinel in it: the same container (id) serves the new certificate,
 * started anew (StartedAt) with the sentinel.conf it rewrote (same myid), names the master again, and its
 * files are the redis user's alone.
 */
import { execFileSync } from "child_process";
import type Docker from "dockerode";
import Redis from "ioredis";
import { TLS_FILES, tlsFilesSetup } from "../../components/security/node-security";
import { issueCertificates, type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { type SentinelTlsRestartInputs, sentinelTlsRestartProvider } from "../../components/security/sentinel-tls-restart";
import { pollUntil } from "../../components/shared/poll";
import { fromRoot, renewalInputs, serialOf, servedSerial as servedOn, tlsFilesArchive } from "../support/tls-files";

const PORT = 9800;
const IMAGE = process.env.REDIS_HA_LOCAL_IMAGE ?? "redis-ha-local/redis:7.0";
const NAME = `redis-ha-it-sentinel-tls-${process.pid}`;
const PASSWORD = "sentinel-tls-it";
const MASTER_NAME = "itmaster";
const SEED = "/usr/local/etc/redis/sentinel.seed.conf";
const DAY = 86400000;
const subjects = [
    { name: "node-0", dnsNames: [`${NAME}-master`], ipAddresses: ["127.0.0.1"] },
    { name: "sentinel-0", dnsNames: [`${NAME}-sentinel`], ipAddresses: ["127.0.0.1"] },
];
const request = { commonName: "redis-ha-it-sentinel-tls", subjects, validityDays: 365, renewWithinDays: 30 };
const tlsArgs = `--tls-cert-file ${TLS_FILES.certFile} --tls-key-file ${TLS_FILES.keyFile} --tls-ca-cert-file ${TLS_FILES.caCertFile}`;

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();

const servedSerial = (ca: string) => servedOn(PORT, ca);

async function sentinelCall(ca: string, ...args: string[]): Promise<unknown> {
    const c = new Redis({
        host: "127.0.0.1",
        port: PORT,
        password: PASSWORD,
        tls: { ca },
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
    });
    try {
        await c.connect();
        return await c.call(args[0], ...args.slice(1));
    } finally {
        c.disconnect();
    }
}

const restartInputs = (containerId: string, out: TlsCertificatesOutputs): SentinelTlsRestartInputs => ({
    ...renewalInputs("sentinel-0", containerId, PORT, PASSWORD, out),
    masterName: MASTER_NAME,
    timeoutMs: 15000,
});

let first: TlsCertificatesOutputs;
let sentinelId: string;
let masterIp: string;
const created: string[] = [];

beforeAll(async () => {
    first = await issueCertificates(request, undefined, new Date());
    const api: Docker = new (require("dockerode"))();
    docker("network", "create", NAME);
    const master = await api.createContainer({
        name: `${NAME}-master`,
        Image: IMAGE,
        Cmd: [
            "sh",
            "-c",
            // No password on this master, so protected mode must be off for the sentinel to reach it over the
            // network: the official image's Redis defaults to no, the local stand-in's Debian build to yes.
            [
                ...tlsFilesSetup(),
                `exec docker-entrypoint.sh redis-server --port 0 --tls-port 6379 --tls-auth-clients no --protected-mode no ${tlsArgs}`,
            ].join(" && "),
        ],
        HostConfig: { NetworkMode: NAME },
    });
    created.push(master.id);
    await master.putArchive(tlsFilesArchive(first, "node-0"), { path: "/" });
    await master.start();
    masterIp = (await master.inspect()).NetworkSettings.Networks[NAME].IPAddress;

    // As the stack's sentinels: a seed copied once into the data volume (Sentinel rewrites it), TLS to the master.
    const conf = [
        "port 0",
        "tls-port 26379",
        `tls-cert-file ${TLS_FILES.certFile}`,
        `tls-key-file ${TLS_FILES.keyFile}`,
        `tls-ca-cert-file ${TLS_FILES.caCertFile}`,
        "tls-auth-clients no",
        "tls-replication yes",
        `requirepass ${PASSWORD}`,
        `sentinel monitor ${MASTER_NAME} ${masterIp} 6379 1`,
        "",
    ].join("\n");
    const sentinel = await api.createContainer({
        name: `${NAME}-sentinel`,
        Image: IMAGE,
        Cmd: [
            "sh",
            "-c",
            [
                ...tlsFilesSetup(),
                `{ [ -f /data/sentinel.conf ] || cp ${SEED} /data/sentinel.conf; }`,
                "chown redis:redis /data/sentinel.conf",
                "exec docker-entrypoint.sh redis-server /data/sentinel.conf --sentinel",
            ].join(" && "),
        ],
        HostConfig: { NetworkMode: NAME, PortBindings: { "26379/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] } },
        ExposedPorts: { "26379/tcp": {} },
    });
    sentinelId = sentinel.id;
    created.push(sentinel.id);
    await sentinel.putArchive(tlsFilesArchive(first, "sentinel-0", [{ name: fromRoot(SEED), content: conf }]), { path: "/" });
    await sentinel.start();
    await pollUntil(
        async () => {
            try {
                const flags = (await sentinelCall(first.caCert, "SENTINEL", "master", MASTER_NAME)) as string[];
                const f = flags[flags.indexOf("flags") + 1];
                return f === "master" ? { done: true as const, value: undefined } : { done: false as const, observed: `flags ${f}` };
            } catch (err) {
                return { done: false as const, observed: (err as Error).message };
            }
        },
        { timeoutMs: 25000, intervalMs: 100, description: "the sentinel to answer over TLS and see its master up" },
    );
}, 40000);

afterAll(() => {
    for (const id of created) docker("rm", "-f", "-v", id);
    try {
        docker("network", "rm", NAME);
    } catch {
        // Already gone.
    }
});

it("a renewal restarts the sentinel in its container: same container and myid, new certificate served, the master known", async () => {
    const startedAt = docker("inspect", "-f", "{{.State.StartedAt}}", sentinelId);
    const myid = await sentinelCall(first.caCert, "SENTINEL", "myid");
    expect(await servedSerial(first.caCert)).toBe(serialOf(first.certs["sentinel-0"].serialNumber));

    // The sentinel's leaf is due (its CA is not): a renewal keeps the CA.
    const renewed = await issueCertificates(
        request,
        { ...first, certs: { ...first.certs, "sentinel-0": { ...first.certs["sentinel-0"], notAfter: new Date(Date.now() + DAY).toISOString() } } },
        new Date(),
    );
    expect(renewed.caCert).toBe(first.caCert);
    const olds = restartInputs(sentinelId, first);
    const news = restartInputs(sentinelId, renewed);
    expect((await sentinelTlsRestartProvider.diff!("sentinel-0-tls-restart", olds, news)).changes).toBe(true);
    await sentinelTlsRestartProvider.update!("sentinel-0-tls-restart", olds, news);

    expect(docker("inspect", "-f", "{{.Id}}", `${NAME}-sentinel`)).toBe(sentinelId);
    expect(docker("inspect", "-f", "{{.State.StartedAt}}", sentinelId)).not.toBe(startedAt);
    expect(await servedSerial(renewed.caCert)).toBe(serialOf(renewed.certs["sentinel-0"].serialNumber));
    expect(await sentinelCall(renewed.caCert, "SENTINEL", "myid")).toBe(myid);
    expect(await sentinelCall(renewed.caCert, "SENTINEL", "get-master-addr-by-name", MASTER_NAME)).toEqual([masterIp, "6379"]);
    for (const file of Object.values(TLS_FILES)) expect(docker("exec", sentinelId, "stat", "-c", "%U %a", file)).toBe("redis 600");
    const keyLine = renewed.keys["sentinel-0"].split("\n")[1];
    expect(docker("inspect", sentinelId).includes(keyLine)).toBe(false);
    first = renewed;
}, 40000);

it("a new container already serving the current files (a roll) is not restarted again", async () => {
    const startedAt = docker("inspect", "-f", "{{.State.StartedAt}}", sentinelId);
    const current = restartInputs(sentinelId, first);
    await sentinelTlsRestartProvider.update!("sentinel-0-tls-restart", { ...current, containerId: "the-replaced-one" }, current);
    expect(docker("inspect", "-f", "{{.State.StartedAt}}", sentinelId)).toBe(startedAt);
    expect(await sentinelCall(first.caCert, "SENTINEL", "get-master-addr-by-name", MASTER_NAME)).toEqual([masterIp, "6379"]);
}, 20000);

it("diff: nothing to do for the same certificate and CA; a new container is a change", async () => {
    const same = restartInputs(sentinelId, first);
    expect((await sentinelTlsRestartProvider.diff!("x", same, { ...same })).changes).toBe(false);
    expect((await sentinelTlsRestartProvider.diff!("x", same, { ...same, containerId: "another" })).changes).toBe(true);
    expect((await sentinelTlsRestartProvider.diff!("x", same, { ...same, timeoutMs: 1 })).changes).toBe(false);
});
