/** Every dynamic provider of the project, by resource type name: what the serialization tests go through. */
import type * as pulumi from "@pulumi/pulumi";
import { clusterFormationProvider } from "../../../components/cluster/formation";
import { liveConfigProvider } from "../../../components/docker/live-config-resource";
import { rollGateProvider } from "../../../components/rolling/gate";
import { rollPlanProvider } from "../../../components/rolling/plan";
import { replicationReadinessProvider } from "../../../components/replication/readiness";
import { sentinelReadinessProvider } from "../../../components/sentinel/readiness";
import { generatedPasswordProvider } from "../../../components/shared/generated-password";
import { tlsCertificatesProvider } from "../../../components/security/tls-certificates";
import { aclUsersProvider } from "../../../components/security/acl-users";
import { tlsFilesPinProvider } from "../../../components/security/tls-pin";
import { tlsReloadProvider } from "../../../components/security/tls-reload";
import { sentinelTlsRestartProvider } from "../../../components/security/sentinel-tls-restart";

export const DYNAMIC_PROVIDERS: Array<[string, pulumi.dynamic.ResourceProvider]> = [
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
    ["SentinelTlsRestart", sentinelTlsRestartProvider],
];
