/**
 * TLS on the real engine (issue 11), one stack per wired topology reused across its assertions: the node's
 * port speaks TLS only (plain text to it gets no answer), clients reach the node through the stack outputs
 * (ioredis with `ioredisOptions.tls`, `redis-cli --tls --cacert` as `redisCli` says), and the secrets audit:
 * no password or private key in the state file, the outputs without --show-secrets, `docker inspect`, the
 * container's environment, its processes' arguments or its logs; the key is a file of the redis user alone
 * (0600). The standalone stack also keeps a plain port (`tls.allowPlaintext`); the replication and sentinel
 * stacks require client certificates (`tls.authClients: yes`), from clients and from the stack's own links.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import Redis, { type RedisOptions } from "ioredis";
import { LOCAL_IMAGE, docker, engineDriver as driver, labelledObjects, stepsByOp } from "./support/stack-driver";
import { infoField, plainTextReply } from "./support/probes";
import { TLS_FILES } from "../../components/security/node-security";
import { issueCertificates } from "../../components/security/tls-certificates";

async function withClient<T>(options: RedisOptions, fn: (c: Redis) => Promise<T>): Promise<T> {
    // No reconnects, and disconnect even when connect fails: a retrying client keeps jest alive forever.
    const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
        await client.connect();
        return await fn(client);
    } finally {
        client.disconnect();
    }
}

/** The error a client gets connecting with `options` (the event carries the cause; connect() only says "closed"). */
async function connectError(options: RedisOptions): Promise<string> {
    const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let cause = "";
    client.on("error", (err: Error) => (cause ||= err.message));
    try {
        await client.connect();
        await client.ping();
        return "connected";
    } catch (err) {
        return cause || (err as Error).message;
    } finally {
        client.disconnect();
    }
}

/** The serial number (hex, lower case, no leading zeros) of the certificate a TLS port presents. */
function servedSerial(port: number, ca: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ca }, () => {
            const serial = socket.getPeerCertificate().serialNumber.toLowerCase().replace(/^0+/, "");
            socket.end();
            resolve(serial);
        });
        socket.once("error", reject);
    });
}

/** The base64 lines of a PEM block: any of them in a text betrays the key, however the text escapes line breaks. */
const pemLines = (pem: string) => pem.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"));

describe(`TLS through ${driver.name}`, () => {
    describe("standalone (bridge network)", () => {
        const stack = "e2e-tls-standalone";
        // validityDays 30: due at once, so the second `up` renews the CA and the certificate (in place).
        const config = { topology: "standalone", image: LOCAL_IMAGE, basePort: 7600, tls: { enabled: true, allowPlaintext: true, validityDays: 30 } };
        let outputs: Record<string, any>;
        let container: string;
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("up: the outputs carry the CA, ioredis options with it and a redis-cli --tls line", async () => {
            ({ outputs } = await driver.up(stack, config));
            expect(outputs.caCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
            expect(outputs.ioredisOptions).toEqual({ host: "127.0.0.1", port: 7600, password: outputs.password, tls: { ca: outputs.caCert } });
            expect(outputs.redisCli).toBe(`redis-cli --tls --cacert redis-ha-${stack}-ca.crt -h 127.0.0.1 -p 7600 --askpass`);
            expect(outputs.master).toEqual({ host: "127.0.0.1", port: 7600, plainPort: 8600 });
            expect(outputs.nodes[0]).toMatchObject({ port: 7600, plainPort: 8600 });
            container = outputs.nodes[0].containerName;
        });

        it("allowPlaintext: plain text is answered on the published plain port (TLS port + 1000) only; the node's port speaks TLS only", async () => {
            const { reply, closed } = await plainTextReply(7600);
            expect(closed).toBe(true);
            expect(reply).not.toMatch(/^[+-]/);
            await withClient(outputs.ioredisOptions, async (c) => {
                expect(await c.config("GET", "port")).toEqual(["port", "7379"]);
                expect(await c.config("GET", "tls-port")).toEqual(["tls-port", "6379"]);
                expect(await c.set("tls:both-ports", "seen")).toBe("OK");
            });
            const { tls: _tls, ...plain } = outputs.ioredisOptions;
            await withClient({ ...plain, port: outputs.master.plainPort }, async (c) => {
                expect(await c.ping()).toBe("PONG");
                expect(await c.get("tls:both-ports")).toBe("seen");
            });
        });

        it("ioredis with ioredisOptions and redis-cli as redisCli says both work; a client without the CA is refused", async () => {
            await withClient(outputs.ioredisOptions, async (c) => {
                expect(await c.set("tls:key", "over-tls")).toBe("OK");
                expect(await c.get("tls:key")).toBe("over-tls");
            });
            // Verification is on: Node's own CA list does not know the stack's CA.
            expect(await connectError({ ...outputs.ioredisOptions, tls: {} })).toMatch(/certificate/i);

            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-tls-cli-"));
            try {
                fs.writeFileSync(path.join(dir, `redis-ha-${stack}-ca.crt`), outputs.caCert);
                const [cli, ...args] = (outputs.redisCli as string).split(" ");
                const run = spawnSync(cli, [...args, "--no-auth-warning", "GET", "tls:key"], {
                    cwd: dir,
                    input: `${outputs.password}\n`,
                    encoding: "utf8",
                    timeout: 10000,
                });
                expect(run.stderr).toBe("");
                expect(run.stdout.trim()).toBe("over-tls");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("renewal in place: up renews the CA and certificate, replaces no container, a connected client keeps answering", async () => {
            const containerId = docker("inspect", "-f", "{{.Id}}", container);
            const before = new Redis({ ...outputs.ioredisOptions, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
            await before.connect();
            try {
                const runId = infoField(await before.info("server"), "run_id");
                const servedBefore = await servedSerial(7600, outputs.caCert);
                const renewed = await driver.up(stack, config);
                const changed = stepsByOp(renewed.report, "create", "replace", "create-replacement", "delete-replaced", "delete", "update");
                expect(changed.filter((s) => !s.endsWith("pulumi:pulumi:Stack")).map((s) => s.replace(/ .*:/, " "))).toEqual([
                    "update TlsCertificates",
                    "update TlsReload",
                ]);
                expect(docker("inspect", "-f", "{{.Id}}", container)).toBe(containerId);
                expect(await before.ping()).toBe("PONG");
                expect(infoField(await before.info("server"), "run_id")).toBe(runId);
                // The CA was due too: a new CA, and the node serves a new certificate under it.
                expect(renewed.outputs.caCert).not.toBe(outputs.caCert);
                const servedAfter = await servedSerial(7600, renewed.outputs.caCert);
                expect(servedAfter).not.toBe(servedBefore);
                expect(docker("exec", container, "cat", TLS_FILES.caCertFile)).toBe(renewed.outputs.caCert.trim());
                outputs = renewed.outputs;
            } finally {
                before.disconnect();
            }
        });

        it("secrets audit: password and key appear nowhere in plain text; the key is the redis user's alone", async () => {
            const key = docker("exec", container, "cat", TLS_FILES.keyFile);
            expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
            const secrets = [outputs.password as string, ...pemLines(key)];
            const places: Record<string, string> = {
                "state file": fs.readFileSync(driver.stateFile(stack), "utf8"),
                "outputs without --show-secrets": JSON.stringify(await driver.outputsWithoutSecrets(stack)),
                "docker inspect": docker("inspect", container),
                "container environment": docker("exec", container, "env"),
                "process arguments": docker("exec", container, "ps"),
                logs: spawnSync("docker", ["logs", container], { encoding: "utf8" }).output.join(""),
            };
            for (const [place, text] of Object.entries(places)) {
                for (const secret of secrets) expect({ place, leaks: text.includes(secret) }).toEqual({ place, leaks: false });
            }
            for (const file of [TLS_FILES.keyFile, TLS_FILES.certFile, TLS_FILES.caCertFile]) {
                expect(docker("exec", container, "stat", "-c", "%U %a", file)).toBe("redis 600");
            }
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("standalone with the user's own CA, certificate and key (tls.caCert, tls.cert, tls.key)", () => {
        const stack = "e2e-tls-byo";
        let own: { caCert: string; cert: string; key: string; serial: string };
        let outputs: Record<string, any>;
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("up uses them as given: the node serves that certificate, clients verify it with that CA, the key stays secret", async () => {
            // Issued outside the stack, as a user's own PKI would (the stack's issuer is just a convenient one).
            const issued = await issueCertificates(
                {
                    commonName: "users-own-ca",
                    subjects: [{ name: "mine", dnsNames: [], ipAddresses: ["127.0.0.1"] }],
                    validityDays: 90,
                    renewWithinDays: 30,
                },
                undefined,
                new Date(),
            );
            own = { caCert: issued.caCert, cert: issued.certs.mine.cert, key: issued.keys.mine, serial: issued.certs.mine.serialNumber };
            const config = {
                topology: "standalone",
                image: LOCAL_IMAGE,
                basePort: 7630,
                tls: { enabled: true, caCert: own.caCert, cert: own.cert },
            };
            // The key as a user sets it: `pulumi config set --secret --path tls.key`.
            ({ outputs } = await driver.up(stack, config, { "tls.key": own.key }));
            expect(outputs.caCert).toBe(own.caCert);
            expect(await servedSerial(7630, own.caCert)).toBe(own.serial.replace(/^0+/, ""));
            await withClient(outputs.ioredisOptions, async (c) => {
                expect(await c.set("byo", "yes")).toBe("OK");
                expect(await c.config("GET", "port")).toEqual(["port", "0"]);
            });
            expect((await plainTextReply(7630)).reply).not.toMatch(/^[+-]/);
            const state = fs.readFileSync(driver.stateFile(stack), "utf8");
            for (const line of pemLines(own.key)) expect(state.includes(line)).toBe(false);
            expect(docker("inspect", outputs.nodes[0].containerName).includes(pemLines(own.key)[0])).toBe(false);
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("replication (bridge network)", () => {
        const stack = "e2e-tls-replication";
        const config = { topology: "replication", replicas: 1, image: LOCAL_IMAGE, basePort: 7610, tls: { enabled: true, authClients: "yes" } };
        let outputs: Record<string, any>;
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("the replica links to the master over TLS (the master has no plain port to link to) and receives writes", async () => {
            // authClients yes: the deploy-time providers and the healthchecks got in only with their certificates.
            ({ outputs } = await driver.up(stack, config));
            expect(outputs.nodes.map((n: { role: string; port: number }) => [n.role, n.port])).toEqual([
                ["master", 7610],
                ["replica", 7611],
            ]);
            for (const port of [7610, 7611]) expect((await plainTextReply(port)).reply).not.toMatch(/^[+-]/);
            const replica = { ...outputs.ioredisOptions, port: 7611 };
            await withClient(outputs.ioredisOptions, async (c) => {
                expect(await c.config("GET", "port")).toEqual(["port", "0"]);
                expect(await c.config("GET", "tls-replication")).toEqual(["tls-replication", "yes"]);
                expect(await c.set("tls:replicated", "yes")).toBe("OK");
                expect(await c.wait(1, 5000)).toBe(1);
            });
            await withClient(replica, async (c) => {
                const info = await c.info("replication");
                expect(info).toMatch(/^role:slave\r?$/m);
                expect(info).toMatch(/^master_link_status:up\r?$/m);
                expect(await c.get("tls:replicated")).toBe("yes");
            });
        });

        it("authClients yes: a client without a certificate is refused; the outputs' client certificate works with ioredis and redis-cli", async () => {
            expect(outputs.ioredisOptions.tls).toEqual({ ca: outputs.caCert, cert: outputs.clientCert, key: outputs.clientKey });
            expect(outputs.clientCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
            await withClient(outputs.ioredisOptions, async (c) =>
                expect(await c.config("GET", "tls-auth-clients")).toEqual(["tls-auth-clients", "yes"]),
            );
            expect(await connectError({ ...outputs.ioredisOptions, tls: { ca: outputs.caCert } })).not.toBe("connected");
            expect(outputs.redisCli).toBe(
                `redis-cli --tls --cacert redis-ha-${stack}-ca.crt --cert redis-ha-${stack}-client.crt --key redis-ha-${stack}-client.key -h 127.0.0.1 -p 7610 --askpass`,
            );
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-tls-cli-"));
            try {
                fs.writeFileSync(path.join(dir, `redis-ha-${stack}-ca.crt`), outputs.caCert);
                fs.writeFileSync(path.join(dir, `redis-ha-${stack}-client.crt`), outputs.clientCert);
                fs.writeFileSync(path.join(dir, `redis-ha-${stack}-client.key`), outputs.clientKey, { mode: 0o600 });
                const [cli, ...args] = (outputs.redisCli as string).split(" ");
                const run = (argv: string[]) =>
                    spawnSync(cli, [...argv, "--no-auth-warning", "GET", "tls:replicated"], {
                        cwd: dir,
                        input: `${outputs.password}\n`,
                        encoding: "utf8",
                        timeout: 10000,
                    });
                const ok = run(args);
                expect(ok.stderr).toBe("");
                expect(ok.stdout.trim()).toBe("yes");
                // Without --cert/--key the handshake fails.
                const certIndex = args.indexOf("--cert");
                expect(run([...args.slice(0, certIndex), ...args.slice(certIndex + 4)]).stdout.trim()).not.toBe("yes");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            const hidden = JSON.stringify(await driver.outputsWithoutSecrets(stack));
            for (const line of pemLines(outputs.clientKey)) expect(hidden.includes(line)).toBe(false);
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });

    describe("sentinel (bridge network)", () => {
        const stack = "e2e-tls-sentinel";
        const config = { topology: "sentinel", replicas: 1, image: LOCAL_IMAGE, basePort: 7620, tls: { enabled: true, authClients: "yes" } };
        let outputs: Record<string, any>;
        afterAll(() => driver.destroy(stack).catch(() => undefined));

        it("sentinels and nodes speak TLS only; a client through ioredisSentinelOptions works; the replica is linked over TLS", async () => {
            ({ outputs } = await driver.up(stack, config));
            const options = outputs.ioredisSentinelOptions;
            const clientTls = { ca: outputs.caCert, cert: outputs.clientCert, key: outputs.clientKey };
            expect(options).toMatchObject({ sentinelTLS: clientTls, tls: clientTls, enableTLSForSentinelMode: true });
            // authClients yes: a sentinel too refuses a client without a certificate.
            expect(await connectError({ ...outputs.ioredisOptions, port: 27620, tls: { ca: outputs.caCert } })).not.toBe("connected");
            for (const port of [7620, 7621, 27620, 27621, 27622]) expect((await plainTextReply(port)).reply).not.toMatch(/^[+-]/);
            await withClient(options, async (c) => {
                expect(await c.set("tls:sentinel", "before")).toBe("OK");
                expect(await c.wait(1, 5000)).toBe(1);
            });
            await withClient({ ...outputs.ioredisOptions, port: 7621 }, async (c) => {
                expect(await c.info("replication")).toMatch(/^master_link_status:up\r?$/m);
            });
            await withClient({ ...outputs.ioredisOptions, port: 27620 }, async (c) => expect(await c.ping()).toBe("PONG"));
        });

        it("a failover over TLS: SENTINEL FAILOVER promotes the replica and the Sentinel client follows it", async () => {
            const sentinel = { ...outputs.ioredisOptions, port: 27620 };
            await withClient(sentinel, (c) => c.call("SENTINEL", "FAILOVER", "mymaster"));
            const deadline = Date.now() + 30000;
            let addr: unknown[] = [];
            while (Date.now() < deadline) {
                addr = (await withClient(sentinel, (c) => c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"))) as unknown[];
                if (String(addr[0]) === outputs.nodes[1].containerName) break;
                await new Promise((r) => setTimeout(r, 200));
            }
            expect(String(addr[0])).toBe(outputs.nodes[1].containerName);
            await withClient(outputs.ioredisSentinelOptions, async (c) => {
                expect(await c.get("tls:sentinel")).toBe("before");
                // Polled: the promoted node accepts writes once it has left replica mode.
                const writeDeadline = Date.now() + 10000;
                for (;;) {
                    try {
                        expect(await c.set("tls:sentinel", "after")).toBe("OK");
                        break;
                    } catch (err) {
                        if (Date.now() > writeDeadline) throw err;
                        await new Promise((r) => setTimeout(r, 200));
                    }
                }
            });
            await withClient({ ...outputs.ioredisOptions, port: 7621 }, async (c) => {
                expect(await c.info("replication")).toMatch(/^role:master\r?$/m);
            });
        });

        it("destroy leaves no container, network or volume of the stack", async () => {
            await driver.destroy(stack);
            expect(labelledObjects(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        });
    });
});
