/**
 * A data node's configuration files on the local disk, as its container has them: the redis.conf the stack
 * uploads, and the one the container's start script composes from it (with the live settings seeded at
 * creation, from the environment) and Redis runs with and rewrites. For the tests of what changes a running
 * node in place (LiveConfig, AclUsers), which must also survive the start script running again.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { LIVE_CONF_ENV, dataNodeComposeScript, liveRedisDirectives } from "../../components/docker/live-config";
import { liveConfLines } from "../../components/docker/redis-conf";

/** The files in the directory `dirOf()` names (read when used: tests create it in `beforeAll`), seeded with `maxmemory`. */
export function dataNodeFiles(dirOf: () => string, maxmemory: string) {
    const uploaded = () => path.join(dirOf(), "uploaded.conf");
    const running = () => path.join(dirOf(), "redis.conf");
    const seed = liveRedisDirectives({
        persistence: { save: [], appendonly: false, appendfsync: "everysec" },
        maxmemory,
        maxmemoryPolicy: "noeviction",
    });
    /** The container's start script up to (not including) starting Redis, with the creation-time seed in its env. */
    const compose = () =>
        execFileSync("sh", ["-c", dataNodeComposeScript({ uploadedConfigPath: uploaded(), configPath: running(), exec: "true" })], {
            env: { ...process.env, [LIVE_CONF_ENV]: liveConfLines(seed).join("\n") },
        });
    return { uploaded, running, seed, compose };
}
