/**
 * The stack config file the engine reads (`pulumi up --config-file`): Pulumi.<stack>.yaml of the project
 * with every `--set` given to the stack so far applied (they persist, like `pulumi config set`, so a
 * later `refresh` or `preview` sees the same config), kept beside the state so the project's own file is
 * never rewritten. What the engine itself put there (the passphrase salt) is carried over between runs.
 * Everything but the file reads and writes is pure.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };
type ConfigMap = Record<string, ConfigValue>;

function isPlainObject(v: unknown): v is Record<string, ConfigValue> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function qualifyKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** `--set` values: JSON when it parses (`false`, `5`, `"x"`, `[1]`), otherwise the raw string. */
export function parseSetValue(raw: string): ConfigValue {
    try {
        return JSON.parse(raw) as ConfigValue;
    } catch {
        return raw;
    }
}

/** Applies `a.b.c=value` to the config map, creating nested objects; the first segment is the config key. */
export function applySet(values: ConfigMap, project: string, keyPath: string, value: ConfigValue): void {
    const segments = keyPath.split(".");
    if (segments.some((s) => s === "")) throw new Error(`--set ${keyPath}: empty path segment`);
    const root = qualifyKey(project, segments[0]);
    if (segments.length === 1) {
        values[root] = value;
        return;
    }
    if (values[root] === undefined || values[root] === null) values[root] = {};
    let node = values[root];
    let walked = root;
    for (const seg of segments.slice(1, -1)) {
        if (!isPlainObject(node)) throw new Error(`--set ${keyPath}: "${walked}" is not an object`);
        if (node[seg] === undefined || node[seg] === null) node[seg] = {};
        node = node[seg];
        walked += `.${seg}`;
    }
    if (!isPlainObject(node)) throw new Error(`--set ${keyPath}: "${walked}" is not an object`);
    node[segments[segments.length - 1]] = value;
}

/**
 * The config file for this run: `previous` (the engine's own keys such as encryptionsalt), with `config:`
 * taken from the project's stack file and then the `--set` overrides.
 */
export function runConfigDocument(
    project: string,
    projectStackDoc: Record<string, unknown> | undefined,
    previous: Record<string, unknown> | undefined,
    sets: Array<{ key: string; value: string }>,
): Record<string, unknown> {
    const config: ConfigMap = {};
    const base = projectStackDoc?.config;
    if (isPlainObject(base)) for (const [k, v] of Object.entries(base)) config[qualifyKey(project, k)] = structuredClone(v);
    for (const { key, value } of sets) applySet(config, project, key, parseSetValue(value));
    const { config: _old, ...engineKeys } = previous ?? {};
    return { ...engineKeys, config };
}

function readYaml(file: string): Record<string, unknown> | undefined {
    if (!fs.existsSync(file)) return undefined;
    const doc = yaml.load(fs.readFileSync(file, "utf8"));
    if (doc === null || doc === undefined) return undefined;
    if (!isPlainObject(doc)) throw new Error(`${file}: expected a mapping`);
    return doc;
}

export function projectName(projectDir: string): string {
    const doc = readYaml(path.join(projectDir, "Pulumi.yaml"));
    if (!doc) throw new Error(`no Pulumi.yaml in ${projectDir} (use --cwd to point at the project)`);
    if (typeof doc.name !== "string") throw new Error(`${projectDir}/Pulumi.yaml: missing project "name"`);
    return doc.name;
}

/**
 * One `--set` (or `--secret`). A secret is kept in the history only as the ciphertext the engine made of
 * it (`{"secure":"v1:..."}`, what `pulumi config set --secret` writes), never in plain text.
 */
export type ConfigSet = { key: string; value: string; secret?: boolean };

/** The stack's `--set` history with this run's added: a key set again moves to the end with its new value. */
export function mergeSets(previous: ConfigSet[], sets: ConfigSet[]): ConfigSet[] {
    let merged = [...previous];
    for (const set of sets) merged = [...merged.filter((p) => p.key !== set.key), set];
    return merged;
}

export function runConfigFiles(stateDir: string, stack: string): { configFile: string; setsFile: string } {
    const dir = path.join(stateDir, "config");
    return { configFile: path.join(dir, `Pulumi.${stack}.yaml`), setsFile: path.join(dir, `${stack}.sets.json`) };
}

/**
 * Writes the run's config file (and the stack's `--set` history) and returns the config file's path, and
 * the secrets of this run still in plain text: the caller has the engine encrypt them (`encryptSecret`)
 * and records the ciphertext with `recordSecret`.
 */
export function writeRunConfig(
    projectDir: string,
    stateDir: string,
    stack: string,
    sets: ConfigSet[],
): { configFile: string; plainSecrets: ConfigSet[] } {
    const { configFile, setsFile } = runConfigFiles(stateDir, stack);
    const previousSets = fs.existsSync(setsFile) ? (JSON.parse(fs.readFileSync(setsFile, "utf8")) as ConfigSet[]) : [];
    const plainSecrets = sets.filter((s) => s.secret);
    const allSets = mergeSets(
        previousSets.filter((p) => !plainSecrets.some((s) => s.key === p.key)),
        sets.filter((s) => !s.secret),
    );
    const doc = runConfigDocument(projectName(projectDir), readYaml(path.join(projectDir, `Pulumi.${stack}.yaml`)), readYaml(configFile), allSets);
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    fs.writeFileSync(configFile, yaml.dump(doc), { mode: 0o600 });
    fs.writeFileSync(setsFile, JSON.stringify(allSets, null, 1), { mode: 0o600 });
    return { configFile, plainSecrets };
}

/** After the engine encrypted `set` into the config file: its ciphertext joins the stack's `--set` history. */
export function recordSecret(projectDir: string, stateDir: string, stack: string, set: ConfigSet): void {
    const { configFile, setsFile } = runConfigFiles(stateDir, stack);
    const doc = readYaml(configFile);
    let node: unknown = isPlainObject(doc?.config) ? doc.config : undefined;
    const [first, ...rest] = set.key.split(".");
    for (const seg of [qualifyKey(projectName(projectDir), first), ...rest]) node = isPlainObject(node) ? node[seg] : undefined;
    if (!isPlainObject(node) || typeof node.secure !== "string") throw new Error(`--secret ${set.key}: the engine wrote no ciphertext for it`);
    const history = JSON.parse(fs.readFileSync(setsFile, "utf8")) as ConfigSet[];
    const merged = mergeSets(history, [{ key: set.key, value: JSON.stringify({ secure: node.secure }), secret: true }]);
    fs.writeFileSync(setsFile, JSON.stringify(merged, null, 1), { mode: 0o600 });
}
