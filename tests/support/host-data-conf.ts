import type { NodeTlsConf, RedisConfInput } from "../../components/docker/redis-conf";
import { renderRedisConf } from "../../components/docker/templates";

/**
 * The stack's own redis.conf template, rendered for a data node run as a plain process on 127.0.0.1 (tests
 * and benches): no persistence, since every run starts fresh, and `replicaof` a port on 127.0.0.1 if given.
 * With `tls`, `port` is the tls-port (replication over TLS too) and `tls.plaintextPort` stays plain.
 */
export function hostDataConf(port: number, password: string, replicaOf?: number, nodeName = `node-${port}`, tls?: NodeTlsConf): string {
    const input: RedisConfInput = {
        nodeName,
        role: replicaOf ? "replica" : "master",
        bind: "127.0.0.1",
        port,
        password,
        persistence: { save: [], appendonly: false, appendfsync: "everysec" },
        maxmemory: "0",
        maxmemoryPolicy: "noeviction",
        replicaOf: replicaOf ? { host: "127.0.0.1", port: replicaOf } : undefined,
        security: tls ? { tls, userLines: [], defaultUser: "on" } : undefined,
    };
    return renderRedisConf(input);
}
