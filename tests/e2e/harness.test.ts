/**
 * The stack:local harness end to end on the real Docker engine, with the tiny fixture project in
 * tests/harness/fixtures/mini (image reference, network, volume, a container with upload + healthcheck +
 * wait on 127.0.0.1:7100, and a dynamic resource that writes a key through that port).
 *
 * Runs go through `runCli`, the function behind `npm run stack:local` (in-process, to save the CLI's own
 * compile on every step); one step uses the npm script itself.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";
import Redis from "ioredis";
import { runCli } from "../harness/cli";

const REPO = path.join(__dirname, "..", "..");
const FIXTURE = path.join(REPO, "tests", "harness", "fixtures", "mini");
const STACK = "test";
const STATE_FILE = path.join(FIXTURE, ".stack-local", `${STACK}.json`);
const IMAGE = "redis-ha-local/redis:7.0";
const PORT = 7100;
const PASSWORD = "fixture-password"; // Pulumi.test.yaml
const FIXTURE_LABEL = `stack-local.fixture=harness-mini-${STACK}`;
const docker = new Docker();

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

async function stackLocal(...args: string[]): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await runCli([...args, "--stack", STACK, "--cwd", FIXTURE], { stdout: (t) => (stdout += `${t}\n`), stderr: (t) => (stderr += `${t}\n`) }, REPO);
    return { code, stdout, stderr };
}

function expectOk(run: Run): Run {
    if (run.code !== 0) throw new Error(`stack:local failed (exit ${run.code}):\n${run.stderr}`);
    return run;
}

interface State {
    warning: string;
    resources: Array<{ key: string; id?: string }>;
    lastRun: { ok: boolean; operations: Array<{ key: string; op: string; changedKeys: string[] }> };
}
const readState = (): State => JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as State;
const opsByKey = () => Object.fromEntries(readState().lastRun.operations.map((o) => [o.key, o]));

const CONTAINER = "docker:index/container:Container::redis";
const WRITER = "pulumi-nodejs:dynamic/harness:KeyWriter::writer";

async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    const client = new Redis({ host: "127.0.0.1", port: PORT, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
        await client.connect();
        return await fn(client);
    } finally {
        client.disconnect();
    }
}

async function labelled() {
    const filters = JSON.stringify({ label: [FIXTURE_LABEL] });
    const [containers, networks, volumes] = await Promise.all([
        docker.listContainers({ all: true, filters }),
        docker.listNetworks({ filters }),
        docker.listVolumes({ filters }),
    ]);
    return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length };
}

/** Leftovers of an aborted earlier run would block the fixed names and port. */
async function removeLeftovers(): Promise<void> {
    if (fs.existsSync(STATE_FILE)) await stackLocal("destroy");
    const filters = JSON.stringify({ label: [FIXTURE_LABEL] });
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
    fs.rmSync(STATE_FILE, { force: true });
}

jest.setTimeout(60_000);

beforeAll(async () => {
    const present = await docker.getImage(IMAGE).inspect().then(() => true, () => false);
    if (!present) {
        const build = spawnSync("bash", [path.join(REPO, "scripts", "build-local-image.sh")], { encoding: "utf8" });
        if (build.status !== 0) throw new Error(`building ${IMAGE} failed:\n${build.stderr}`);
    }
    await removeLeftovers();
}, 300_000);

afterAll(async () => {
    await removeLeftovers();
});

describe("npm run stack:local on the mini fixture", () => {
    let containerId = "";
    let networkId = "";
    let writtenAt = 0;

    it("up creates the Docker objects for real, runs the dynamic create and prints only the outputs on stdout", async () => {
        const run = expectOk(await stackLocal("up"));
        const outputs = JSON.parse(run.stdout);
        expect(outputs).toMatchObject({
            containerName: "harness-mini-test-redis",
            networkName: "harness-mini-test-net",
            volumeName: "harness-mini-test-data",
            endpoint: { host: "127.0.0.1", port: PORT },
            redisPassword: "[secret]", // config declared secret: true
            writtenAt: "[secret]", // additionalSecretOutputs of the dynamic resource
            writerId: `fixture:written-by@${PORT}`,
        });
        const image = await docker.getImage(IMAGE).inspect();
        expect(outputs.imageId).toBe(image.Id);

        const info = await docker.getContainer(outputs.containerId).inspect();
        containerId = info.Id;
        expect(info.State.Health?.Status).toBe("healthy"); // wait: true returned only once healthy
        expect(info.Image).toBe(image.Id);
        expect(info.Config.Labels).toMatchObject({ "stack-local.fixture": "harness-mini-test", "stack-local.marker": "v1" });
        expect(info.Config.Healthcheck).toMatchObject({ Interval: 100e6, Timeout: 1e9, Retries: 100 });
        expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
        expect(info.HostConfig.PortBindings).toEqual({ "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] });
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual(["harness-mini-test-net"]);
        expect(info.NetworkSettings.Networks["harness-mini-test-net"].Aliases).toContain("redis");
        expect(info.Mounts).toEqual([expect.objectContaining({ Type: "volume", Name: "harness-mini-test-data", Destination: "/data" })]);
        networkId = (await docker.getNetwork("harness-mini-test-net").inspect()).Id;

        // The uploaded config (with the secret password and the nested `redis` config object) is what runs,
        // and the dynamic provider's create really wrote through the published port.
        await withRedis(async (r) => {
            expect(await r.config("GET", "maxmemory")).toEqual(["maxmemory", String(16 * 1024 * 1024)]);
            expect(await r.get("fixture:written-by")).toBe("dynamic-create v1");
        });

        const mode = fs.statSync(STATE_FILE).mode & 0o777;
        expect(mode).toBe(0o600);
        const state = readState();
        expect(state.warning).toMatch(/PLAIN TEXT/);
        const keys = state.resources.map((r) => r.key);
        expect(keys.indexOf("docker:index/remoteImage:RemoteImage::image")).toBeLessThan(keys.indexOf(CONTAINER));
        expect(keys.indexOf(CONTAINER)).toBeLessThan(keys.indexOf(WRITER));
        expect(state.lastRun.operations.every((o) => o.op === "create")).toBe(true);
        expect(state.lastRun.operations).toHaveLength(6);

        writtenAt = JSON.parse(expectOk(await stackLocal("outputs", "--show-secrets")).stdout).writtenAt;
        expect(typeof writtenAt).toBe("number");
    });

    it("a second up changes nothing", async () => {
        const outputs = JSON.parse(expectOk(await stackLocal("up", "--show-secrets")).stdout);
        expect(readState().lastRun.operations.map((o) => o.op)).toEqual(Array(6).fill("same"));
        expect(outputs.containerId).toBe(containerId);
        expect(outputs.writtenAt).toBe(writtenAt); // the dynamic create did not run again
        expect(outputs.redisPassword).toBe(PASSWORD);
    });

    it("preview reports a changed --set as the container's replacement (and its dependent's) without touching anything", async () => {
        const run = expectOk(await stackLocal("preview", "--set", "marker=v2"));
        const plan = JSON.parse(run.stdout) as { operations: Array<{ key: string; op: string; changedKeys: string[] }> };
        const ops = Object.fromEntries(plan.operations.map((o) => [o.key, o]));
        expect(ops[CONTAINER]).toEqual({ key: CONTAINER, op: "replace", changedKeys: ["envs", "labels"] });
        expect(ops[WRITER].op).toBe("replace");
        expect(ops[WRITER].changedKeys).toEqual(expect.arrayContaining(["containerId", "value"]));
        const others = plan.operations.filter((o) => o.key !== CONTAINER && o.key !== WRITER);
        expect(others.map((o) => o.op)).toEqual(Array(4).fill("same"));
        expect(run.stderr).toMatch(/Resources: 2 to replace, 4 to leave unchanged/);
        expect((await docker.getContainer(containerId).inspect()).Config.Labels["stack-local.marker"]).toBe("v1");
    });

    it("up with that --set replaces only what changed", async () => {
        const outputs = JSON.parse(expectOk(await stackLocal("up", "--set", "marker=v2")).stdout);
        const ops = opsByKey();
        expect(ops[CONTAINER]).toMatchObject({ op: "replace", changedKeys: ["envs", "labels"] });
        expect(ops[WRITER]).toMatchObject({ op: "replace" });
        for (const key of ["docker:index/remoteImage:RemoteImage::image", "docker:index/network:Network::net", "docker:index/volume:Volume::data"]) {
            expect(ops[key].op).toBe("same");
        }
        expect(outputs.containerId).not.toBe(containerId);
        await expect(docker.getContainer(containerId).inspect()).rejects.toMatchObject({ statusCode: 404 });
        containerId = outputs.containerId;
        expect((await docker.getNetwork("harness-mini-test-net").inspect()).Id).toBe(networkId);
        await withRedis(async (r) => expect(await r.get("fixture:written-by")).toBe("dynamic-create v2"));
    });

    it("a dynamic provider's create error reaches the user verbatim and fails the run", async () => {
        const text = "disk on fire: code 42 (from the provider)";
        const run = await stackLocal("up", "--set", "marker=v2", "--set", `failWith=${text}`);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe("");
        expect(run.stderr).toContain(`error: pulumi-nodejs:dynamic/harness:KeyWriter "failing": create failed: ${text}`);
        const state = readState();
        expect(state.lastRun.ok).toBe(false);
        expect(state.resources.map((r) => r.key)).not.toContain("pulumi-nodejs:dynamic/harness:KeyWriter::failing");
        expect(state.resources.find((r) => r.key === CONTAINER)?.id).toBe(containerId);
    });

    it("a Docker input the harness does not translate fails with its name, before anything is replaced", async () => {
        const run = await stackLocal("up", "--set", "marker=v2", "--set", "privileged=true");
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('docker:index/container:Container "redis": input "privileged" is not translated by the local harness');
        expect((await docker.getContainer(containerId).inspect()).State.Running).toBe(true);
        expect(readState().resources.find((r) => r.key === CONTAINER)?.id).toBe(containerId);
    });

    it("npm run stack:local -- outputs prints the recorded outputs, secrets masked", () => {
        const r = spawnSync("npm", ["run", "-s", "stack:local", "--", "outputs", "--stack", STACK, "--cwd", FIXTURE], { cwd: REPO, encoding: "utf8" });
        expect(r.status).toBe(0);
        const outputs = JSON.parse(r.stdout);
        expect(outputs.containerId).toBe(containerId);
        expect(outputs.redisPassword).toBe("[secret]");
    });

    it("destroy deletes everything the stack made (through the stored provider code) and the state file", async () => {
        const run = expectOk(await stackLocal("destroy"));
        expect(JSON.parse(run.stdout).operations.map((o: { key: string }) => o.key)[0]).toBe(WRITER);
        expect(await labelled()).toEqual({ containers: 0, networks: 0, volumes: 0 });
        expect(fs.existsSync(STATE_FILE)).toBe(false);
        await docker.getImage(IMAGE).inspect(); // keepLocally: the image stays
    });
});
