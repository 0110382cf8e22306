/** stack:local's run config (tools/stack-local/config.ts): project stack file + the stack's persisted --set history. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { applySet, mergeSets, parseSetValue, recordSecret, runConfigDocument, runConfigFiles, writeRunConfig } from "../../tools/stack-local/config";
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
            showSecrets: false,
            cwd: "/p",
            stateDir: "/tmp/s",
            reportFile: "r.json",
        });
        expect(() => parseCliArgs(["up"], "/p")).toThrow(/missing --stack/);
    });

    it("--secret: never written in plain text; the engine's ciphertext is what the history keeps", () => {
        expect(parseCliArgs(["up", "-s", "dev", "--secret", "tls.key=PEM=x"], "/p").sets).toEqual([{ key: "tls.key", value: "PEM=x", secret: true }]);
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "stack-local-secret-"));
        try {
            fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: redis-ha\nruntime: nodejs\n");
            const state = path.join(project, ".state");
            const { configFile, plainSecrets } = writeRunConfig(project, state, "dev", [
                { key: "tls.enabled", value: "true" },
                { key: "tls.key", value: "KEY-MATERIAL", secret: true },
            ]);
            expect(plainSecrets).toEqual([{ key: "tls.key", value: "KEY-MATERIAL", secret: true }]);
            const { setsFile } = runConfigFiles(state, "dev");
            for (const f of [configFile, setsFile]) expect(fs.readFileSync(f, "utf8")).not.toContain("KEY-MATERIAL");
            // What `pulumi config set --secret --path` leaves in the file.
            const doc = yaml.load(fs.readFileSync(configFile, "utf8")) as { config: Record<string, any> };
            doc.config["redis-ha:tls"].key = { secure: "v1:CIPHER" };
            fs.writeFileSync(configFile, yaml.dump(doc));
            recordSecret(project, state, "dev", plainSecrets[0]);
            // The next run rebuilds the file from the history: the ciphertext stays, nothing in plain text.
            const next = writeRunConfig(project, state, "dev", []);
            expect((yaml.load(fs.readFileSync(next.configFile, "utf8")) as any).config["redis-ha:tls"]).toEqual({
                enabled: true,
                key: { secure: "v1:CIPHER" },
            });
            expect(next.plainSecrets).toEqual([]);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});
