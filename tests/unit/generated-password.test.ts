import { generatedPasswordProvider } from "../../components/shared/generated-password";

describe("generated password provider", () => {
    it("creates an alphanumeric password of the requested length, different each time", async () => {
        const a = await generatedPasswordProvider.create!({ length: 32 });
        const b = await generatedPasswordProvider.create!({ length: 32 });
        expect(a.outs.result).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(b.outs.result).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(a.outs.result).not.toBe(b.outs.result);
    });

    it("keeps the password across deploys unless its length changes", async () => {
        const created = await generatedPasswordProvider.create!({ length: 24 });
        expect(await generatedPasswordProvider.diff!(created.id, created.outs, { length: 24 })).toEqual({ changes: false, replaces: [] });
        expect(await generatedPasswordProvider.diff!(created.id, created.outs, { length: 40 })).toEqual({ changes: true, replaces: ["length"] });
    });
});
