/**
 * Project and stack configuration the way the Pulumi CLI assembles it: Pulumi.yaml's `config:` schema
 * defaults, then Pulumi.<stack>.yaml, then `--set` overrides, handed to the program as the engine does
 * (PULUMI_CONFIG = {"project:key": string}). Everything but the two file reads is pure.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };

export interface ConfigSchemaEntry {
    type?: string;
    default?: ConfigValue;
    secret?: boolean;
}

export interface ProjectDefinition {
    name: string;
    /** `main` from Pulumi.yaml (program path relative to the project), if set. */
    main?: string;
    /** Pulumi.yaml `runtime.options.typescript` (default true): whether the language host registers ts-node. */
    typescript: boolean;
    /** Fully qualified key ("project:key") -> schema entry. */
    schema: Record<string, ConfigSchemaEntry>;
}

export interface ResolvedConfig {
    /** Fully qualified key -> structured value. */
    values: Record<string, ConfigValue>;
    /** Fully qualified keys whose values are secret. */
    secretKeys: string[];
}

const SCHEMA_FIELDS = ["type", "default", "description", "secret", "items"];

export function qualifyKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function isPlainObject(v: unknown): v is Record<string, ConfigValue> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseProjectYaml(text: string, file = "Pulumi.yaml"): ProjectDefinition {
    const doc = yaml.load(text);
    if (!isPlainObject(doc)) throw new Error(`${file}: expected a mapping`);
    const name = doc.name;
    if (typeof name !== "string" || name === "") throw new Error(`${file}: missing project "name"`);
    const main = typeof doc.main === "string" ? doc.main : undefined;
    const runtime = doc.runtime;
    const runtimeName = isPlainObject(runtime) ? runtime.name : runtime;
    if (runtimeName !== "nodejs") throw new Error(`${file}: runtime must be nodejs for the local harness, got ${JSON.stringify(runtimeName)}`);
    const options = isPlainObject(runtime) && isPlainObject(runtime.options) ? runtime.options : {};
    const typescript = options.typescript !== false;
    const schema: Record<string, ConfigSchemaEntry> = {};
    const config = doc.config ?? {};
    if (!isPlainObject(config)) throw new Error(`${file}: "config" must be a mapping`);
    for (const [key, entry] of Object.entries(config)) {
        const full = qualifyKey(name, key);
        const isSchema = isPlainObject(entry) && !("value" in entry) && Object.keys(entry).some((k) => SCHEMA_FIELDS.includes(k));
        if (isSchema) {
            const e = entry as Record<string, ConfigValue>;
            schema[full] = {
                type: typeof e.type === "string" ? e.type : undefined,
                default: e.default,
                secret: e.secret === true,
            };
        } else {
            // A plain project-level value (or {value: x}) applies to every stack.
            schema[full] = { default: isPlainObject(entry) && "value" in entry ? entry.value : (entry as ConfigValue) };
        }
    }
    return { name, main, typescript, schema };
}

/** The `config:` map of Pulumi.<stack>.yaml, keys qualified; missing file or section = empty. */
export function parseStackYaml(text: string | undefined, project: string, file: string): Record<string, ConfigValue> {
    if (text === undefined) return {};
    const doc = yaml.load(text);
    if (doc === undefined || doc === null) return {};
    if (!isPlainObject(doc)) throw new Error(`${file}: expected a mapping`);
    const config = doc.config ?? {};
    if (!isPlainObject(config)) throw new Error(`${file}: "config" must be a mapping`);
    const out: Record<string, ConfigValue> = {};
    for (const [key, value] of Object.entries(config)) {
        const full = qualifyKey(project, key);
        rejectSecure(value, full, file);
        out[full] = value;
    }
    return out;
}

function rejectSecure(value: ConfigValue, where: string, file: string): void {
    if (isPlainObject(value)) {
        if (Object.keys(value).length === 1 && "secure" in value) {
            throw new Error(
                `${file}: config "${where}" is encrypted (secure:) and the local harness cannot decrypt it; ` +
                    `pass it as --set ${where}=VALUE --secret ${where} instead`,
            );
        }
        for (const [k, v] of Object.entries(value)) rejectSecure(v, `${where}.${k}`, file);
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => rejectSecure(v, `${where}[${i}]`, file));
    }
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
export function applySet(values: Record<string, ConfigValue>, project: string, keyPath: string, value: ConfigValue): void {
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

function checkType(key: string, entry: ConfigSchemaEntry | undefined, value: ConfigValue): void {
    if (!entry?.type) return;
    const ok =
        entry.type === "integer"
            ? (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value))
            : entry.type === "boolean"
              ? typeof value === "boolean" || value === "true" || value === "false"
              : entry.type === "string"
                ? typeof value === "string" || typeof value === "number" || typeof value === "boolean"
                : entry.type === "array"
                  ? Array.isArray(value)
                  : true;
    if (!ok) throw new Error(`config "${key}" must be of type ${entry.type} (Pulumi.yaml), got ${JSON.stringify(value)}`);
}

export function resolveConfig(
    project: ProjectDefinition,
    stackValues: Record<string, ConfigValue>,
    sets: Array<{ key: string; value: string }>,
    extraSecretKeys: string[],
): ResolvedConfig {
    const values: Record<string, ConfigValue> = {};
    for (const [key, entry] of Object.entries(project.schema)) {
        if (entry.default !== undefined) values[key] = structuredClone(entry.default);
    }
    for (const [key, value] of Object.entries(stackValues)) values[key] = structuredClone(value);
    for (const { key, value } of sets) applySet(values, project.name, key, parseSetValue(value));
    for (const [key, value] of Object.entries(values)) checkType(key, project.schema[key], value);

    const secretKeys = new Set<string>();
    for (const [key, entry] of Object.entries(project.schema)) if (entry.secret && key in values) secretKeys.add(key);
    for (const key of extraSecretKeys) secretKeys.add(qualifyKey(project.name, key));
    return { values, secretKeys: [...secretKeys].sort() };
}

/** What the language host puts in PULUMI_CONFIG: every value a string, objects/arrays JSON-encoded. */
export function toConfigEnv(values: Record<string, ConfigValue>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        if (value === null || value === undefined) continue;
        out[key] = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return out;
}

export interface LoadedProject {
    dir: string;
    definition: ProjectDefinition;
    config: ResolvedConfig;
}

export function loadProject(dir: string, stack: string, sets: CliSet[], extraSecretKeys: string[]): LoadedProject {
    const projectFile = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) throw new Error(`no Pulumi.yaml in ${dir} (use --cwd to point at the project)`);
    const definition = parseProjectYaml(fs.readFileSync(projectFile, "utf8"), projectFile);
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    const stackText = fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : undefined;
    const stackValues = parseStackYaml(stackText, definition.name, stackFile);
    return { dir, definition, config: resolveConfig(definition, stackValues, sets, extraSecretKeys) };
}

type CliSet = { key: string; value: string };
