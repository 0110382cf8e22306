/**
 * The harness engine's pure decisions: which keys changed, which operation follows for Docker objects and
 * dynamic resources, delete order, and how secrets travel between wire form, state and display.
 */
import {
    applyIgnoreChanges,
    changedKeys,
    decideDockerOp,
    decideDynamicOp,
    deletionOrder,
    dependentsOf,
    keyFromUrn,
} from "../../tests/harness/plan";
import { planTable } from "../../tests/harness/plan-report";
import { summarize, type ResourceRecord } from "../../tests/harness/state-store";
import {
    applyOutputSecretness,
    containsUnknown,
    makeSecret,
    presentable,
    unwrapSecrets,
    UNKNOWN,
    type WireObject,
} from "../../tests/harness/wire";

const secret = (v: string) => makeSecret(v);

describe("changes", () => {
    it("lists changed top-level keys, ignoring secretness and key order", () => {
        expect(changedKeys({ a: 1, b: { x: 1, y: 2 }, c: "s" }, { a: 1, b: { y: 2, x: 1 }, c: secret("s") })).toEqual([]);
        expect(changedKeys({ a: 1, gone: true }, { a: 2, added: [] })).toEqual(["a", "added", "gone"]);
    });

    it("keeps recorded values for ignoreChanges keys", () => {
        expect(applyIgnoreChanges({ a: 2, b: 2 }, { a: 1, b: 1 }, ["a"])).toEqual({ a: 1, b: 2 });
        expect(applyIgnoreChanges({ a: 2, c: 3 }, { a: 1 }, ["c"])).toEqual({ a: 2 });
        expect(applyIgnoreChanges({ a: 2 }, undefined, ["a"])).toEqual({ a: 2 });
    });
});

describe("Docker objects", () => {
    it("are the same, updated in place for provider-only settings, or replaced", () => {
        expect(decideDockerOp([], ["wait"])).toBe("same");
        expect(decideDockerOp(["wait", "waitTimeout"], ["wait", "waitTimeout"])).toBe("update");
        expect(decideDockerOp(["wait", "envs"], ["wait"])).toBe("replace");
    });
});

describe("dynamic resources", () => {
    const diff = (changes: "none" | "some" | "unknown", replaces: string[] = [], dbr = false) => ({ changes, replaces, deleteBeforeReplace: dbr });

    it("follow the provider's diff", () => {
        expect(decideDynamicOp(diff("none"), ["__provider"], [], false)).toEqual({ op: "same", deleteBeforeReplace: false });
        expect(decideDynamicOp(diff("some"), ["replicas"], [], false)).toEqual({ op: "update", deleteBeforeReplace: false });
        expect(decideDynamicOp(diff("some", ["length"]), ["length"], [], false)).toEqual({ op: "replace", deleteBeforeReplace: false });
        expect(decideDynamicOp(diff("some", ["length"], true), ["length"], [], false)).toEqual({ op: "replace", deleteBeforeReplace: true });
        expect(decideDynamicOp(diff("some", ["length"]), ["length"], [], true).deleteBeforeReplace).toBe(true);
    });

    it("fall back to an input comparison when the provider cannot tell, and honour replaceOnChanges", () => {
        expect(decideDynamicOp(diff("unknown"), [], [], false).op).toBe("same");
        expect(decideDynamicOp(diff("unknown"), ["x"], [], false).op).toBe("update");
        expect(decideDynamicOp(diff("some"), ["x"], ["x"], false).op).toBe("replace");
        expect(decideDynamicOp(diff("some"), ["y"], ["*"], false).op).toBe("replace");
    });
});

const rec = (key: string, dependencies: string[] = [], parent?: string): ResourceRecord => ({
    key,
    type: key.split("::")[0],
    name: key.split("::")[1],
    urn: `urn:pulumi:s::p::${key}`,
    custom: true,
    dependencies,
    ...(parent ? { parent } : {}),
    options: { deleteBeforeReplace: false, additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], protect: false, retainOnDelete: false },
    inputs: {},
    outputs: {},
});

describe("order", () => {
    const image = rec("img::i");
    const net = rec("net::n");
    const vol = rec("vol::v");
    const container = rec("ctr::c", ["img::i", "net::n", "vol::v"]);
    const readiness = rec("dyn::r", ["ctr::c"]);
    // A resource recorded before something it depends on (possible after a partial run).
    const early = rec("dyn::e", ["vol::v"]);

    it("finds transitive dependents", () => {
        expect(dependentsOf("net::n", [image, net, vol, container, readiness]).map((r) => r.key)).toEqual(["ctr::c", "dyn::r"]);
        expect(dependentsOf("dyn::r", [image, container, readiness])).toEqual([]);
    });

    it("deletes in reverse creation order, dependents before what they depend on", () => {
        expect(deletionOrder([image, net, vol, container, readiness]).map((r) => r.key)).toEqual(["dyn::r", "ctr::c", "vol::v", "net::n", "img::i"]);
        expect(deletionOrder([early, vol, net]).map((r) => r.key)).toEqual(["net::n", "dyn::e", "vol::v"]);
        const child = rec("ctr::child", [], "comp::parent");
        expect(deletionOrder([child, rec("comp::parent")]).map((r) => r.key)).toEqual(["ctr::child", "comp::parent"]);
    });

    it("derives keys from URNs with parent types", () => {
        expect(keyFromUrn("urn:pulumi:dev::redis-ha::pulumi:pulumi:Stack$redis-ha:index:RedisNode$docker:index/container:Container::n-0")).toBe(
            "docker:index/container:Container::n-0",
        );
        expect(keyFromUrn("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev")).toBe("pulumi:pulumi:Stack::p-dev");
    });
});

describe("secrets", () => {
    it("marks outputs secret where the input was or additionalSecretOutputs says so", () => {
        const inputs: WireObject = { config: secret("requirepass x"), uploads: [{ file: "/f", content: secret("c") }], name: "n" };
        const out = applyOutputSecretness({ config: "requirepass x", uploads: [{ file: "/f", content: "c" }], name: "n", result: "pw", id: "1" }, inputs, ["result"]);
        expect(out).toEqual({ config: secret("requirepass x"), uploads: makeSecret([{ file: "/f", content: "c" }]), name: "n", result: secret("pw"), id: "1" });
        expect(unwrapSecrets(out)).toEqual({ config: "requirepass x", uploads: [{ file: "/f", content: "c" }], name: "n", result: "pw", id: "1" });
    });

    it("masks secrets (at any depth) and unknowns for display", () => {
        const outputs: WireObject = { password: secret("pw"), nodes: [{ host: "h", auth: secret("a") }], id: UNKNOWN };
        expect(presentable(outputs, false)).toEqual({ password: "[secret]", nodes: [{ host: "h", auth: "[secret]" }], id: "[unknown]" });
        expect(presentable(outputs, true)).toEqual({ password: "pw", nodes: [{ host: "h", auth: "a" }], id: "[unknown]" });
        expect(containsUnknown(outputs)).toBe(true);
    });
});

describe("preview report", () => {
    it("shows one row per resource and a summary", () => {
        const ops = [
            { key: "docker:index/container:Container::c", op: "replace" as const, changedKeys: ["envs", "labels"] },
            { key: "docker:index/volume:Volume::v", op: "same" as const, changedKeys: [] },
            { key: "pulumi-nodejs:dynamic:Resource::r", op: "delete" as const, changedKeys: [] },
        ];
        const table = planTable("dev", ops, summarize(ops));
        expect(table).toContain("+- replace  docker:index/container:Container::c  envs, labels");
        expect(table).toContain("-  delete   pulumi-nodejs:dynamic:Resource::r");
        expect(table).toMatch(/Resources: 1 to replace, 1 to delete, 1 to leave unchanged$/);
    });
});
