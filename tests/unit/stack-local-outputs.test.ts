/**
 * stack:local's `up` prints the stack outputs from the engine's own event (tools/stack-local/outputs.ts)
 * instead of reading them back with `stack output`: secrets masked as the CLI masks them, nested ones too,
 * and the state read as before where secrets are to be shown or no such event came. The e2e suites check
 * the same on the real engine: every `up` there prints its outputs this way.
 */
import type * as automation from "@pulumi/pulumi/automation";
import { EngineStackOutputs, presentOutputs } from "../../tools/stack-local/outputs";
import { SECRET_SIG, SIG_KEY } from "./support/mock-stack";

const secret = (ciphertext: string) => ({ [SIG_KEY]: SECRET_SIG, ciphertext });

function outputsEvent(type: string, outputs: Record<string, unknown>): automation.EngineEvent {
    return {
        sequence: 1,
        timestamp: 0,
        resOutputsEvent: { metadata: { op: "same", urn: `urn:pulumi:dev::p::${type}::x`, type, new: { outputs } } },
    } as unknown as automation.EngineEvent;
}

/** A stack whose `outputs()` is the state read, counted; `up` ends by calling it, as the Automation API's does. */
function fakeStack(fromState: automation.OutputMap) {
    const calls = { state: 0 };
    const stack = {
        outputs: async () => {
            calls.state++;
            return fromState;
        },
    } as unknown as automation.Stack;
    const up = async () => ({ outputs: await stack.outputs() });
    return { stack, up, calls };
}

const FROM_STATE: automation.OutputMap = { password: { value: "hunter2", secret: true } };

it("answers from the Stack's outputs event, masking secrets at any depth", async () => {
    const watched = new EngineStackOutputs();
    const { stack, up, calls } = fakeStack(FROM_STATE);
    const original = stack.outputs;
    const result = await watched.during(stack, false, async () => {
        watched.observe(outputsEvent("docker:index/container:Container", { ignored: true }));
        watched.observe(
            outputsEvent("pulumi:pulumi:Stack", {
                topology: "cluster",
                password: secret("v1:abc"),
                nodes: [{ name: "shard-0-0", port: 6379, auth: secret("v1:def") }],
            }),
        );
        return up();
    });
    expect(calls.state).toBe(0);
    expect(result.outputs).toEqual({
        topology: { value: "cluster", secret: false },
        password: { value: "[secret]", secret: true },
        nodes: { value: [{ name: "shard-0-0", port: 6379, auth: "[secret]" }], secret: false },
    });
    expect(presentOutputs(result.outputs, false)).toEqual({
        topology: "cluster",
        password: "[secret]",
        nodes: [{ name: "shard-0-0", port: 6379, auth: "[secret]" }],
    });
    expect(stack.outputs).toBe(original); // restored after the run
});

it("reads the state where secrets are shown or the engine sent no Stack outputs", async () => {
    const shown = fakeStack(FROM_STATE);
    const watched = new EngineStackOutputs();
    watched.observe(outputsEvent("pulumi:pulumi:Stack", { password: secret("v1:abc") }));
    expect((await watched.during(shown.stack, true, shown.up)).outputs).toBe(FROM_STATE);
    expect(shown.calls.state).toBe(1);

    const silent = fakeStack(FROM_STATE);
    expect((await new EngineStackOutputs().during(silent.stack, false, silent.up)).outputs).toBe(FROM_STATE);
    expect(silent.calls.state).toBe(1);
});
