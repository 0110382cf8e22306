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

/**
 * The container command (argv for Docker's `command`, run through the image's entrypoint):
 * copy the seed only when no non-empty config exists yet (copy to a temp name, then rename, so a crash
 * mid-copy never leaves a truncated config behind), then exec the sentinel on the volume's copy.
 */
export function sentinelContainerCommand(opts: SentinelCommandOptions = {}): string[] {
    const seed = opts.seedPath ?? SENTINEL_SEED_PATH;
    const config = opts.configPath ?? SENTINEL_CONFIG_PATH;
    for (const p of [seed, config]) {
        if (!SAFE_PATH.test(p)) throw new Error(`sentinel command: path ${JSON.stringify(p)} must be absolute and shell-safe`);
    }
    const exec = opts.exec ?? `docker-entrypoint.sh redis-server ${config} --sentinel`;
    return ["sh", "-c", `if [ ! -s ${config} ]; then cp ${seed} ${config}.seed && mv ${config}.seed ${config}; fi; exec ${exec}`];
}
