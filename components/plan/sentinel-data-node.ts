/**
 * How a data node of the sentinel topology starts. Its redis.conf is regenerated on every start from the
 * uploaded one (so a config change such as maxmemory always applies), and before Redis starts the node
 * asks the sentinels who the master is now and writes `replicaof` accordingly. A restarted old master
 * thus comes back as a replica of the promoted node instead of as a second master, and a replaced
 * container never resurrects the first-deploy roles. When no sentinel answers (first deploy: the
 * sentinels do not exist yet) the uploaded first-deploy roles apply. Pure: returns a shell argv.
 */
import type { Endpoint } from "../endpoint";

export interface DataNodeCommandInput {
    /** Sentinels as data nodes reach them: container name and 26379 (bridge), bindAddress and host port (host). */
    sentinels: Endpoint[];
    masterName: string;
    /** This node as the sentinels report it (its announce address): peerHost and listen port. */
    self: Endpoint;
    /** The uploaded, rendered redis.conf (first-deploy role). */
    uploadedConfigPath: string;
    /** Where the regenerated config goes; in the data volume, so Sentinel's CONFIG REWRITE can write it. */
    configPath: string;
    /** File holding the password (sentinels and data nodes share it); fed to redis-cli --askpass. */
    authFilePath: string;
    /** Seconds each sentinel gets to answer. */
    askTimeoutSeconds?: number;
}

const TOKEN = /^[A-Za-z0-9._:-]+$/;
const PATH = /^\/[A-Za-z0-9._/-]+$/;

function checkEndpoint(what: string, e: Endpoint): void {
    if (!TOKEN.test(e.host)) throw new Error(`data node command: ${what} host ${JSON.stringify(e.host)} is not shell-safe`);
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new Error(`data node command: ${what} port ${e.port} is outside 1-65535`);
}

/** The shell script (without `sh -c`), exposed for tests that run it against real sentinels. */
export function dataNodeStartScript(input: DataNodeCommandInput): string {
    if (input.sentinels.length === 0) throw new Error("data node command: at least one sentinel is required");
    input.sentinels.forEach((s, i) => checkEndpoint(`sentinel ${i}`, s));
    checkEndpoint("self", input.self);
    if (!TOKEN.test(input.masterName)) throw new Error(`data node command: master name ${JSON.stringify(input.masterName)} is not shell-safe`);
    for (const p of [input.uploadedConfigPath, input.configPath, input.authFilePath]) {
        if (!PATH.test(p)) throw new Error(`data node command: path ${JSON.stringify(p)} must be absolute and shell-safe`);
    }
    const timeout = input.askTimeoutSeconds ?? 2;
    const conf = input.configPath;
    const sentinels = input.sentinels.map((s) => `"${s.host} ${s.port}"`).join(" ");
    return [
        // The first sentinel that names a master wins; unreachable ones (not created yet, down) are skipped.
        `master=""`,
        `for s in ${sentinels}; do`,
        `  set -- $s`,
        `  reply=$(timeout ${timeout} redis-cli -h "$1" -p "$2" --no-auth-warning --askpass --raw SENTINEL get-master-addr-by-name ${input.masterName} < ${input.authFilePath} 2>/dev/null) || continue`,
        `  host=$(echo "$reply" | sed -n 1p); port=$(echo "$reply" | sed -n 2p)`,
        `  case "$port" in ''|*[!0-9]*) continue;; esac`,
        `  master="$host $port"; break`,
        `done`,
        `if [ -z "$master" ]; then`,
        `  echo "redis-ha: no sentinel answered; starting with the deployed role"`,
        `  cp ${input.uploadedConfigPath} ${conf}.new`,
        `else`,
        `  grep -v '^replicaof ' ${input.uploadedConfigPath} > ${conf}.new`,
        `  if [ "$master" = "${input.self.host} ${input.self.port}" ]; then`,
        `    echo "redis-ha: sentinels name this node master"`,
        `  else`,
        `    echo "redis-ha: sentinels name $master master; starting as its replica"`,
        `    echo "replicaof $master" >> ${conf}.new`,
        `  fi`,
        `fi`,
        // Rename, so a crash mid-write never leaves a truncated config.
        `mv ${conf}.new ${conf}`,
        `exec docker-entrypoint.sh redis-server ${conf}`,
    ].join("\n");
}

export function dataNodeStartCommand(input: DataNodeCommandInput): string[] {
    return ["sh", "-c", dataNodeStartScript(input)];
}
