/**
 * components/ has no import cycles, type-only imports included: each folder reads top to bottom, settings.ts
 * is a leaf, and a topology never imports another topology's component. Walks the relative imports of
 * index.ts and everything it reaches.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const IMPORT = /^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gm;

function importsOf(file: string): string[] {
    const text = fs.readFileSync(file, "utf8");
    return [...text.matchAll(IMPORT)].map((m) => {
        const target = path.resolve(path.dirname(file), m[1]);
        return fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, "index.ts");
    });
}

/** Every cycle reachable from `entry`, each as the list of files (relative to the repo) around it. */
function findCycles(entry: string): string[][] {
    const cycles: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
        state.set(file, "open");
        stack.push(file);
        for (const next of importsOf(file)) {
            if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(ROOT, f)));
            else if (!state.has(next)) visit(next);
        }
        stack.pop();
        state.set(file, "done");
    };
    visit(entry);
    return cycles;
}

it("index.ts and components/ import without cycles", () => {
    const files = new Set<string>();
    const collect = (f: string) => {
        if (files.has(f)) return;
        files.add(f);
        importsOf(f).forEach(collect);
    };
    collect(path.join(ROOT, "index.ts"));
    // The walk reaches every topology, so a cycle anywhere in components/ shows up here.
    expect([...files].filter((f) => f.includes(`${path.sep}components${path.sep}`)).length).toBeGreaterThan(20);
    expect(findCycles(path.join(ROOT, "index.ts"))).toEqual([]);
});
