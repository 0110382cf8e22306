/** Sentinel settings rules: what is rejected before any resource exists, and what is only warned about. */
import { SENTINEL_DEFAULTS, SentinelSettings } from "../../components/settings";
import { sentinelPasswordProblem, validateSentinelSettings } from "../../components/sentinel/conf";

const check = (over: Partial<SentinelSettings>, group = { replicas: 2, password: "pw" }) =>
    validateSentinelSettings({ ...SENTINEL_DEFAULTS, ...over }, group);
const keys = (problems: Array<{ key: string }>) => problems.map((p) => p.key);

describe("sentinel settings validation", () => {
    it("accepts the defaults (3 sentinels, quorum 2, mymaster, 5000 ms) without warnings", () => {
        expect(SENTINEL_DEFAULTS).toMatchObject({ count: 3, quorum: 2, masterName: "mymaster", downAfterMs: 5000 });
        expect(check({})).toEqual({ errors: [], warnings: [] });
    });

    it.each([
        [0, /between 1 and sentinel.count \(3\), got 0/],
        [4, /between 1 and sentinel.count \(3\), got 4: 3 sentinel\(s\) can never reach 4 votes/],
        [1.5, /must be an integer/],
    ])("rejects quorum %p", (quorum, message) => {
        const { errors } = check({ quorum });
        expect(keys(errors)).toEqual(["sentinel.quorum"]);
        expect(errors[0].message).toMatch(message);
    });

    it("accepts quorum equal to count (every sentinel must agree)", () => {
        expect(check({ count: 3, quorum: 3 }).errors).toEqual([]);
    });

    it("rejects what cannot work: no sentinels, no replica, bad master name, non-positive timings", () => {
        expect(keys(check({ count: 0 }).errors)).toEqual(["sentinel.count"]);
        expect(check({}, { replicas: 0, password: "pw" }).errors).toEqual([
            { key: "replicas", message: expect.stringMatching(/at least 1 replica/) },
        ]);
        expect(keys(check({ masterName: "my master" }).errors)).toEqual(["sentinel.masterName"]);
        expect(keys(check({ downAfterMs: 0, failoverTimeoutMs: -1, parallelSyncs: 0 }).errors)).toEqual([
            "sentinel.downAfterMs",
            "sentinel.failoverTimeoutMs",
            "sentinel.parallelSyncs",
        ]);
    });

    it("rejects passwords Sentinel cannot write back, keyed on `password`", () => {
        const { errors } = check({}, { replicas: 1, password: 'has"quotes' });
        expect(errors).toEqual([{ key: "password", message: expect.stringMatching(/contains "; .*rewrites its config with the password unquoted/) }]);
        expect(sentinelPasswordProblem("tab\there")).toMatch(/contains U\+0009/);
        expect(sentinelPasswordProblem("back\\slash$!#%&*()[]{}<>?/|~^`=+,;:@é")).toBeUndefined();
        expect(sentinelPasswordProblem("")).toBeUndefined();
    });

    it("warns about an even count and a quorum that is not a majority", () => {
        const even = check({ count: 4, quorum: 3 });
        expect(even.errors).toEqual([]);
        expect(keys(even.warnings)).toEqual(["sentinel.count"]);
        expect(even.warnings[0].message).toMatch(/even count \(4\).*needs 3 votes/);

        const minority = check({ count: 5, quorum: 2 });
        expect(keys(minority.warnings)).toEqual(["sentinel.quorum"]);
        expect(minority.warnings[0].message).toMatch(/quorum 2 is not a majority of 5/);

        expect(keys(check({ count: 2, quorum: 1 }).warnings)).toEqual(["sentinel.count", "sentinel.quorum"]);
        expect(check({ count: 1, quorum: 1 }).warnings[0].message).toMatch(/losing any one sentinel/);
    });

    it("warns when the failover timeout is shorter than the down-after time", () => {
        expect(keys(check({ downAfterMs: 5000, failoverTimeoutMs: 3000 }).warnings)).toEqual(["sentinel.failoverTimeoutMs"]);
    });

    it("warns when persistence is off: an auto-restarted empty master would wipe its replicas", () => {
        const off = validateSentinelSettings(SENTINEL_DEFAULTS, { replicas: 1, persistence: { save: [], appendonly: false } });
        expect(off.warnings).toEqual([{ key: "persistence", message: expect.stringMatching(/comes back empty.*replicas copy the empty dataset/) }]);
        expect(validateSentinelSettings(SENTINEL_DEFAULTS, { replicas: 1, persistence: { save: [], appendonly: true } }).warnings).toEqual([]);
    });
});
