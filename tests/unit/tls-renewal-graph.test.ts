/**
 * A renewal of the generated certificates (the CA with them) under mocks, as two `up`s of one config: the
 * only resources whose own diff reports a change are the data nodes' TlsReload (and TlsCertificates, which
 * renews by its clock); every data node's container gets exactly the inputs it had (its TlsFilesPin keeps
 * its outputs: its diff sees the same revision), so nothing is replaced and no RollGate rolls. Sentinels,
 * which cannot reload TLS, get the same pins and restart in their containers instead (SentinelTlsRestart),
 * one after another.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type DeclaredResource, type MockRun, byType, isWireSecret, runStack } from "./support/mock-stack";
import { liveConfigProvider } from "../../components/docker/live-config-resource";
import { replicationReadinessProvider } from "../../components/replication/readiness";
import { rollGateProvider } from "../../components/rolling/gate";
import { rollPlanProvider } from "../../components/rolling/plan";
import { sentinelReadinessProvider } from "../../components/sentinel/readiness";
import { aclUsersProvider } from "../../components/security/acl-users";
import { tlsFilesPinProvider } from "../../components/security/tls-pin";
import { tlsReloadProvider } from "../../components/security/tls-reload";
import { sentinelTlsRestartProvider } from "../../components/security/sentinel-tls-restart";

const providers: Record<string, pulumi.dynamic.ResourceProvider> = {
    LiveConfig: liveConfigProvider,
    ReplicationReadiness: replicationReadinessProvider,
    SentinelReadiness: sentinelReadinessProvider,
    RollGate: rollGateProvider,
    RollPlan: rollPlanProvider,
    AclUsers: aclUsersProvider,
    TlsFilesPin: tlsFilesPinProvider,
    TlsReload: tlsReloadProvider,
    SentinelTlsRestart: sentinelTlsRestartProvider,
};

/** Inputs with every secret wrapper removed, at any depth: what a dynamic provider receives. */
function plain(v: unknown): any {
    if (isWireSecret(v)) return plain((v as { value: unknown }).value);
    if (Array.isArray(v)) return v.map(plain);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}

const shortType = (r: DeclaredResource) => r.type.split(":").pop()!;

/** First `up`, then the renewal: the pins keep their outputs when their own diff says so (the engine's rule). */
async function renewal(config: Record<string, unknown>): Promise<{ before: MockRun; after: MockRun }> {
    const before = await runStack(config);
    const probe = await runStack(config, { certSuffix: "-renewed" });
    const kept: Record<string, Record<string, any>> = {};
    for (const pin of byType(probe, ":TlsFilesPin")) {
        const old = before.resources.find((r) => r.name === pin.name)!;
        const olds = { ...plain(old.inputs), pinned: plain(old.inputs.files) };
        if (!(await tlsFilesPinProvider.diff!(pin.name, olds, plain(pin.inputs))).changes)
            kept[pin.name] = { ...old.inputs, pinned: old.inputs.files };
    }
    return { before, after: await runStack(config, { certSuffix: "-renewed", kept }) };
}

/** Resources whose inputs differ between the runs, and of those the ones whose own diff reports a change. */
async function changes(before: MockRun, after: MockRun): Promise<{ differ: string[]; changed: string[] }> {
    const differ: string[] = [];
    const changed: string[] = [];
    for (const r of after.resources) {
        const old = before.resources.find((o) => o.name === r.name && o.type === r.type);
        if (!old) throw new Error(`${r.name} is new`);
        if (JSON.stringify(plain(old.inputs)) === JSON.stringify(plain(r.inputs))) continue;
        differ.push(`${shortType(r)} ${r.name}`);
        const provider = providers[shortType(r)];
        // A docker resource's every input replaces it (the docker provider's rule); a dynamic one asks its diff.
        if (!provider || (await provider.diff!(r.name, plain(old.inputs), plain(r.inputs))).changes) changed.push(`${shortType(r)} ${r.name}`);
    }
    return { differ: differ.sort(), changed: changed.sort() };
}

it("replication: a renewed CA and certificates change only the nodes' TlsReload; containers, gates and pins stay", async () => {
    const { before, after } = await renewal({ topology: "replication", replicas: 1, tls: { enabled: true } });
    const { differ, changed } = await changes(before, after);
    expect(changed).toEqual(["TlsReload redis-ha-test-node-0-tls-reload", "TlsReload redis-ha-test-node-1-tls-reload"]);
    // The CA reaches the deploy-time links too, which do not act on it.
    expect(differ).toEqual(
        expect.arrayContaining([
            "RollGate redis-ha-test-node-0-roll",
            "LiveConfig redis-ha-test-node-1-live",
            "TlsFilesPin redis-ha-test-node-0-tls-pin",
        ]),
    );
    for (const c of byType(after, ":Container")) expect(differ.some((d) => d.endsWith(` ${c.name}`))).toBe(false);
    // The reload carries the renewed files; the key stays a secret input.
    const reload = byType(after, ":TlsReload").find((r) => r.name === "redis-ha-test-node-1-tls-reload")!;
    expect(plain(reload.inputs)).toMatchObject({ caCert: "mock-ca-cert-renewed", cert: "mock-cert-node-1-renewed", key: "mock-key-node-1-renewed" });
    expect(isWireSecret(reload.inputs.key)).toBe(true);
});

it("standalone with ACL: the reload logs in as the operator user, like LiveConfig", async () => {
    const { before, after } = await renewal({
        topology: "standalone",
        tls: { enabled: true },
        acl: { users: [{ name: "app", password: "pw", rules: "+@all ~*" }] },
    });
    expect((await changes(before, after)).changed).toEqual(["TlsReload redis-ha-test-node-0-tls-reload"]);
    const reload = plain(byType(after, ":TlsReload")[0].inputs);
    const live = plain(byType(after, ":LiveConfig")[0].inputs);
    expect([reload.username, reload.password]).toEqual([live.username, live.password]);
    expect(reload.username).toBeTruthy();
});

it("sentinel: the data nodes reload in place; the sentinels restart in their containers, one after another, and no container is replaced", async () => {
    const { before, after } = await renewal({ topology: "sentinel", replicas: 1, tls: { enabled: true } });
    const { differ, changed } = await changes(before, after);
    const sentinels = [0, 1, 2].map((i) => `redis-ha-test-sentinel-${i}`);
    expect(changed).toEqual(
        [
            "TlsReload redis-ha-test-node-0-tls-reload",
            "TlsReload redis-ha-test-node-1-tls-reload",
            ...sentinels.map((s) => `SentinelTlsRestart ${s}-tls-restart`),
        ].sort(),
    );
    for (const c of byType(after, ":Container")) expect(differ.some((d) => d.endsWith(` ${c.name}`))).toBe(false);
    expect(byType(after, ":TlsReload")).toHaveLength(2);
    expect(byType(after, ":TlsFilesPin")).toHaveLength(5);
    // Each sentinel's restart carries its renewed files and the master it must name again, and waits for the previous one's.
    const restarts = sentinels.map((s) => byType(after, ":SentinelTlsRestart").find((r) => r.name === `${s}-tls-restart`)!);
    expect(plain(restarts[1].inputs)).toMatchObject({
        cert: "mock-cert-sentinel-1-renewed",
        key: "mock-key-sentinel-1-renewed",
        masterName: "mymaster",
    });
    expect(isWireSecret(restarts[1].inputs.key)).toBe(true);
    // The first after the data nodes' reloads (a restarted sentinel trusts only a renewed CA), then one after another.
    expect(restarts[0].dependsOn.some((d) => d.endsWith("-tls-restart"))).toBe(false);
    expect(restarts[0].dependsOn).toEqual(expect.arrayContaining(["redis-ha-test-node-0-tls-reload", "redis-ha-test-node-1-tls-reload"]));
    expect(restarts[1].dependsOn).toContain(restarts[0].name);
    expect(restarts[2].dependsOn).toContain(restarts[1].name);
    // Every node, sentinels too, says so on its container.
    const renewalLabel = (c: DeclaredResource) => c.inputs.labels.find((l: { label: string }) => l.label === "redis-ha.tls-renewal")?.value;
    expect(byType(after, ":Container").map(renewalLabel)).toEqual(Array(5).fill("in-place"));
});
