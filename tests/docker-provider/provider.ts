/**
 * TEST DOUBLE of the Docker resource provider (`pulumi-resource-docker`), for machines where the real one
 * cannot be installed (it is built from a Terraform provider fork that is not on the Go module proxy).
 * It is a Pulumi provider plugin in its own right, served by `@pulumi/pulumi/provider`'s `main`, so the
 * real engine drives it: check, diff, create, read, update, delete over gRPC, with the engine deciding
 * create/update/replace/delete, their order and deleteBeforeReplace from what `diff` reports.
 *
 * It implements only the `docker:` resource types and fields this project's program uses (container,
 * network, volume, remote image), backed by the Docker Engine API through dockerode. Inputs are first
 * checked against the schema `@pulumi/docker` ships (schema.ts), so a field the real provider would reject
 * fails here too, then against what the double translates (input-shape.ts), so nothing is silently
 * dropped. `diff` follows the real provider: every input is ForceNew except the handlers' `inPlaceKeys`.
 */
import * as crypto from "crypto";
import type Docker from "dockerode";
import type * as provider from "@pulumi/pulumi/provider";
import { DOCKER_HANDLERS } from "./index";
import type { DockerContext, DockerHandler, RecordedObject } from "./handler";
import { checkShape } from "./input-shape";
import { normalizeDockerInputs } from "./normalize";
import { checkAgainstSchema, loadDockerSchema, type SchemaFailure } from "./schema";
import { applyOutputSecretness, canonicalJson, containsUnknown, unwrapSecrets, type Wire, type WireObject } from "./wire";

/**
 * Outputs keep the checked inputs under this key (secrets still marked, so the engine encrypts them):
 * `diff` compares old inputs with new ones, as the real provider does, and the node provider server
 * hands `diff` only the old outputs.
 */
export const INPUTS_KEY = "__inputs";

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` -> type token and resource name. */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const chain = parts[2] ?? "";
    return { type: chain.split("$").pop() ?? chain, name: parts.slice(3).join("::") };
}

/** Top-level input keys whose meaning differs between old and new inputs (unknowns count as changed). */
export function changedKeys(olds: WireObject, news: WireObject, setKeys: string[]): string[] {
    const a = normalizeDockerInputs(olds, setKeys);
    const b = normalizeDockerInputs(news, setKeys);
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].filter((k) => containsUnknown(b[k] ?? null) || canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null)).sort();
}

export function makeDockerProvider(docker?: Docker): provider.Provider {
    const schema = loadDockerSchema();
    // dockerode (with its HTTP and SSH stack, a third of the double's start) is loaded by the first call
    // that talks to Docker: check and diff, all a no-op `up` asks of the double, never do.
    let client = docker;
    const ctx: DockerContext = {
        get docker(): Docker {
            client ??= new (require("dockerode") as typeof Docker)();
            return client;
        },
        log: (msg) => process.stderr.write(`${msg}\n`),
    };

    const handlerOf = (urn: string): { handler: DockerHandler; label: string; name: string } => {
        const { type, name } = parseUrn(urn);
        const handler = DOCKER_HANDLERS[type];
        if (!handler) throw new Error(`${type} is not implemented by the Docker provider test double (tests/docker-provider)`);
        return { handler, label: `${type} "${name}"`, name };
    };
    const recorded = (id: string, props: WireObject): RecordedObject => ({
        id,
        inputs: unwrapSecrets((props[INPUTS_KEY] as Wire) ?? {}) as WireObject,
        outputs: unwrapSecrets(props) as WireObject,
    });
    const withInputs = (outputs: WireObject, inputs: WireObject): WireObject => ({
        ...applyOutputSecretness(outputs, inputs, []),
        [INPUTS_KEY]: inputs,
    });

    return {
        version: schema.version,
        async check(urn, _olds, news) {
            const { type } = parseUrn(urn);
            const failures: SchemaFailure[] = checkAgainstSchema(schema, type, news);
            if (failures.length === 0) {
                try {
                    const { handler, label } = handlerOf(urn);
                    const plain = unwrapSecrets(news) as WireObject;
                    checkShape(label, plain, handler.shape);
                    // Unknown values (preview) cannot be translated yet; `create` translates them again.
                    if (!containsUnknown(plain)) handler.validate(label, plain);
                } catch (err) {
                    failures.push({ property: "", reason: (err as Error).message });
                }
            }
            return { inputs: news, failures };
        },
        async diff(_id, urn, olds, news) {
            const { handler } = handlerOf(urn);
            const changed = changedKeys((olds[INPUTS_KEY] ?? {}) as WireObject, news, handler.setKeys);
            return { changes: changed.length > 0, replaces: changed.filter((k) => !handler.inPlaceKeys.includes(k)) };
        },
        async create(urn, inputs) {
            const { handler, label, name } = handlerOf(urn);
            const autoName = `${name}-${crypto.randomBytes(4).toString("hex").slice(0, 7)}`;
            const created = await handler.create(ctx, label, unwrapSecrets(inputs) as WireObject, autoName);
            return { id: created.id, outs: withInputs(created.outputs, inputs) };
        },
        async read(id, urn, props) {
            const { handler, label } = handlerOf(urn);
            const live = await handler.read(ctx, label, recorded(id, props ?? {}));
            // An empty id tells the engine the object is gone.
            if (!live) return { id: "", props: {} };
            return { id, props: withInputs(live, (props?.[INPUTS_KEY] ?? {}) as WireObject) };
        },
        async update(id, urn, olds, news) {
            const { handler, label } = handlerOf(urn);
            const outs = await handler.update(ctx, label, recorded(id, olds), unwrapSecrets(news) as WireObject);
            return { outs: withInputs(outs, news) };
        },
        async delete(id, urn, props) {
            const { handler, label } = handlerOf(urn);
            await handler.delete(ctx, label, recorded(id, props));
        },
    };
}
