/**
 * How a sentinel container starts: the stack uploads the rendered seed config next to redis.conf, and
 * the container copies it into the data volume only the first time. Sentinel rewrites its config file
 * in place (a temp file in the same directory, then rename), which needs a writable directory that
 * survives restarts: the data volume, not an uploaded or bind-mounted file.
 */

/** Where the stack uploads the rendered template (same directory as redis.conf). */
export const SENTINEL_SEED_PATH = "/usr/local/etc/redis/sentinel.conf";
/** The file Sentinel runs from and rewrites; lives in the node's data volume. */
export const SENTINEL_CONFIG_PATH = "/data/sentinel.conf";
/** Port a sentinel listens on inside a bridge-network container (Sentinel's default). */
export const CONTAINER_SENTINEL_PORT = 26379;

export interface SentinelCommandOptions {
    seedPath?: string;
    configPath?: string;
    /**
     * What finally runs the sentinel. The default re-enters the image's entrypoint with
     * `redis-server <config> --sentinel`, which (official image and our local one alike) chowns /data
     * and drops root for the redis user; `redis-sentinel` as first word would keep root upstream.
     */
    exec?: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const SAFE_EXEC = /^[A-Za-z0-9._/ -]+$/;

/**
 * Shell argv that copies `seedPath` to `configPath` only when no non-empty config exists there yet
 * (copy to a temp name, then rename, so a crash mid-copy never leaves a truncated config behind), then
 * execs `exec`. Also fits data nodes in the sentinel topology: Sentinel persists their role changes with
 * CONFIG REWRITE, which only works on a writable config in the data volume.
 */
export function seedOnceCommand(opts: { seedPath: string; configPath: string; exec: string }): string[] {
    for (const p of [opts.seedPath, opts.configPath]) {
        if (!SAFE_PATH.test(p)) throw new Error(`seed-once command: path ${JSON.stringify(p)} must be absolute and shell-safe`);
    }
    if (!SAFE_EXEC.test(opts.exec)) throw new Error(`seed-once command: ${JSON.stringify(opts.exec)} must be plain words and paths`);
    const { seedPath: seed, configPath: config } = opts;
    return ["sh", "-c", `if [ ! -s ${config} ]; then cp ${seed} ${config}.seed && mv ${config}.seed ${config}; fi; exec ${opts.exec}`];
}

/** The sentinel container's command: seed /data/sentinel.conf once, then run the sentinel on it. */
export function sentinelContainerCommand(opts: SentinelCommandOptions = {}): string[] {
    const configPath = opts.configPath ?? SENTINEL_CONFIG_PATH;
    return seedOnceCommand({
        seedPath: opts.seedPath ?? SENTINEL_SEED_PATH,
        configPath,
        exec: opts.exec ?? `docker-entrypoint.sh redis-server ${configPath} --sentinel`,
    });
}
