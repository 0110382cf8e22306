/** Command-line parsing for `npm run stack:local` (pure). */

export type Command = "up" | "preview" | "refresh" | "destroy" | "outputs";
const COMMANDS: Command[] = ["up", "preview", "refresh", "destroy", "outputs"];

export interface CliArgs {
    command: Command;
    stack: string;
    /**
     * `key=value` pairs in the order given; keys may be paths (`persistence.appendonly`). `--secret` ones
     * are stored encrypted, as `pulumi config set --secret` would.
     */
    sets: Array<{ key: string; value: string; secret?: boolean }>;
    showSecrets: boolean;
    cwd: string;
    /** Backend, stack config and plugin home; default `<cwd>/.stack-local`. */
    stateDir?: string;
    /** Writes the engine's change summary and steps of this run as JSON to this file. */
    reportFile?: string;
}

export const USAGE =
    "usage: npm run stack:local -- <up|preview|refresh|destroy|outputs> --stack NAME [--set key=value ...] [--secret key=value ...] " +
    "[--show-secrets] [--cwd DIR] [--state-dir DIR] [--report FILE]";

export function parseCliArgs(argv: string[], defaultCwd: string): CliArgs {
    let command: Command | undefined;
    let stack: string | undefined;
    let cwd = defaultCwd;
    let showSecrets = false;
    let stateDir: string | undefined;
    let reportFile: string | undefined;
    const sets: CliArgs["sets"] = [];

    const args = [...argv];
    const valueOf = (flag: string, inline: string | undefined): string => {
        const v = inline ?? args.shift();
        if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new Error(`${flag} needs a value\n${USAGE}`);
        return v;
    };
    while (args.length > 0) {
        const arg = args.shift() as string;
        const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
        switch (flag) {
            case "--stack":
            case "-s":
                stack = valueOf(flag, inline);
                break;
            case "--cwd":
                cwd = valueOf(flag, inline);
                break;
            case "--state-dir":
                stateDir = valueOf(flag, inline);
                break;
            case "--report":
                reportFile = valueOf(flag, inline);
                break;
            case "--set":
            case "--secret": {
                const pair = valueOf(flag, inline);
                const i = pair.indexOf("=");
                // The value is not repeated: it may be a secret.
                if (i <= 0) throw new Error(`${flag} expects key=value, got no "=" in the argument`);
                sets.push({ key: pair.slice(0, i), value: pair.slice(i + 1), ...(flag === "--secret" ? { secret: true } : {}) });
                break;
            }
            case "--show-secrets":
                showSecrets = true;
                break;
            default:
                if (arg.startsWith("-")) throw new Error(`unknown option ${arg}\n${USAGE}`);
                if (command !== undefined) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
                if (!COMMANDS.includes(arg as Command)) throw new Error(`unknown command "${arg}"\n${USAGE}`);
                command = arg as Command;
        }
    }
    if (!command) throw new Error(`missing command\n${USAGE}`);
    if (!stack) throw new Error(`missing --stack NAME\n${USAGE}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`invalid stack name "${stack}" (letters, digits, _ . - only)`);
    return { command, stack, sets, showSecrets, cwd, stateDir, reportFile };
}
