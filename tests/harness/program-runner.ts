/**
 * Engine side of running a program: starts program-host.ts in a child node process (cwd = project, config
 * in PULUMI_CONFIG as the engine passes it), answers its resource registrations and returns the stack
 * outputs. The child's console goes to our stderr, never to stdout (stdout carries only results).
 */
import { spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";
import {
    PROGRAM_OPTIONS_ENV,
    type ChildMessage,
    type ParentMessage,
    type ProgramHostOptions,
    type Registration,
} from "./program-protocol";
import type { WireObject } from "./wire";

export interface ProgramEnvironment {
    /** PULUMI_CONFIG content: "project:key" -> string. */
    config: Record<string, string>;
    secretKeys: string[];
    log: (line: string) => void;
}

export interface RegistrationHandler {
    register(reg: Registration): Promise<{ id?: string; outputs: WireObject }>;
    componentOutputs(key: string, outputs: WireObject): void;
}

export type ProgramResult = { ok: true; outputs: WireObject } | { ok: false; message: string; detail?: string };

const HARNESS_TSCONFIG = path.resolve(__dirname, "../../tsconfig.json");

export async function runProgram(opts: ProgramHostOptions, env: ProgramEnvironment, handler: RegistrationHandler): Promise<ProgramResult> {
    const tsNode = require.resolve("ts-node");
    const host = path.join(__dirname, "program-host.ts");
    // Load the host with a transpile-only ts-node; the host removes that hook before the program's own.
    const bootstrap = [
        "const saved = Object.assign({}, require.extensions);",
        `require(${JSON.stringify(tsNode)}).register({ transpileOnly: true, project: ${JSON.stringify(HARNESS_TSCONFIG)} });`,
        `require(${JSON.stringify(host)}).main(saved).catch((e) => { console.error(e && e.stack || e); process.exit(1); });`,
    ].join("\n");

    const childEnv: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TS_NODE_")) childEnv[k] = v;
    Object.assign(childEnv, {
        PULUMI_CONFIG: JSON.stringify(env.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(env.secretKeys),
        [PROGRAM_OPTIONS_ENV]: JSON.stringify(opts),
    });
    const child = spawn(process.execPath, ["-e", bootstrap], { cwd: opts.projectDir, env: childEnv, stdio: ["ignore", "pipe", "pipe", "ipc"] });
    readline.createInterface({ input: child.stdout! }).on("line", (l) => env.log(`[program] ${l}`));
    readline.createInterface({ input: child.stderr! }).on("line", (l) => env.log(`[program] ${l}`));

    const inFlight: Array<Promise<unknown>> = [];
    let result: ProgramResult | undefined;
    const reply = (m: ParentMessage) => {
        if (child.connected) child.send(m);
    };
    child.on("message", (m: ChildMessage) => {
        switch (m.kind) {
            case "register": {
                const p = handler.register(m.registration).then(
                    (r) => reply({ kind: "registered", seq: m.seq, id: r.id, outputs: r.outputs }),
                    (err: Error) => reply({ kind: "register-failed", seq: m.seq, message: err.message }),
                );
                inFlight.push(p);
                break;
            }
            case "component-outputs":
                handler.componentOutputs(m.key, m.outputs);
                break;
            case "done":
                result = { ok: true, outputs: m.outputs };
                break;
            case "failed":
                result ??= { ok: false, message: m.message, detail: m.detail };
                break;
            case "read":
                break;
        }
    });
    // "close" (not "exit"): it comes after the IPC channel is drained, so the final message is never lost.
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    // The program may die while the engine is still creating things: finish those before reporting.
    for (let n = 0; n < inFlight.length; n++) await inFlight[n];
    return result ?? { ok: false, message: `the program host exited with code ${code} without reporting a result` };
}
