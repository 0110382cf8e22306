// Starts the stack:local tool with a transpile-only ts-node (its outputs cached, see ts-cache.js). The
// hook is dropped again before the program is loaded (see ts-program.ts), so index.ts is compiled and
// type-checked by its own registration, with the project's options.
const path = require("path");
const { cacheCompiles } = require("./ts-cache");
const saved = Object.assign({}, require.extensions);
const registerOptions = { transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") };
const service = require("ts-node").register(registerOptions);
cacheCompiles(service, {
    cacheDir: path.join(__dirname, "..", "..", "node_modules", ".cache", "stack-local", "ts"),
    tsConfigPath: registerOptions.project,
    registerOptions,
    projectRequire: require,
});
require("./cli.ts")
    .main(process.argv.slice(2), saved)
    // Let stdout drain before leaving (it may be a pipe).
    .then((code) => process.stdout.write("", () => process.exit(code)));
