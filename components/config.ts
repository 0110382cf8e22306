/** Reads the project's config namespace from Pulumi into the raw shape parseSettings validates. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, RawConfig, Settings, parseSettings } from "./settings";

/** Every `<project>:<key>` value, objects and arrays JSON-decoded as `pulumi config set --path` stores them. */
export function readRawConfig(project: string): RawConfig {
    const raw: RawConfig = {};
    const prefix = `${project}:`;
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
    }
    return raw;
}

/** Settings for the current stack; invalid config stops the program before any resource is declared. */
export function loadSettings(): Settings {
    const project = pulumi.getProject();
    try {
        return parseSettings(readRawConfig(project), project, pulumi.getStack());
    } catch (err) {
        // RunError prints the message without a stack trace: the message already names every key.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
