/**
 * Every rendered sentinel.conf variant runs on a real sentinel (a config Redis rejects fails here), and
 * survives Sentinel's own rewrite and a restart. Also: why the renderer refuses quotes and spaces in
 * passwords, and the container's seed-once command on real files. Masters 7430-7439, sentinels 7480-7489.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { quoteConfigValue } from "../../components/docker/redis-conf";
import { SentinelConfInput, sentinelConfView } from "../../components/sentinel/conf";
import { sentinelContainerCommand } from "../../components/sentinel/layout";
import { pollUntil } from "../../components/shared/poll";
import { withRedis } from "../../components/shared/redis-connection";
import { fieldsOf } from "../../components/sentinel/observe";
import { SentinelReadinessInputs, sentinelReadinessProvider } from "../../components/sentinel/readiness";
import { renderTemplate } from "../../components/docker/templates";
import { startRedis, stopAllRedis, waitForPing } from "../support/redis-process";
import { hostDataConf } from "../support/host-data-conf";

jest.setTimeout(30000);

const SPECIAL = "p@ss\\w0rd$!#%&*()[]{}<>=~`é";
const settings = { masterName: "mymaster", quorum: 1, downAfterMs: 1000, failoverTimeoutMs: 10000, parallelSyncs: 1 };

const dataConf = hostDataConf;

const renderSentinel = (input: SentinelConfInput) => renderTemplate("sentinel.conf.mustache", sentinelConfView(input));

/** Polls until the sentinel sees the master healthy and knows its run id from INFO (so auth-pass worked). */
async function sentinelMonitors(port: number, password: string | undefined, masterHost: string, masterPort: number): Promise<Record<string, string>> {
    return pollUntil(
        async () => {
            const m = fieldsOf(await withRedis({ host: "127.0.0.1", port, password }, (c) => c.call("SENTINEL", "MASTER", "mymaster")));
            const ok =
                m.ip === masterHost && m.port === String(masterPort) && m.flags === "master" && m["role-reported"] === "master" && m.runid !== "";
            return ok ? { done: true, value: m } : { done: false, observed: JSON.stringify(m) };
        },
        { timeoutMs: 10000, description: `sentinel ${port} to monitor ${masterHost}:${masterPort}` },
    );
}

afterEach(stopAllRedis);

describe("rendered sentinel.conf on a real sentinel", () => {
    /** A sentinel of the host network on 127.0.0.1, monitoring the master at `port`'s partner; each variant changes a part. */
    const sentinelAt = (port: number, master: number, more: Partial<SentinelConfInput> = {}): SentinelConfInput => ({
        sentinelName: "sentinel-0",
        networkMode: "host",
        bind: "127.0.0.1",
        port,
        announce: { host: "127.0.0.1", port },
        master: { host: "127.0.0.1", port: master },
        settings,
        ...more,
    });
    const variants: Array<[string, number, (port: number, master: number) => SentinelConfInput, string | undefined]> = [
        ["host mode, no password", 0, (port, master) => sentinelAt(port, master), undefined],
        ["host mode, password with special characters", 1, (port, master) => sentinelAt(port, master, { password: SPECIAL }), SPECIAL],
        [
            // `localhost` stands in for container names: hostnames resolved and announced as in bridge mode.
            "bridge mode (hostnames), password",
            2,
            (port, master) =>
                sentinelAt(port, master, {
                    networkMode: "bridge",
                    announce: { host: "localhost", port },
                    master: { host: "localhost", port: master },
                    password: SPECIAL,
                }),
            SPECIAL,
        ],
        [
            "separate sentinel password",
            3,
            (port, master) => sentinelAt(port, master, { password: "data-pw", sentinelPassword: "sentinel\\pw" }),
            "data-pw",
        ],
    ];

    it.each(variants)("%s: starts, monitors the master, rewrites itself and restarts with the same state", async (_name, i, input, dataPassword) => {
        const masterPort = 7430 + i;
        const port = 7480 + i;
        const conf = input(port, masterPort);
        await startRedis({ port: masterPort, config: dataConf(masterPort, dataPassword ?? ""), password: dataPassword });
        const sentinelPassword = conf.sentinelPassword ?? conf.password;
        const sentinel = await startRedis({ port, config: renderSentinel(conf), password: sentinelPassword, sentinel: true });

        const before = await sentinelMonitors(port, sentinelPassword, conf.master.host, masterPort);
        const myid = await withRedis({ host: "127.0.0.1", port, password: sentinelPassword }, (c) => c.call("SENTINEL", "MYID"));
        const rewritten = fs.readFileSync(sentinel.configPath, "utf8");
        expect(rewritten).toContain(`sentinel myid ${myid}`);

        await sentinel.restart();
        const after = await sentinelMonitors(port, sentinelPassword, conf.master.host, masterPort);
        expect(await withRedis({ host: "127.0.0.1", port, password: sentinelPassword }, (c) => c.call("SENTINEL", "MYID"))).toBe(myid);
        expect(after["config-epoch"]).toBe(before["config-epoch"]);
    });

    it("a password with a quote and a space starts once, then Sentinel's unquoted rewrite keeps it from restarting", async () => {
        const bad = 'pa ss"word';
        await startRedis({ port: 7434, config: dataConf(7434, bad), password: bad });
        // Bypass the renderer's refusal: render with a placeholder, then substitute the correctly quoted value.
        const conf = renderSentinel({
            sentinelName: "sentinel-0",
            networkMode: "host",
            bind: "127.0.0.1",
            port: 7484,
            announce: { host: "127.0.0.1", port: 7484 },
            master: { host: "127.0.0.1", port: 7434 },
            settings,
            password: "placeholder",
        })
            .split(quoteConfigValue("placeholder"))
            .join(quoteConfigValue(bad));
        const sentinel = await startRedis({ port: 7484, config: conf, password: bad, sentinel: true });
        await sentinelMonitors(7484, bad, "127.0.0.1", 7434); // the quoted form is read correctly
        await sentinel.kill();

        expect(fs.readFileSync(sentinel.configPath, "utf8")).toContain('sentinel auth-pass mymaster pa ss"word');
        const rerun = spawnSync("redis-server", [sentinel.configPath, "--sentinel"], { encoding: "utf8", timeout: 5000 });
        expect(rerun.status).toBe(1);
        expect(rerun.stdout + rerun.stderr).toMatch(/FATAL CONFIG FILE ERROR[\s\S]*(Unbalanced quotes|wrong number of arguments)/i);
    });
});

describe("sentinel container command on real files", () => {
    const children: ChildProcess[] = [];
    const stop = (child: ChildProcess) =>
        new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
        });
    afterEach(async () => {
        await Promise.all(children.map(stop));
    });

    it("seeds the volume once (also over an empty file), keeps the sentinel's own file after that, and the gate brings tunables up to date", async () => {
        const password = "cmd-pw";
        await startRedis({ port: 7436, config: dataConf(7436, password), password });
        await startRedis({ port: 7437, config: dataConf(7437, password, 7436), password });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-sentinel-cmd-"));
        const seedPath = path.join(dir, "seed.conf");
        const configPath = path.join(dir, "data", "sentinel.conf");
        fs.mkdirSync(path.dirname(configPath));
        const seed = (downAfterMs: number) =>
            renderSentinel({
                sentinelName: "sentinel-0",
                networkMode: "host",
                bind: "127.0.0.1",
                port: 7486,
                announce: { host: "127.0.0.1", port: 7486 },
                master: { host: "127.0.0.1", port: 7436 },
                settings: { ...settings, downAfterMs },
                password,
            });
        const [sh, ...args] = sentinelContainerCommand({ seedPath, configPath, exec: `redis-server ${configPath} --sentinel` });
        const run = async () => {
            const child = spawn(sh, args, { cwd: path.dirname(configPath), stdio: "ignore" });
            children.push(child);
            await waitForPing(7486, password);
            return child;
        };
        const gate = (downAfterMs: number): SentinelReadinessInputs => ({
            masterName: "mymaster",
            sentinels: [{ name: "sentinel-0", access: { host: "127.0.0.1", port: 7486 } }],
            master: { name: "node-0", access: { host: "127.0.0.1", port: 7436 } },
            replicas: [{ name: "node-1", access: { host: "127.0.0.1", port: 7437 } }],
            password,
            tunables: { ...settings, downAfterMs },
            timeoutMs: 15000,
        });
        const sentinelAccess = { host: "127.0.0.1", port: 7486, password };

        try {
            fs.writeFileSync(configPath, ""); // a leftover empty file counts as missing
            fs.writeFileSync(seedPath, seed(1000));
            const first = await run();
            expect(fs.readFileSync(configPath, "utf8")).toMatch(/^# Rendered by redis-ha/);
            await sentinelReadinessProvider.create!(gate(1000));
            const myid = await withRedis(sentinelAccess, (c) => c.call("SENTINEL", "MYID"));
            await stop(first);

            // A new seed (e.g. the stack changed downAfterMs) does not replace what the sentinel owns...
            fs.writeFileSync(seedPath, seed(2000));
            await run();
            expect(await withRedis(sentinelAccess, (c) => c.call("SENTINEL", "MYID"))).toBe(myid);
            const master = fieldsOf(await withRedis(sentinelAccess, (c) => c.call("SENTINEL", "MASTER", "mymaster")));
            expect(master["down-after-milliseconds"]).toBe("1000");
            expect(fs.existsSync(`${configPath}.seed`)).toBe(false);

            // ...the readiness gate applies it with SENTINEL SET, which Sentinel persists in its file.
            await sentinelReadinessProvider.create!(gate(2000));
            expect(fs.readFileSync(configPath, "utf8")).toMatch(/^sentinel down-after-milliseconds mymaster 2000$/m);
        } finally {
            await Promise.all(children.map(stop));
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
