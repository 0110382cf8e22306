/** Pure decisions of the harness engine: what changed, which operation follows, in which order to delete. */
import type { DynamicDiff } from "./dynamic-host";
import type { Op, ResourceRecord } from "./state-store";
import { canonicalJson, unwrapSecrets, type WireObject } from "./wire";

/** Top-level keys whose values differ (secretness alone is no change). */
export function changedKeys(olds: WireObject, news: WireObject): string[] {
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
    return [...keys]
        .filter((k) => {
            const a = olds[k] === undefined ? undefined : canonicalJson(unwrapSecrets(olds[k]));
            const b = news[k] === undefined ? undefined : canonicalJson(unwrapSecrets(news[k]));
            return a !== b;
        })
        .sort();
}

/** `ignoreChanges`: the engine keeps the recorded value of each ignored (top-level) key. */
export function applyIgnoreChanges(news: WireObject, olds: WireObject | undefined, ignore: string[]): WireObject {
    if (!olds || ignore.length === 0) return news;
    const out = { ...news };
    for (const k of ignore) {
        if (k in olds) out[k] = olds[k];
        else delete out[k];
    }
    return out;
}

/** Docker objects: any change of a real object field replaces; provider-only settings update in place. */
export function decideDockerOp(changed: string[], inPlaceKeys: string[]): Exclude<Op, "create" | "delete"> {
    if (changed.length === 0) return "same";
    return changed.every((k) => inPlaceKeys.includes(k)) ? "update" : "replace";
}

export interface DynamicDecision {
    op: Exclude<Op, "create" | "delete">;
    deleteBeforeReplace: boolean;
}

/**
 * Dynamic resources: the provider's diff decides; when it cannot tell (no diff method), the engine falls
 * back to comparing old and new inputs, as Pulumi does. `replaceOnChanges` forces replacement.
 */
export function decideDynamicOp(diff: DynamicDiff, inputChanges: string[], replaceOnChanges: string[], optionDbr: boolean): DynamicDecision {
    const changed = diff.changes === "some" || (diff.changes === "unknown" && inputChanges.length > 0);
    if (!changed) return { op: "same", deleteBeforeReplace: false };
    const forced = replaceOnChanges.includes("*") || inputChanges.some((k) => replaceOnChanges.includes(k));
    if (diff.replaces.length > 0 || forced) return { op: "replace", deleteBeforeReplace: diff.deleteBeforeReplace || optionDbr };
    return { op: "update", deleteBeforeReplace: false };
}

/** "urn:pulumi:stack::project::parent$type::name" -> "type::name". */
export function keyFromUrn(urn: string): string {
    const parts = urn.split("::");
    const type = parts[2].split("$").pop() as string;
    return `${type}::${parts.slice(3).join("::")}`;
}

function dependsOn(r: ResourceRecord, key: string): boolean {
    return r.parent === key || r.dependencies.includes(key);
}

/** Every recorded resource that (transitively) depends on `key`. */
export function dependentsOf(key: string, records: ResourceRecord[]): ResourceRecord[] {
    const found = new Map<string, ResourceRecord>();
    const queue = [key];
    while (queue.length > 0) {
        const k = queue.shift() as string;
        for (const r of records) {
            if (!found.has(r.key) && r.key !== key && dependsOn(r, k)) {
                found.set(r.key, r);
                queue.push(r.key);
            }
        }
    }
    return records.filter((r) => found.has(r.key));
}

/** Reverse creation order, adjusted so nothing is deleted while a remaining resource still depends on it. */
export function deletionOrder(records: ResourceRecord[]): ResourceRecord[] {
    const remaining = [...records].reverse();
    const order: ResourceRecord[] = [];
    while (remaining.length > 0) {
        const i = remaining.findIndex((r) => !remaining.some((o) => o !== r && dependsOn(o, r.key)));
        // A dependency cycle cannot come from a program; fall back to plain reverse order if state is odd.
        const [next] = remaining.splice(i < 0 ? 0 : i, 1);
        order.push(next);
    }
    return order;
}
