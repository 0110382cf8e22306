/**
 * SentinelTlsRestart: a sentinel's TlsReload. Sentinel 7.0 takes neither CONFIG SET nor SENTINEL CONFIG SET
 * of tls-* (both answer an error), so a sentinel cannot reload its certificate as a data node does. On a
 * renewal `up` writes the files into the running sentinel container as TlsReload does (writeTlsFiles), then
 * restarts the sentinel process in that same container: same container id, same data volume, the
 * sentinel.conf it rewrote kept. The sentinel reads its config and certificate at start.
 *
 * A restart, not a reload: the sentinel's clients lose their connection once and reconnect (ioredis does so
 * by itself, asking another sentinel meanwhile), while data nodes reload without a restart. The update waits
 * until the sentinel serves the new certificate and names the master again (SENTINEL get-master-addr-by-name),
 * and the sentinels' restarts are chained one after another, the first after the data nodes' reloads
 * (rolling/declare.ts), so the quorum holds.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceArgs } from "../shared/dynamic";
import { pollUntil } from "../shared/poll";
import { withRedis } from "../shared/redis-connection";
import { type TlsReloadInputs, tlsReloadKey, writeTlsFiles } from "./tls-reload";

export interface SentinelTlsRestartInputs extends TlsReloadInputs {
    /** The master the sentinel monitors: answering for it again is what "back" means. */
    masterName: string;
}

/** The served certificate's DER in base64, or the error met reaching the sentinel. */
function servedCert(inputs: SentinelTlsRestartInputs, ca: string): Promise<string> {
    const tls = require("tls");
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: inputs.access.host, port: inputs.access.port, ca, ...(inputs.client ?? {}), timeout: 2000 }, () => {
            const raw: Buffer = socket.getPeerCertificate().raw;
            socket.end();
            resolve(raw.toString("base64"));
        });
        socket.once("error", reject);
        socket.once("timeout", () => {
            socket.destroy();
            reject(new Error("TLS handshake timed out"));
        });
    });
}

/** Writes the files, restarts the sentinel in its container, and waits until it is back with the new certificate. */
export async function restartSentinelTls(olds: SentinelTlsRestartInputs | undefined, news: SentinelTlsRestartInputs): Promise<void> {
    const Docker = require("dockerode");
    const { X509Certificate } = require("crypto");
    await writeTlsFiles(news);
    const wanted: string = new X509Certificate(news.cert).raw.toString("base64");
    // Trusting the old CA too: a renewed CA is not in the sentinel before its restart took it.
    const ca = olds && olds.caCert !== news.caCert ? `${olds.caCert}\n${news.caCert}` : news.caCert;
    // A new container (a roll) that started from these very files needs no restart; unreachable, older files or a new CA: restart.
    const sameCa = !olds || olds.caCert === news.caCert;
    const already =
        sameCa &&
        (await servedCert(news, ca).then(
            (served) => served === wanted,
            () => false,
        ));
    if (!already) await new Docker().getContainer(news.containerId).restart();
    await pollUntil(
        async () => {
            let served: string;
            try {
                served = await servedCert(news, ca);
            } catch (err) {
                return { done: false as const, observed: (err as Error).message };
            }
            if (served !== wanted) return { done: false as const, observed: "the sentinel still serves its previous certificate" };
            const sentinel = { ...news.access, password: news.password, tls: { ca, ...(news.client ?? {}) } };
            try {
                const addr = await withRedis(sentinel, (c) => c.call("SENTINEL", "get-master-addr-by-name", news.masterName));
                if (!Array.isArray(addr)) return { done: false as const, observed: `no master ${news.masterName} known yet` };
                return { done: true as const, value: undefined };
            } catch (err) {
                return { done: false as const, observed: (err as Error).message };
            }
        },
        {
            timeoutMs: news.timeoutMs,
            intervalMs: 200,
            description: `${news.name} (${news.access.host}:${news.access.port}) to come back with its renewed certificate and master ${news.masterName}`,
        },
    );
}

export const sentinelTlsRestartProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: SentinelTlsRestartInputs): Promise<pulumi.dynamic.CreateResult> {
        // The container was just created with these files (its TlsFilesPin's): nothing to restart.
        return { id: `${inputs.name}-tls-restart`, outs: inputs };
    },
    async diff(_id: string, olds: SentinelTlsRestartInputs, news: SentinelTlsRestartInputs): Promise<pulumi.dynamic.DiffResult> {
        const changes = tlsReloadKey(olds) !== tlsReloadKey(news);
        if (changes && olds.containerId === news.containerId)
            console.log(`${news.name}: new TLS certificate written in place; the sentinel restarts in its container (clients reconnect once)`);
        return { changes };
    },
    async update(_id: string, olds: SentinelTlsRestartInputs, news: SentinelTlsRestartInputs): Promise<pulumi.dynamic.UpdateResult> {
        // A new container too (its pin may hold files older than the current ones): write and restart, idempotent.
        await restartSentinelTls(olds, news);
        return { outs: news };
    },
};

export class SentinelTlsRestart extends pulumi.dynamic.Resource {
    constructor(name: string, args: ResourceArgs<SentinelTlsRestartInputs>, opts?: pulumi.CustomResourceOptions) {
        super(
            sentinelTlsRestartProvider,
            name,
            args,
            { ...opts, additionalSecretOutputs: ["password", "key", "client"] },
            "redis-ha",
            "SentinelTlsRestart",
        );
    }
}
