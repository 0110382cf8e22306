/**
 * Runs one rebalance in its own process, so the integration test can SIGKILL it mid-move like a dying
 * `pulumi up`. Argument: JSON { seedPort, basePort, proxyBasePort, password, leaving, slotsPerWave,
 * wavesPerSource, keysPerMigrate }. Prints `progress <done> <total>` after every slot and `done` at the end.
 */
import { rebalanceCluster } from "../../components/cluster/reshard";

const args = JSON.parse(process.argv[2]);
rebalanceCluster({
    seeds: [{ host: "127.0.0.1", port: args.seedPort }],
    password: args.password,
    access: (a) => ({ host: "127.0.0.1", port: a.port - args.basePort + args.proxyBasePort }),
    leaving: args.leaving,
    slotsPerWave: args.slotsPerWave,
    wavesPerSource: args.wavesPerSource,
    keysPerMigrate: args.keysPerMigrate,
    onProgress: (p) => process.stdout.write(`progress ${p.slotsDone} ${p.slotsTotal}\n`),
})
    .then(() => process.stdout.write("done\n"))
    .catch((err) => {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
    });
