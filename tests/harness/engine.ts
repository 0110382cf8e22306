/**
 * The engine behind `npm run stack:local`: turns a program run's resource registrations into Docker
 * objects and dynamic-provider calls, diffs against the recorded state, and writes the checkpoint.
 * One Deployment per up/preview; `destroyStack` for destroy.
 */
import { randomBytes } from "crypto";
import Docker from "dockerode";
import { DOCKER_HANDLERS, type DockerHandler } from "./docker";
import { checkShape } from "./docker/input-shape";
import { normalizeDockerInputs } from "./docker/normalize";
import { DynamicProviderHost, type DynamicTarget } from "./dynamic-host";
import {
    applyIgnoreChanges,
    changedKeys,
    decideDockerOp,
    decideDynamicOp,
    deletionOrder,
    dependentsOf,
} from "./plan";
import type { Registration } from "./program-protocol";
import { removeState, summarize, writeState, STATE_WARNING, type Op, type OperationRecord, type ResourceRecord, type StackState } from "./state-store";
import {
    applyOutputSecretness,
    containsSecret,
    containsUnknown,
    makeSecret,
    unwrapSecrets,
    type WireObject,
} from "./wire";

export interface EngineOptions {
    projectDir: string;
    project: string;
    stack: string;
    /** Config as given to the program ("project:key" -> string); dynamic providers get it in Configure. */
    config: Record<string, string>;
    log: (line: string) => void;
}

type Kind = { kind: "stack" } | { kind: "component" } | { kind: "docker"; handler: DockerHandler } | { kind: "dynamic" };

export function classify(type: string, custom: boolean): Kind {
    if (type === "pulumi:pulumi:Stack") return { kind: "stack" };
    if (!custom) return { kind: "component" };
    const handler = DOCKER_HANDLERS[type];
    if (handler) return { kind: "docker", handler };
    if (type === "pulumi-nodejs:dynamic:Resource" || type.startsWith("pulumi-nodejs:dynamic/")) return { kind: "dynamic" };
    throw new Error(
        `resource type ${type} is not supported by the local harness (supported: ${Object.keys(DOCKER_HANDLERS).join(", ")}, ` +
            `dynamic providers, component resources)`,
    );
}

const label = (r: { type: string; name: string }) => `${r.type} "${r.name}"`;

/** Top-level keys of a checked (plain) input bag get back the secretness the program gave them. */
function remarkSecrets(plain: WireObject, wire: WireObject): WireObject {
    const out: WireObject = {};
    for (const [k, v] of Object.entries(plain)) out[k] = k in wire && containsSecret(wire[k]) ? makeSecret(v) : v;
    return out;
}

/** Shared by up, preview and destroy: a lazily started provider host and physical deletes. */
class Resources {
    readonly docker = new Docker();
    private host?: Promise<DynamicProviderHost>;

    constructor(protected readonly opts: EngineOptions) {}

    /** Starts the host alongside the program (loading @pulumi/pulumi takes ~1.5 s) instead of at first use. */
    prestartHost(): void {
        this.dynamicHost().catch(() => undefined); // a start failure surfaces at first real use
    }

    dynamicHost(): Promise<DynamicProviderHost> {
        this.host ??= DynamicProviderHost.start({ ...this.opts, projectDir: this.opts.projectDir });
        return this.host;
    }

    async close(): Promise<void> {
        if (this.host) await (await this.host.catch(() => undefined))?.close();
    }

    target(r: ResourceRecord | Registration): DynamicTarget {
        return { urn: r.urn, type: r.type, name: r.name };
    }

    /** Deletes the real object behind a record (nothing for components), honouring protect/retainOnDelete. */
    async deletePhysical(r: ResourceRecord): Promise<void> {
        if (r.options.protect) throw new Error(`${label(r)} is protected (protect: true); it cannot be deleted`);
        if (r.options.retainOnDelete) {
            this.opts.log(`- retain ${label(r)} (retainOnDelete)`);
            return;
        }
        const k = classify(r.type, r.custom);
        const started = Date.now();
        if (k.kind === "docker") {
            const plain = { id: r.id ?? "", inputs: unwrapSecrets(r.inputs) as WireObject, outputs: unwrapSecrets(r.outputs) as WireObject };
            await k.handler.delete({ docker: this.docker, log: this.opts.log }, label(r), plain);
        } else if (k.kind === "dynamic") {
            const host = await this.dynamicHost();
            // The stored outputs carry the stored __provider: destroy runs the provider code from state.
            await host.delete(this.target(r), r.id ?? "", unwrapSecrets(r.outputs) as WireObject, unwrapSecrets(r.inputs) as WireObject);
        } else {
            return;
        }
        this.opts.log(`- deleted ${label(r)} (${Date.now() - started} ms)`);
    }
}

export interface RunOutcome {
    operations: OperationRecord[];
    summary: Record<Op, number>;
    /** Errors raised while handling registrations (provider messages verbatim). */
    errors: string[];
}

/** One `up` (or `preview` when `preview` is true) against the recorded state. */
export class Deployment extends Resources {
    private readonly old: Map<string, ResourceRecord>;
    private readonly done: ResourceRecord[] = [];
    private readonly ops: OperationRecord[] = [];
    private readonly seen = new Set<string>();
    /** Old resources already deleted because something they depend on was replaced delete-first. */
    private readonly deletedEarly = new Map<string, ResourceRecord>();
    readonly errors: string[] = [];

    constructor(
        opts: EngineOptions,
        private readonly previous: StackState | undefined,
        private readonly preview: boolean,
    ) {
        super(opts);
        this.old = new Map((previous?.resources ?? []).map((r) => [r.key, r]));
    }

    private get dockerCtx() {
        return { docker: this.docker, log: this.opts.log };
    }

    async register(reg: Registration): Promise<{ id?: string; outputs: WireObject }> {
        const key = `${reg.type}::${reg.name}`;
        try {
            if (this.seen.has(key)) throw new Error(`duplicate resource ${label(reg)}: names must be unique per type`);
            this.seen.add(key);
            if (reg.provider) throw new Error(`${label(reg)}: explicit provider resources are not supported by the local harness`);
            if (reg.importId) throw new Error(`${label(reg)}: import is not supported by the local harness`);
            const old = this.deletedEarly.has(key) ? undefined : this.old.get(key);
            const k = classify(reg.type, reg.custom);
            const started = Date.now();
            const r =
                k.kind === "docker"
                    ? await this.dockerObject(reg, old, k.handler)
                    : k.kind === "dynamic"
                      ? await this.dynamic(reg, old)
                      : { op: (old ? "same" : "create") as Op, changed: [] as string[], id: undefined, outputs: old?.outputs ?? {}, inputs: reg.inputs };
            const early = this.deletedEarly.get(key);
            const op: Op = early && r.op === "create" ? "replace" : r.op;
            const changed = early && r.op === "create" ? changedKeys(early.inputs, r.inputs).filter((k) => k !== "__provider") : r.changed;
            this.record(reg, key, op, changed, r.id, r.inputs, r.outputs);
            if (op !== "same") this.opts.log(`${this.preview ? "~ would " : "+ "}${op} ${label(reg)}${changed.length ? ` [${changed.join(", ")}]` : ""}${this.preview ? "" : ` (${Date.now() - started} ms)`}`);
            // Creates in a preview have no id: the SDK then treats id (and every output not given) as unknown.
            // Components and the stack get nothing back, as from the real engine.
            return { id: r.id, outputs: reg.custom ? r.outputs : {} };
        } catch (err) {
            this.errors.push((err as Error).message);
            throw err;
        }
    }

    componentOutputs(key: string, outputs: WireObject): void {
        const r = this.done.find((d) => d.key === key);
        if (r) r.outputs = outputs;
    }

    private record(reg: Registration, key: string, op: Op, changed: string[], id: string | undefined, inputs: WireObject, outputs: WireObject) {
        this.done.push({
            key,
            type: reg.type,
            name: reg.name,
            urn: reg.urn,
            custom: reg.custom,
            ...(id !== undefined ? { id } : {}),
            ...(reg.parent ? { parent: reg.parent } : {}),
            dependencies: reg.dependencies,
            options: reg.options,
            inputs,
            outputs,
        });
        this.ops.push({ key, op, changedKeys: changed });
        this.checkpoint();
    }

    /** Docker objects: same inputs -> reuse (recreate if gone); provider-only changes -> update; else replace. */
    private async dockerObject(reg: Registration, old: ResourceRecord | undefined, h: DockerHandler) {
        const l = label(reg);
        const inputs = applyIgnoreChanges(reg.inputs, old?.inputs, reg.options.ignoreChanges);
        const plain = unwrapSecrets(inputs) as WireObject;
        checkShape(l, plain, h.shape);
        if (!containsUnknown(plain)) h.validate(l, plain);
        const secretOutputs = (o: WireObject) => applyOutputSecretness(o, inputs, reg.options.additionalSecretOutputs);

        const create = async (op: Op, changed: string[]) => {
            if (this.preview) return { op, changed, id: undefined, inputs, outputs: inputs };
            const autoName = `${reg.name}-${randomBytes(4).toString("hex").slice(0, 7)}`;
            const created = await h.create(this.dockerCtx, l, plain, autoName);
            return { op, changed, id: created.id, inputs, outputs: secretOutputs(created.outputs) };
        };
        if (!old) return create("create", []);

        const changed = changedKeys(normalizeDockerInputs(old.inputs, h.setKeys), normalizeDockerInputs(inputs, h.setKeys));
        const decision = decideDockerOp(changed, h.inPlaceKeys);
        if (decision === "replace") {
            if (!this.preview) await this.deleteFirst(old);
            return create("replace", changed);
        }
        const recorded = { id: old.id ?? "", inputs: unwrapSecrets(old.inputs) as WireObject, outputs: unwrapSecrets(old.outputs) as WireObject };
        const seen = await h.observe(this.dockerCtx, l, recorded, this.preview);
        if (seen.status === "missing") {
            this.opts.log(`${l}: recorded ${old.id} no longer exists in Docker; creating it again`);
            return create("create", []);
        }
        if (seen.status === "changed") {
            const outputs = secretOutputs({ ...seen.outputs, ...plain });
            return { op: "update" as Op, changed: [...new Set([...changed, ...seen.changedKeys])].sort(), id: old.id, inputs, outputs };
        }
        if (decision === "update") {
            return { op: "update" as Op, changed, id: old.id, inputs, outputs: secretOutputs({ ...recorded.outputs, ...plain }) };
        }
        return { op: "same" as Op, changed: [], id: old.id, inputs, outputs: old.outputs };
    }

    /** Dynamic resources through the real provider host: check, then diff/create/update as the engine does. */
    private async dynamic(reg: Registration, old: ResourceRecord | undefined) {
        const l = label(reg);
        const t = this.target(reg);
        const wireInputs = applyIgnoreChanges(reg.inputs, old?.inputs, reg.options.ignoreChanges);
        const news = unwrapSecrets(wireInputs) as WireObject;
        const host = await this.dynamicHost();
        const oldInputs = old ? (unwrapSecrets(old.inputs) as WireObject) : {};
        const checked = await host.check(t, oldInputs, news);
        if (checked.failures.length > 0) throw new Error(`${l}: check failed: ${checked.failures.join("; ")}`);
        const inputs = remarkSecrets(checked.inputs, wireInputs);
        const secretOutputs = (o: WireObject) => applyOutputSecretness(o, inputs, reg.options.additionalSecretOutputs);

        const create = async (op: Op, changed: string[]) => {
            // The dynamic provider host does not support preview creates: outputs stay unknown.
            if (this.preview) return { op, changed, id: undefined, inputs, outputs: inputs };
            const created = await host.create(t, checked.inputs);
            return { op, changed, id: created.id, inputs, outputs: secretOutputs(created.outputs) };
        };
        if (!old) return create("create", []);

        const oldOutputs = unwrapSecrets(old.outputs) as WireObject;
        const diff = await host.diff(t, old.id ?? "", oldOutputs, checked.inputs, oldInputs);
        const inputChanges = changedKeys(oldInputs, checked.inputs);
        const decision = decideDynamicOp(diff, inputChanges, reg.options.replaceOnChanges, reg.options.deleteBeforeReplace);
        const shown = inputChanges.filter((k) => k !== "__provider");
        const changed = shown.length > 0 ? shown : inputChanges;
        if (decision.op === "same") return { op: "same" as Op, changed: [], id: old.id, inputs, outputs: old.outputs };
        if (decision.op === "update") {
            if (this.preview) return { op: "update" as Op, changed, id: old.id, inputs, outputs: { ...old.outputs, ...inputs } };
            const outs = await host.update(t, old.id ?? "", oldOutputs, checked.inputs, oldInputs);
            return { op: "update" as Op, changed, id: old.id, inputs, outputs: secretOutputs(outs) };
        }
        if (this.preview) return create("replace", changed);
        if (decision.deleteBeforeReplace) {
            await this.deleteFirst(old);
            return create("replace", changed);
        }
        const created = await create("replace", changed);
        await this.deletePhysical(old);
        this.deletedEarly.set(old.key, old);
        return created;
    }

    /**
     * Delete-before-replace: resources recorded as depending on `old` go first (they will be created again
     * when the program registers them), then `old` itself, as Pulumi does for deleteBeforeReplace.
     */
    private async deleteFirst(old: ResourceRecord): Promise<void> {
        const pending = [...this.old.values()].filter((r) => !this.seen.has(r.key) && !this.deletedEarly.has(r.key));
        for (const dep of deletionOrder(dependentsOf(old.key, pending))) {
            this.opts.log(`${label(dep)} depends on ${label(old)}, which is replaced delete-first: deleting it too`);
            await this.deletePhysical(dep);
            this.deletedEarly.set(dep.key, dep);
        }
        await this.deletePhysical(old);
        this.deletedEarly.set(old.key, old);
    }

    /** After the program: resources it no longer declares are deleted (only when it succeeded). */
    async finish(programOk: boolean, stackOutputs: WireObject | undefined): Promise<RunOutcome> {
        if (programOk) {
            const gone = [...this.old.values()].filter((r) => !this.seen.has(r.key));
            for (const r of deletionOrder(gone)) {
                if (!this.deletedEarly.has(r.key) && !this.preview) {
                    try {
                        await this.deletePhysical(r);
                    } catch (err) {
                        this.errors.push((err as Error).message);
                        this.checkpoint(stackOutputs);
                        throw err;
                    }
                }
                this.deletedEarly.set(r.key, r);
                this.ops.push({ key: r.key, op: "delete", changedKeys: [] });
                if (this.preview) this.opts.log(`~ would delete ${label(r)}`);
                this.checkpoint();
            }
        }
        this.checkpoint(programOk ? stackOutputs : undefined, programOk);
        return { operations: this.ops, summary: summarize(this.ops), errors: this.errors };
    }

    private checkpoint(stackOutputs?: WireObject, ok = false): void {
        if (this.preview) return;
        // Old records not (successfully) registered again stay, unless their object is already gone: a failed
        // run must not forget anything that still exists.
        const doneKeys = new Set(this.done.map((r) => r.key));
        const kept = [...this.old.values()].filter((r) => !doneKeys.has(r.key) && !this.deletedEarly.has(r.key));
        const state: StackState = {
            warning: STATE_WARNING,
            version: 1,
            project: this.opts.project,
            stack: this.opts.stack,
            updatedAt: "",
            resources: [...this.done, ...kept],
            outputs: stackOutputs ?? this.previous?.outputs ?? {},
            lastRun: {
                command: "up",
                ok,
                ...(this.errors.length ? { error: this.errors.join("\n") } : {}),
                operations: this.ops,
                summary: summarize(this.ops),
            },
        };
        writeState(this.opts.projectDir, state);
    }
}

/** Deletes everything recorded, dependents first, then removes the checkpoint. */
export async function destroyStack(opts: EngineOptions, state: StackState): Promise<RunOutcome> {
    const res = new Resources(opts);
    const ops: OperationRecord[] = [];
    const remaining = [...state.resources];
    try {
        for (const r of deletionOrder(state.resources)) {
            await res.deletePhysical(r);
            remaining.splice(remaining.indexOf(r), 1);
            ops.push({ key: r.key, op: "delete", changedKeys: [] });
        }
    } catch (err) {
        writeState(opts.projectDir, {
            ...state,
            resources: remaining,
            lastRun: { command: "destroy", ok: false, error: (err as Error).message, operations: ops, summary: summarize(ops) },
        });
        throw err;
    } finally {
        await res.close();
    }
    removeState(opts.projectDir, opts.stack);
    return { operations: ops, summary: summarize(ops), errors: [] };
}
