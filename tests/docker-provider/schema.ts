/**
 * The input schema of the real Docker provider, as `@pulumi/docker` ships it: the `XxxArgs` interfaces of
 * its type declarations (container.d.ts, …) and the nested input types of types/input.d.ts. The test
 * double checks every input against it, so a field or a type the real provider would reject fails here
 * too, even when the double could have made sense of it. Read syntactically (no type checker): the
 * declarations are generated and regular.
 */
import * as fs from "fs";
import * as path from "path";
import type * as TS from "typescript";
import { isObject, isSecret, UNKNOWN, type Wire, type WireObject } from "./wire";

export type SchemaType =
    | { kind: "string" | "number" | "boolean" | "any" }
    | { kind: "list"; items: SchemaType }
    | { kind: "map"; values: SchemaType }
    | { kind: "object"; name: string };

export interface ObjectSchema {
    properties: Record<string, SchemaType>;
    required: string[];
}

export interface DockerSchema {
    version: string;
    /** Resource type token -> its inputs. */
    resources: Record<string, ObjectSchema>;
    /** Nested input types by name (`ContainerUpload`, …). */
    types: Record<string, ObjectSchema>;
}

/** Type tokens of the resources the double implements -> the module file declaring their Args. */
const RESOURCE_FILES: Record<string, { file: string; args: string }> = {
    "docker:index/container:Container": { file: "container.d.ts", args: "ContainerArgs" },
    "docker:index/network:Network": { file: "network.d.ts", args: "NetworkArgs" },
    "docker:index/volume:Volume": { file: "volume.d.ts", args: "VolumeArgs" },
    "docker:index/remoteImage:RemoteImage": { file: "remoteImage.d.ts", args: "RemoteImageArgs" },
};

/** Loaded only when the schema is parsed (not when read from SCHEMA_FILE): it takes most of a second. */

const typescript = (): typeof TS => require("typescript");

/** Where stack:local leaves the parsed schema beside the transpiled double, so each start skips the parse. */
export const SCHEMA_FILE = "docker-schema.json";

function typeOf(node: TS.TypeNode): SchemaType {
    const ts = typescript();
    if (node.kind === ts.SyntaxKind.StringKeyword) return { kind: "string" };
    if (node.kind === ts.SyntaxKind.NumberKeyword) return { kind: "number" };
    if (node.kind === ts.SyntaxKind.BooleanKeyword) return { kind: "boolean" };
    if (ts.isParenthesizedTypeNode(node)) return typeOf(node.type);
    if (ts.isArrayTypeNode(node)) return { kind: "list", items: typeOf(node.elementType) };
    if (ts.isUnionTypeNode(node)) {
        const members = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword);
        return members.length === 1 ? typeOf(members[0]) : { kind: "any" };
    }
    if (ts.isTypeLiteralNode(node)) {
        const index = node.members.find(ts.isIndexSignatureDeclaration);
        return index ? { kind: "map", values: typeOf(index.type) } : { kind: "any" };
    }
    if (ts.isTypeReferenceNode(node)) {
        const name = node.typeName.getText();
        if (name === "pulumi.Input" && node.typeArguments?.length === 1) return typeOf(node.typeArguments[0]);
        if (name.startsWith("inputs.")) return { kind: "object", name: name.slice("inputs.".length) };
    }
    return { kind: "any" };
}

function interfaces(file: string): Map<string, ObjectSchema> {
    const ts = typescript();
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2020, true);
    const out = new Map<string, ObjectSchema>();
    const visit = (node: TS.Node) => {
        if (ts.isInterfaceDeclaration(node)) {
            const properties: Record<string, SchemaType> = {};
            const required: string[] = [];
            for (const m of node.members) {
                if (!ts.isPropertySignature(m) || !m.type) continue;
                const name = m.name.getText();
                properties[name] = typeOf(m.type);
                if (!m.questionToken) required.push(name);
            }
            out.set(node.name.text, { properties, required });
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return out;
}

export function loadDockerSchema(): DockerSchema {
    const cached = path.join(__dirname, SCHEMA_FILE);
    if (fs.existsSync(cached)) return JSON.parse(fs.readFileSync(cached, "utf8")) as DockerSchema;
    return parseDockerSchema();
}

export function parseDockerSchema(): DockerSchema {
    const pkgJson = require.resolve("@pulumi/docker/package.json");
    const dir = path.dirname(pkgJson);
    const version = (JSON.parse(fs.readFileSync(pkgJson, "utf8")) as { version: string }).version;
    const resources: Record<string, ObjectSchema> = {};
    for (const [token, { file, args }] of Object.entries(RESOURCE_FILES)) {
        const schema = interfaces(path.join(dir, file)).get(args);
        if (!schema) throw new Error(`@pulumi/docker ${version}: ${file} declares no ${args}`);
        resources[token] = schema;
    }
    return { version, resources, types: Object.fromEntries(interfaces(path.join(dir, "types", "input.d.ts"))) };
}

export interface SchemaFailure {
    property: string;
    reason: string;
}

/** Every way `inputs` breaks the schema of `token`: unknown properties, wrong types, missing required ones. */
export function checkAgainstSchema(schema: DockerSchema, token: string, inputs: WireObject): SchemaFailure[] {
    const resource = schema.resources[token];
    if (!resource) return [{ property: "", reason: `${token} is not a resource of @pulumi/docker ${schema.version} known to the test double` }];
    const failures: SchemaFailure[] = [];
    checkObject(schema, resource, inputs, "", failures);
    return failures;
}

function checkObject(schema: DockerSchema, object: ObjectSchema, value: WireObject, at: string, failures: SchemaFailure[]): void {
    for (const [key, v] of Object.entries(value)) {
        const where = at ? `${at}.${key}` : key;
        const type = object.properties[key];
        if (!type) failures.push({ property: where, reason: `"${where}" is not an input of @pulumi/docker ${schema.version}` });
        else checkValue(schema, type, v, where, failures);
    }
    for (const key of object.required) {
        const where = at ? `${at}.${key}` : key;
        if (value[key] === undefined || value[key] === null) failures.push({ property: where, reason: `"${where}" is required` });
    }
}

function checkValue(schema: DockerSchema, type: SchemaType, value: Wire, at: string, failures: SchemaFailure[]): void {
    if (isSecret(value)) return checkValue(schema, type, value.value, at, failures);
    if (value === null || value === UNKNOWN || type.kind === "any") return;
    const wrong = (what: string): void => void failures.push({ property: at, reason: `"${at}" must be ${what}, got ${JSON.stringify(value)}` });
    switch (type.kind) {
        case "string":
        case "number":
        case "boolean":
            if (typeof value !== type.kind) wrong(`a ${type.kind}`);
            return;
        case "list":
            if (!Array.isArray(value)) return wrong("a list");
            value.forEach((item, i) => checkValue(schema, type.items, item, `${at}[${i}]`, failures));
            return;
        case "map":
            if (!isObject(value)) return wrong("a map");
            for (const [k, v] of Object.entries(value)) checkValue(schema, type.values, v, `${at}.${k}`, failures);
            return;
        case "object": {
            if (!isObject(value)) return wrong(`an object (${type.name})`);
            const nested = schema.types[type.name];
            if (nested) checkObject(schema, nested, value, at, failures);
            return;
        }
    }
}
