/** What the engine needs from each Docker resource type. Inputs and outputs here are secret-free. */
import type Docker from "dockerode";
import type { WireObject } from "../wire";
import type { Shape } from "./input-shape";

export interface DockerContext {
    docker: Docker;
    /** Progress for humans (stderr). */
    log: (msg: string) => void;
}

export interface CreatedObject {
    id: string;
    outputs: WireObject;
}

/** What `up` finds when it revisits an object whose inputs did not change. */
export type Observation =
    | { status: "missing" }
    | { status: "same" }
    /** The live object differs from state in a way that needs no replacement (e.g. a stopped container restarted). */
    | { status: "changed"; outputs: WireObject; changedKeys: string[] };

export interface RecordedObject {
    id: string;
    inputs: WireObject;
    outputs: WireObject;
}

export interface DockerHandler {
    type: string;
    shape: Shape;
    /** Lists the provider treats as sets: order does not count as a change. */
    setKeys: string[];
    /** Inputs that only steer the provider (no Docker object field): a change is an in-place update. */
    inPlaceKeys: string[];
    /** Translates without side effects, throwing on any value the translation cannot use. */
    validate(label: string, inputs: WireObject): void;
    /** `autoName` is used when the program gives no `name`, as Pulumi auto-naming would (resource name + suffix). */
    create(ctx: DockerContext, label: string, inputs: WireObject, autoName: string): Promise<CreatedObject>;
    /** Read-only when `preview` is true. */
    observe(ctx: DockerContext, label: string, recorded: RecordedObject, preview: boolean): Promise<Observation>;
    delete(ctx: DockerContext, label: string, recorded: RecordedObject): Promise<void>;
}

/** dockerode errors carry the HTTP status; 404 on delete/inspect means "already gone". */
export function statusOf(err: unknown): number | undefined {
    const s = (err as { statusCode?: number }).statusCode;
    return typeof s === "number" ? s : undefined;
}

export function dockerMessage(err: unknown): string {
    const e = err as { json?: { message?: string }; message?: string };
    return e.json?.message ?? e.message ?? String(err);
}
