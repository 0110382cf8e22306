/**
 * The harness's config loading: Pulumi.yaml schema defaults, Pulumi.<stack>.yaml (namespaced or not,
 * nested, `secure:` refused), `--set` paths, and the PULUMI_CONFIG encoding the program receives.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCliArgs } from "../../tests/harness/cli-args";
import {
    applySet,
    loadProject,
    parseProjectYaml,
    parseSetValue,
    parseStackYaml,
    resolveConfig,
    toConfigEnv,
    type ConfigValue,
} from "../../tests/harness/project-config";

const PROJECT = `
name: demo
runtime:
  name: nodejs
  options:
    typescript: true
config:
  topology:
    type: string
    default: standalone
  basePort:
    type: integer
    default: 6379
  password:
    type: string
    secret: true
  other:ns: plain-default
  flag:
    value: true
`;

describe("Pulumi.yaml", () => {
    it("qualifies keys, keeps schema defaults and plain project values, notes secrets", () => {
        const p = parseProjectYaml(PROJECT);
        expect(p.name).toBe("demo");
        expect(p.typescript).toBe(true);
        expect(p.schema).toEqual({
            "demo:topology": { type: "string", default: "standalone", secret: false },
            "demo:basePort": { type: "integer", default: 6379, secret: false },
            "demo:password": { type: "string", default: undefined, secret: true },
            "other:ns": { default: "plain-default" },
            "demo:flag": { default: true },
        });
    });

    it("rejects a missing name and a non-nodejs runtime", () => {
        expect(() => parseProjectYaml("runtime: nodejs\n")).toThrow(/missing project "name"/);
        expect(() => parseProjectYaml("name: x\nruntime: python\n")).toThrow(/runtime must be nodejs/);
    });

    it("reads typescript: false from runtime options", () => {
        expect(parseProjectYaml("name: x\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n").typescript).toBe(false);
    });
});

describe("Pulumi.<stack>.yaml", () => {
    it("accepts namespaced and bare keys and nested objects", () => {
        const v = parseStackYaml("config:\n  demo:topology: replication\n  persistence:\n    appendonly: true\n", "demo", "Pulumi.dev.yaml");
        expect(v).toEqual({ "demo:topology": "replication", "demo:persistence": { appendonly: true } });
    });

    it("refuses encrypted values, naming the key (also nested)", () => {
        expect(() => parseStackYaml("config:\n  demo:password:\n    secure: AAABAx==\n", "demo", "Pulumi.dev.yaml")).toThrow(
            /Pulumi\.dev\.yaml: config "demo:password" is encrypted \(secure:\).*--set demo:password=VALUE --secret demo:password/,
        );
        expect(() => parseStackYaml("config:\n  auth:\n    token:\n      secure: xx\n", "demo", "f")).toThrow(/"demo:auth\.token" is encrypted/);
    });

    it("treats a missing file or empty config as no values", () => {
        expect(parseStackYaml(undefined, "demo", "f")).toEqual({});
        expect(parseStackYaml("", "demo", "f")).toEqual({});
        expect(parseStackYaml("config:\n", "demo", "f")).toEqual({});
    });
});

describe("--set", () => {
    it("parses JSON when valid, else keeps the string", () => {
        expect(parseSetValue("false")).toBe(false);
        expect(parseSetValue("5")).toBe(5);
        expect(parseSetValue('"5"')).toBe("5");
        expect(parseSetValue("[1,2]")).toEqual([1, 2]);
        expect(parseSetValue("redis-ha-local/redis:7.0")).toBe("redis-ha-local/redis:7.0");
        expect(parseSetValue("")).toBe("");
    });

    it("merges paths into nested objects, creating what is missing", () => {
        const values: Record<string, ConfigValue> = { "demo:persistence": { appendonly: true, save: "3600 1" } };
        applySet(values, "demo", "persistence.appendonly", false);
        applySet(values, "demo", "cluster.shards", 4);
        applySet(values, "demo", "demo:cluster.replicasPerShard", 1);
        applySet(values, "demo", "a.b.c", "deep");
        expect(values).toEqual({
            "demo:persistence": { appendonly: false, save: "3600 1" },
            "demo:cluster": { shards: 4, replicasPerShard: 1 },
            "demo:a": { b: { c: "deep" } },
        });
    });

    it("refuses to descend into a scalar", () => {
        const values: Record<string, ConfigValue> = { "demo:topology": "standalone" };
        expect(() => applySet(values, "demo", "topology.x", 1)).toThrow(/"demo:topology" is not an object/);
        expect(() => applySet(values, "demo", "a..b", 1)).toThrow(/empty path segment/);
    });
});

describe("resolved config", () => {
    const project = parseProjectYaml(PROJECT);

    it("layers defaults < stack file < --set and lists secret keys", () => {
        const stackValues = parseStackYaml("config:\n  topology: replication\n  password: pw\n", "demo", "f");
        const c = resolveConfig(project, stackValues, [{ key: "basePort", value: "7000" }, { key: "extra.path", value: "x" }], ["extra"]);
        expect(c.values).toEqual({
            "demo:topology": "replication",
            "demo:basePort": 7000,
            "demo:password": "pw",
            "other:ns": "plain-default",
            "demo:flag": true,
            "demo:extra": { path: "x" },
        });
        expect(c.secretKeys).toEqual(["demo:extra", "demo:password"]);
    });

    it("does not list a schema secret that has no value", () => {
        expect(resolveConfig(project, {}, [], []).secretKeys).toEqual([]);
    });

    it("checks the schema type of each value, naming the key", () => {
        expect(() => resolveConfig(project, {}, [{ key: "basePort", value: "abc" }], [])).toThrow(/config "demo:basePort" must be of type integer/);
        expect(() => resolveConfig(project, {}, [{ key: "topology", value: '{"a":1}' }], [])).toThrow(/"demo:topology" must be of type string/);
    });

    it("encodes PULUMI_CONFIG like the engine: strings as is, the rest JSON", () => {
        expect(toConfigEnv({ "demo:a": "s", "demo:n": 5, "demo:b": false, "demo:o": { x: [1] }, "demo:z": null })).toEqual({
            "demo:a": "s",
            "demo:n": "5",
            "demo:b": "false",
            "demo:o": '{"x":[1]}',
        });
    });

    it("loads both files from a project directory", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-config-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), PROJECT);
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  demo:topology: sentinel\n");
            const loaded = loadProject(dir, "dev", [{ key: "password", value: "p" }], []);
            expect(loaded.config.values["demo:topology"]).toBe("sentinel");
            expect(loaded.config.secretKeys).toEqual(["demo:password"]);
            // A stack without its own file runs on defaults.
            expect(loadProject(dir, "other", [], []).config.values["demo:topology"]).toBe("standalone");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("command line", () => {
    it("parses commands, repeated --set/--secret and inline values", () => {
        const a = parseCliArgs(["up", "--stack", "dev", "--set", "a.b=1", "--set=c=x=y", "--secret", "c", "--show-secrets", "--cwd", "sub"], "/here");
        expect(a).toEqual({
            command: "up",
            stack: "dev",
            sets: [
                { key: "a.b", value: "1" },
                { key: "c", value: "x=y" },
            ],
            secretKeys: ["c"],
            showSecrets: true,
            cwd: "sub",
        });
        expect(parseCliArgs(["outputs", "-s", "dev"], "/here").cwd).toBe("/here");
    });

    it("explains what is missing or wrong", () => {
        expect(() => parseCliArgs(["--stack", "dev"], "/")).toThrow(/missing command/);
        expect(() => parseCliArgs(["up"], "/")).toThrow(/missing --stack/);
        expect(() => parseCliArgs(["deploy", "--stack", "dev"], "/")).toThrow(/unknown command "deploy"/);
        expect(() => parseCliArgs(["up", "--stack", "dev", "--yes"], "/")).toThrow(/unknown option --yes/);
        expect(() => parseCliArgs(["up", "--stack", "dev", "--set", "novalue"], "/")).toThrow(/--set expects key=value/);
        expect(() => parseCliArgs(["up", "--stack", "a/b"], "/")).toThrow(/invalid stack name/);
    });
});
