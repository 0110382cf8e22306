/**
 * Small probes the e2e suites share: polling a condition (on the project's own pollUntil, so a timeout says
 * what was seen last), a field of an INFO reply, and what a port sends back to plain text.
 */
import * as net from "net";
import { pollUntil } from "../../../components/shared/poll";

/** Polls `probe` (50 ms apart) until it returns true; on timeout, fails with the last string it returned or threw. */
export async function until(what: string, probe: () => Promise<string | true>, timeoutMs = 60000): Promise<void> {
    await pollUntil(
        async () => {
            const r = await probe();
            return r === true ? { done: true, value: undefined } : { done: false, observed: r };
        },
        { timeoutMs, intervalMs: 50, description: what },
    );
}

export const infoField = (text: string, field: string) => new RegExp(`^${field}:(.*)$`, "m").exec(text)?.[1]?.trim();

/** What a port on 127.0.0.1 sends back to a plain-text PING until it closes the connection (bounded). */
export function plainTextReply(port: number, timeoutMs = 5000): Promise<{ reply: string; closed: boolean }> {
    return new Promise((resolve) => {
        let reply = "";
        const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write("PING\r\n"));
        const timer = setTimeout(() => {
            socket.destroy();
            resolve({ reply, closed: false });
        }, timeoutMs);
        socket.on("data", (d) => (reply += d.toString("latin1")));
        socket.on("error", () => undefined);
        socket.on("close", () => {
            clearTimeout(timer);
            resolve({ reply, closed: true });
        });
    });
}
