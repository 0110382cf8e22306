/** sentinel.conf rendering: the variants the stack produces, and what the renderer refuses. */
import { SentinelConfInput, sentinelConfView } from "../../components/sentinel/conf";
import { SENTINEL_DEFAULTS } from "../../components/settings";
import { renderTemplate } from "../../components/docker/templates";

const render = (input: SentinelConfInput): string => renderTemplate("sentinel.conf.mustache", sentinelConfView(input));
/** The directive lines, without comments and blank lines. */
const directives = (conf: string): string[] => conf.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));

const bridge = (password?: string): SentinelConfInput => ({
    sentinelName: "sentinel-1",
    networkMode: "bridge",
    bind: "0.0.0.0",
    port: 26379,
    announce: { host: "redis-ha-dev-sentinel-1", port: 26379 },
    master: { host: "redis-ha-dev-node-0", port: 6379 },
    settings: SENTINEL_DEFAULTS,
    password,
});

const host = (password?: string): SentinelConfInput => ({
    sentinelName: "sentinel-0",
    networkMode: "host",
    bind: "127.0.0.1",
    port: 26379,
    announce: { host: "127.0.0.1", port: 26379 },
    master: { host: "127.0.0.1", port: 6379 },
    settings: {
        ...SENTINEL_DEFAULTS,
        quorum: 3,
        count: 5,
        downAfterMs: 1000,
        failoverTimeoutMs: 10000,
        parallelSyncs: 2,
    } as typeof SENTINEL_DEFAULTS,
    password,
});

describe("sentinel.conf template", () => {
    it("bridge mode with a password: container names, hostname support, auth for master and peers", () => {
        expect(directives(render(bridge("s3cret")))).toEqual([
            "bind 0.0.0.0",
            "port 26379",
            "protected-mode no",
            "daemonize no",
            'logfile ""',
            'requirepass "s3cret"',
            'sentinel sentinel-pass "s3cret"',
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
            "sentinel announce-ip redis-ha-dev-sentinel-1",
            "sentinel announce-port 26379",
            "sentinel monitor mymaster redis-ha-dev-node-0 6379 2",
            "sentinel down-after-milliseconds mymaster 5000",
            "sentinel failover-timeout mymaster 60000",
            "sentinel parallel-syncs mymaster 1",
            'sentinel auth-pass mymaster "s3cret"',
        ]);
    });

    it("host mode without a password: IP addresses, no hostname mode, no auth lines", () => {
        expect(directives(render(host()))).toEqual([
            "bind 127.0.0.1",
            "port 26379",
            "protected-mode no",
            "daemonize no",
            'logfile ""',
            "sentinel resolve-hostnames no",
            "sentinel announce-hostnames no",
            "sentinel announce-ip 127.0.0.1",
            "sentinel announce-port 26379",
            "sentinel monitor mymaster 127.0.0.1 6379 3",
            "sentinel down-after-milliseconds mymaster 1000",
            "sentinel failover-timeout mymaster 10000",
            "sentinel parallel-syncs mymaster 2",
        ]);
    });

    it("host mode with a hostname still turns hostname support on", () => {
        const conf = render({ ...host(), master: { host: "redis.internal", port: 6379 } });
        expect(conf).toMatch(/^sentinel resolve-hostnames yes$/m);
        expect(conf).toMatch(/^sentinel announce-hostnames yes$/m);
    });

    it("escapes special characters once, in Redis's double-quote syntax, and never HTML-escapes", () => {
        const conf = render(bridge("a\\b$c#d!&<>=%`~"));
        expect(conf).toContain('requirepass "a\\\\b$c#d!&<>=%`~"');
        expect(conf).toContain('sentinel auth-pass mymaster "a\\\\b$c#d!&<>=%`~"');
        expect(conf).not.toContain("&amp;");
    });

    it("uses a separate sentinel password for requirepass/sentinel-pass when given", () => {
        const conf = render({ ...bridge("data-pw"), sentinelPassword: "sentinel-pw" });
        expect(conf).toContain('requirepass "sentinel-pw"');
        expect(conf).toContain('sentinel sentinel-pass "sentinel-pw"');
        expect(conf).toContain('sentinel auth-pass mymaster "data-pw"');
    });

    it("puts hostname resolution before the monitor line and writes no myid", () => {
        const lines = directives(render(bridge("pw")));
        expect(lines.findIndex((l) => l.startsWith("sentinel resolve-hostnames"))).toBeLessThan(
            lines.findIndex((l) => l.startsWith("sentinel monitor")),
        );
        expect(lines.some((l) => l.includes("myid"))).toBe(false);
    });

    it.each([
        ["with a double quote", 'pa"ss'],
        ["with a single quote", "pa'ss"],
        ["with a space", "pa ss"],
        ["with a newline", "pa\nss"],
    ])("refuses a password %s: it would not survive Sentinel's own config rewrite", (_what, password) => {
        expect(() => sentinelConfView(bridge(password))).toThrow(/must not contain whitespace, quotes or control characters/);
    });

    it("refuses master names and hosts that Sentinel would write back unquoted", () => {
        expect(() => sentinelConfView({ ...bridge(), settings: { ...SENTINEL_DEFAULTS, masterName: "my master" } })).toThrow(/master name/);
        expect(() => sentinelConfView({ ...bridge(), master: { host: "node 0", port: 6379 } })).toThrow(/master host/);
        expect(() => sentinelConfView({ ...bridge(), announce: { host: "s1", port: 0 } })).toThrow(/announce port 0/);
    });
});
