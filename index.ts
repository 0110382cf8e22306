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
import { TlsCertificates } from "./components/security/tls-certificates";
import { certificateSubjects, clientCertificatesAsked } from "./components/security/certificates";
import { type StackTls, ownStackTls, stackClientCertificate } from "./components/security/node-tls";
import { TLS_RENEW_WITHIN_DAYS } from "./components/settings";
import { declareStackAcl } from "./components/security/stack-acl";

const settings = loadSettings();
for (const w of settings.warnings) pulumi.log.warn(`redis-ha:${w.key}: ${w.message}`);

const config = new pulumi.Config();
const nodePassword: pulumi.Output<string> =
    config.getSecret("password") ?? new GeneratedPassword(`${settings.namePrefix}-password`, { length: 32 }).result;

// TLS: a CA and one certificate per node and sentinel, generated at deploy time and renewed by `up`;
// or the user's own CA, certificate and key (tls.caCert/cert/key), used as given by every node. With
// tls.authClients yes or optional, also a client certificate (the own one, with the user's certificate).
const issued: Omit<StackTls, "client"> | undefined = !settings.tls.enabled
    ? undefined
    : settings.tls.own
      ? ownStackTls(
            settings.tls.own,
            certificateSubjects(settings).map((s) => s.name),
        )
      : new TlsCertificates(`${settings.namePrefix}-tls`, {
            commonName: settings.namePrefix,
            subjects: certificateSubjects(settings),
            validityDays: settings.tls.validityDays,
            renewWithinDays: TLS_RENEW_WITHIN_DAYS,
        });
const certificates: StackTls | undefined = issued && {
    caCert: issued.caCert,
    certs: issued.certs,
    keys: issued.keys,
    client: stackClientCertificate(issued, clientCertificatesAsked(settings)),
};

// ACL: the stack's own users' generated passwords, and the application users (kept live on every data node).
const acl = declareStackAcl(settings.namePrefix, settings);

function deploy(): TopologyOutputs {
    const args = { settings, password: nodePassword, tls: certificates, acl };
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

const outputs = stackOutputs(
    settings.topology,
    deploy(),
    nodePassword,
    certificates && {
        caCert: certificates.caCert,
        caFile: `${settings.namePrefix}-ca.crt`,
        client: certificates.client && {
            certificate: certificates.client,
            certFile: `${settings.namePrefix}-client.crt`,
            keyFile: `${settings.namePrefix}-client.key`,
        },
    },
    acl?.client,
);

// Only the outputs of the deployed topology are exported: the engine warns about every undefined
// top-level export ("Undefined value (…) will not show as a stack output") on each `up`.
const exported = {
    topology: outputs.topology,
    nodes: outputs.nodes,
    password: outputs.password,
    redisCli: outputs.redisCli,
    /** TLS stacks: save it where redisCli expects it (`pulumi stack output caCert > <namePrefix>-ca.crt`). */
    caCert: outputs.caCert,
    /**
     * tls.authClients yes or optional: the client certificate and its key (secret), for redisCli's --cert and
     * --key files (`pulumi stack output clientCert > <namePrefix>-client.crt`, `… --show-secrets clientKey > …`).
     */
    clientCert: outputs.clientCert,
    clientKey: outputs.clientKey,
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
