/**
 * Runs index.ts under `pulumi.runtime.setMocks` (the documented unit-test mode) with a given config and
 * returns every declared resource and the resolved stack outputs. Each call loads a fresh copy of the
 * program and SDK, so tests do not leak resources into each other.
 */
import * as path from "path";
import type * as PulumiModule from "@pulumi/pulumi";
import { type RollRole, rollOrder } from "../../../components/rolling/order";

/*
 * Each run loads a fresh SDK and program, and a stack's dynamic resources serialize their providers: most of
 * a graph test's time went to the SDK's per-promise stack traces (mapped through source maps), loading
 * TypeScript into every fresh SDK, and parsing each provider function with it. The run uses stack:local's
 * remedies for the same costs (tools/stack-local/*-memo.js, scripts/lazy-typescript.js); what the mocks
 * receive is unchanged (tests/unit/stack-local-closure-parse.test.ts shows the serialized text is the same).
 */
const { memoizeStackTraces } = require("../../../tools/stack-local/stack-trace-memo") as { memoizeStackTraces(): void };
const { memoizeClosureParse } = require("../../../tools/stack-local/closure-parse-memo") as {
    memoizeClosureParse(projectRequire: NodeRequire, cacheDir: string): boolean;
};
const { lazyTypeScript } = require("../../../scripts/lazy-typescript") as { lazyTypeScript<T extends object>(load: () => T): T };
const TYPESCRIPT_SHIM = require.resolve("@pulumi/pulumi/typescript-shim");
const CLOSURE_PARSE_CACHE = path.join(__dirname, "..", "..", "..", "node_modules", ".cache", "stack-local");

export interface DeclaredResource {
    type: string;
    name: string;
    /** Inputs as the engine would receive them; secret values keep Pulumi's secret wrapper. */
    inputs: Record<string, any>;
    /** The `ignoreChanges` option the resource was registered with. */
    ignoreChanges: string[];
    /** Names of the resources it depends on (`dependsOn` and the resources behind its input Outputs), as the engine orders them. */
    dependsOn: string[];
}

export interface MockRun {
    resources: DeclaredResource[];
    outputs: Record<string, unknown>;
    /** Names of stack outputs marked secret. */
    secretOutputs: string[];
    /**
     * Every declared resource's URN as the Pulumi engine forms it: `urn:pulumi:<stack>::<project>::<type chain>::<name>`,
     * where the type chain is each ancestor's type joined by `$` (the mock monitor keeps only the direct parent's).
     */
    urns: string[];
}

/** Pulumi's wire marker for a secret value. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";

export function isWireSecret(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function unwrapSecret<T = unknown>(v: unknown): T {
    return (isWireSecret(v) ? (v as { value: T }).value : v) as T;
}

/** What a run of the mocks varies, to compare two `up`s of one config. */
interface MockVariant {
    /** Appended to every mock certificate, key and the CA: a renewal. */
    certSuffix?: string;
    /**
     * Outputs a resource keeps (by name): what the engine does when the resource's diff reports no change,
     * which the mocks cannot ask.
     */
    kept?: Record<string, Record<string, any>>;
}

function fakeState(type: string, name: string, inputs: Record<string, any>, variant: MockVariant = {}): Record<string, any> {
    const kept = variant.kept?.[name];
    if (kept) return kept;
    const suffix = variant.certSuffix ?? "";
    // Like the real provider: the id follows the image it names.
    if (type === "docker:index/remoteImage:RemoteImage") return { ...inputs, imageId: `sha256:${inputs.name}`, repoDigest: "" };
    if (type.endsWith(":GeneratedPassword")) return { ...inputs, result: "generated-in-mock" };
    // One certificate and key per subject, named so a test can tell whose file a container got.
    if (type.endsWith(":TlsCertificates")) {
        const subjects = (inputs.subjects ?? []) as Array<{ name: string }>;
        return {
            ...inputs,
            caCert: `mock-ca-cert${suffix}`,
            certs: Object.fromEntries(subjects.map((s) => [s.name, { cert: `mock-cert-${s.name}${suffix}`, notAfter: "", serialNumber: "" }])),
            keys: Object.fromEntries(subjects.map((s) => [s.name, `mock-key-${s.name}${suffix}`])),
        };
    }
    // Created with the files it is given (its create).
    if (type.endsWith(":TlsFilesPin")) return { ...inputs, pinned: inputs.files };
    // A group whose nodes hold their layout roles: the plan is the layout's roll order.
    if (type.endsWith(":RollPlan")) {
        const members = (inputs.members ?? []) as Array<{ name: string; role: RollRole }>;
        return { ...inputs, order: rollOrder(members), roles: Object.fromEntries(members.map((m) => [m.name, m.role])) };
    }
    // A formed cluster where every node holds its initial role.
    if (type.endsWith(":ClusterFormation")) {
        const nodes = unwrapSecret<Array<{ name: string; shard: number; role: string }>>(inputs.nodes) ?? [];
        const nodeStatus = nodes.map((n) => ({
            name: n.name,
            shard: n.shard,
            nodeId: "",
            role: n.role,
            master: "",
            slots: n.role === "master" ? [`mock-${n.shard}`] : [],
            slotCount: 0,
        }));
        return { ...inputs, clusterState: "ok", nodeStatus };
    }
    return { ...inputs };
}

export async function runStack(
    config: Record<string, unknown>,
    opts: { secretKeys?: string[]; stack?: string } & MockVariant = {},
): Promise<MockRun> {
    const resources: DeclaredResource[] = [];
    let program: Record<string, unknown> = {};
    let pulumi!: typeof PulumiModule;
    let failure: unknown;
    const urns: string[] = [];
    memoizeStackTraces();
    jest.isolateModules(() => {
        jest.doMock(TYPESCRIPT_SHIM, () => lazyTypeScript(() => jest.requireActual(TYPESCRIPT_SHIM)));
        memoizeClosureParse(require, CLOSURE_PARSE_CACHE);
        pulumi = require("@pulumi/pulumi");
        // The engine's URN names every ancestor type; rebuild it from the parent URN the mock monitor is given.
        const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
        const mockUrn = MockMonitor.prototype.newUrn;
        const engineUrn = new Map<string, string>();
        // The mocks' newResource does not see resource options; the registration request carries ignoreChanges.
        const ignored = new Map<string, string[]>();
        const dependencies = new Map<string, string[]>();
        const mockRegister = MockMonitor.prototype.registerResource;
        MockMonitor.prototype.registerResource = function (
            this: unknown,
            req: { getName(): string; getIgnorechangesList(): string[]; getDependenciesList(): string[] },
            cb: unknown,
        ) {
            ignored.set(req.getName(), req.getIgnorechangesList());
            dependencies.set(
                req.getName(),
                req.getDependenciesList().map((u) => u.split("::").pop()!),
            );
            return mockRegister.call(this, req, cb);
        };
        MockMonitor.prototype.newUrn = function (this: unknown, parent: string, type: string, name: string): string {
            const urn: string = mockUrn.call(this, parent, type, name);
            const chain = parent ? `${engineUrn.get(parent)!.split("::")[2]}$${type}` : type;
            const full = `urn:pulumi:${opts.stack ?? "test"}::redis-ha::${chain}::${name}`;
            engineUrn.set(urn, full);
            urns.push(full);
            return urn;
        };
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    resources.push({
                        type: args.type,
                        name: args.name,
                        inputs: args.inputs,
                        ignoreChanges: ignored.get(args.name) ?? [],
                        dependsOn: dependencies.get(args.name) ?? [],
                    });
                    return { id: `${args.name}-id`, state: fakeState(args.type, args.name, args.inputs, opts) };
                },
                call(args) {
                    throw new Error(`unexpected invoke ${args.token}`);
                },
            },
            "redis-ha",
            opts.stack ?? "test",
            false,
        );
        const wire: Record<string, string> = {};
        for (const [k, v] of Object.entries(config)) wire[`redis-ha:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
        pulumi.runtime.setAllConfig(
            wire,
            (opts.secretKeys ?? []).map((k) => `redis-ha:${k}`),
        );
        try {
            program = require("../../../index");
        } catch (err) {
            failure = err;
        }
    });
    if (failure) {
        // Let tests prove that a failed run declared nothing.
        (failure as { declaredResources?: DeclaredResource[] }).declaredResources = resources;
        throw failure;
    }

    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(program)) {
        if (pulumi.Output.isInstance(value)) {
            outputs[key] = await new Promise((resolve) => value.apply(resolve));
            if (await pulumi.isSecret(value)) secretOutputs.push(key);
        } else {
            outputs[key] = value;
        }
    }
    // Components register their outputs, and resources no output depends on (e.g. LiveConfig) their state,
    // asynchronously, after the values above resolve. The SDK keeps its monitor in process-wide state, so an RPC
    // still in flight would reach the next run's mock monitor (which does not know the resource) and crash the
    // test process. Drain every RPC before returning.
    await pulumi.runtime.disconnect();
    return { resources, outputs, secretOutputs, urns };
}

export function byType(run: MockRun, suffix: string): DeclaredResource[] {
    return run.resources.filter((r) => r.type.endsWith(suffix));
}
