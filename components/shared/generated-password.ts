/**
 * A password generated once, at first deploy, and then kept stable in state (as a secret) until the
 * resource is replaced. A dynamic resource rather than @pulumi/random so the stack needs no second
 * provider plugin.
 */
import * as pulumi from "@pulumi/pulumi";

export interface GeneratedPasswordInputs {
    length: number;
}

interface GeneratedPasswordOutputs extends GeneratedPasswordInputs {
    result: string;
}

function generate(length: number): string {
    const crypto = require("crypto");
    // URL-safe alphabet: no quoting trouble in redis.conf, URLs or shells.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let out = "";
    while (out.length < length) {
        for (const b of crypto.randomBytes(length) as Buffer) {
            // 248 = 4 * 62: bytes above it are dropped so every character is equally likely.
            if (b < 248 && out.length < length) out += alphabet[b % 62];
        }
    }
    return out;
}

export const generatedPasswordProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: GeneratedPasswordInputs): Promise<pulumi.dynamic.CreateResult> {
        const outs: GeneratedPasswordOutputs = { length: inputs.length, result: generate(inputs.length) };
        return { id: `password-${Date.now().toString(36)}`, outs };
    },
    async diff(_id: string, olds: GeneratedPasswordOutputs, news: GeneratedPasswordInputs): Promise<pulumi.dynamic.DiffResult> {
        const changed = olds.length !== news.length;
        return { changes: changed, replaces: changed ? ["length"] : [] };
    },
    async read(id: string, props: GeneratedPasswordOutputs): Promise<pulumi.dynamic.ReadResult> {
        return { id, props };
    },
};

export interface GeneratedPasswordArgs {
    /** Number of characters (alphanumeric). */
    length?: pulumi.Input<number>;
}

export class GeneratedPassword extends pulumi.dynamic.Resource {
    /** The generated password; secret. */
    declare readonly result: pulumi.Output<string>;
    declare readonly length: pulumi.Output<number>;

    constructor(name: string, args: GeneratedPasswordArgs = {}, opts?: pulumi.CustomResourceOptions) {
        super(
            generatedPasswordProvider,
            name,
            { length: args.length ?? 32, result: undefined },
            { ...opts, additionalSecretOutputs: ["result"] },
            "redis-ha",
            "GeneratedPassword",
        );
    }
}
