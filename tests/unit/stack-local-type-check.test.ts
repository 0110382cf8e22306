/** stack:local's type check (tools/stack-local/type-check.ts): once per change of its inputs, and a type error still stops the program. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatStamp, stampMatches, typeCheckProgram, type FileState } from "../../tools/stack-local/type-check";

describe("stack:local type-check stamp", () => {
    const files: Record<string, FileState> = { "/p/index.ts": { size: 10, mtimeMs: 1 }, "/p/lib.ts": { size: 20, mtimeMs: 2 } };
    const stat = (f: string) => files[f];

    it("holds while the scope and every recorded file are unchanged", () => {
        const stamp = formatStamp("scope", "typescript 5", ["/p/lib.ts", "/p/index.ts", "/p/lib.ts"], stat);
        expect(stamp.files).toEqual([
            ["/p/index.ts", 10, 1],
            ["/p/lib.ts", 20, 2],
        ]);
        expect(stampMatches(stamp, "scope", stat)).toBe(true);
        expect(stampMatches(stamp, "other scope", stat)).toBe(false);
    });

    it("fails on a file changed in size or time, a file gone, or nothing recorded", () => {
        const stamp = formatStamp("scope", "typescript 5", Object.keys(files), stat);
        expect(stampMatches(stamp, "scope", (f) => (f === "/p/lib.ts" ? { size: 21, mtimeMs: 2 } : stat(f)))).toBe(false);
        expect(stampMatches(stamp, "scope", (f) => (f === "/p/lib.ts" ? { size: 20, mtimeMs: 3 } : stat(f)))).toBe(false);
        expect(stampMatches(stamp, "scope", (f) => (f === "/p/lib.ts" ? undefined : stat(f)))).toBe(false);
        expect(stampMatches({ scope: "scope", compiler: "", files: [] }, "scope", stat)).toBe(false);
        expect(stampMatches(undefined, "scope", stat)).toBe(false);
    });
});

describe("stack:local type check of a program", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-typecheck-"));
        fs.writeFileSync(
            path.join(dir, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", types: [], skipLibCheck: true } }),
        );
        fs.writeFileSync(path.join(dir, "index.ts"), 'import { port } from "./lib";\nexport const endpoint: string = `127.0.0.1:${port}`;\n');
        fs.writeFileSync(path.join(dir, "lib.ts"), "export const port: number = 6379;\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const check = () =>
        typeCheckProgram({
            typescriptRequire: "typescript",
            projectRequire: require,
            tsConfigPath: path.join(dir, "tsconfig.json"),
            entry: path.join(dir, "index.ts"),
            cacheDir: path.join(dir, "cache"),
        });

    it("checks once, skips while nothing changed, and stops on a type error in an imported file", () => {
        expect(check()).toBe(true);
        expect(check()).toBe(false);

        // An imported file (not the entry point) now breaks a type: the next run checks again and fails.
        fs.writeFileSync(path.join(dir, "lib.ts"), 'export const port: number = "6379";\n');
        expect(check).toThrow(/Unable to compile TypeScript[\s\S]*lib\.ts[\s\S]*not assignable to type 'number'/);
        // A failed check leaves no stamp behind: it fails again.
        expect(check).toThrow(/Unable to compile TypeScript/);

        fs.writeFileSync(path.join(dir, "lib.ts"), "export const port: number = 6380;\n");
        fs.utimesSync(path.join(dir, "lib.ts"), new Date(), new Date(Date.now() + 5000));
        expect(check()).toBe(true);
        expect(check()).toBe(false);
    });

    it("checks again when the tsconfig changes", () => {
        expect(check()).toBe(true);
        fs.writeFileSync(
            path.join(dir, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", types: [], skipLibCheck: true, noUnusedLocals: true } }),
        );
        expect(check()).toBe(true);
    });
});
