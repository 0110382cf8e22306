/**
 * The readiness provider as Pulumi ships it: serialized by Pulumi's closure serializer and run in a separate
 * node process (like the provider host), against a real group: master 7438, replica 7439, sentinel 7489.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { sentinelConfView } from "../../components/sentinel/conf";
import { SentinelReadinessInputs, sentinelReadinessProvider } from "../../components/sentinel/readiness";
import { renderTemplate } from "../../components/docker/templates";
import { startRedis, stopAllRedis } from "../support/redis-process";
import { hostDataConf } from "../support/host-data-conf";

jest.setTimeout(30000);
afterAll(stopAllRedis);

const password = "serialized-pw";
const dataConf = (port: number, replicaOf?: number): string => hostDataConf(port, password, replicaOf);

it("runs from its serialized form in another process: diff and create against a live group", async () => {
    await startRedis({ port: 7438, config: dataConf(7438), password });
    await startRedis({ port: 7439, config: dataConf(7439, 7438), password });
    const sentinelConf = renderTemplate(
        "sentinel.conf.mustache",
        sentinelConfView({
            sentinelName: "sentinel-0",
            networkMode: "host",
            bind: "127.0.0.1",
            port: 7489,
            announce: { host: "127.0.0.1", port: 7489 },
            master: { host: "127.0.0.1", port: 7438 },
            settings: { masterName: "mymaster", quorum: 1, downAfterMs: 1000, failoverTimeoutMs: 10000, parallelSyncs: 1 },
            password,
        }),
    );
    await startRedis({ port: 7489, config: sentinelConf, password, sentinel: true });

    const serialized = await pulumi.runtime.serializeFunction(() => sentinelReadinessProvider, { allowSecrets: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-serialized-"));
    try {
        const file = path.join(dir, "provider.js");
        fs.writeFileSync(file, serialized.text);
        const inputs: SentinelReadinessInputs = {
            masterName: "mymaster",
            sentinels: [{ name: "sentinel-0", access: { host: "127.0.0.1", port: 7489 } }],
            master: { name: "node-0", access: { host: "127.0.0.1", port: 7438 } },
            replicas: [{ name: "node-1", access: { host: "127.0.0.1", port: 7439 } }],
            password,
            timeoutMs: 15000,
        };
        const script = `
            const provider = require(${JSON.stringify(file)}).handler();
            const inputs = ${JSON.stringify(inputs)};
            (async () => {
                const diff = await provider.diff("id", { ...inputs, timeoutMs: 1 }, inputs);
                const created = await provider.create(inputs);
                process.stdout.write(JSON.stringify({ diff, id: created.id, status: created.outs.status }));
            })().catch((e) => { console.error(e); process.exit(1); });`;
        // Outside the repo the serialized code finds ioredis only through NODE_PATH, as a provider host would
        // find the program's node_modules.
        const out = execFileSync(process.execPath, ["-e", script], {
            encoding: "utf8",
            env: { ...process.env, NODE_PATH: path.join(__dirname, "..", "..", "node_modules") },
        });
        expect(JSON.parse(out)).toEqual({
            diff: { changes: false },
            id: "sentinel-mymaster",
            status: { masterNode: "node-0", masterAddress: { host: "127.0.0.1", port: 7438 }, configEpoch: 0 },
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
