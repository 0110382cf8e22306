/**
 * `npm run stack:local -- <up|preview|refresh|destroy|outputs> --stack NAME [--set k=v ...] [--show-secrets]
 * [--cwd DIR] [--state-dir DIR] [--report FILE]`: runs a project's stack on the real Pulumi engine
 * through the Automation API (see engine.ts). stdout carries only the result JSON (`up`, `refresh` and
 * `outputs`: the stack outputs; `preview`: the engine's plan); the engine's own display and errors go
 * to stderr.
 */
import * as fs from "fs";
import * as path from "path";
import type * as automation from "@pulumi/pulumi/automation";
import { parseCliArgs, type CliArgs } from "./args";
import { openStack, preservingProjectStackFile, removeStack } from "./engine";
import { EngineStackOutputs, presentOutputs } from "./outputs";
import type { ProgramTimes } from "./ts-program";

export interface Step {
    op: string;
    urn: string;
    type: string;
    /** Top-level properties the provider reported as changed. */
    diffs: string[];
}

/** What `--report` writes: the engine's change summary and every step it announced. */
export interface RunReport {
    command: string;
    summary: Record<string, number>;
    steps: Step[];
    /** Every step's start and end in the engine's event order, as `start|done <op> <type> <name>` (ordering checks). */
    timeline?: string[];
}

export async function main(argv: string[], savedExtensions: NodeJS.RequireExtensions): Promise<number> {
    const log = (line: string) => process.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
    try {
        // npm runs scripts in the package root; a relative --cwd is taken from where npm was started.
        const args = parseCliArgs(argv, process.cwd());
        const projectDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), args.cwd);
        const stateDir = path.resolve(args.stateDir ?? path.join(projectDir, ".stack-local"));
        await preservingProjectStackFile(projectDir, args.stack, () => run(args, projectDir, stateDir, savedExtensions, log));
        return 0;
    } catch (err) {
        // CommandError carries the engine's stderr; print it as it is, without our stack trace.
        const e = err as { commandResult?: { stderr?: string }; message?: string };
        log(e.commandResult?.stderr?.trim() || e.message || String(err));
        return 1;
    }
}

async function run(
    args: CliArgs,
    projectDir: string,
    stateDir: string,
    savedExtensions: NodeJS.RequireExtensions,
    log: (l: string) => void,
): Promise<void> {
    const started = Date.now();
    const programTimes: ProgramTimes = {};
    const open = await openStack({
        projectDir,
        stack: args.stack,
        stateDir,
        sets: args.sets,
        showSecrets: args.showSecrets,
        savedExtensions,
        log,
        programTimes,
    });
    const { stack, configFile } = open;
    const opened = Date.now();

    const steps: Step[] = [];
    const timeline: string[] = [];
    // The engine's change summary of this run, from its summary event (engine.ts: no `stack history` call).
    let summary: Record<string, number> = {};
    const stackOutputs = new EngineStackOutputs();
    const common = {
        configFile,
        color: "never" as const,
        onOutput: (text: string) => process.stderr.write(text),
        onEvent: (e: automation.EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m) steps.push({ op: m.op, urn: m.urn, type: m.type, diffs: m.diffs ?? [] });
            if (m) timeline.push(`start ${m.op} ${m.type} ${m.urn.split("::").pop()}`);
            const done = e.resOutputsEvent?.metadata;
            if (done) timeline.push(`done ${done.op} ${done.type} ${done.urn.split("::").pop()}`);
            stackOutputs.observe(e);
            if (e.summaryEvent) summary = e.summaryEvent.resourceChanges as Record<string, number>;
        },
    };
    const report = (changes: Record<string, number>) => {
        if (!args.reportFile) return;
        const r: RunReport = { command: args.command, summary: changes, steps, timeline };
        fs.writeFileSync(args.reportFile, JSON.stringify(r, null, 2));
    };
    const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

    switch (args.command) {
        case "up": {
            const result = await stackOutputs.during(stack, args.showSecrets, () => stack.up(common));
            report(summary);
            print(presentOutputs(result.outputs, args.showSecrets));
            break;
        }
        case "preview": {
            const result = await stack.preview(common);
            report(result.changeSummary as Record<string, number>);
            print({ changeSummary: result.changeSummary, steps });
            break;
        }
        case "refresh": {
            // With the program run, the stack outputs are recomputed from the refreshed resources
            // (a plain refresh updates resource state but leaves the stack outputs as the last up set them).
            await stack.refresh({ ...common, runProgram: true });
            report(summary);
            print(presentOutputs(await stack.outputs(), args.showSecrets));
            break;
        }
        case "destroy": {
            await stack.destroy(common);
            report(summary);
            await removeStack(open, stateDir, args.stack);
            break;
        }
        case "outputs":
            print(presentOutputs(await stack.outputs(), args.showSecrets));
            break;
    }
    // Where the time of a run goes (bench/cluster-stack-up.ts reads this line).
    const program =
        programTimes.loadMs === undefined
            ? ""
            : `, ${programTimes.prepareMs} ms to prepare the program (type check ${programTimes.typeCheck}) and ${programTimes.loadMs} ms to load it`;
    log(`stack:local: ${args.command} took ${Date.now() - started} ms (${opened - started} ms to open the workspace and select the stack${program})`);
}
