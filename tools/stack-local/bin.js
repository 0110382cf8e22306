// Starts the stack:local tool with a transpile-only ts-node. The hook is dropped again before the
// program is loaded (see ts-program.ts), so index.ts is compiled and type-checked once, by its own
// ts-node registration, as `pulumi up` does it.
const path = require("path");
const saved = Object.assign({}, require.extensions);
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("./cli.ts")
    .main(process.argv.slice(2), saved)
    // Let stdout drain before leaving (it may be a pipe).
    .then((code) => process.stdout.write("", () => process.exit(code)));
