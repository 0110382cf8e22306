// Asks V8 less when the Pulumi SDK serializes the program's dynamic providers. The SDK's closure
// serializer (@pulumi/pulumi runtime/closure/v8.js) learns each function's source location and the values
// it captures through the inspector protocol, on the program's one thread, while the engine waits for the
// first registrations. Two of its costs buy nothing:
//   - It starts over for every question: two inspector calls for a function's location (evaluate the
//     function to a remote object, read its internal properties), then three more for each variable it
//     captures (the same two, and a call that turns the function's [[Scopes]] into an array-like of
//     scope objects). For the dev stack: about 1,160 calls for 163 functions. Here each function is
//     asked once per serialization, and its answers kept until that serialization ends. Not longer:
//     V8 fills a scope object with the variables' values when it is asked for it, and the SDK promises
//     the values as they are when serializeFunction is called, so the next serialization asks again.
//   - Its inspector session turns the debugger on, only to map script ids to file names, and that makes
//     V8 report every script already loaded (about 0.3 s here), to no end: the SDK starts listening only
//     after that report, so its map holds just the scripts parsed later, and a program's own modules
//     get an empty file name anyway. The file name goes into nothing but the text of a serialization
//     error. The questions here go through a session of their own, without the debugger, and leave the
//     file name empty; if a serialization fails, it is run again the SDK's own way, so the error is
//     the SDK's, word for word.
// The serialized text is the same as before (the unit test compares the two). This file repeats the
// SDK's own steps (a vm context the inspector evaluates in, Runtime.evaluate, Runtime.getProperties,
// Runtime.callFunctionOn) with its error messages, and installs nothing where the SDK does not have the
// functions it replaces. Plain JavaScript, installed by ts-program.ts (and by the unit tests' mock
// stacks) with the project's SDK, like closure-parse-memo.js.
const { AsyncLocalStorage } = require("async_hooks");
const inspector = require("inspector");
const util = require("util");
const vm = require("vm");

function memoizeClosureInspection(projectRequire) {
    let v8, closure, runtime;
    try {
        v8 = projectRequire("@pulumi/pulumi/runtime/closure/v8");
        closure = projectRequire("@pulumi/pulumi/runtime/closure/serializeClosure");
        runtime = projectRequire("@pulumi/pulumi/runtime");
    } catch {
        return false;
    }
    if (
        typeof v8.getFunctionLocationAsync !== "function" ||
        typeof v8.lookupCapturedVariableValueAsync !== "function" ||
        typeof closure.serializeFunction !== "function" ||
        v8.getFunctionLocationAsync.closureInspectMemo
    ) {
        return false;
    }
    const sdk = { location: v8.getFunctionLocationAsync, lookup: v8.lookupCapturedVariableValueAsync, serialize: closure.serializeFunction };
    /** After a failed serialization: everything the SDK's own way again, so that the error is the SDK's own. */
    let sdkWay = false;

    let contextPromise;
    /** The SDK's device: a vm context whose global holds the functions and values being asked about. */
    async function inspectContext() {
        const session = new inspector.Session();
        session.connect();
        const post = util.promisify(session.post).bind(session);
        const global = { functions: {}, calls: {} };
        await post("Runtime.enable");
        const contextIdAsync = new Promise((resolve) => session.once("Runtime.executionContextCreated", (e) => resolve(e.params.context.id)));
        vm.createContext(global);
        const contextId = await contextIdAsync;
        await post("Runtime.disable");
        return { post, global, contextId, next: 0 };
    }
    const context = () => (contextPromise ??= inspectContext());

    /** What one serialization has asked so far, per function (none outside a serialization: ask each time). */
    const asked = new AsyncLocalStorage();
    const questions = () => asked.getStore() ?? { internals: new Map(), scopes: new Map() };

    /** The function's internal properties ([[FunctionLocation]], [[Scopes]], ...). */
    function internalPropertiesOf(func, { internals } = questions()) {
        let p = internals.get(func);
        if (!p) {
            p = (async () => {
                const c = await context();
                const name = `id${c.next++}`;
                c.global.functions[name] = func;
                const expression = `functions.${name}`;
                let objectId;
                try {
                    const ret = await c.post("Runtime.evaluate", { contextId: c.contextId, expression });
                    if (ret.exceptionDetails) {
                        throw new Error(`Error calling "Runtime.evaluate(${expression})" on context ${c.contextId}: ` + ret.exceptionDetails.text);
                    }
                    const remote = ret.result;
                    const isFunction = remote.type === "function";
                    const isAsyncGenerator = remote.type === "object" && remote.className === "AsyncGeneratorFunction";
                    if (!isFunction && !isAsyncGenerator) throw new Error("Remote object was not 'function': " + JSON.stringify(remote));
                    if (!remote.objectId) throw new Error("Remote function does not have 'objectId': " + JSON.stringify(remote));
                    objectId = remote.objectId;
                } finally {
                    delete c.global.functions[name];
                }
                const props = await c.post("Runtime.getProperties", { objectId, ownProperties: false });
                if (props.exceptionDetails) {
                    throw new Error(`Error calling "Runtime.getProperties(${objectId}, false)": ` + props.exceptionDetails.text);
                }
                return props.internalProperties || [];
            })();
            internals.set(func, p);
        }
        return p;
    }

    /** The [[Scopes]] array-like of the function, innermost first. */
    function scopesOf(func, q = questions()) {
        let p = q.scopes.get(func);
        if (!p) {
            p = (async () => {
                const scopes = (await internalPropertiesOf(func, q)).find((x) => x.name === "[[Scopes]]");
                if (!scopes) throw new Error("Could not find [[Scopes]] property");
                if (!scopes.value) throw new Error("[[Scopes]] property did not have [value]");
                if (!scopes.value.objectId) throw new Error("[[Scopes]].value have objectId");
                const c = await context();
                const id = `id${c.next++}`;
                const objectId = scopes.value.objectId;
                const ret = await c.post("Runtime.callFunctionOn", { objectId, functionDeclaration: `function () { calls["${id}"] = this; }` });
                if (ret.exceptionDetails) throw new Error(`Error calling "Runtime.callFunction(${objectId})": ` + ret.exceptionDetails.text);
                if (!Object.prototype.hasOwnProperty.call(c.global.calls, id)) {
                    throw new Error(`Value was not stored into table after calling "Runtime.callFunctionOn(${objectId})"`);
                }
                const value = c.global.calls[id];
                delete c.global.calls[id];
                return value;
            })();
            q.scopes.set(func, p);
        }
        return p;
    }

    async function getFunctionLocationAsync(func) {
        if (sdkWay) return sdk.location(func);
        const location = (await internalPropertiesOf(func)).find((x) => x.name === "[[FunctionLocation]]");
        if (!location || !location.value || !location.value.value) return { file: "", line: 0, column: 0 };
        const value = location.value.value;
        // The file name only goes into error text (see the top of this file).
        return { file: "", line: value.lineNumber || 0, column: value.columnNumber || 0 };
    }
    getFunctionLocationAsync.closureInspectMemo = true;

    async function lookupCapturedVariableValueAsync(func, freeVariable, throwOnFailure) {
        if (sdkWay) return sdk.lookup(func, freeVariable, throwOnFailure);
        const scopes = await scopesOf(func);
        // Not a real array: it can only be indexed.
        for (let i = 0, n = scopes.length; i < n; i++) {
            const scope = scopes[i];
            if (scope.object && freeVariable in scope.object) return scope.object[freeVariable];
        }
        if (throwOnFailure) throw new Error("Unexpected missing variable in closure environment: " + freeVariable);
        return undefined;
    }

    async function serializeFunction(func, args) {
        try {
            return await asked.run({ internals: new Map(), scopes: new Map() }, () => sdk.serialize(func, args));
        } catch (err) {
            if (sdkWay) throw err;
            sdkWay = true;
            return sdk.serialize(func, args);
        }
    }

    v8.getFunctionLocationAsync = getFunctionLocationAsync;
    v8.lookupCapturedVariableValueAsync = lookupCapturedVariableValueAsync;
    closure.serializeFunction = serializeFunction;
    // runtime/index.js copied the function when it loaded: `pulumi.runtime.serializeFunction` gets it too.
    if (runtime.serializeFunction === sdk.serialize) runtime.serializeFunction = serializeFunction;
    return true;
}

module.exports = { memoizeClosureInspection };
