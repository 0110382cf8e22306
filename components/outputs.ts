/** Shapes the stack outputs every topology shares: endpoints, client options, the secret password. */
import * as pulumi from "@pulumi/pulumi";
import type { NodeInfo } from "./node-set";

export interface StackOutputs {
    topology: string;
    nodes: pulumi.Output<NodeInfo[]>;
    master: pulumi.Output<{ host: string; port: number }>;
    /** ioredis `new Redis(options)` for the master; secret because it carries the password. */
    ioredisOptions: pulumi.Output<{ host: string; port: number; password: string }>;
    password: pulumi.Output<string>;
    /** A redis-cli invocation for the master that prompts for the password instead of showing it. */
    redisCli: pulumi.Output<string>;
}

export function stackOutputs(
    topology: string,
    deployment: { nodes: pulumi.Output<NodeInfo[]>; master: pulumi.Output<{ host: string; port: number }> },
    password: pulumi.Input<string>,
): StackOutputs {
    const secretPassword = pulumi.secret(password);
    return {
        topology,
        nodes: deployment.nodes,
        master: deployment.master,
        ioredisOptions: pulumi.secret(
            pulumi.all([deployment.master, secretPassword]).apply(([m, pw]) => ({ host: m.host, port: m.port, password: pw })),
        ),
        password: secretPassword,
        redisCli: deployment.master.apply((m) => `redis-cli -h ${m.host} -p ${m.port} --askpass`),
    };
}
