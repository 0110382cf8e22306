/** What the test double needs from each Docker resource type. Inputs and outputs here are secret-free. */
import type Docker from "dockerode";
import type { WireObject } from "./wire";
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
    /** Inputs the real provider changes in place (everything else is ForceNew there: a replacement). */
    inPlaceKeys: string[];
    /** Translates without side effects, throwing on any value the translation cannot use. */
    validate(label: string, inputs: WireObject): void;
    /** `autoName` is used when the program gives no `name`, as Pulumi auto-naming would (resource name + suffix). */
    create(ctx: DockerContext, label: string, inputs: WireObject, autoName: string): Promise<CreatedObject>;
    /** The object as it is now (`refresh`), or undefined when it no longer exists. */
    read(ctx: DockerContext, label: string, recorded: RecordedObject): Promise<WireObject | undefined>;
    /** Applies a change of `inPlaceKeys` only (anything else is a replacement); returns the new outputs. */
    update(ctx: DockerContext, label: string, recorded: RecordedObject, inputs: WireObject): Promise<WireObject>;
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
