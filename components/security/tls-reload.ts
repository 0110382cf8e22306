/**
 * TlsReload: makes a running data node serve its renewed certificate without replacing its container.
 * When the node's certificate or the CA changes (a renewal by TlsCertificates, or new own certificates) or
 * its container is a new one, `up` writes the current files into the running container through the Docker
 * Engine API (an archive put into the TLS directory: the key travels in the request body, never in an
 * argument, the environment, a log or what `docker inspect` shows), hands them to the redis user alone (the
 * start command's own lines, run as root in the container) and makes Redis read them again with CONFIG SET
 * (reloadTls): connected clients stay connected, the run_id stays.
 *
 * A renewed CA goes the same way. From then on the node presents a certificate signed by the new CA: a client
 * that holds the old CA keeps the connection it has, but a new connection fails verification until it takes
 * the new `caCert` output; the nodes' own links (replication) trust the new CA as soon as both ends reloaded.
 *
 * Docker is reached as the docker provider reaches it by default: DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH) or the local socket.
 *
 * Sentinels cannot reload: Sentinel 7.0 takes neither CONFIG SET nor SENTINEL CONFIG SET of tls-* (both answer
 * an error). Their variant, SentinelTlsRestart (security/sentinel-tls-restart.ts), writes the files the same
 * way and restarts the sentinel process in the same container, one sentinel at a time: their clients
 * reconnect once, where a data node's keep their connection.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import { withRedisRetried } from "../shared/redis-connection";
import { type TlsFilePaths, reloadTls } from "./tls-certificates";

export interface TlsReloadInputs {
    /** Logical node name, for messages. */
    name: string;
    /** The running container the files go into. */
    containerId: string;
    /** The published endpoint, from the machine running pulumi. */
    access: { host: string; port: number };
    /** ACL stacks: the stack's operator user; absent, the default user. */
    username?: string;
    password: string;
    /** Where the files live in the container (the paths redis.conf names). */
    paths: TlsFilePaths;
    /** Shell lines (as root in the container) that make the files the redis user's alone. */
    setup: string[];
    caCert: string;
    cert: string;
    /** Secret. */
    key: string;
    /** `tls.authClients` yes or optional: the client certificate the reload connection presents (key secret). */
    client?: { cert: string; key: string };
    /** Bound on reaching the node. */
    timeoutMs: number;
}

/** What a diff compares: the container and what the node must serve. */
export function tlsReloadKey(inputs: TlsReloadInputs): string {
    return JSON.stringify([inputs.containerId, inputs.caCert, inputs.cert]);
}

/** A POSIX tar (ustar) of regular files `name -> content`, mode 0600, owned by root until `setup` hands them over. */
export function tarOf(files: Array<{ name: string; content: string }>): Buffer {
    const blocks: Buffer[] = [];
    const field = (header: Buffer, offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
    const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
    for (const f of files) {
        const body = Buffer.from(f.content, "utf8");
        const header = Buffer.alloc(512);
        field(header, 0, 100, f.name);
        field(header, 100, 8, octal(0o600, 8));
        field(header, 108, 8, octal(0, 8));
        field(header, 116, 8, octal(0, 8));
        field(header, 124, 12, octal(body.length, 12));
        field(header, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
        field(header, 148, 8, "        ");
        field(header, 156, 1, "0");
        field(header, 257, 6, "ustar\0");
        field(header, 263, 2, "00");
        let sum = 0;
        for (const byte of header) sum += byte;
        field(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
        blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
}

/** Writes the node's three files into its running container and hands them to the redis user. */
export async function writeTlsFiles(inputs: TlsReloadInputs): Promise<void> {
    const Docker = require("dockerode");
    const path = require("path");
    const container = new Docker().getContainer(inputs.containerId);
    const dir: string = path.posix.dirname(inputs.paths.certFile);
    for (const p of [inputs.paths.caCertFile, inputs.paths.keyFile]) {
        if (path.posix.dirname(p) !== dir) throw new Error(`TLS files of ${inputs.name} are not in one directory: ${dir}, ${p}`);
    }
    const archive = tarOf([
        { name: path.posix.basename(inputs.paths.caCertFile), content: inputs.caCert },
        { name: path.posix.basename(inputs.paths.certFile), content: inputs.cert },
        { name: path.posix.basename(inputs.paths.keyFile), content: inputs.key },
    ]);
    await container.putArchive(archive, { path: dir });
    const exec = await container.exec({ Cmd: ["sh", "-c", inputs.setup.join(" && ")], User: "root", AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve());
        stream.on("error", reject);
    });
    const { ExitCode } = await exec.inspect();
    if (ExitCode !== 0) {
        // The output of chown/chmod names paths only.
        const text = Buffer.concat(chunks)
            .toString("utf8")
            .replace(/[^\x20-\x7e\n]/g, "");
        throw new Error(`${inputs.name}: handing the TLS files to the redis user failed (exit ${ExitCode}): ${text.trim()}`);
    }
}

/**
 * Writes the files, then CONFIG SET. The node is reached trusting both the CA it served until now and the
 * new one: it presents the old certificate until the reload, the new one after (a retry).
 */
export async function reloadNodeTls(olds: TlsReloadInputs | undefined, news: TlsReloadInputs): Promise<void> {
    await writeTlsFiles(news);
    const ca = olds && olds.caCert !== news.caCert ? `${olds.caCert}\n${news.caCert}` : news.caCert;
    const tls = { ca, ...(news.client ? { cert: news.client.cert, key: news.client.key } : {}) };
    await withRedisRetried({ ...news.access, username: news.username, password: news.password, tls }, (c) => reloadTls(c, news.paths), {
        timeoutMs: news.timeoutMs,
        description: `${news.name} (${news.access.host}:${news.access.port}) to reload its TLS files with CONFIG SET`,
    });
}

export const tlsReloadProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: TlsReloadInputs): Promise<pulumi.dynamic.CreateResult> {
        // The container was just created with these files (its TlsFilesPin's): nothing to reload.
        return { id: `${inputs.name}-tls-reload`, outs: inputs };
    },
    async diff(_id: string, olds: TlsReloadInputs, news: TlsReloadInputs): Promise<pulumi.dynamic.DiffResult> {
        const changes = tlsReloadKey(olds) !== tlsReloadKey(news);
        // The plan's text (a dynamic provider's console output shows in the engine's display).
        if (changes && olds.containerId === news.containerId)
            console.log(`${news.name}: new TLS certificate written in place and reloaded (CONFIG SET, no restart)`);
        return { changes };
    },
    async update(_id: string, olds: TlsReloadInputs, news: TlsReloadInputs): Promise<pulumi.dynamic.UpdateResult> {
        // A new container too (its pin may hold files older than the current ones): write and reload, idempotent.
        await reloadNodeTls(olds, news);
        return { outs: news };
    },
};

export class TlsReload extends pulumi.dynamic.Resource {
    constructor(name: string, args: ResourceArgs<TlsReloadInputs>, opts?: pulumi.CustomResourceOptions) {
        super(tlsReloadProvider, name, args, { ...opts, additionalSecretOutputs: ["password", "key", "client"] }, "redis-ha", "TlsReload");
    }
}
