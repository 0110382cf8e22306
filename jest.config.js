/** One jest project per proof level, so `npm test` runs them all in a stable order. */
const base = {
    preset: "ts-jest",
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: true }] },
};
module.exports = {
    projects: [
        { ...base, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
        { ...base, displayName: "integration", testMatch: ["<rootDir>/tests/integration/**/*.test.ts"] },
        { ...base, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"] },
    ],
    // Real servers and containers take seconds; every wait inside a test is still bounded by its own poll.
    testTimeout: 120000,
    // Clients are disconnected in every suite; should one still leak a reconnecting socket, jest must exit with
    // the run's real status instead of hanging CI until its time limit (outcomes are unaffected).
    forceExit: true,
};
