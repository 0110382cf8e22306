/** redis.conf with TLS and ACL: each combination renders the directives it needs, and none when both are off. */
import { parseSettings } from "../../components/config";
import type { RedisConfInput } from "../../components/docker/redis-conf";
import { renderRedisConf, renderTemplate } from "../../components/docker/templates";
import { sentinelConfView } from "../../components/sentinel/conf";
import { INTERNAL_USERS } from "../../components/security/acl";
import { nodeSecurityConf } from "../../components/security/node-security";
import { internalPasswords, sha256Hex } from "../support/internal-passwords";

const sha = sha256Hex;
const base: RedisConfInput = {
    nodeName: "node-1",
    role: "replica",
    bind: "0.0.0.0",
    port: 6379,
    password: "default-pw",
    persistence: { save: [], appendonly: true, appendfsync: "everysec" },
    maxmemory: "0",
    maxmemoryPolicy: "noeviction",
    replicaOf: { host: "redis-ha-t-node-0", port: 6379 },
};
const passwords = internalPasswords();
const APP = { name: "app", password: "app-pw", rules: "~app:* +@read +@write -@dangerous" };

function render(raw: Record<string, unknown>, node = { cluster: false, plaintextPort: 6380 }): string {
    const settings = parseSettings(raw, "redis-ha", "t");
    return renderRedisConf({ ...base, security: nodeSecurityConf(settings, passwords, node) });
}
const lines = (conf: string) => conf.split("\n");

describe("redis.conf security combinations", () => {
    it("TLS and ACL off: no security part, the file as before", () => {
        expect(nodeSecurityConf(parseSettings({}, "p", "s"), passwords, { cluster: false })).toBeUndefined();
        const conf = render({});
        expect(lines(conf)).toEqual(expect.arrayContaining(["port 6379", 'requirepass "default-pw"', 'masterauth "default-pw"']));
        expect(conf).not.toMatch(/^(tls-|user |masteruser)/m);
    });

    it("TLS only: tls-port on the client port, plain port off, replication over TLS, no users", () => {
        const conf = render({ tls: { enabled: true } });
        expect(lines(conf)).toEqual(
            expect.arrayContaining([
                "port 0",
                "tls-port 6379",
                'tls-cert-file "/usr/local/etc/redis/tls/node.crt"',
                'tls-key-file "/usr/local/etc/redis/tls/node.key"',
                'tls-ca-cert-file "/usr/local/etc/redis/tls/ca.crt"',
                "tls-auth-clients no",
                "tls-replication yes",
                'requirepass "default-pw"',
                'masterauth "default-pw"',
            ]),
        );
        expect(conf).not.toMatch(/^(tls-cluster|user |masteruser)/m);
    });

    it("TLS with allowPlaintext, client certificates and a cluster node", () => {
        const conf = render({ tls: { enabled: true, allowPlaintext: true, authClients: "yes" } }, { cluster: true, plaintextPort: 6380 });
        expect(lines(conf)).toEqual(expect.arrayContaining(["port 6380", "tls-port 6379", "tls-auth-clients yes", "tls-cluster yes"]));
    });

    it("ACL users: hashed user lines for the stack's own users only (the application's are set live), replication as its own user", () => {
        const conf = render({ acl: { users: [APP] } });
        const userLines = lines(conf).filter((l) => l.startsWith("user "));
        expect(userLines).toEqual([
            `user redis-ha-replication reset on #${sha("replication-pw")} +psync +replconf +ping`,
            `user redis-ha-operator reset on #${sha("operator-pw")} ${INTERNAL_USERS.operator.rules}`,
        ]);
        expect(lines(conf)).toEqual(
            expect.arrayContaining(["masteruser redis-ha-replication", 'masterauth "replication-pw"', 'requirepass "default-pw"']),
        );
        // The application user is the AclUsers resource's (security/acl-users.ts): not in the uploaded file.
        expect(conf).not.toMatch(/^user app /m);
        expect(conf).not.toContain("app-pw");
        expect(conf).not.toContain("user default");
    });

    it("topology sentinel: the sentinel user too, with the rules Redis documents for Sentinel and the hello channel", () => {
        const conf = render({ topology: "sentinel", replicas: 1, acl: { users: [APP] } });
        expect(
            lines(conf)
                .filter((l) => l.startsWith("user "))
                .map((l) => l.split(" ")[1]),
        ).toEqual(["redis-ha-replication", "redis-ha-sentinel", "redis-ha-operator"]);
        expect(lines(conf)).toContain(`user redis-ha-sentinel reset on #${sha("sentinel-pw")} ${INTERNAL_USERS.sentinel.rules}`);
        expect(INTERNAL_USERS.sentinel.rules).toMatch(/^-@all .*&__sentinel__:hello$/);
    });

    it("default user on without application users: no ACL part, the file as before", () => {
        expect(nodeSecurityConf(parseSettings({ acl: { users: [] } }, "p", "s"), passwords, { cluster: false })).toBeUndefined();
    });

    it("defaultUser off: no requirepass, the default user disabled", () => {
        const conf = render({ tls: { enabled: true }, acl: { defaultUser: "off", users: [APP] } });
        expect(conf).not.toContain("requirepass");
        expect(conf).not.toContain("default-pw");
        expect(lines(conf)).toEqual(expect.arrayContaining(["user default reset off", "masteruser redis-ha-replication", "tls-port 6379"]));
    });
});

describe("sentinel.conf with TLS and a sentinel user", () => {
    const input = {
        sentinelName: "sentinel-0",
        networkMode: "bridge" as const,
        bind: "0.0.0.0",
        port: 26379,
        announce: { host: "redis-ha-t-sentinel-0", port: 26379 },
        master: { host: "redis-ha-t-node-0", port: 6379 },
        settings: { masterName: "mymaster", quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 },
        password: "sentinel-user-pw",
        sentinelPassword: "sentinels-pw",
    };
    const render = (extra: object) => renderTemplate("sentinel.conf.mustache", sentinelConfView({ ...input, ...extra }));

    it("without them: the plain port, no tls- lines, no auth-user", () => {
        const conf = render({});
        expect(lines(conf)).toContain("port 26379");
        expect(conf).not.toMatch(/^(tls-|sentinel auth-user)/m);
    });

    it("with them: tls-port on the sentinel port, port 0, TLS toward data nodes and peers, auth-user before auth-pass", () => {
        const conf = render({
            tls: {
                certFile: "/usr/local/etc/redis/tls/node.crt",
                keyFile: "/usr/local/etc/redis/tls/node.key",
                caCertFile: "/usr/local/etc/redis/tls/ca.crt",
                authClients: "no",
            },
            authUser: "redis-ha-sentinel",
        });
        expect(lines(conf)).toEqual(
            expect.arrayContaining([
                "port 0",
                "tls-port 26379",
                'tls-key-file "/usr/local/etc/redis/tls/node.key"',
                "tls-replication yes",
                "tls-auth-clients no",
            ]),
        );
        expect(conf).toMatch(/^sentinel auth-user mymaster redis-ha-sentinel\nsentinel auth-pass mymaster "sentinel-user-pw"$/m);
    });

    it("tls.allowPlaintext and tls.authClients yes: the plain port beside tls-port, client certificates required", () => {
        const tls = {
            certFile: "/usr/local/etc/redis/tls/node.crt",
            keyFile: "/usr/local/etc/redis/tls/node.key",
            caCertFile: "/usr/local/etc/redis/tls/ca.crt",
        };
        const conf = render({ tls: { ...tls, authClients: "yes", plaintextPort: 27379 } });
        expect(lines(conf)).toEqual(expect.arrayContaining(["port 27379", "tls-port 26379", "tls-auth-clients yes", "tls-replication yes"]));
        expect(lines(render({ tls: { ...tls, authClients: "optional" } }))).toEqual(expect.arrayContaining(["port 0", "tls-auth-clients optional"]));
    });
});
