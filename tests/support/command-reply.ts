/**
 * The reply to one command on a fresh ioredis connection, or the text of the error it got, connecting
 * included (the error event carries the cause, e.g. WRONGPASS or NOPERM; a failed connect() only says the
 * connection closed). No retries, no ready check, always disconnected: for asserting what a login may do.
 */
import Redis, { type RedisOptions } from "ioredis";

export async function commandReply(options: RedisOptions, ...command: string[]): Promise<string> {
    const client = new Redis({ ...options, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let cause = "";
    client.on("error", (err: Error) => (cause ||= err.message));
    try {
        await client.connect();
        return String(await client.call(command[0], ...command.slice(1)));
    } catch (err) {
        return cause || (err as Error).message;
    } finally {
        client.disconnect();
    }
}
