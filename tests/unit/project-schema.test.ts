/**
 * Pulumi.yaml's config schema is read by the Pulumi CLI (every e2e run loads it). These checks hold it to
 * the CLI's own JSON schema rules (sdk/go/common/workspace/project.json: type is one of string, integer,
 * boolean, array; arrays need items) and keep its defaults equal to the ones the code applies.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseSettings } from "../../components/config";
import { DEFAULTS, KNOWN_KEYS } from "../../components/settings";

const root = path.join(__dirname, "..", "..");
const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as Record<string, any>;

describe("Pulumi.yaml", () => {
    it("names the project, uses TypeScript on nodejs and a local file backend", () => {
        expect(project.name).toBe("redis-ha");
        expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
        expect(project.backend.url).toMatch(/^file:\/\//);
    });

    it("declares config keys the CLI accepts, each with a description and a default", () => {
        const allowedTop = ["type", "description", "default", "secret", "items"];
        for (const [key, decl] of Object.entries<Record<string, unknown>>(project.config)) {
            expect(Object.keys(decl).every((k) => allowedTop.includes(k))).toBe(true);
            expect(["string", "integer", "boolean", "array"]).toContain(decl.type);
            expect(typeof decl.description).toBe("string");
            // A declared key without a default would be *required* by the CLI.
            expect(decl.default).toBeDefined();
            expect(KNOWN_KEYS as readonly string[]).toContain(key);
            if (decl.type === "integer") expect(Number.isInteger(decl.default)).toBe(true);
            if (decl.type === "string") expect(typeof decl.default).toBe("string");
        }
    });

    it("repeats the code's defaults", () => {
        const defaults = Object.fromEntries(Object.entries<Record<string, unknown>>(project.config).map(([k, d]) => [k, d.default]));
        const fromCode = parseSettings({}, "redis-ha", "dev") as unknown as Record<string, unknown>;
        for (const [key, value] of Object.entries(defaults)) {
            expect({ key, value: fromCode[key] }).toEqual({ key, value });
        }
        expect(defaults.image).toBe(DEFAULTS.image);
    });

    it("ships a dev stack whose config is valid", () => {
        const dev = yaml.load(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const raw = Object.fromEntries(
            Object.entries(dev.config).map(([k, v]) => [k.replace(/^redis-ha:/, ""), typeof v === "number" ? String(v) : v]),
        );
        expect(() => parseSettings(raw, "redis-ha", "dev")).not.toThrow();
    });

    it("ships the walkthrough's six-node cluster as the dev stack", () => {
        const dev = yaml.load(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const raw = Object.fromEntries(Object.entries(dev.config).map(([k, v]) => [k.replace(/^redis-ha:/, ""), v]));
        const settings = parseSettings(raw, "redis-ha", "dev");
        expect(settings.topology).toBe("cluster");
        expect(settings.cluster).toMatchObject({ shards: 3, replicasPerShard: 1 });
    });
});
