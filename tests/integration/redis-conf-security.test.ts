/**
 * The rendered TLS + ACL redis.conf run by real redis-server 7.0 processes: a replica replicates from its
 * master over TLS as the stack's replication user, the default user cannot log in when `acl.defaultUser` is
 * off, and an application user (set live as the AclUsers resource does) gets NOPERM outside its rules.
 */
import { localTlsFiles, withLocalTlsDir } from "../support/tls-files";
import Redis from "ioredis";
import { parseSettings } from "../../components/config";
import type { RedisConfInput } from "../../components/docker/redis-conf";
import { renderRedisConf, renderTemplate } from "../../components/docker/templates";
import { sentinelConfView } from "../../components/sentinel/conf";
import { INTERNAL_USERS } from "../../components/security/acl";
import { TLS_FILES, nodeSecurityConf } from "../../components/security/node-security";
import { applyAclUsers } from "../../components/security/acl-users";
import { startRedis, stopAllRedis } from "../support/redis-process";
import { internalPasswords, sha256Hex } from "../support/internal-passwords";

const MASTER = { plain: 7564, tls: 7565 };
const REPLICA = { plain: 7566, tls: 7567 };
const sha = sha256Hex;
const APP = { name: "app", password: "app-pw", rules: "~app:* +@read +@write -@dangerous" };
const passwords = internalPasswords(`-${process.pid}`);
const base: Omit<RedisConfInput, "nodeName" | "role" | "port"> = {
    bind: "127.0.0.1",
    password: "default-pw",
    persistence: { save: [], appendonly: false, appendfsync: "everysec" },
    maxmemory: "0",
    maxmemoryPolicy: "noeviction",
};

afterAll(stopAllRedis);

it("a replica links to its master over TLS as redis-ha-replication; default user off; app user held to its rules", async () => {
    const settings = parseSettings({ topology: "replication", tls: { enabled: true }, acl: { defaultUser: "off", users: [APP] } }, "redis-ha", "it");
    const { issued: certs, dir: tlsDir } = await localTlsFiles("redis-ha-tls-conf", { dnsNames: ["node"] });
    const security = nodeSecurityConf(settings, passwords, { cluster: false });
    // The container paths, moved to the test's directory; the helper appends the plain port it pings.
    const local = (conf: string) => withLocalTlsDir(conf, tlsDir);
    const operator = { user: INTERNAL_USERS.operator.name, password: passwords.internal.operator.password };

    await startRedis({
        port: MASTER.plain,
        config: local(renderRedisConf({ ...base, nodeName: "node-0", role: "master", port: MASTER.tls, security })),
        ...operator,
    });
    await startRedis({
        port: REPLICA.plain,
        config: local(
            renderRedisConf({
                ...base,
                nodeName: "node-1",
                role: "replica",
                port: REPLICA.tls,
                replicaOf: { host: "127.0.0.1", port: MASTER.tls },
                security,
            }),
        ),
        ...operator,
    });

    // The application user is set live, as the node's AclUsers resource does.
    await applyAclUsers({
        name: "node-0",
        access: { host: "127.0.0.1", port: MASTER.tls },
        username: operator.user,
        password: operator.password,
        tls: { ca: certs.caCert },
        users: [{ name: APP.name, passwordSha256: sha(APP.password), rules: APP.rules }],
        containerId: "c",
        timeoutMs: 10000,
    });
    const tls = { ca: certs.caCert };
    const replica = new Redis({
        host: "127.0.0.1",
        port: REPLICA.tls,
        tls,
        username: operator.user,
        password: operator.password,
        lazyConnect: true,
        retryStrategy: () => null,
    });
    const app = new Redis({
        host: "127.0.0.1",
        port: MASTER.tls,
        tls,
        username: APP.name,
        password: APP.password,
        lazyConnect: true,
        enableReadyCheck: false,
        retryStrategy: () => null,
    });
    const anonymous = new Redis({ host: "127.0.0.1", port: MASTER.tls, tls, password: "default-pw", lazyConnect: true, retryStrategy: () => null });
    const errors: string[] = [];
    anonymous.on("error", (e: Error) => errors.push(e.message));
    try {
        await replica.connect();
        const deadline = Date.now() + 10000;
        let info = "";
        while (!/master_link_status:up/.test(info) && Date.now() < deadline) {
            info = await replica.info("replication");
            if (!/master_link_status:up/.test(info)) await new Promise((r) => setTimeout(r, 50));
        }
        expect(info).toMatch(/master_link_status:up/);
        expect(info).toContain(`master_port:${MASTER.tls}`);

        await app.connect();
        expect(await app.set("app:1", "v")).toBe("OK");
        await expect(app.set("other:1", "v")).rejects.toThrow(/NOPERM/);
        await expect(app.call("FLUSHALL")).rejects.toThrow(/NOPERM/);

        await expect(anonymous.connect()).rejects.toThrow();
        expect(errors.join("\n")).toMatch(/WRONGPASS|NOAUTH|disabled/i);
    } finally {
        replica.disconnect();
        app.disconnect();
        anonymous.disconnect();
    }
});

it("a sentinel monitors a TLS master and finds its replica, logging in as redis-ha-sentinel", async () => {
    const SENTINEL = { plain: 7568, tls: 7569 };
    const settings = parseSettings({ topology: "sentinel", tls: { enabled: true }, acl: { users: [APP] } }, "redis-ha", "it2");
    const { issued: certs, dir: tlsDir } = await localTlsFiles("redis-ha-tls-sentinel", { dnsNames: ["node"] });
    const security = nodeSecurityConf(settings, passwords, { cluster: false });
    const local = (conf: string) => withLocalTlsDir(conf, tlsDir);
    const masterPorts = { plain: 7570, tls: 7571 };
    const replicaPorts = { plain: 7572, tls: 7573 };
    await startRedis({
        port: masterPorts.plain,
        config: local(renderRedisConf({ ...base, nodeName: "node-0", role: "master", port: masterPorts.tls, security })),
        password: "default-pw",
    });
    await startRedis({
        port: replicaPorts.plain,
        config: local(
            renderRedisConf({
                ...base,
                nodeName: "node-1",
                role: "replica",
                port: replicaPorts.tls,
                replicaOf: { host: "127.0.0.1", port: masterPorts.tls },
                announce: { host: "127.0.0.1", port: replicaPorts.tls },
                security,
            }),
        ),
        password: "default-pw",
    });
    const sentinelConf = renderTemplate(
        "sentinel.conf.mustache",
        sentinelConfView({
            sentinelName: "sentinel-0",
            networkMode: "host",
            bind: "127.0.0.1",
            port: SENTINEL.tls,
            announce: { host: "127.0.0.1", port: SENTINEL.tls },
            master: { host: "127.0.0.1", port: masterPorts.tls },
            settings: { masterName: "mymaster", quorum: 1, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 },
            password: passwords.internal.sentinel.password,
            sentinelPassword: "sentinel-own-pw",
            tls: { ...TLS_FILES, authClients: "no" },
            authUser: INTERNAL_USERS.sentinel.name,
        }),
    );
    expect(sentinelConf).toContain(`sentinel auth-user mymaster ${INTERNAL_USERS.sentinel.name}`);
    await startRedis({ port: SENTINEL.plain, config: local(sentinelConf), sentinel: true, password: "sentinel-own-pw" });

    const sentinel = new Redis({
        host: "127.0.0.1",
        port: SENTINEL.tls,
        tls: { ca: certs.caCert },
        password: "sentinel-own-pw",
        lazyConnect: true,
        retryStrategy: () => null,
    });
    try {
        await sentinel.connect();
        const deadline = Date.now() + 15000;
        let master: Record<string, string> = {};
        for (;;) {
            const flat = (await sentinel.call("SENTINEL", "MASTER", "mymaster")) as string[];
            master = Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : [])));
            if ((master.flags === "master" && master["num-slaves"] === "1") || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        expect({ flags: master.flags, slaves: master["num-slaves"], port: master.port }).toEqual({
            flags: "master",
            slaves: "1",
            port: String(masterPorts.tls),
        });
        const replicas = (await sentinel.call("SENTINEL", "REPLICAS", "mymaster")) as string[][];
        expect(replicas[0].join(" ")).toContain(`127.0.0.1:${replicaPorts.tls}`);
    } finally {
        sentinel.disconnect();
    }
});
