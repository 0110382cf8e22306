/** Messages between the engine (parent) and the program host (child, the "language host"), over node IPC. */
import type { ResourceOptionsRecord } from "./state-store";
import type { WireObject } from "./wire";

/** Environment variable carrying ProgramHostOptions to the child. */
export const PROGRAM_OPTIONS_ENV = "STACK_LOCAL_PROGRAM_OPTIONS";

export interface ProgramHostOptions {
    projectDir: string;
    project: string;
    stack: string;
    preview: boolean;
    /** Program path relative to the project (Pulumi.yaml `main`), else package.json `main`, else ".". */
    main?: string;
    /** Pulumi.yaml runtime option `typescript` (default true): register ts-node like the language host. */
    typescript: boolean;
}

/** One RegisterResource call as the engine receives it (inputs in wire form). */
export interface Registration {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    inputs: WireObject;
    /** Key (`type::name`) of the parent, if any. */
    parent?: string;
    dependencies: string[];
    options: ResourceOptionsRecord;
    /** Explicit provider reference (unsupported by the harness), "" when default. */
    provider: string;
    importId: string;
}

export type ChildMessage =
    | { kind: "register"; seq: number; registration: Registration }
    | { kind: "read"; type: string; name: string }
    | { kind: "component-outputs"; key: string; outputs: WireObject }
    | { kind: "done"; outputs: WireObject }
    | { kind: "failed"; message: string; detail?: string };

export type ParentMessage =
    | { kind: "registered"; seq: number; id?: string; outputs: WireObject }
    | { kind: "register-failed"; seq: number; message: string };
