/**
 * security/acl.ts against a throwaway real redis-server: every rule set gets the same verdict from
 * aclRulesProblem as from Redis's own ACL SETUSER, the command table is the server's COMMAND LIST, and a
 * rendered `user` line logs in with its password and is held to its rules.
 */
import { createHash } from "crypto";
import Redis from "ioredis";
import { aclRuleArgs, aclRulesProblem, aclUserLine, INTERNAL_USERS } from "../../components/security/acl";
import { REDIS_COMMANDS } from "../../components/security/redis-commands";
import { startRedis, stopAllRedis } from "../support/redis-process";

const PORT = 7560;

/** Rule sets Redis and this project judge alike (password rules are refused by the project only, on purpose). */
const RULE_SETS = [
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
    "&* &more",
    "allchannels resetchannels &again",
    "+nosuch",
    "-@nosuch",
    "+@",
    "+",
    "~* ~again",
    "allkeys %R~again",
    "allchannels &x",
    "%X~a",
    "%R",
    "%~a",
    "%RR~a",
    "%rw~lower",
    "+config|get|x",
    "+config|",
    "+config|nosuch",
    "-config|get",
    "-select|0",
    "-nosuch|x",
    "+nosuch|x",
    "whatever",
    "(~a on)",
    "(~a +nosuch)",
    "(allkeys ~b)",
    "()",
    "(~a +get",
    ...Object.values(INTERNAL_USERS).map((u) => u.rules),
];

afterAll(stopAllRedis);

describe("ACL rules: the project's verdict is Redis's", () => {
    let client: Redis;
    beforeAll(async () => {
        await startRedis({ port: PORT, config: 'save ""\nappendonly no' });
        client = new Redis({ host: "127.0.0.1", port: PORT, lazyConnect: true, retryStrategy: () => null });
        await client.connect();
    });
    afterAll(() => client?.disconnect());

    it("agrees with ACL SETUSER on every rule set", async () => {
        const verdicts: Array<{ rules: string; redis: string; ours: string }> = [];
        for (const [i, rules] of RULE_SETS.entries()) {
            const { args } = aclRuleArgs(rules);
            // The merge of an unclosed selector is Redis's too: hand it the raw tokens.
            const raw = rules.trim() === "" ? [] : rules.trim().split(/\s+/);
            let redis = "ok";
            try {
                await client.call("ACL", "SETUSER", `probe-${i}`, ...(args.join(" ") === raw.join(" ") ? args : raw));
            } catch (err) {
                redis = `refused: ${(err as Error).message}`;
            }
            const problem = aclRulesProblem(rules);
            verdicts.push({ rules, redis: redis === "ok" ? "ok" : "refused", ours: problem ? "refused" : "ok" });
            if ((redis === "ok") !== (problem === undefined)) verdicts[verdicts.length - 1].redis = redis;
        }
        expect(verdicts.filter((v) => v.redis !== v.ours)).toEqual([]);
        expect(verdicts.filter((v) => v.ours === "refused").length).toBeGreaterThan(15);
    });

    it("checks command names against the server's own table", async () => {
        const live = ((await client.call("COMMAND", "LIST")) as string[]).sort();
        expect([...REDIS_COMMANDS].sort()).toEqual(live);
    });
});

describe("a rendered user line", () => {
    it("logs in with its password and gets NOPERM outside its rules", async () => {
        const password = 'app pass "quoted" \\ word';
        const line = aclUserLine({
            name: "app",
            passwordSha256: createHash("sha256").update(password).digest("hex"),
            rules: "~app:* +@read +@write -@dangerous (~tmp:* +get)",
        });
        await startRedis({ port: PORT + 1, config: ['save ""', "appendonly no", line].join("\n") });
        const app = new Redis({
            host: "127.0.0.1",
            port: PORT + 1,
            username: "app",
            password,
            lazyConnect: true,
            enableReadyCheck: false,
            retryStrategy: () => null,
        });
        try {
            await app.connect();
            expect(await app.set("app:1", "v")).toBe("OK");
            expect(await app.get("tmp:x")).toBeNull();
            await expect(app.set("other:1", "v")).rejects.toThrow(/NOPERM/);
            await expect(app.set("tmp:x", "v")).rejects.toThrow(/NOPERM/);
            await expect(app.call("FLUSHALL")).rejects.toThrow(/NOPERM/);
        } finally {
            app.disconnect();
        }
    });
});
