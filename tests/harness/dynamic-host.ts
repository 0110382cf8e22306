/**
 * Client for the real dynamic-provider host shipped in @pulumi/pulumi (cmd/dynamic-provider): the same
 * process `pulumi up` starts for `pulumi-nodejs` resources. It deserializes each resource's `__provider`
 * closure and runs its check/diff/create/update/delete; we speak to it with the generated gRPC client.
 * The host does not accept secrets, so everything sent is secret-free (the engine re-marks outputs).
 */
import { spawn, type ChildProcess } from "child_process";
import * as readline from "readline";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type { WireObject } from "./wire";

export interface DynamicTarget {
    urn: string;
    type: string;
    name: string;
}

export type DiffChanges = "none" | "some" | "unknown";

export interface DynamicDiff {
    changes: DiffChanges;
    replaces: string[];
    deleteBeforeReplace: boolean;
}

export interface HostOptions {
    projectDir: string;
    project: string;
    stack: string;
    /** Stack config as the program sees it ("project:key" -> string), passed to Configure. */
    config: Record<string, string>;
    log: (line: string) => void;
}

function struct(obj: WireObject): Struct {
    return Struct.fromJavaScript(obj as Parameters<typeof Struct.fromJavaScript>[0]);
}

function toObject(s: Struct | undefined): WireObject {
    return (s?.toJavaScript() ?? {}) as WireObject;
}

/** The provider's own error text (gRPC prefixes messages with "2 UNKNOWN: "). */
function providerError(op: string, target: DynamicTarget, err: grpc.ServiceError): Error {
    return new Error(`${target.type} "${target.name}": ${op} failed: ${err.details || err.message}`);
}

export class DynamicProviderHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: ResourceProviderClient,
    ) {}

    static async start(opts: HostOptions): Promise<DynamicProviderHost> {
        const hostScript = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [opts.projectDir] });
        const child = spawn(process.execPath, [hostScript, "127.0.0.1:0"], {
            cwd: opts.projectDir,
            // The host reads the project/stack from these (runtime/state.js), e.g. for dynamic Config lookups.
            env: { ...process.env, PULUMI_NODEJS_PROJECT: opts.project, PULUMI_NODEJS_STACK: opts.stack },
            stdio: ["ignore", "pipe", "pipe"],
        });
        readline.createInterface({ input: child.stderr! }).on("line", (l) => opts.log(`[dynamic-provider] ${l}`));
        const lines = readline.createInterface({ input: child.stdout! });
        const port = await new Promise<number>((resolve, reject) => {
            let first = true;
            lines.on("line", (l) => {
                if (first) {
                    first = false;
                    const p = Number(l.trim());
                    if (Number.isInteger(p) && p > 0) resolve(p);
                    else reject(new Error(`dynamic-provider host printed "${l}" instead of its port`));
                } else {
                    opts.log(`[dynamic-provider] ${l}`);
                }
            });
            child.once("exit", (code) => reject(new Error(`dynamic-provider host exited with code ${code} before listening`)));
            child.once("error", reject);
        });
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const host = new DynamicProviderHost(child, client);
        const req = new provproto.ConfigureRequest();
        req.setArgs(struct(opts.config));
        req.setAcceptsecrets(false);
        await new Promise<void>((resolve, reject) =>
            client.configure(req, (err) => (err ? reject(new Error(`dynamic-provider configure failed: ${err.details}`)) : resolve())),
        );
        return host;
    }

    check(t: DynamicTarget, olds: WireObject, news: WireObject): Promise<{ inputs: WireObject; failures: string[] }> {
        const req = new provproto.CheckRequest();
        req.setUrn(t.urn).setName(t.name).setType(t.type).setOlds(struct(olds)).setNews(struct(news));
        return new Promise((resolve, reject) =>
            this.client.check(req, (err, resp) => {
                if (err) return reject(providerError("check", t, err));
                resolve({
                    inputs: toObject(resp.getInputs()),
                    failures: resp.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`),
                });
            }),
        );
    }

    diff(t: DynamicTarget, id: string, olds: WireObject, news: WireObject, oldInputs: WireObject): Promise<DynamicDiff> {
        const req = new provproto.DiffRequest();
        req.setId(id).setUrn(t.urn).setName(t.name).setType(t.type);
        req.setOlds(struct(olds)).setNews(struct(news)).setOldInputs(struct(oldInputs));
        const C = provproto.DiffResponse.DiffChanges;
        return new Promise((resolve, reject) =>
            this.client.diff(req, (err, resp) => {
                if (err) return reject(providerError("diff", t, err));
                const c = resp.getChanges();
                resolve({
                    changes: c === C.DIFF_NONE ? "none" : c === C.DIFF_SOME ? "some" : "unknown",
                    replaces: resp.getReplacesList(),
                    deleteBeforeReplace: resp.getDeletebeforereplace(),
                });
            }),
        );
    }

    create(t: DynamicTarget, props: WireObject): Promise<{ id: string; outputs: WireObject }> {
        const req = new provproto.CreateRequest();
        req.setUrn(t.urn).setName(t.name).setType(t.type).setProperties(struct(props));
        return new Promise((resolve, reject) =>
            this.client.create(req, (err, resp) => {
                if (err) return reject(providerError("create", t, err));
                resolve({ id: resp.getId(), outputs: toObject(resp.getProperties()) });
            }),
        );
    }

    update(t: DynamicTarget, id: string, olds: WireObject, news: WireObject, oldInputs: WireObject): Promise<WireObject> {
        const req = new provproto.UpdateRequest();
        req.setId(id).setUrn(t.urn).setName(t.name).setType(t.type);
        req.setOlds(struct(olds)).setNews(struct(news)).setOldInputs(struct(oldInputs));
        return new Promise((resolve, reject) =>
            this.client.update(req, (err, resp) => (err ? reject(providerError("update", t, err)) : resolve(toObject(resp.getProperties())))),
        );
    }

    delete(t: DynamicTarget, id: string, props: WireObject, oldInputs: WireObject): Promise<void> {
        const req = new provproto.DeleteRequest();
        req.setId(id).setUrn(t.urn).setName(t.name).setType(t.type).setProperties(struct(props)).setOldInputs(struct(oldInputs));
        return new Promise((resolve, reject) => this.client.delete(req, (err) => (err ? reject(providerError("delete", t, err)) : resolve())));
    }

    async close(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) {
            const exited = new Promise((resolve) => this.child.once("exit", resolve));
            this.child.kill("SIGTERM");
            await exited;
        }
    }
}
