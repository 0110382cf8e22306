/**
 * Runs every benchmark in turn (or the ones named on the command line) and prints their reports.
 * Each script measures redis-ha against Redis's own tooling in the same run and prints ratios.
 *   npm run bench                      # all
 *   npm run bench -- foundation        # one
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ALL = ["foundation", "cluster-formation", "cluster-stack-up", "sentinel-failover", "cluster-reshard", "rolling-upgrade", "tls"];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !ALL.includes(w));
if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${ALL.join(", ")}`);
    process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : ALL) {
    console.log(`\n===== bench/${name}.ts =====`);
    const r = spawnSync("npx", ["ts-node", "--project", "tsconfig.json", path.join("bench", `${name}.ts`)], {
        cwd: path.join(__dirname, ".."),
        stdio: "inherit",
    });
    if (r.status !== 0) {
        console.error(`bench/${name}.ts failed (exit ${r.status ?? r.signal})`);
        failed++;
    }
}
process.exit(failed > 0 ? 1 : 0);
