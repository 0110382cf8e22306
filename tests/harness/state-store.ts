/**
 * The harness's checkpoint: `.stack-local/<stack>.json` in the project directory. Like Pulumi's state it
 * records every resource (in creation order) with inputs and outputs in wire form (secrets marked but
 * NOT encrypted), the stack outputs and what the last run did.
 */
import * as fs from "fs";
import * as path from "path";
import type { WireObject } from "./wire";

export type Op = "create" | "update" | "replace" | "delete" | "same";
export const OPS: Op[] = ["create", "update", "replace", "delete", "same"];

export interface ResourceOptionsRecord {
    deleteBeforeReplace: boolean;
    additionalSecretOutputs: string[];
    ignoreChanges: string[];
    replaceOnChanges: string[];
    protect: boolean;
    retainOnDelete: boolean;
}

export interface ResourceRecord {
    /** `type::name`, unique within a stack here. */
    key: string;
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    id?: string;
    parent?: string;
    /** Keys of resources this one depends on (explicit and through inputs). */
    dependencies: string[];
    options: ResourceOptionsRecord;
    inputs: WireObject;
    outputs: WireObject;
}

export interface OperationRecord {
    key: string;
    op: Op;
    changedKeys: string[];
}

export interface StackState {
    warning: string;
    version: 1;
    project: string;
    stack: string;
    updatedAt: string;
    resources: ResourceRecord[];
    outputs: WireObject;
    lastRun: {
        command: "up" | "destroy";
        ok: boolean;
        error?: string;
        operations: OperationRecord[];
        summary: Record<Op, number>;
    };
}

export const STATE_WARNING =
    "Written by tests/harness (npm run stack:local). Secrets (passwords, rendered configs) are stored here in " +
    "PLAIN TEXT: the file is mode 0600, keep it private and never commit it (.stack-local/ is git-ignored).";

export function statePath(projectDir: string, stack: string): string {
    return path.join(projectDir, ".stack-local", `${stack}.json`);
}

export function readState(projectDir: string, stack: string): StackState | undefined {
    const file = statePath(projectDir, stack);
    if (!fs.existsSync(file)) return undefined;
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as StackState;
    if (state.version !== 1) throw new Error(`${file}: unsupported state version ${String(state.version)}`);
    return state;
}

/** Atomic (temp file + rename) so a crash never leaves half a checkpoint; created 0600 from the start. */
export function writeState(projectDir: string, state: StackState): void {
    const file = statePath(projectDir, state.stack);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2) + "\n", { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
}

export function removeState(projectDir: string, stack: string): void {
    fs.rmSync(statePath(projectDir, stack), { force: true });
}

export function summarize(ops: OperationRecord[]): Record<Op, number> {
    const summary = Object.fromEntries(OPS.map((o) => [o, 0])) as Record<Op, number>;
    for (const o of ops) summary[o.op]++;
    return summary;
}
