/** stack:local's run config (tools/stack-local/config.ts): project stack file + the stack's persisted --set history. */
import { applySet, mergeSets, parseSetValue, runConfigDocument } from "../../tools/stack-local/config";
import { parseCliArgs } from "../../tools/stack-local/args";

describe("stack:local config", () => {
    it("applies --set paths over the project's stack file and keeps the engine's own keys (salt)", () => {
        const doc = runConfigDocument(
            "redis-ha",
            { config: { "redis-ha:topology": "cluster", "redis-ha:persistence": { appendonly: true } } },
            { encryptionsalt: "v1:salt", config: { "redis-ha:old": "dropped" } },
            [
                { key: "persistence.appendonly", value: "false" },
                { key: "image", value: "redis-ha-local/redis:7.0" },
            ],
        );
        expect(doc).toEqual({
            encryptionsalt: "v1:salt",
            config: { "redis-ha:topology": "cluster", "redis-ha:persistence": { appendonly: false }, "redis-ha:image": "redis-ha-local/redis:7.0" },
        });
    });

    it("keeps every --set of the stack, a key set again taking its new value", () => {
        expect(
            mergeSets(
                [
                    { key: "a", value: "1" },
                    { key: "b", value: "2" },
                ],
                [{ key: "a", value: "3" }],
            ),
        ).toEqual([
            { key: "b", value: "2" },
            { key: "a", value: "3" },
        ]);
    });

    it("parses values as JSON when they parse and refuses paths through scalars", () => {
        expect([parseSetValue("5"), parseSetValue("false"), parseSetValue("redis:7")]).toEqual([5, false, "redis:7"]);
        const values = { "redis-ha:image": "x" };
        expect(() => applySet(values, "redis-ha", "image.tag", "y")).toThrow(/"redis-ha:image" is not an object/);
    });

    it("parses the command line, refresh included", () => {
        expect(parseCliArgs(["refresh", "--stack", "dev", "--state-dir", "/tmp/s", "--report", "r.json"], "/p")).toEqual({
            command: "refresh",
            stack: "dev",
            sets: [],
            secretSets: [],
            showSecrets: false,
            cwd: "/p",
            stateDir: "/tmp/s",
            reportFile: "r.json",
        });
        expect(() => parseCliArgs(["up"], "/p")).toThrow(/missing --stack/);
    });

    it("takes --secret key=value apart from --set (a path may index a list)", () => {
        const args = parseCliArgs(["up", "--stack", "dev", "--set", "acl.defaultUser=off", "--secret", "acl.users[0].password=p=w"], "/p");
        expect(args.sets).toEqual([{ key: "acl.defaultUser", value: "off" }]);
        expect(args.secretSets).toEqual([{ key: "acl.users[0].password", value: "p=w" }]);
        expect(() => parseCliArgs(["up", "--stack", "dev", "--secret", "nokey"], "/p")).toThrow(/--secret expects key=value/);
    });
});
