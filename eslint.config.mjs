// Lint: typescript-eslint's recommended rules, plus the pure-file import rule of components/ (README, "How it is built").
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Pure planning files: no I/O, no Pulumi, so they run anywhere (tests, validation, the planner) unchanged. */
const PURE_FILES = [
    "components/settings.ts",
    "components/read-settings.ts",
    "components/security/acl.ts",
    "components/security/redis-commands.ts",
    "components/security/certificates.ts",
    "components/security/own-certificates.ts",
    "components/security/node-security.ts",
    "components/shared/endpoint.ts",
    "components/shared/poll.ts",
    "components/docker/layout.ts",
    "components/docker/redis-conf.ts",
    "components/docker/live-config.ts",
    "components/sentinel/layout.ts",
    "components/sentinel/conf.ts",
    "components/sentinel/client.ts",
    "components/sentinel/observe.ts",
    "components/cluster/layout.ts",
    "components/cluster/spec.ts",
    "components/cluster/slots.ts",
    "components/cluster/observe.ts",
    "components/cluster/converge.ts",
    "components/cluster/readiness.ts",
    "components/cluster/rebalance.ts",
    "components/cluster/slot-claims.ts",
    "components/rolling/order.ts",
];

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "coverage/", ".stack-local/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Dynamic providers load packages with require() inside the function (components/shared/dynamic.ts).
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { module: "readonly", require: "readonly", __dirname: "readonly", process: "readonly" },
        },
    },
    {
        // bench/ and tests/ share helpers through tests/support/ only.
        files: ["bench/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [{ regex: "^\\.\\./tests/(?!support/)", message: "bench/ may import only tests/support/" }],
                },
            ],
        },
    },
    {
        files: ["tests/**/*.ts", "bench/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        files: PURE_FILES,
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: ["ioredis", "dockerode", "@pulumi/*", "fs", "child_process", "net"],
                            message: "pure planning files do no I/O and use no Pulumi: move this code to an effectful file",
                        },
                    ],
                },
            ],
        },
    },
);
