// Preloaded (`node -r`) by the plugins stack:local starts for the engine: the dynamic-provider host
// (scripts/pulumi-resource-pulumi-nodejs) and the Docker provider test double. Loading @pulumi/pulumi
// loads its closure serializer, whose parser requires TypeScript (9 MB of JavaScript, about 0.3 s to
// compile) at load time, although a plugin never serializes a function: it only runs providers. Each
// plugin starts on the path of every `up` and `preview` (the engine starts it when the first resource of
// its package arrives, and every registration waits), so here the SDK's TypeScript module is a stand-in
// that loads the real one on first use. Nothing else changes: code that does use it gets the same module.
"use strict";
const Module = require("module");
const path = require("path");

let shim;
try {
    // The SDK the plugin's own script resolves (the dynamic host's script lives inside that SDK).
    shim = require.resolve("@pulumi/pulumi/typescript-shim", { paths: [path.dirname(process.argv[1] ?? ".")] });
} catch {
    shim = undefined; // No SDK there: nothing to stand in for, and the plugin reports its own error.
}
if (shim && !require.cache[shim]) {
    let real;
    // On first use the SDK's own shim is loaded in the stand-in's place: it chooses the TypeScript.
    const ts = () => {
        if (!real) {
            delete require.cache[shim];
            real = require(shim);
        }
        return real;
    };
    const stand = new Module(shim, module);
    stand.filename = shim;
    stand.loaded = true;
    stand.exports = new Proxy(
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
    require.cache[shim] = stand;
}
