/**
 * The stack outputs stack:local prints. After an `up`, the Automation API reads them back with a
 * `stack output` CLI call (another CLI start, 0.3-0.4 s of every no-op `up` here), although the engine
 * has just reported them: its last event of the run is the Stack resource's outputs, as it writes them
 * to the state. `up` takes them from that event; `outputs`, `refresh` and any run that shows secrets
 * read them from the state as before (engine.ts).
 */
import type * as automation from "@pulumi/pulumi/automation";
// The engine's events mark a secret as the wire does (the SDK's signature key and value beside the masked ciphertext).
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";

const MASK = "[secret]";

export function presentOutputs(outputs: automation.OutputMap, showSecrets: boolean): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret && !showSecrets ? MASK : o.value]));
}

/** A value from an engine event with every secret masked, as `stack output --json` masks it. */
function masked(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(masked);
    if (value === null || typeof value !== "object") return value;
    if (isRpcSecret(value)) return MASK;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
}

/** Watches a run's engine events for the Stack resource's final outputs. */
export class EngineStackOutputs {
    private outputs?: Record<string, unknown>;

    observe(e: automation.EngineEvent): void {
        const done = e.resOutputsEvent?.metadata;
        if (done?.type === "pulumi:pulumi:Stack" && done.new?.outputs) this.outputs = done.new.outputs;
    }

    /**
     * Has `stack.outputs()` answer from the engine's event while `run` runs (it is what `up` calls at its
     * end), masked as the CLI masks them; the state is still read where the event did not come or secrets
     * are to be shown, because the event carries them encrypted.
     */
    async during<T>(stack: automation.Stack, showSecrets: boolean, run: () => Promise<T>): Promise<T> {
        const original = stack.outputs;
        stack.outputs = async () => {
            if (showSecrets || !this.outputs) return original.call(stack);
            return Object.fromEntries(
                Object.entries(this.outputs).map(([key, v]) => {
                    const value = masked(v);
                    // As the Automation API tells a secret from the masked text (engine.ts).
                    return [key, { value, secret: value === MASK }];
                }),
            );
        };
        try {
            return await run();
        } finally {
            stack.outputs = original;
        }
    }
}
