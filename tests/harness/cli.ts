/**
 * `npm run stack:local -- <up|preview|destroy|outputs> --stack NAME [--set k=v ...] [--secret k ...]
 * [--show-secrets] [--cwd DIR]`: deploys a Pulumi program without the Pulumi CLI (see engine.ts).
 * stdout carries only the result JSON; progress and errors go to stderr.
 */
import * as path from "path";
import { parseCliArgs, type CliArgs } from "./cli-args";
import { Deployment, destroyStack, type EngineOptions } from "./engine";
import { planTable } from "./plan-report";
import { runProgram } from "./program-runner";
import { loadProject, toConfigEnv, type LoadedProject } from "./project-config";
import { readState, statePath } from "./state-store";
import { presentable, type WireObject } from "./wire";

export interface CliIO {
    stdout(text: string): void;
    stderr(text: string): void;
}

const processIO: CliIO = {
    stdout: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    stderr: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
};

class CliError extends Error {}

function engineOptions(args: CliArgs, project: LoadedProject, io: CliIO): EngineOptions {
    return {
        projectDir: project.dir,
        project: project.definition.name,
        stack: args.stack,
        config: toConfigEnv(project.config.values),
        log: (line) => io.stderr(line),
    };
}

function printOutputs(io: CliIO, outputs: WireObject, showSecrets: boolean): void {
    io.stdout(JSON.stringify(presentable(outputs, showSecrets), null, 2));
}

/** Runs the program against a Deployment; returns the stack outputs or throws with every error seen. */
async function deploy(args: CliArgs, project: LoadedProject, io: CliIO, preview: boolean) {
    const opts = engineOptions(args, project, io);
    const deployment = new Deployment(opts, readState(project.dir, args.stack), preview);
    deployment.prestartHost();
    try {
        const result = await runProgram(
            {
                projectDir: project.dir,
                project: opts.project,
                stack: args.stack,
                preview,
                main: project.definition.main,
                typescript: project.definition.typescript,
            },
            { config: opts.config, secretKeys: project.config.secretKeys, log: opts.log },
            deployment,
        );
        const ok = result.ok && deployment.errors.length === 0;
        const outcome = await deployment.finish(ok, result.ok ? result.outputs : undefined);
        if (!ok) {
            const messages = [...outcome.errors];
            if (!result.ok && !messages.some((m) => result.message.includes(m))) {
                messages.push(result.detail && !result.detail.includes(result.message) ? `${result.message}\n${result.detail}` : (result.detail ?? result.message));
            }
            throw new CliError(messages.join("\n"));
        }
        return { outputs: (result as { outputs: WireObject }).outputs, outcome };
    } finally {
        await deployment.close();
    }
}

export async function runCli(argv: string[], io: CliIO = processIO, cwd = process.cwd()): Promise<number> {
    const started = Date.now();
    try {
        const args = parseCliArgs(argv, cwd);
        const dir = path.resolve(cwd, args.cwd);
        if (args.command === "outputs") {
            const state = readState(dir, args.stack);
            if (!state) throw new CliError(`stack ${args.stack} has no state (${statePath(dir, args.stack)}); run up first`);
            printOutputs(io, state.outputs, args.showSecrets);
            return 0;
        }
        const project = loadProject(dir, args.stack, args.sets, args.secretKeys);
        if (args.command === "destroy") {
            const state = readState(dir, args.stack);
            if (!state) {
                io.stderr(`stack ${args.stack}: no state, nothing to destroy`);
                io.stdout(JSON.stringify({ operations: [], summary: {} }));
                return 0;
            }
            const outcome = await destroyStack(engineOptions(args, project, io), state);
            io.stderr(`destroy of ${args.stack}: ${outcome.operations.length} resources deleted in ${Date.now() - started} ms`);
            io.stdout(JSON.stringify({ operations: outcome.operations, summary: outcome.summary }, null, 2));
            return 0;
        }
        const preview = args.command === "preview";
        const { outputs, outcome } = await deploy(args, project, io, preview);
        if (preview) {
            io.stderr(planTable(args.stack, outcome.operations, outcome.summary));
            io.stdout(JSON.stringify({ stack: args.stack, operations: outcome.operations, summary: outcome.summary }, null, 2));
        } else {
            const s = outcome.summary;
            io.stderr(`up of ${args.stack} done in ${Date.now() - started} ms: ${s.create} created, ${s.update} updated, ${s.replace} replaced, ${s.delete} deleted, ${s.same} unchanged`);
            printOutputs(io, outputs, args.showSecrets);
        }
        return 0;
    } catch (err) {
        const e = err as Error;
        // Our own errors are messages for the user; anything else (a TypeError...) is a harness bug: keep the stack.
        const expected = e instanceof CliError || e?.constructor === Error || !e?.stack;
        io.stderr(`error: ${expected ? e.message : e.stack}`);
        return 1;
    }
}

if (require.main === module) {
    void runCli(process.argv.slice(2)).then((code) => {
        // Let stdout drain before leaving (it may be a pipe).
        process.stdout.write("", () => process.exit(code));
    });
}
