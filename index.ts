/**
 * redis-ha: reads the stack config, declares the chosen topology, exports its endpoints.
 * Everything else lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./components/config";
import { stackOutputs } from "./components/outputs";
import { GeneratedPassword } from "./components/providers/generated-password";
import { Replication } from "./components/replication";
import { Standalone } from "./components/standalone";

const settings = loadSettings();
const config = new pulumi.Config();
const nodePassword: pulumi.Output<string> =
    config.getSecret("password") ?? new GeneratedPassword(`${settings.namePrefix}-password`, { length: 32 }).result;

function deploy() {
    switch (settings.topology) {
        case "standalone":
            return new Standalone(settings.namePrefix, { settings, password: nodePassword });
        case "replication":
            return new Replication(settings.namePrefix, { settings, password: nodePassword });
        default:
            // parseSettings rejects unsupported topologies; this guards the switch.
            throw new pulumi.RunError(`topology "${settings.topology}" is not supported`);
    }
}

const outputs = stackOutputs(settings.topology, deploy(), nodePassword);

export const topology = outputs.topology;
export const nodes = outputs.nodes;
export const master = outputs.master;
export const ioredisOptions = outputs.ioredisOptions;
export const password = outputs.password;
export const redisCli = outputs.redisCli;
