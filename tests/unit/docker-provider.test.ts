/**
 * The Docker provider test double (tests/docker-provider): its translation of @pulumi/docker inputs into Docker Engine API requests (pure parts): every
 * key either translates or fails by name, durations and sizes convert like the provider, uploads become a
 * tar Docker can extract, and comparison ignores what the provider ignores.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { containerPlan, containerShape, stopSeconds } from "../../tests/docker-provider/container-spec";
import { demuxLogs } from "../../tests/docker-provider/container";
import { parseGoDuration } from "../../tests/docker-provider/duration";
import { checkShape } from "../../tests/docker-provider/input-shape";
import { networkCreateOptions, networkHandler } from "../../tests/docker-provider/network";
import { normalizeDockerInputs } from "../../tests/docker-provider/normalize";
import { remoteImageHandler } from "../../tests/docker-provider/remote-image";
import { buildTar } from "../../tests/docker-provider/tar";
import { volumeCreateOptions, volumeHandler } from "../../tests/docker-provider/volume";
import { INPUTS_KEY, changedKeys, makeDockerProvider, parseUrn } from "../../tests/docker-provider/provider";
import { checkAgainstSchema, loadDockerSchema } from "../../tests/docker-provider/schema";
import { SECRET_SIG, SIG_KEY, UNKNOWN, type WireObject } from "../../tests/docker-provider/wire";

const L = 'docker:index/container:Container "n"';

/** What RedisNode declares, in the form the engine receives it. */
const nodeInputs = (): WireObject => ({
    name: "redis-ha-dev-node-0",
    hostname: "redis-ha-dev-node-0",
    image: "sha256:abc",
    command: ["redis-server", "/usr/local/etc/redis/redis.conf"],
    restart: "unless-stopped",
    networksAdvanced: [{ name: "redis-ha-dev-net", aliases: ["redis-ha-dev-node-0"] }],
    ports: [{ internal: 6379, external: 6379, ip: "127.0.0.1", protocol: "tcp" }],
    volumes: [{ volumeName: "redis-ha-dev-node-0-data", containerPath: "/data" }],
    uploads: [
        { file: "/usr/local/etc/redis/redis.conf", content: "port 6379\n" },
        { file: "/usr/local/etc/redis/auth", content: "pw" },
        { file: "/opt/run.sh", contentBase64: Buffer.from("#!/bin/sh\n").toString("base64"), executable: true },
    ],
    healthcheck: { tests: ["CMD-SHELL", "redis-cli ping"], interval: "1s", timeout: "3s", retries: 30, startPeriod: "500ms" },
    wait: true,
    waitTimeout: 45,
    stopTimeout: 30,
    labels: [{ label: "redis-ha.stack", value: "dev" }],
    envs: ["A=1"],
    memory: 64,
    user: "999",
    stopSignal: "SIGTERM",
    logDriver: "json-file",
    logOpts: { "max-size": "1m" },
});

describe("untranslated inputs fail by name", () => {
    it("names top-level and nested keys it does not translate", () => {
        const inputs = { ...nodeInputs(), privileged: true, healthcheck: { tests: ["NONE"], startInterval: "1s", bogus: "x" } };
        expect(() => checkShape(L, inputs, containerShape)).toThrow(
            'docker:index/container:Container "n": input "healthcheck.bogus", "privileged" are not translated by the Docker provider test double',
        );
        expect(() => checkShape(L, { ...nodeInputs(), ports: [{ internal: 1, hostIp: "x" }] }, containerShape)).toThrow(
            /input "ports\[0\]\.hostIp" is not translated/,
        );
    });

    it("accepts everything the project's RedisNode sends", () => {
        expect(() => checkShape(L, nodeInputs(), containerShape)).not.toThrow();
        expect(() =>
            checkShape(
                "net",
                { name: "n", driver: "bridge", labels: [{ label: "a", value: "b" }], attachable: true, internal: false, options: { mtu: "1400" } },
                networkHandler.shape,
            ),
        ).not.toThrow();
        expect(() => checkShape("vol", { name: "v", driver: "local", labels: [] }, volumeHandler.shape)).not.toThrow();
        expect(() => checkShape("img", { name: "redis:7", keepLocally: true }, remoteImageHandler.shape)).not.toThrow();
        expect(() => checkShape("img", { name: "redis:7", pullTriggers: ["x"] }, remoteImageHandler.shape)).toThrow(/"pullTriggers"/);
    });
});

describe("container translation", () => {
    it("builds the create request the provider would", () => {
        const plan = containerPlan(L, nodeInputs(), "auto");
        expect(plan.name).toBe("redis-ha-dev-node-0");
        expect(plan.create).toEqual({
            name: "redis-ha-dev-node-0",
            Image: "sha256:abc",
            Hostname: "redis-ha-dev-node-0",
            User: "999",
            Cmd: ["redis-server", "/usr/local/etc/redis/redis.conf"],
            Env: ["A=1"],
            Labels: { "redis-ha.stack": "dev" },
            StopSignal: "SIGTERM",
            StopTimeout: 30,
            Healthcheck: { Test: ["CMD-SHELL", "redis-cli ping"], Interval: 1e9, Timeout: 3e9, StartPeriod: 5e8, Retries: 30 },
            ExposedPorts: { "6379/tcp": {} },
            Volumes: {},
            HostConfig: {
                NetworkMode: "redis-ha-dev-net",
                RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
                PortBindings: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "6379" }] },
                Binds: ["redis-ha-dev-node-0-data:/data"],
                Memory: 64 * 1024 * 1024,
                LogConfig: { Type: "json-file", Config: { "max-size": "1m" } },
            },
            NetworkingConfig: { EndpointsConfig: { "redis-ha-dev-net": { Aliases: ["redis-ha-dev-node-0"] } } },
        });
        expect(plan.extraNetworks).toEqual([]);
        expect(plan).toMatchObject({ start: true, wait: true, waitTimeoutMs: 45000 });
    });

    it("applies provider defaults: restart no, bridge, random host port on 0.0.0.0, wait off with 60 s", () => {
        const plan = containerPlan(L, { image: "redis", ports: [{ internal: 6379 }], volumes: [{ containerPath: "/scratch" }] }, "n-1a2b3c4");
        expect(plan.name).toBe("n-1a2b3c4");
        expect(plan.create.HostConfig).toMatchObject({
            NetworkMode: "bridge",
            RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
            PortBindings: { "6379/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }] },
            Binds: [],
        });
        expect(plan.create.Volumes).toEqual({ "/scratch": {} });
        expect(plan).toMatchObject({ start: true, wait: false, waitTimeoutMs: 60000, uploads: [] });
    });

    it("joins further networks after create and keeps an explicit networkMode", () => {
        const two: WireObject[] = [
            { name: "a", aliases: ["x"] },
            { name: "b", aliases: [], ipv4Address: "10.9.0.5" },
        ];
        const plan = containerPlan(L, { image: "i", networksAdvanced: two }, "n");
        expect(plan.create.HostConfig?.NetworkMode).toBe("a");
        expect(plan.extraNetworks).toEqual([{ name: "b", aliases: [], ipv4Address: "10.9.0.5" }]);
        const host = containerPlan(L, { image: "i", networkMode: "host", networksAdvanced: [two[0]] }, "n");
        expect(host.create.HostConfig?.NetworkMode).toBe("host");
        expect(host.create.NetworkingConfig).toBeUndefined();
        expect(host.extraNetworks.map((n) => n.name)).toEqual(["a"]);
    });

    it("turns uploads into one archive extracted at / with the provider's modes", () => {
        const [batch] = containerPlan(L, nodeInputs(), "n").uploads;
        expect(batch.dir).toBe("/");
        expect(batch.entries.map((e) => [e.name, e.mode.toString(8), e.content.toString()])).toEqual([
            ["usr/local/etc/redis/redis.conf", "644", "port 6379\n"],
            ["usr/local/etc/redis/auth", "644", "pw"],
            ["opt/run.sh", "744", "#!/bin/sh\n"],
        ]);
        const perms = containerPlan(L, { image: "i", uploads: [{ file: "/a", content: "x", permissions: "0600" }] }, "n");
        expect(perms.uploads[0].entries[0].mode).toBe(0o600);
    });

    it("rejects values it cannot honour, naming them", () => {
        const bad = (extra: WireObject) => () => containerPlan(L, { image: "i", ...extra }, "n");
        expect(bad({ restart: "sometimes" })).toThrow(/restart must be one of/);
        expect(bad({ uploads: [{ file: "relative", content: "x" }] })).toThrow(/uploads\[0\]\.file must be an absolute path/);
        expect(bad({ uploads: [{ file: "/a" }] })).toThrow(/exactly one of content or contentBase64/);
        expect(bad({ healthcheck: { interval: "1s" } })).toThrow(/healthcheck\.tests is required/);
        expect(bad({ healthcheck: { tests: ["NONE"], interval: "soon" } })).toThrow(/healthcheck\.interval: "soon" is not a duration/);
        expect(bad({ ports: [{ internal: "6379" }] })).toThrow(/ports\[0\]\.internal must be a number/);
        expect(bad({ wait: true, start: false })).toThrow(/wait needs start/);
        expect(() => containerPlan(L, {}, "n")).toThrow(/input "image" is required/);
    });

    it("stops on destroy after destroyGraceSeconds, else stopTimeout", () => {
        expect(stopSeconds({ stopTimeout: 30 })).toBe(30);
        expect(stopSeconds({ stopTimeout: 30, destroyGraceSeconds: 5 })).toBe(5);
        expect(stopSeconds({})).toBeUndefined();
    });
});

describe("network and volume translation", () => {
    it("maps labels, flags, options and IPAM", () => {
        const opts = networkCreateOptions(
            "net",
            {
                name: "redis-ha-dev-net",
                labels: [{ label: "redis-ha.stack", value: "dev" }],
                attachable: true,
                internal: true,
                options: { "com.docker.network.driver.mtu": "1400" },
                ipamConfigs: [{ subnet: "10.42.0.0/24", gateway: "10.42.0.1" }],
            },
            "fallback",
        );
        expect(opts).toMatchObject({
            Name: "redis-ha-dev-net",
            Driver: "bridge",
            CheckDuplicate: true,
            Labels: { "redis-ha.stack": "dev" },
            Attachable: true,
            Internal: true,
            Options: { "com.docker.network.driver.mtu": "1400" },
            IPAM: { Driver: "default", Config: [{ Subnet: "10.42.0.0/24", Gateway: "10.42.0.1" }] },
        });
        expect(networkCreateOptions("net", {}, "net-abc1234").Name).toBe("net-abc1234");
        expect(volumeCreateOptions("vol", { name: "v", labels: [{ label: "a", value: "b" }] }, "x")).toEqual({
            Name: "v",
            Driver: "local",
            DriverOpts: {},
            Labels: { a: "b" },
        });
        expect(() => networkCreateOptions("net", { labels: [{ label: "a" }] }, "x")).toThrow(/labels\[0\] needs label and value/);
    });
});

describe("helpers", () => {
    it("parses Go durations to nanoseconds", () => {
        expect(parseGoDuration("1s", "x")).toBe(1e9);
        expect(parseGoDuration("500ms", "x")).toBe(5e8);
        expect(parseGoDuration("1m30s", "x")).toBe(90e9);
        expect(parseGoDuration("1.5h", "x")).toBe(5400e9);
        expect(parseGoDuration("250us", "x")).toBe(250e3);
        expect(parseGoDuration("0", "x")).toBe(0);
        expect(() => parseGoDuration("5", "hc.interval")).toThrow(/hc.interval: "5" is not a duration/);
        expect(() => parseGoDuration("1s junk", "x")).toThrow(/not a duration/);
    });

    it("writes a tar that tar itself reads back with names, modes and content", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-tar-"));
        try {
            const long = `${"d".repeat(60)}/${"e".repeat(60)}/file.conf`;
            const tarFile = path.join(dir, "a.tar");
            fs.writeFileSync(
                tarFile,
                buildTar([
                    { name: "usr/local/etc/redis/redis.conf", content: Buffer.from("port 6379\n"), mode: 0o644 },
                    { name: "opt/run.sh", content: Buffer.alloc(1500, 0x61), mode: 0o744 },
                    { name: long, content: Buffer.from("x"), mode: 0o600 },
                ]),
            );
            const listing = execFileSync("tar", ["-tvf", tarFile], { encoding: "utf8" });
            expect(listing).toMatch(/-rw-r--r-- .* 10 .*usr\/local\/etc\/redis\/redis.conf/);
            expect(listing).toMatch(/-rwxr--r-- .* 1500 .*opt\/run.sh/);
            expect(listing).toContain(long);
            execFileSync("tar", ["-xf", tarFile, "-C", dir]);
            expect(fs.readFileSync(path.join(dir, "usr/local/etc/redis/redis.conf"), "utf8")).toBe("port 6379\n");
            expect(fs.readFileSync(path.join(dir, long), "utf8")).toBe("x");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("demultiplexes Docker log frames", () => {
        const frame = (stream: number, text: string) => {
            const h = Buffer.alloc(8);
            h[0] = stream;
            h.writeUInt32BE(Buffer.byteLength(text), 4);
            return Buffer.concat([h, Buffer.from(text)]);
        };
        expect(demuxLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
        expect(demuxLogs(Buffer.from("plain tty text"))).toBe("plain tty text");
    });

    it("compares inputs without secrets, nulls, empties or set order", () => {
        const a = normalizeDockerInputs(
            {
                labels: [
                    { label: "b", value: "2" },
                    { label: "a", value: "1" },
                ],
                envs: [],
                command: null,
                uploads: [{ file: "/f", content: { [SIG_KEY]: SECRET_SIG, value: "x" } }],
            },
            ["labels", "uploads"],
        );
        expect(a).toEqual({
            labels: [
                { label: "a", value: "1" },
                { label: "b", value: "2" },
            ],
            uploads: [{ file: "/f", content: "x" }],
        });
        // Order still counts where it means something (command, envs are lists, not sets).
        expect(normalizeDockerInputs({ command: ["b", "a"] }, [])).toEqual({ command: ["b", "a"] });
    });
});

describe("the double against the real provider's contract", () => {
    const schema = loadDockerSchema();
    const container = "docker:index/container:Container";

    it("reads the inputs @pulumi/docker declares and rejects any other field or type, naming it", () => {
        expect(schema.version).toBe(require("@pulumi/docker/package.json").version);
        expect(checkAgainstSchema(schema, container, { image: "sha256:x", name: "n", uploads: [{ file: "/a", content: "x" }] })).toEqual([]);
        expect(checkAgainstSchema(schema, container, { image: "sha256:x", uploads: [{ file: "/a", contents: "x" }] })).toEqual([
            { property: "uploads[0].contents", reason: '"uploads[0].contents" is not an input of @pulumi/docker 5.2.0' },
        ]);
        expect(checkAgainstSchema(schema, container, { image: "sha256:x", restart: 1 })[0].reason).toMatch(/"restart" must be a string/);
        expect(checkAgainstSchema(schema, container, { name: "n" })).toEqual([{ property: "image", reason: '"image" is required' }]);
    });

    it("diffs like the real provider: set order and secrets do not count; in-place keys update, any other key replaces", async () => {
        const p = makeDockerProvider();
        const urn = "urn:pulumi:s::redis-ha::redis-ha:index:RedisNode$docker:index/container:Container::n-container";
        const olds = {
            [INPUTS_KEY]: {
                image: "i",
                restart: "no",
                labels: [
                    { label: "a", value: "1" },
                    { label: "b", value: "2" },
                ],
            },
        };
        const same = {
            image: "i",
            restart: "no",
            labels: [
                { label: "b", value: "2" },
                { label: "a", value: { [SIG_KEY]: SECRET_SIG, value: "1" } },
            ],
        };
        expect(await p.diff!("id", urn, olds, same)).toEqual({ changes: false, replaces: [] });
        expect(await p.diff!("id", urn, olds, { ...same, restart: "unless-stopped" })).toEqual({ changes: true, replaces: [] });
        expect(await p.diff!("id", urn, olds, { ...same, image: "j", wait: true })).toEqual({ changes: true, replaces: ["image"] });
        expect(changedKeys({ image: "i" }, { image: UNKNOWN }, [])).toEqual(["image"]);
        expect(parseUrn(urn)).toEqual({ type: container, name: "n-container" });
    });
});
