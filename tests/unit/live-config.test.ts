/**
 * Live settings (components/docker/live-config.ts): every directive our templates render is classified,
 * and a change of a live setting plans an update of LiveConfig resources, never a change of a container.
 */
import { REDIS_DIRECTIVES, SENTINEL_DIRECTIVES, SETTING_CHANGES, directiveOf, liveRedisDirectives } from "../../components/docker/live-config";
import { renderRedisConf, renderTemplate } from "../../components/docker/templates";
import { sentinelConfView } from "../../components/sentinel/conf";
import { clusterConfLines } from "../../components/cluster/layout";
import { type LiveConfigInputs, liveConfigProvider } from "../../components/docker/live-config-resource";
import { DeclaredResource, runStack, unwrapSecret } from "./support/mock-stack";

const directivesOf = (text: string, sentinel: boolean): string[] =>
    text
        .split("\n")
        .map((line) => directiveOf(line))
        .filter((d): d is [string, string] => d !== undefined)
        .map(([name, value]) => (sentinel && name === "sentinel" ? `sentinel ${value.split(/\s+/)[0]}` : name));

describe("classification of every rendered directive", () => {
    it("covers every redis.conf directive, cluster, announce, TLS and ACL lines included", () => {
        const text = renderRedisConf({
            nodeName: "n",
            role: "replica",
            bind: "0.0.0.0",
            port: 6379,
            password: "pw",
            persistence: { save: [{ seconds: 60, changes: 1 }], appendonly: true, appendfsync: "everysec" },
            maxmemory: "0",
            maxmemoryPolicy: "noeviction",
            replicaOf: { host: "m", port: 6379 },
            announce: { host: "n", port: 6379 },
            clusterLines: clusterConfLines({
                configFile: "nodes.conf",
                nodeTimeoutMs: 5000,
                announceHostname: "n",
                preferredEndpointType: "hostname",
                announce: { ip: "10.0.0.1", port: 6379, busPort: 16379 },
            }),
            security: {
                tls: { certFile: "/t/n.crt", keyFile: "/t/n.key", caCertFile: "/t/ca.crt", authClients: "no", cluster: true },
                userLines: ["user app reset on #00 ~app:* +@read"],
                defaultUser: "on",
                masterUser: { name: "repl", password: "rpw" },
            },
        });
        const rendered = directivesOf(text, false);
        expect(rendered.filter((d) => !(d in REDIS_DIRECTIVES))).toEqual([]);
        // And the table names nothing the template cannot render.
        expect(Object.keys(REDIS_DIRECTIVES).filter((d) => !rendered.includes(d))).toEqual([]);
    });

    it("covers every sentinel.conf directive, TLS and auth-user included", () => {
        const text = renderTemplate(
            "sentinel.conf.mustache",
            sentinelConfView({
                sentinelName: "sentinel-0",
                networkMode: "bridge",
                bind: "0.0.0.0",
                port: 26379,
                announce: { host: "s0", port: 26379 },
                master: { host: "n0", port: 6379 },
                settings: { masterName: "mymaster", quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 },
                password: "pw",
                tls: { certFile: "/t/s.crt", keyFile: "/t/s.key", caCertFile: "/t/ca.crt", authClients: "no" },
                authUser: "sentinel-user",
            }),
        );
        const rendered = directivesOf(text, true);
        expect(rendered.filter((d) => !(d in SENTINEL_DIRECTIVES))).toEqual([]);
        expect(Object.keys(SENTINEL_DIRECTIVES).filter((d) => !rendered.includes(d))).toEqual([]);
    });

    it("classifies the settings Redis changes at runtime as live, and image, ports and password as restart", () => {
        const live = Object.keys(SETTING_CHANGES).filter((k) => SETTING_CHANGES[k] === "live");
        expect(live.sort()).toEqual(
            [
                "maxmemory",
                "maxmemoryPolicy",
                "persistence.save",
                "persistence.appendonly",
                "persistence.appendfsync",
                "cluster.nodeTimeoutMs",
                "sentinel.quorum",
                "sentinel.downAfterMs",
                "sentinel.failoverTimeoutMs",
                "sentinel.parallelSyncs",
                "acl.users",
            ].sort(),
        );
        for (const k of ["image", "basePort", "password", "bindAddress", "network.mode"]) expect(SETTING_CHANGES[k]).toBe("restart");
        for (const d of ["maxmemory", "maxmemory-policy", "save", "appendonly", "appendfsync", "cluster-node-timeout"])
            expect(REDIS_DIRECTIVES[d]).toBe("live");
    });

    it("builds CONFIG SET pairs from settings: save rules joined, RDB off as the empty string, cluster timeout from the cluster lines", () => {
        expect(
            liveRedisDirectives(
                { persistence: { save: [], appendonly: false, appendfsync: "no" }, maxmemory: "256mb", maxmemoryPolicy: "allkeys-lru" },
                ["cluster-enabled yes", "cluster-node-timeout 1500"],
            ),
        ).toEqual([
            ["save", ""],
            ["appendonly", "no"],
            ["appendfsync", "no"],
            ["maxmemory", "256mb"],
            ["maxmemory-policy", "allkeys-lru"],
            ["cluster-node-timeout", "1500"],
        ]);
    });
});

/** What the engine compares for a container: its inputs without the keys it was told to ignore. */
function engineView(r: DeclaredResource): Record<string, unknown> {
    const view = { ...r.inputs };
    for (const key of r.ignoreChanges) delete view[key];
    return JSON.parse(JSON.stringify(view, (_k, v) => unwrapSecret(v)));
}

const byType = (resources: DeclaredResource[], suffix: string) =>
    resources.filter((r) => r.type.endsWith(suffix)).sort((a, b) => a.name.localeCompare(b.name));

describe.each([
    ["cluster (the dev stack)", { topology: "cluster", cluster: { shards: 3, replicasPerShard: 1 } }, 6],
    ["standalone", { topology: "standalone" }, 1],
    ["replication", { topology: "replication", replicas: 2 }, 3],
    ["sentinel", { topology: "sentinel" }, 2],
])("%s: a change of live settings", (_label, base, dataNodes) => {
    const change = {
        maxmemory: "256mb",
        maxmemoryPolicy: "allkeys-lru",
        persistence: { save: "900 1", appendonly: false, appendfsync: "always" },
        ...(base.topology === "cluster" ? { cluster: { ...(base as { cluster: object }).cluster, nodeTimeoutMs: 1500 } } : {}),
        ...(base.topology === "sentinel" ? { sentinel: { quorum: 3, downAfterMs: 2000, failoverTimeoutMs: 30000, parallelSyncs: 2 } } : {}),
    };
    let before: DeclaredResource[];
    let after: DeclaredResource[];
    beforeAll(async () => {
        before = (await runStack({ ...base, maxmemory: "0" })).resources;
        after = (await runStack({ ...base, ...change })).resources;
    });

    it("leaves every container's inputs as the engine compares them unchanged (no replacement)", () => {
        const [b, a] = [byType(before, ":Container"), byType(after, ":Container")];
        expect(a.map((r) => r.name)).toEqual(b.map((r) => r.name));
        a.forEach((r, i) => expect(engineView(r)).toEqual(engineView(b[i])));
    });

    it("declares the seed of live values as the only ignored container input", () => {
        for (const c of byType(after, ":Container").filter((r) => r.inputs.envs)) expect(c.ignoreChanges).toEqual(["envs"]);
        // A new container (fresh volume) still starts with the new values: its seed is current.
        const seeds = byType(after, ":Container").map((c) => (c.inputs.envs ?? []).join("\n"));
        expect(seeds.filter((e) => e.includes('maxmemory "256mb"'))).toHaveLength(dataNodes);
    });

    it("updates one LiveConfig per data node with the new directives", () => {
        const [b, a] = [byType(before, ":LiveConfig"), byType(after, ":LiveConfig")];
        expect(a).toHaveLength(dataNodes);
        expect(a.map((r) => r.name)).toEqual(b.map((r) => r.name));
        for (const r of a) {
            expect(r.inputs.directives).toEqual(
                expect.arrayContaining([
                    ["maxmemory", "256mb"],
                    ["maxmemory-policy", "allkeys-lru"],
                    ["save", "900 1"],
                ]),
            );
        }
        for (const r of b) expect(r.inputs.directives).toEqual(expect.arrayContaining([["maxmemory", "0"]]));
    });
    if (base.topology === "sentinel") {
        it("hands the new quorum and tunables to SentinelReadiness, which SENTINEL SETs them", () => {
            const gate = (rs: DeclaredResource[]) => byType(rs, ":SentinelReadiness")[0].inputs.tunables;
            expect(gate(before)).toEqual({ quorum: 2, downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 });
            expect(gate(after)).toEqual({ quorum: 3, downAfterMs: 2000, failoverTimeoutMs: 30000, parallelSyncs: 2 });
        });
    }
});

describe("LiveConfig diff (by hand)", () => {
    const inputs: LiveConfigInputs = {
        name: "shard-0-0",
        access: { host: "127.0.0.1", port: 6379 },
        password: "pw",
        directives: [["maxmemory", "0"]],
        containerId: "c1",
        timeoutMs: 60000,
    };
    const diff = (news: Partial<LiveConfigInputs>, olds: object = inputs) => liveConfigProvider.diff!("id", olds, { ...inputs, ...news });

    it("sees no change when only the provider code or the timeout changed", async () => {
        expect((await diff({}, { ...inputs, __provider: "old serialized code" })).changes).toBe(false);
        expect((await diff({ timeoutMs: 5000 })).changes).toBe(false);
    });

    it("changes with a directive's value, and with a replaced container (which re-applies)", async () => {
        expect((await diff({ directives: [["maxmemory", "256mb"]] })).changes).toBe(true);
        expect((await diff({ containerId: "c2" })).changes).toBe(true);
    });

    it("never replaces (an update applies in place)", async () => {
        expect((await diff({ directives: [["maxmemory", "256mb"]] })).replaces ?? []).toEqual([]);
    });
});
