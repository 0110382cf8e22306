/** Command-line parsing for `npm run stack:local` (pure). */

export type Command = "up" | "preview" | "destroy" | "outputs";
const COMMANDS: Command[] = ["up", "preview", "destroy", "outputs"];

export interface CliArgs {
    command: Command;
    stack: string;
    /** `key=value` pairs in the order given; keys may be paths (`persistence.appendonly`). */
    sets: Array<{ key: string; value: string }>;
    /** Extra keys to treat as secret config (besides the project schema's `secret: true`). */
    secretKeys: string[];
    showSecrets: boolean;
    cwd: string;
}

export const USAGE =
    "usage: npm run stack:local -- <up|preview|destroy|outputs> --stack NAME [--set key=value ...] " +
    "[--secret key ...] [--show-secrets] [--cwd DIR]";

export function parseCliArgs(argv: string[], defaultCwd: string): CliArgs {
    let command: Command | undefined;
    let stack: string | undefined;
    let cwd = defaultCwd;
    let showSecrets = false;
    const sets: CliArgs["sets"] = [];
    const secretKeys: string[] = [];

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
            case "--set": {
                const pair = valueOf(flag, inline);
                const i = pair.indexOf("=");
                if (i <= 0) throw new Error(`--set expects key=value, got "${pair}"`);
                sets.push({ key: pair.slice(0, i), value: pair.slice(i + 1) });
                break;
            }
            case "--secret":
                secretKeys.push(valueOf(flag, inline));
                break;
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
    return { command, stack, sets, secretKeys, showSecrets, cwd };
}
