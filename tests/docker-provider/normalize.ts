/**
 * Inputs in a comparable form: secrets unwrapped, nulls and empty lists/maps dropped (the provider treats
 * them as unset) and set-like lists sorted, so only a real change of meaning counts as a change.
 */
import { canonicalJson, isObject, unwrapSecrets, type Wire, type WireObject } from "./wire";

function prune(v: Wire): Wire | undefined {
    if (v === null) return undefined;
    if (Array.isArray(v)) {
        const items = v.map(prune).filter((x): x is Wire => x !== undefined);
        return items.length === 0 ? undefined : items;
    }
    if (isObject(v)) {
        const out: WireObject = {};
        for (const [k, x] of Object.entries(v)) {
            const p = prune(x);
            if (p !== undefined) out[k] = p;
        }
        return Object.keys(out).length === 0 ? undefined : out;
    }
    return v;
}

export function normalizeDockerInputs(inputs: WireObject, setKeys: string[]): WireObject {
    const plain = prune(unwrapSecrets(inputs));
    const out: WireObject = isObject(plain) ? plain : {};
    for (const key of setKeys) {
        const list = out[key];
        if (Array.isArray(list)) {
            out[key] = [...list].sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : canonicalJson(a) > canonicalJson(b) ? 1 : 0));
        }
    }
    return out;
}
