/**
 * stack:local's memo in front of `Error.prepareStackTrace` (tools/stack-local/stack-trace-memo.js): the same
 * trace is formatted once and served as the same text; a different frame, a different message or an eval
 * frame goes to the formatter again.
 */
const { memoizeStackTraces } = require("../../tools/stack-local/stack-trace-memo") as { memoizeStackTraces(): void };

const saved = Error.prepareStackTrace;
let calls = 0;

beforeEach(() => {
    calls = 0;
    // A formatter standing in for source-map-support's: counts its calls, formats like V8.
    Error.prepareStackTrace = (error, frames) => {
        calls++;
        return [`${error.name}: ${error.message}`, ...frames.map((f) => `    at ${f.toString()}`)].join("\n");
    };
    memoizeStackTraces();
});

afterEach(() => {
    Error.prepareStackTrace = saved;
});

const traceHere = (message = "") => new Error(message).stack;

it("formats one call path once and serves the same text again", () => {
    const texts = [0, 1, 2].map(() => traceHere());
    expect(calls).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toMatch(/^Error: \n {4}at traceHere /);
});

it("formats again for another call site or another message", () => {
    const a = traceHere();
    const b = new Error().stack;
    const c = traceHere("boom");
    expect(calls).toBe(3);
    expect(a).not.toBe(b);
    expect(c).toMatch(/^Error: boom\n/);
});

it("leaves traces with an eval frame uncached", () => {
    const viaEval = () => eval("new Error().stack") as string;
    viaEval();
    viaEval();
    expect(calls).toBe(2);
});

it("installs once: a second call does not wrap the memo in another memo", () => {
    const memo = Error.prepareStackTrace;
    memoizeStackTraces();
    expect(Error.prepareStackTrace).toBe(memo);
});
