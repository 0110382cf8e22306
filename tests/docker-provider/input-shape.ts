/**
 * The input keys each Docker type translates. Checking inputs against this shape before anything else
 * turns "the test double silently ignored an option" into an error that names the option.
 */
import { isObject, UNKNOWN, type Wire, type WireObject } from "./wire";

/** A scalar, a list of something, an object with known fields, or a free-form string map. */
export type Shape = "scalar" | "scalarList" | "stringMap" | { fields: Record<string, Shape> } | { items: Shape };

export function fields(f: Record<string, Shape>): Shape {
    return { fields: f };
}

export function listOf(s: Shape): Shape {
    return { items: s };
}

export class UntranslatedInputError extends Error {}

/** Throws naming every input key (with its path) that the shape does not translate. */
export function checkShape(label: string, value: Wire, shape: Shape, path = ""): void {
    const unknown: string[] = [];
    walk(value, shape, path, unknown);
    if (unknown.length > 0) {
        const names = unknown
            .sort()
            .map((k) => `"${k}"`)
            .join(", ");
        throw new UntranslatedInputError(
            `${label}: input ${names} ${unknown.length === 1 ? "is" : "are"} not translated by the Docker provider test double ` +
                `(tests/docker-provider); add the translation rather than dropping it`,
        );
    }
}

function walk(value: Wire, shape: Shape, path: string, unknown: string[]): void {
    if (value === null || value === UNKNOWN) return;
    if (shape === "scalar" || shape === "scalarList" || shape === "stringMap") return;
    if ("items" in shape) {
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, shape.items, `${path}[${i}]`, unknown));
        return;
    }
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value as WireObject)) {
        const child = path ? `${path}.${k}` : k;
        const sub = shape.fields[k];
        if (sub === undefined) unknown.push(child);
        else walk(v, sub, child, unknown);
    }
}

// ---- typed readers for already-checked, secret-free inputs; they fail loudly on wrong types ----

export function str(v: Wire | undefined, what: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new Error(`${what} must be a string, got ${JSON.stringify(v)}`);
    return v;
}

export function num(v: Wire | undefined, what: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number") throw new Error(`${what} must be a number, got ${JSON.stringify(v)}`);
    return v;
}

export function bool(v: Wire | undefined, what: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw new Error(`${what} must be a boolean, got ${JSON.stringify(v)}`);
    return v;
}

export function strList(v: Wire | undefined, what: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new Error(`${what} must be a list of strings`);
    return v as string[];
}

export function objList(v: Wire | undefined, what: string): WireObject[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => !isObject(x))) throw new Error(`${what} must be a list of objects`);
    return v as WireObject[];
}

export function stringMap(v: Wire | undefined, what: string): Record<string, string> | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObject(v) || Object.values(v).some((x) => typeof x !== "string")) throw new Error(`${what} must be a map of strings`);
    return v as Record<string, string>;
}

/** `[{label, value}]` -> Docker's label map. */
export function labelMap(v: Wire | undefined, what: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [i, l] of objList(v, what).entries()) {
        const label = str(l.label, `${what}[${i}].label`);
        const value = str(l.value, `${what}[${i}].value`);
        if (label === undefined || value === undefined) throw new Error(`${what}[${i}] needs label and value`);
        out[label] = value;
    }
    return out;
}
