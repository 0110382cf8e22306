/**
 * Stack config to settings: reads the `redis-ha:` namespace from Pulumi, checks each value (settings.ts),
 * then the checks that need a topology's layout: the sentinel group's cross-field rules, host-port
 * collisions and the cluster subnet's room. Every problem is reported together, before any resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_ROUND_PORT_STEP, clusterLayout } from "./cluster/layout";
import { parseSubnet, subnetCapacity } from "./docker/subnet";
import { PLAINTEXT_PORT_OFFSET, replicationLayout, standaloneLayout } from "./docker/layout";
import { RESERVED_USER_NAMES, aclRulesProblem } from "./security/acl";
import { ownCertificateProblems } from "./security/own-certificates";
import { validateSentinelSettings } from "./sentinel/conf";
import { SENTINEL_ADDRESS_OFFSET, SENTINEL_PORT_OFFSET, firstSentinelPort, sentinelLayout } from "./sentinel/layout";
import { type ConfigProblem, ConfigError, type RawConfig, type Settings } from "./settings";
import { readSettings } from "./read-settings";

/** Parses and validates raw config; throws ConfigError listing every problem. Pure (no Pulumi calls). */
export function parseSettings(raw: RawConfig, project: string, stack: string, now = new Date()): Settings {
    const { settings, problems } = readSettings(raw, project, stack);
    if (settings.topology === "sentinel") {
        const checked = validateSentinelSettings(settings.sentinel, {
            replicas: settings.replicas,
            password: typeof raw.password === "string" ? raw.password : undefined,
            persistence: settings.persistence,
        });
        // Range errors on the same keys are already reported by readSettings; keep the cross-field ones.
        problems.push(...checked.errors.filter((e) => !problems.some((q) => q.key === e.key)));
        settings.warnings.push(...checked.warnings);
    }
    problems.push(...aclProblems(settings));
    if (problems.length === 0) problems.push(...ownCertificateProblems(settings, now));
    if (problems.length === 0) {
        problems.push(...portProblems(settings), ...subnetProblems(settings));
    }
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return settings;
}

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

/** Each ACL user's name is free and its rules parse as Redis parses them; names the user and the rule. */
function aclProblems(settings: Settings): ConfigProblem[] {
    return settings.acl.users.flatMap((user, i) => {
        const problems: ConfigProblem[] = [];
        if (RESERVED_USER_NAMES.includes(user.name)) {
            problems.push({ key: `acl.users[${i}].name`, message: `"${user.name}" is reserved (${RESERVED_USER_NAMES.join(", ")})` });
        }
        const bad = aclRulesProblem(user.rules);
        if (bad) problems.push({ key: `acl.users[${i}].rules`, message: `user "${user.name}", rule "${bad.rule}": ${bad.message}` });
        return problems;
    });
}

/** Every host port the layout publishes (or listens on in host mode) must be valid and distinct. */
function portProblems(settings: Settings): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const seen = new Map<number, string>();
    for (const port of planPorts(settings)) {
        if (port.port < 1 || port.port > 65535) {
            problems.push({ key: port.key, message: `${port.purpose} would use port ${port.port}, outside 1-65535` });
            continue;
        }
        const other = seen.get(port.port);
        if (other) {
            problems.push({ key: port.key, message: `${port.purpose} would use port ${port.port}, already taken by ${other}` });
        }
        seen.set(port.port, port.purpose);
    }
    return problems;
}

/** A chosen subnet must parse and, for a cluster or a sentinel group, hold every node's fixed address. */
function subnetProblems(settings: Settings): ConfigProblem[] {
    if (settings.network.subnet === undefined) return [];
    const parsed = parseSubnet(settings.network.subnet);
    if (typeof parsed === "string") return [{ key: "network.subnet", message: parsed }];
    // The highest address index is the last shard's last replica (cluster/layout.ts, addressIndex).
    const last = clusterLayout(settings).reduce((max, n) => Math.max(max, n.addressIndex), 0);
    if (settings.topology === "sentinel" && SENTINEL_ADDRESS_OFFSET + settings.sentinel.count > subnetCapacity(parsed)) {
        return [
            {
                key: "network.subnet",
                message: `${settings.network.subnet} has room for ${subnetCapacity(parsed)} node addresses, the sentinel group's address plan needs ${SENTINEL_ADDRESS_OFFSET + settings.sentinel.count} (data node i takes address i, sentinel j takes ${SENTINEL_ADDRESS_OFFSET} + j)`,
            },
        ];
    }
    if (settings.topology === "cluster" && last >= subnetCapacity(parsed)) {
        return [
            {
                key: "network.subnet",
                message: `${settings.network.subnet} has room for ${subnetCapacity(parsed)} node addresses, the cluster's address plan needs ${last + 1} (replica round r of shard s takes address ${CLUSTER_ROUND_PORT_STEP}·r + s)`,
            },
        ];
    }
    return [];
}

export interface PlannedPort {
    port: number;
    /** Config key a user changes to move this port. */
    key: string;
    /** Human description used in validation messages. */
    purpose: string;
    /** A cluster bus port (no plain-text twin). */
    bus?: boolean;
}

/** Every host port the chosen topology takes (published in bridge mode, listened on in host mode). */
export function planPorts(settings: Settings): PlannedPort[] {
    const ports = topologyPorts(settings);
    if (!settings.tls.enabled || !settings.tls.allowPlaintext) return ports;
    // tls.allowPlaintext: each node's plain-text port beside its TLS one (docker/layout.ts PLAINTEXT_PORT_OFFSET).
    const plain = ports
        .filter((p) => !p.bus)
        .map((p) => ({ port: p.port + PLAINTEXT_PORT_OFFSET, key: "tls.allowPlaintext", purpose: `${p.purpose} plain text` }));
    return [...ports, ...plain];
}

function topologyPorts(settings: Settings): PlannedPort[] {
    switch (settings.topology) {
        case "standalone":
            return standaloneLayout(settings).map((n) => ({ port: n.hostPort, key: "basePort", purpose: `${n.logicalName} (${n.role})` }));
        case "replication":
            return replicationPorts(settings);
        case "sentinel":
            return [
                ...replicationPorts(settings),
                ...sentinelLayout({ ...settings, count: settings.sentinel.count, firstHostPort: firstSentinelPort(settings) }).map((s) => ({
                    port: s.hostPort,
                    key: "sentinel.count",
                    purpose: `${s.logicalName} (basePort + ${SENTINEL_PORT_OFFSET} + ${s.index})`,
                })),
            ];
        case "cluster":
            return clusterLayout(settings).flatMap((n) => {
                const key = n.member === 0 ? "cluster.shards" : "cluster.replicasPerShard";
                const ports: PlannedPort[] = [{ port: n.hostPort, key, purpose: `${n.logicalName} (shard ${n.shard} ${n.role})` }];
                if (n.hostBusPort !== undefined) ports.push({ port: n.hostBusPort, key, purpose: `${n.logicalName} cluster bus`, bus: true });
                return ports;
            });
    }
}

function replicationPorts(settings: Settings): PlannedPort[] {
    return replicationLayout(settings).map((n) => ({
        port: n.hostPort,
        key: n.index === 0 ? "basePort" : "replicas",
        purpose: `${n.logicalName} (${n.role})`,
    }));
}
