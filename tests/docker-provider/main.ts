/** Entry point of the Docker provider TEST DOUBLE plugin (see provider.ts); started by the engine. */
import { main } from "@pulumi/pulumi/provider";
import { makeDockerProvider } from "./provider";

main(makeDockerProvider(), process.argv.slice(2)).catch((err) => {
    process.stderr.write(`docker provider test double: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
});
