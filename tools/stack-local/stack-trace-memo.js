// Memoizes the formatting of stack traces for the program stack:local loads. The Pulumi SDK reads
// `new Error().stack` eagerly: for every promise it tracks (runtime/debuggable.js, to report leaks) and
// for every resource (its source position and stack trace, sent with the registration). Under ts-node,
// `Error.prepareStackTrace` is source-map-support's, which maps every frame through the source maps:
// in a no-op `up` of the dev stack that was over 2 s of the program's CPU, during which the engine waits
// for registrations. Most of those traces are the same few call paths again and again, so the text is
// kept per trace, keyed by every frame's raw position (the mapped text is a pure function of them while
// the files do not change, and they do not during one run). A trace with an eval frame is formatted as
// before, uncached. Plain JavaScript, installed by ts-program.ts after ts-node registered.
const MAX_ENTRIES = 20000;

function frameKey(f) {
    if (f.isEval()) return undefined;
    return `${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()}:${f.getFunctionName()}:${f.getMethodName()}:${f.getTypeName()}:${f.isNative()}:${f.isConstructor()}:${f.isToplevel()}:${f.isAsync()}:${f.isPromiseAll()}:${f.getPromiseIndex()}`;
}

function memoizeStackTraces() {
    const inner = Error.prepareStackTrace;
    if (typeof inner !== "function" || inner.stackTraceMemo) return;
    const cache = new Map();
    const memo = function prepareStackTrace(error, frames) {
        let key = `${error && error.name}\n${error && error.message}`;
        for (const f of frames) {
            const k = frameKey(f);
            if (k === undefined) return inner(error, frames);
            key += `\n${k}`;
        }
        const hit = cache.get(key);
        if (hit !== undefined) return hit;
        const text = inner(error, frames);
        if (typeof text === "string") {
            if (cache.size >= MAX_ENTRIES) cache.clear();
            cache.set(key, text);
        }
        return text;
    };
    memo.stackTraceMemo = true;
    Error.prepareStackTrace = memo;
}

module.exports = { memoizeStackTraces };
