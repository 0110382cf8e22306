/**
 * Property values exactly as the Pulumi engine sees them on the wire (gRPC Struct as JSON): secrets are
 * `{<sigKey>: <secretSig>, value}` objects and unknowns (previews only) a sentinel string. The test double keeps
 * values in this form in state so secretness survives, and strips it only where a provider must see plain data.
 */

export type Wire = null | boolean | number | string | Wire[] | { [key: string]: Wire };
export type WireObject = { [key: string]: Wire };

/** Constants from @pulumi/pulumi/runtime/rpc.js (stable parts of the engine protocol). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isObject(v: unknown): v is WireObject {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isSecret(v: unknown): v is { [SIG_KEY]: string; value: Wire } {
    return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

export function makeSecret(v: Wire): Wire {
    return isSecret(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

/** Deep copy without any secret wrappers (what a provider that does not accept secrets receives). */
export function unwrapSecrets(v: Wire): Wire {
    if (isSecret(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (isObject(v)) {
        const out: WireObject = {};
        for (const [k, x] of Object.entries(v)) out[k] = unwrapSecrets(x);
        return out;
    }
    return v;
}

export function containsSecret(v: Wire): boolean {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (isObject(v)) return Object.values(v).some(containsSecret);
    return false;
}

export function containsUnknown(v: Wire): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (isObject(v)) return Object.values(v).some(containsUnknown);
    return false;
}

/** For display: every secret becomes "[secret]" and every unknown "[unknown]" unless secrets are shown. */
export function presentable(v: Wire, showSecrets: boolean): Wire {
    if (isSecret(v)) return showSecrets ? presentable(v.value, showSecrets) : "[secret]";
    if (v === UNKNOWN) return "[unknown]";
    if (Array.isArray(v)) return v.map((x) => presentable(x, showSecrets));
    if (isObject(v)) {
        const out: WireObject = {};
        for (const [k, x] of Object.entries(v)) out[k] = presentable(x, showSecrets);
        return out;
    }
    return v;
}

/**
 * The engine's secret propagation for providers that do not accept secrets: an output is secret when the
 * input of the same name was (or contained) a secret, or when the program listed it in
 * `additionalSecretOutputs`.
 */
export function applyOutputSecretness(outputs: WireObject, inputs: WireObject, additionalSecretOutputs: string[]): WireObject {
    const out: WireObject = {};
    for (const [k, v] of Object.entries(outputs)) {
        const secret = additionalSecretOutputs.includes(k) || (k in inputs && containsSecret(inputs[k]));
        out[k] = secret ? makeSecret(unwrapSecrets(v)) : v;
    }
    return out;
}

/** Structural equality of plain JSON values (object key order ignored). */
export function deepEqual(a: Wire | undefined, b: Wire | undefined): boolean {
    if (a === b) return true;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
    if (isObject(a) && isObject(b)) {
        const ka = Object.keys(a);
        const kb = Object.keys(b);
        return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
    }
    return false;
}

/** JSON with sorted object keys, to sort set-like lists and compare values stably. */
export function canonicalJson(v: Wire): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (isObject(v)) {
        return `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}
