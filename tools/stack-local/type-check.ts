/**
 * The program's type check, done once per change of its inputs instead of on every run. `pulumi up` loads
 * a TypeScript program with ts-node type checking on: every file the program imports is checked, and a
 * type error stops the run before the program does anything. Here the same check runs as one TypeScript
 * program (root: the entry point, options: the project's tsconfig, so exactly the files the program
 * imports and the types they see), and the program is then loaded transpile-only (ts-program.ts). What
 * was checked is recorded in a stamp: every file the check read (sources, declaration files, the
 * tsconfig) with its size and modification time, the TypeScript version and the options. While none of
 * them changed the result cannot change either, so the next run skips the check (like `tsc --build`
 * deciding a project is up to date). The check itself is the expensive part of loading the program
 * (seconds: parsing @pulumi/pulumi's and Node's declarations alone takes most of it); a stamp
 * comparison is one stat per file.
 *
 * `stampMatches` and `formatStamp` are pure; the rest reads and writes files.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as TS from "typescript";

/** What one successful check read: enough to tell whether a new check could answer differently. */
export interface CheckStamp {
    /** What was checked: entry point and tsconfig path (a stamp answers for these only). */
    scope: string;
    /** The compiler's version and the effective options, for whoever reads the stamp (their files are in `files`). */
    compiler: string;
    /** Every file the check read, as [path, size, mtimeMs]: sources, declarations, tsconfig files, the compiler. */
    files: Array<[string, number, number]>;
}

export interface FileState {
    size: number;
    mtimeMs: number;
}

/** Whether a recorded check still holds: same scope and every file it read unchanged (`stat` gives undefined for a missing file). */
export function stampMatches(stamp: CheckStamp | undefined, scope: string, stat: (file: string) => FileState | undefined): boolean {
    if (!stamp || stamp.scope !== scope || !Array.isArray(stamp.files) || stamp.files.length === 0) return false;
    return stamp.files.every(([file, size, mtimeMs]) => {
        const now = stat(file);
        return now !== undefined && now.size === size && now.mtimeMs === mtimeMs;
    });
}

export function formatStamp(scope: string, compiler: string, files: Iterable<string>, stat: (file: string) => FileState | undefined): CheckStamp {
    const recorded: CheckStamp["files"] = [];
    for (const file of new Set(files)) {
        const s = stat(file);
        if (s) recorded.push([file, s.size, s.mtimeMs]);
    }
    return { scope, compiler, files: recorded.sort((a, b) => a[0].localeCompare(b[0])) };
}

const STAMP_FORMAT = "stack-local typecheck 1";

/** ts-node's own default: diagnostics it never reports (6059 rootDir, 18002/18003 empty `files`/`include`). */
const IGNORED_DIAGNOSTICS = new Set([6059, 18002, 18003]);

/** Options the Node.js language host gives ts-node where the tsconfig is silent (@pulumi/pulumi/cmd/run/run.js). */
const HOST_DEFAULTS = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext" };

function statOf(file: string): FileState | undefined {
    try {
        const s = fs.statSync(file);
        return { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
        return undefined;
    }
}

function readStamp(file: string): CheckStamp | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as CheckStamp;
    } catch {
        return undefined;
    }
}

/** Writes through a temporary file and a rename: concurrent runs of the same project never read half a stamp. */
function writeStamp(file: string, stamp: CheckStamp): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stamp));
    fs.renameSync(tmp, file);
}

export interface TypeCheckOptions {
    /** The `typescript` module path the program's ts-node uses (the project's own, see tsutils). */
    typescriptRequire: string;
    projectRequire: NodeRequire;
    tsConfigPath: string;
    entry: string;
    /** Where the stamp is kept (one per entry point). */
    cacheDir: string;
}

/** The compiler options ts-node would check with: the tsconfig's (with what it extends), the language host's defaults where it is silent. */
function compilerOptions(ts: typeof TS, tsConfigPath: string): { options: TS.CompilerOptions; configFiles: string[]; errors: TS.Diagnostic[] } {
    const configFiles: string[] = [];
    if (!fs.existsSync(tsConfigPath)) {
        const { options, errors } = ts.convertCompilerOptionsFromJson(HOST_DEFAULTS, path.dirname(tsConfigPath));
        return { options, configFiles, errors };
    }
    const host: TS.ParseConfigFileHost = {
        ...ts.sys,
        readFile: (f) => {
            configFiles.push(path.resolve(f));
            return ts.sys.readFile(f);
        },
        onUnRecoverableConfigFileDiagnostic: () => undefined,
    };
    const parsed = ts.getParsedCommandLineOfConfigFile(tsConfigPath, undefined, host);
    if (!parsed) return { options: {}, configFiles, errors: [] };
    const defaults = ts.convertCompilerOptionsFromJson(HOST_DEFAULTS, path.dirname(tsConfigPath)).options;
    const options: TS.CompilerOptions = { ...parsed.options };
    for (const k of Object.keys(defaults)) if (options[k] === undefined) options[k] = defaults[k];
    // Include/files errors do not concern a check rooted at the entry point (ts-node ignores them too).
    const errors = parsed.errors.filter((d) => !IGNORED_DIAGNOSTICS.has(d.code));
    return { options, configFiles, errors };
}

/**
 * Type-checks the program rooted at `entry` unless a stamp shows the same check passed on the same
 * inputs; throws the compiler's diagnostics (as ts-node would: "Unable to compile TypeScript") on errors.
 * Returns whether a check ran (false: the stamp held).
 */
export function typeCheckProgram(opts: TypeCheckOptions): boolean {
    // STAMP_FORMAT changes with what this file checks (defaults, ignored codes): older stamps then no longer answer.
    const scope = `${STAMP_FORMAT}\n${opts.entry}\n${opts.tsConfigPath}`;
    const stampFile = path.join(opts.cacheDir, `typecheck-${crypto.createHash("sha1").update(scope).digest("hex").slice(0, 16)}.json`);
    // The stamp records the tsconfig files and the compiler's own file, so while every recorded file is
    // unchanged so are the options and the compiler version: a run whose inputs are unchanged does not
    // even load the compiler.
    if (stampMatches(readStamp(stampFile), scope, statOf)) return false;

    const compilerFile = opts.projectRequire.resolve(opts.typescriptRequire);
    const ts = opts.projectRequire(compilerFile) as typeof TS;
    const { options, configFiles, errors } = compilerOptions(ts, opts.tsConfigPath);
    const checkOptions: TS.CompilerOptions = { ...options, noEmit: true, incremental: false, composite: false, declaration: false };

    const program = ts.createProgram({ rootNames: [opts.entry], options: checkOptions });
    // What ts-node reports for the files it loads: their syntax and type errors (not option or
    // declaration-file diagnostics, which it never asks for), plus the tsconfig's own errors.
    const sources = program.getSourceFiles().filter((f) => !f.isDeclarationFile);
    const diagnostics = [...errors, ...sources.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])].filter(
        (d) => !IGNORED_DIAGNOSTICS.has(d.code),
    );
    if (diagnostics.length > 0) {
        const text = ts.formatDiagnostics(diagnostics, {
            getCanonicalFileName: (f) => f,
            getCurrentDirectory: () => path.dirname(opts.tsConfigPath),
            getNewLine: () => "\n",
        });
        throw new Error(`⨯ Unable to compile TypeScript:\n${text}`);
    }
    const read = [compilerFile, ...configFiles, ...program.getSourceFiles().map((f) => path.resolve(f.fileName))];
    const compiler = `typescript ${ts.version} ${JSON.stringify(checkOptions)}`;
    writeStamp(stampFile, formatStamp(scope, compiler, read, statOf));
    return true;
}
