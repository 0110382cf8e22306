/**
 * Shapes the stack outputs. Every topology reports its nodes; the master-based ones (standalone,
 * replication, sentinel) a master endpoint and plain ioredis options; sentinel adds its sentinels and
 * Sentinel client options; cluster adds seed nodes and Cluster client options. Anything carrying the
 * password is secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "./shared/endpoint";
import type { NodeInfo } from "./docker/declare-node";
import type { ClientCertificate } from "./security/node-tls";

/** What a topology component hands to the stack outputs. */
export interface TopologyOutputs {
    nodes: pulumi.Output<NodeInfo[]>;
    /** The master at deploy time (standalone, replication, sentinel). */
    master?: pulumi.Output<Endpoint>;
    /** Sentinel endpoints for clients outside Docker. */
    sentinels?: pulumi.Output<Array<Endpoint & { name: string; containerName: string }>>;
    /** ioredis `new Redis(options)` following the master through failovers; secret. */
    ioredisSentinelOptions?: pulumi.Output<unknown>;
    /** A few published endpoints a cluster client starts from. */
    seedNodes?: pulumi.Output<Endpoint[]>;
    /** ioredis `new Redis.Cluster(startupNodes, options)` as `{ startupNodes, options }`; secret. */
    ioredisClusterOptions?: pulumi.Output<unknown>;
    /** Cluster: what the last `up` did to the slots (joins, leaves and slot moves are also printed by `preview`). */
    lastRebalance?: pulumi.Output<string>;
    /** A redis-cli invocation, when the default (`redis-cli -h <master or seed> -p <port> --askpass`) would not work. */
    redisCli?: pulumi.Output<string>;
}

export interface StackOutputs extends TopologyOutputs {
    topology: string;
    /** ioredis `new Redis(options)` for the deploy-time master; secret because it carries the password. */
    ioredisOptions?: pulumi.Output<{
        host: string;
        port: number;
        username?: string;
        password: string;
        /** `cert` and `key`: the client certificate, when the nodes ask for one (tls.authClients yes or optional). */
        tls?: { ca: string; cert?: string; key?: string };
    }>;
    /** TLS stacks: the CA every node's certificate is signed by (PEM; clients verify the nodes with it). */
    caCert?: pulumi.Output<string>;
    /** tls.authClients yes or optional: the client certificate (PEM) redisCli presents (`--cert`). */
    clientCert?: pulumi.Output<string>;
    /** Its private key (PEM, `--key`); secret. */
    clientKey?: pulumi.Output<string>;
    password: pulumi.Output<string>;
    /** A redis-cli invocation that prompts for the password instead of showing it. */
    redisCli: pulumi.Output<string>;
}

/** TLS stacks: the CA certificate, and the file name redisCli expects it in (`pulumi stack output caCert > <file>`). */
export interface OutputTls {
    caCert: pulumi.Output<string>;
    caFile: string;
    /** tls.authClients yes or optional: the client certificate, and the file names redisCli expects it and its key in. */
    client?: { certificate: pulumi.Output<ClientCertificate>; certFile: string; keyFile: string };
}

/**
 * ACL stacks with `acl.defaultUser: off`: the user the outputs hand to clients (the first of `acl.users`);
 * ioredisOptions carry its name and password, redisCli its name (`--user`) and prompts for its password.
 */
export interface OutputUser {
    username: string;
    password: pulumi.Input<string>;
}

export function stackOutputs(
    topology: string,
    deployment: TopologyOutputs,
    password: pulumi.Input<string>,
    tls?: OutputTls,
    clientUser?: OutputUser,
): StackOutputs {
    const secretPassword = pulumi.secret(password);
    const clientPassword = pulumi.secret(clientUser?.password ?? password);
    const userFlag = clientUser ? ` --user ${clientUser.username}` : "";
    const clientFlags = tls?.client ? ` --cert ${tls.client.certFile} --key ${tls.client.keyFile}` : "";
    const tlsFlags = tls ? ` --tls --cacert ${tls.caFile}${clientFlags}` : "";
    const cliTarget: pulumi.Output<Endpoint> | undefined = deployment.master ?? deployment.seedNodes?.apply((seeds) => seeds[0]);
    if (!cliTarget) throw new Error(`topology ${topology} reports neither a master nor seed nodes`);
    const clusterFlag = deployment.seedNodes ? " -c" : "";
    return {
        ...deployment,
        topology,
        ioredisOptions:
            deployment.master &&
            pulumi.secret(
                pulumi.all([deployment.master, clientPassword, tls?.caCert, tls?.client?.certificate]).apply(([m, pw, ca, client]) => ({
                    host: m.host,
                    port: m.port,
                    ...(clientUser ? { username: clientUser.username } : {}),
                    password: pw,
                    ...(ca === undefined ? {} : { tls: { ca, ...(client ? { cert: client.cert, key: client.key } : {}) } }),
                })),
            ),
        caCert: tls?.caCert,
        // The certificate is no secret; the Output carrying it with its key is.
        clientCert: tls?.client && pulumi.unsecret(tls.client.certificate.apply((c) => c.cert)),
        clientKey: tls?.client && pulumi.secret(tls.client.certificate.apply((c) => c.key)),
        password: secretPassword,
        redisCli: deployment.redisCli ?? cliTarget.apply((m) => `redis-cli${clusterFlag}${tlsFlags}${userFlag} -h ${m.host} -p ${m.port} --askpass`),
    };
}
