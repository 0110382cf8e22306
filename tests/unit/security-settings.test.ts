/** tls.* and acl.* settings: defaults, shapes, and ACL rules checked with Redis's grammar (security/acl.ts). */
import { parseSettings, planPorts } from "../../components/config";
import { type InternalUser, aclRulesProblem, aclUserLine, internalUserRules, INTERNAL_USERS } from "../../components/security/acl";
import { ConfigError } from "../../components/settings";

function problemsOf(raw: Record<string, unknown>): string {
    try {
        parseSettings(raw, "redis-ha", "test");
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

describe("tls and acl defaults", () => {
    it("leaves TLS off and the default user on", () => {
        const s = parseSettings({}, "redis-ha", "dev");
        expect(s.tls).toEqual({ enabled: false, validityDays: 365, allowPlaintext: false, authClients: "no" });
        expect(s.acl).toEqual({ users: [], defaultUser: "on" });
    });

    it("reads every key, strings from `pulumi config set --path` included", () => {
        const s = parseSettings(
            {
                tls: { enabled: "true", validityDays: "90", allowPlaintext: "true", authClients: "optional" },
                acl: { defaultUser: "off", users: [{ name: "app", password: "s3cret", rules: "~app:* +@read +@write -@dangerous" }] },
            },
            "p",
            "s",
        );
        expect(s.tls).toEqual({ enabled: true, validityDays: 90, allowPlaintext: true, authClients: "optional" });
        expect(s.acl).toEqual({ defaultUser: "off", users: [{ name: "app", password: "s3cret", rules: "~app:* +@read +@write -@dangerous" }] });
    });
});

describe("tls and acl validation names the key", () => {
    it.each([
        [{ tls: { enabled: "yes" } }, "redis-ha:tls.enabled: must be true or false"],
        [{ tls: { validityDays: 0 } }, "redis-ha:tls.validityDays: must be between 1 and 3650, got 0"],
        [{ tls: { authClients: "required" } }, "redis-ha:tls.authClients: must be one of no, optional, yes"],
        [{ tls: { port: 6380 } }, "redis-ha:tls.port: unknown key"],
        [{ tls: { enabled: true, caCert: PEM_CERT, cert: PEM_CERT } }, "redis-ha:tls.key: tls.caCert, tls.cert and tls.key are given together"],
        [{ tls: { enabled: true, caCert: PEM_CERT, cert: PEM_CERT, key: "hunter2" } }, "redis-ha:tls.key: must be a PEM private key"],
        [{ tls: { caCert: PEM_CERT, cert: PEM_CERT, key: PEM_KEY } }, "redis-ha:tls.enabled: tls.caCert, tls.cert and tls.key are given but"],
        [{ acl: { defaultUser: "no" } }, "redis-ha:acl.defaultUser: must be one of on, off"],
        [{ acl: { defaultUser: "off" } }, "redis-ha:acl.defaultUser: off leaves no user a client can log in as"],
        [{ acl: { users: "app" } }, "redis-ha:acl.users: must be a list"],
        [{ acl: { users: [{ name: "my app", password: "x", rules: "" }] } }, "redis-ha:acl.users[0].name: must be a user name of letters"],
        [{ acl: { users: [{ name: "app", rules: "+get" }] } }, 'redis-ha:acl.users[0].password: user "app": must be a non-empty string'],
        [
            {
                acl: {
                    users: [
                        { name: "app", password: "x", rules: "" },
                        { name: "app", password: "y", rules: "" },
                    ],
                },
            },
            'redis-ha:acl.users[1].name: user "app" is listed twice',
        ],
        [{ acl: { users: [{ name: "default", password: "x", rules: "" }] } }, 'redis-ha:acl.users[0].name: "default" is reserved'],
        [{ acl: { users: [{ name: "redis-ha-replication", password: "x", rules: "" }] } }, '"redis-ha-replication" is reserved'],
        [
            { acl: { users: [{ name: "app", password: "x", rules: "~app:* +gett" }] } },
            'redis-ha:acl.users[0].rules: user "app", rule "+gett": unknown command',
        ],
        [{ acl: { users: [{ name: "app", password: "x", rules: "+@reed" }] } }, 'user "app", rule "+@reed": unknown command or category name'],
        [{ acl: { users: [{ name: "app", password: "x", rules: "~* ~app:*" }] } }, 'user "app", rule "~app:*": adding a pattern after the * pattern'],
        [
            { acl: { users: [{ name: "app", password: "x", rules: ">plain" }] } },
            'user "app", rule ">plain": passwords are set with acl.users[].password',
        ],
        [{ acl: { users: [{ name: "app", password: "x", rules: "(~a +get" }] } }, 'user "app", rule "(~a +get": unmatched parenthesis'],
    ])("%j -> %s", (raw, expected) => {
        expect(problemsOf(raw)).toContain(expected);
    });

    it("never repeats a password or a key in a message", () => {
        const message = problemsOf({
            tls: { enabled: true, caCert: PEM_CERT, cert: "not-a-cert-XYZZY", key: "key-material-PLUGH" },
            acl: { users: [{ name: "app", password: "pw-FROBOZZ", rules: "+nosuchcommand" }] },
        });
        expect(message).toContain("redis-ha:tls.cert");
        for (const secret of ["XYZZY", "PLUGH", "FROBOZZ"]) expect(message).not.toContain(secret);
    });
});

describe("ACL rule grammar (Redis 7.0's ACLSetUser / ACLSetSelector)", () => {
    it.each([
        "~app:* +@read +@write -@dangerous",
        "on allkeys allchannels allcommands",
        "off resetkeys ~a ~b resetchannels &news:* nocommands +get",
        "%R~cache:* %W~queue:* %RW~both:* +@all -flushall -flushdb",
        "~* resetkeys ~again:*",
        "+config|get -config|set +client|setname +select|0",
        "+GET +Set -@ALL +@Read",
        "(~temp:* +get) (%R~* +@read) clearselectors",
        "skip-sanitize-payload sanitize-payload",
        "%RW~* ~more",
        "%R",
        "",
    ])("accepts %j", (rules) => {
        expect(aclRulesProblem(rules)).toBeUndefined();
    });

    it.each([
        ["+nosuch", "+nosuch", "unknown command"],
        ["-@nosuch", "-@nosuch", "unknown command or category"],
        ["~* ~again", "~again", "adding a pattern after the * pattern"],
        ["allchannels &x", "&x", "'allchannels' flag"],
        ["%X~a", "%X~a", "syntax error"],
        ["%RR~a", "%RR~a", "syntax error"],
        ["+config|get|x", "+config|get|x", "first-arg of a subcommand"],
        ["+config|", "+config|", "syntax error"],
        ["+config|nosuch", "+config|nosuch", "unknown command"],
        ["-select|0", "-select|0", "unknown command"],
        ["whatever", "whatever", "syntax error"],
        ["(~a on)", "(~a on)", "in selector: on"],
        ["nopass", "nopass", "passwords are set"],
        ["#" + "a".repeat(64), "#" + "a".repeat(64), "passwords are set"],
        ["reset", "reset", "passwords are set"],
    ])("refuses %j at %j (%s)", (rules, rule, why) => {
        const problem = aclRulesProblem(rules);
        expect(problem?.rule).toBe(rule);
        expect(problem?.message).toContain(why);
    });

    it("parses the stack's own users' rules, on cluster nodes too", () => {
        for (const user of Object.values(INTERNAL_USERS)) expect(aclRulesProblem(user.rules)).toBeUndefined();
        for (const user of Object.keys(INTERNAL_USERS) as InternalUser[])
            for (const topology of ["standalone", "cluster"]) expect(aclRulesProblem(internalUserRules(user, topology))).toBeUndefined();
        expect(internalUserRules("operator", "cluster")).toBe(`${INTERNAL_USERS.operator.rules} ${INTERNAL_USERS.operator.clusterRules}`);
        expect(internalUserRules("operator", "sentinel")).toBe(INTERNAL_USERS.operator.rules);
        expect(internalUserRules("replication", "cluster")).toBe(INTERNAL_USERS.replication.rules);
    });
});

describe("user lines", () => {
    it("carry the password's SHA-256, never the password, and quote a selector", () => {
        const line = aclUserLine({ name: "app", passwordSha256: "ab".repeat(32), rules: "~app:*  +get (~tmp:* +set)" });
        expect(line).toBe(`user app reset on #${"ab".repeat(32)} ~app:* +get "(~tmp:* +set)"`);
    });
});

describe("every topology takes every security setting", () => {
    it("ACL users with the default user off, and TLS with client certificates and a plain port, on each topology", () => {
        for (const topology of ["standalone", "replication", "sentinel", "cluster"]) {
            const settings = parseSettings(
                {
                    topology,
                    tls: { enabled: true, allowPlaintext: true, authClients: "yes" },
                    acl: { defaultUser: "off", users: [{ name: "app", password: "x", rules: "+get" }] },
                },
                "p",
                "s",
            );
            expect({ topology, tls: settings.tls, acl: settings.acl }).toMatchObject({
                topology,
                tls: { enabled: true, allowPlaintext: true, authClients: "yes" },
                acl: { defaultUser: "off", users: [{ name: "app", rules: "+get" }] },
            });
        }
    });

    it("tls.allowPlaintext on a cluster: each node's plain port is planned beside its client port, the bus has none", () => {
        const s = parseSettings(
            {
                topology: "cluster",
                basePort: 7000,
                network: { mode: "host" },
                cluster: { shards: 3, replicasPerShard: 1 },
                tls: { enabled: true, allowPlaintext: true },
            },
            "p",
            "s",
        );
        const ports = planPorts(s).map((p) => p.port);
        expect(ports.filter((p) => p < 10000).sort((a, b) => a - b)).toEqual([
            7000, 7001, 7002, 7100, 7101, 7102, 8000, 8001, 8002, 8100, 8101, 8102,
        ]);
        expect(ports.filter((p) => p >= 10000).sort((a, b) => a - b)).toEqual([17000, 17001, 17002, 17100, 17101, 17102]);
    });

    it("tls.allowPlaintext takes each node's TLS port + 1000 on the host: checked for collisions with the rest of the plan", () => {
        const ports = planPorts(
            parseSettings({ topology: "sentinel", replicas: 1, basePort: 7000, tls: { enabled: true, allowPlaintext: true } }, "p", "s"),
        );
        expect(ports.map((p) => p.port).sort((a, b) => a - b)).toEqual([7000, 7001, 8000, 8001, 27000, 27001, 27002, 28000, 28001, 28002]);
        expect(ports.find((p) => p.port === 8001)).toMatchObject({ key: "tls.allowPlaintext", purpose: "node-1 (replica) plain text" });
        // Without TLS there is no plain twin: the one port already speaks plain text.
        expect(
            planPorts(parseSettings({ topology: "replication", replicas: 1, tls: { enabled: false, allowPlaintext: true } }, "p", "s")),
        ).toHaveLength(2);
        // basePort 64536 + 1000 leaves the port range: named before any resource exists.
        expect(() => parseSettings({ basePort: 64536, tls: { enabled: true, allowPlaintext: true } }, "p", "s")).toThrow(
            /tls\.allowPlaintext.*node-0 \(master\) plain text would use port 65536, outside 1-65535/,
        );
    });
});
