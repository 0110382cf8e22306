// Preloaded (`node -r`) by the plugins stack:local starts for the engine: the dynamic-provider host
// (scripts/pulumi-resource-pulumi-nodejs) and the Docker provider test double. Loading @pulumi/pulumi
// loads its closure serializer, whose parser requires TypeScript (9 MB of JavaScript, about 0.3 s to
// compile) at load time, although a plugin never serializes a function: it only runs providers. Each
// plugin starts on the path of every `up` and `preview` (the engine starts it when the first resource of
// its package arrives, and every registration waits), so here the SDK's TypeScript module is a stand-in
// that loads the real one on first use. Nothing else changes: code that does use it gets the same module.
// The unit tests' mock stacks use the same stand-in (tests/unit/support/mock-stack.ts), where each run
// loads a fresh SDK.
"use strict";
const Module = require("module");
const path = require("path");

/** An object that behaves as the module `load()` returns, calling `load` only when first used. */
function lazyTypeScript(load) {
    let real;
    const ts = () => (real ??= load());
    return new Proxy(
        {},
        {
            get: (_t, key) => ts()[key],
            has: (_t, key) => key in ts(),
            ownKeys: () => Reflect.ownKeys(ts()),
            getOwnPropertyDescriptor: (_t, key) => {
                const d = Object.getOwnPropertyDescriptor(ts(), key);
                return d && { ...d, configurable: true };
            },
        },
    );
}

/** As a preload: the stand-in takes the place of the SDK's shim (`typescript-shim`) in the module cache. */
function standInForPlugin() {
    let shim;
    try {
        // The SDK the plugin's own script resolves (the dynamic host's script lives inside that SDK).
        shim = require.resolve("@pulumi/pulumi/typescript-shim", { paths: [path.dirname(process.argv[1] ?? ".")] });
    } catch {
        return; // No SDK there: nothing to stand in for, and the plugin reports its own error.
    }
    if (require.cache[shim]) return;
    const stand = new Module(shim, module);
    stand.filename = shim;
    stand.loaded = true;
    // On first use the SDK's own shim is loaded in the stand-in's place: it chooses the TypeScript.
    stand.exports = lazyTypeScript(() => {
        delete require.cache[shim];
        return require(shim);
    });
    require.cache[shim] = stand;
}

if (module.parent?.id === "internal/preload") standInForPlugin();

module.exports = { lazyTypeScript };
