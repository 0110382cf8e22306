/**
 * Every dynamic provider runs as Pulumi ships it: closure-serialized into the dynamic-provider host
 * (components/shared/dynamic.ts explains the constraint). An exported const or arrow read inside its own
 * module compiles to `exports.X`, which the serializer does not always carry along: under ts-node `up` failed
 * with `exports.reachable is not a function` in formation (and the slot count came out undefined, so no slot
 * was ever assigned), and with "Cannot convert undefined or null to object" in the sentinel gate's
 * tunableDrift (exports.TUNABLE_FIELDS). Guard: no serialized provider reads a module's `exports`.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterFormationProvider } from "../../components/cluster/formation";
import { liveConfigProvider } from "../../components/docker/live-config-resource";
import { rollGateProvider } from "../../components/rolling/gate";
import { rollPlanProvider } from "../../components/rolling/plan";
import { replicationReadinessProvider } from "../../components/replication/readiness";
import { sentinelReadinessProvider } from "../../components/sentinel/readiness";
import { generatedPasswordProvider } from "../../components/shared/generated-password";
import { tlsCertificatesProvider } from "../../components/security/tls-certificates";
import { aclUsersProvider } from "../../components/security/acl-users";
import { tlsFilesPinProvider } from "../../components/security/tls-pin";
import { tlsReloadProvider } from "../../components/security/tls-reload";

const providers: Array<[string, pulumi.dynamic.ResourceProvider]> = [
    ["GeneratedPassword", generatedPasswordProvider],
    ["ReplicationReadiness", replicationReadinessProvider],
    ["SentinelReadiness", sentinelReadinessProvider],
    ["ClusterFormation", clusterFormationProvider],
    ["LiveConfig", liveConfigProvider],
    ["RollGate", rollGateProvider],
    ["RollPlan", rollPlanProvider],
    ["TlsCertificates", tlsCertificatesProvider],
    ["AclUsers", aclUsersProvider],
    ["TlsFilesPin", tlsFilesPinProvider],
    ["TlsReload", tlsReloadProvider],
];

it.each(providers)("the serialized %s provider reads no `exports.X` of its own modules", async (_name, provider) => {
    const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const reads = [...text.matchAll(/\bexports\.(\w+)/g)].map((m) => m[1]).filter((name) => name !== "handler");
    expect(reads).toEqual([]);
});
