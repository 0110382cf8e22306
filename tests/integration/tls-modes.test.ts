/**
 * tls.authClients yes and tls.allowPlaintext on real redis-server 7.0 processes, from the rendered redis.conf
 * and sentinel.conf and the generated certificates: a client without a certificate is refused (ioredis and
 * redis-cli) and one with the stack's client certificate is let in, the way the deploy-time providers connect
 * (withRedis with providerTls's NodeTls); a replica presenting its node certificate replicates from its
 * master, and a sentinel presenting its own monitors the master and finds the replica; the plain port
 * answers plain text beside the TLS one.
 */
import { execFileSync, spawnSync } from "child_process";
import { localTlsFiles, withLocalTlsDir } from "../support/tls-files";
import * as path from "path";
import Redis from "ioredis";
import { parseSettings } from "../../components/config";
import type { RedisConfInput } from "../../components/docker/redis-conf";
import { renderRedisConf, renderTemplate } from "../../components/docker/templates";
import { CLIENT_SUBJECT } from "../../components/security/certificates";
import { TLS_FILES, nodeSecurityConf } from "../../components/security/node-security";
import { type TlsCertificatesOutputs } from "../../components/security/tls-certificates";
import { sentinelConfView } from "../../components/sentinel/conf";
import { type NodeTls, withRedis } from "../../components/shared/redis-connection";
import { pollUntil } from "../../components/shared/poll";
import { startRedis, stopAllRedis } from "../support/redis-process";

// In this file's range (9300-9499): each process's plain port, then its TLS port.
const MASTER = { plain: 9300, tls: 9301 };
const REPLICA = { plain: 9302, tls: 9303 };
const SENTINEL = { plain: 9304, tls: 9305 };
const PASSWORD = "tls-modes-pw";
const base: Omit<RedisConfInput, "nodeName" | "role" | "port"> = {
    bind: "127.0.0.1",
    password: PASSWORD,
    persistence: { save: [], appendonly: false, appendfsync: "everysec" },
    maxmemory: "0",
    maxmemoryPolicy: "noeviction",
};

let certs: TlsCertificatesOutputs;
let dir: string;
let client: NodeTls;
const file = (name: string) => path.join(dir, name);

/** The error ioredis reports connecting with `tls` (the event carries the cause; connect() only says "closed"). */
async function connectError(port: number, tls: object | undefined): Promise<string> {
    const c = new Redis({ host: "127.0.0.1", port, password: PASSWORD, tls, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let cause = "";
    c.on("error", (err: Error) => (cause ||= err.message));
    try {
        await c.connect();
        await c.ping();
        return "connected";
    } catch (err) {
        return cause || (err as Error).message;
    } finally {
        c.disconnect();
    }
}

function cli(port: number, ...args: string[]) {
    return spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning", "-a", PASSWORD, ...args], {
        encoding: "utf8",
        timeout: 10000,
    });
}

beforeAll(async () => {
    ({ issued: certs, dir } = await localTlsFiles("redis-ha-tls-modes", { dnsNames: ["node"], clientSubject: CLIENT_SUBJECT }));
    client = { ca: certs.caCert, cert: certs.certs.client.cert, key: certs.keys.client };

    const settings = parseSettings({ topology: "sentinel", tls: { enabled: true, authClients: "yes", allowPlaintext: true } }, "redis-ha", "it");
    // The container paths, moved to the test's directory.
    const local = (conf: string) => withLocalTlsDir(conf, dir);
    const conf = (ports: { plain: number; tls: number }, parts: Pick<RedisConfInput, "nodeName" | "role" | "replicaOf" | "announce">) =>
        local(
            renderRedisConf({
                ...base,
                ...parts,
                port: ports.tls,
                security: nodeSecurityConf(settings, undefined, { cluster: false, plaintextPort: ports.plain }),
            }),
        );
    // The helper pings the plain port: up only if allowPlaintext rendered it.
    await startRedis({ port: MASTER.plain, config: conf(MASTER, { nodeName: "node-0", role: "master" }), password: PASSWORD });
    await startRedis({
        port: REPLICA.plain,
        config: conf(REPLICA, {
            nodeName: "node-1",
            role: "replica",
            replicaOf: { host: "127.0.0.1", port: MASTER.tls },
            announce: { host: "127.0.0.1", port: REPLICA.tls },
        }),
        password: PASSWORD,
    });
    const sentinelConf = renderTemplate(
        "sentinel.conf.mustache",
        sentinelConfView({
            sentinelName: "sentinel-0",
            networkMode: "host",
            bind: "127.0.0.1",
            port: SENTINEL.tls,
            announce: { host: "127.0.0.1", port: SENTINEL.tls },
            master: { host: "127.0.0.1", port: MASTER.tls },
            settings: { masterName: "mymaster", quorum: 1, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 },
            password: PASSWORD,
            tls: { ...TLS_FILES, authClients: "yes", plaintextPort: SENTINEL.plain },
        }),
    );
    await startRedis({ port: SENTINEL.plain, config: local(sentinelConf), sentinel: true, password: PASSWORD });
}, 30000);

afterAll(stopAllRedis);

it("authClients yes: a client without a certificate is refused, one with the stack's client certificate is let in (ioredis)", async () => {
    expect(await connectError(MASTER.tls, { ca: certs.caCert })).not.toBe("connected");
    // As the deploy-time providers connect (providerTls's NodeTls through withRedis) and as the outputs' ioredis options do.
    expect(await withRedis({ host: "127.0.0.1", port: MASTER.tls, password: PASSWORD, tls: client }, (c) => c.ping())).toBe("PONG");
    expect(await connectError(MASTER.tls, client)).toBe("connected");
    expect(await connectError(SENTINEL.tls, { ca: certs.caCert })).not.toBe("connected");
    expect(await connectError(SENTINEL.tls, client)).toBe("connected");
});

it("authClients yes: redis-cli --tls --cacert alone is refused, with --cert and --key it works", () => {
    const without = cli(MASTER.tls, "--tls", "--cacert", file("ca.crt"), "PING");
    expect(without.stdout.trim()).not.toBe("PONG");
    const withCert = cli(MASTER.tls, "--tls", "--cacert", file("ca.crt"), "--cert", file("client.crt"), "--key", file("client.key"), "PING");
    expect(withCert.stdout.trim()).toBe("PONG");
});

it("a replica presenting its node certificate replicates from a master that requires one", async () => {
    const info = await pollUntil(
        async () => {
            const text = await withRedis({ host: "127.0.0.1", port: REPLICA.tls, password: PASSWORD, tls: client }, (c) => c.info("replication"));
            return /master_link_status:up/.test(text) ? { done: true, value: text } : { done: false, observed: text };
        },
        { timeoutMs: 10000, description: "the replica's link to the master" },
    );
    expect(info).toContain(`master_port:${MASTER.tls}`);
    await withRedis({ host: "127.0.0.1", port: MASTER.tls, password: PASSWORD, tls: client }, async (c) => {
        expect(await c.set("modes:replicated", "yes")).toBe("OK");
        expect(await c.wait(1, 5000)).toBe(1);
    });
});

it("a sentinel presenting its certificate monitors the master and finds its replica", async () => {
    const replicas = await pollUntil(
        async () => {
            const found = (await withRedis({ host: "127.0.0.1", port: SENTINEL.tls, password: PASSWORD, tls: client }, (c) =>
                c.call("SENTINEL", "REPLICAS", "mymaster"),
            )) as string[][];
            return found.length === 1 && found[0].includes("slave") ? { done: true, value: found } : { done: false, observed: JSON.stringify(found) };
        },
        { timeoutMs: 15000, description: "the sentinel to find the replica" },
    );
    expect(replicas[0][replicas[0].indexOf("port") + 1]).toBe(String(REPLICA.tls));
    const master = (await withRedis({ host: "127.0.0.1", port: SENTINEL.tls, password: PASSWORD, tls: client }, (c) =>
        c.call("SENTINEL", "MASTER", "mymaster"),
    )) as string[];
    expect(master[master.indexOf("flags") + 1]).toBe("master");
});

it("allowPlaintext: plain text on the plain port (no certificate asked), TLS on the TLS port, for data nodes and the sentinel", () => {
    for (const ports of [MASTER, REPLICA, SENTINEL]) {
        expect(
            execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(ports.plain), "--no-auth-warning", "-a", PASSWORD, "PING"], {
                encoding: "utf8",
            }).trim(),
        ).toBe("PONG");
        // The TLS port does not speak plain text.
        expect(cli(ports.tls, "PING").stdout.trim()).not.toBe("PONG");
    }
    expect(cli(MASTER.plain, "GET", "modes:replicated").stdout.trim()).toBe("yes");
});
