/**
 * redis-ha: reads the stack config, declares the chosen topology, exports its endpoints.
 * Everything else lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster/component";
import { loadSettings } from "./components/config";
import { stackOutputs, type TopologyOutputs } from "./components/outputs";
import { GeneratedPassword } from "./components/shared/generated-password";
import { Replication } from "./components/replication/component";
import { Sentinel } from "./components/sentinel/component";
import { Standalone } from "./components/standalone";

const settings = loadSettings();
for (const w of settings.warnings) pulumi.log.warn(`redis-ha:${w.key}: ${w.message}`);

const config = new pulumi.Config();
const nodePassword: pulumi.Output<string> =
    config.getSecret("password") ?? new GeneratedPassword(`${settings.namePrefix}-password`, { length: 32 }).result;

function deploy(): TopologyOutputs {
    const args = { settings, password: nodePassword };
    switch (settings.topology) {
        case "standalone":
            return new Standalone(settings.namePrefix, args);
        case "replication":
            return new Replication(settings.namePrefix, args);
        case "sentinel":
            return new Sentinel(settings.namePrefix, args);
        case "cluster":
            return new Cluster(settings.namePrefix, args);
    }
}

const outputs = stackOutputs(settings.topology, deploy(), nodePassword);

// Only the outputs of the deployed topology are exported: the engine warns about every undefined
// top-level export ("Undefined value (…) will not show as a stack output") on each `up`.
const exported = {
    topology: outputs.topology,
    nodes: outputs.nodes,
    password: outputs.password,
    redisCli: outputs.redisCli,
    /** Master-based topologies (standalone, replication, sentinel). */
    master: outputs.master,
    ioredisOptions: outputs.ioredisOptions,
    /** topology sentinel. */
    sentinels: outputs.sentinels,
    ioredisSentinelOptions: outputs.ioredisSentinelOptions,
    /** topology cluster. */
    seedNodes: outputs.seedNodes,
    ioredisClusterOptions: outputs.ioredisClusterOptions,
    lastRebalance: outputs.lastRebalance,
};
export = Object.fromEntries(Object.entries(exported).filter(([, value]) => value !== undefined));
