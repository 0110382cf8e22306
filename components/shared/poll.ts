/**
 * Polling used by every readiness gate and formation step: a condition is checked until it holds or a
 * deadline passes. Never a bare sleep: each round re-reads the live state, and on timeout the error
 * carries the last thing the check saw, so a user learns which node is stuck on what.
 *
 * Dynamic providers are serialized by closure capture, so these helpers must stay self-contained
 * (no imports from other project modules).
 */
export interface PollOptions {
    /** Give up after this many milliseconds. */
    timeoutMs: number;
    /** Pause between rounds; formation asks for at most 50 ms. */
    intervalMs?: number;
    /** What is being waited for, used in the timeout message. */
    description: string;
}

/** A check returns `{ done: true, value }` when satisfied, otherwise `{ done: false, observed }`. */
export type PollResult<T> = { done: true; value: T } | { done: false; observed: string };

export async function pollUntil<T>(check: () => Promise<PollResult<T>>, opts: PollOptions): Promise<T> {
    const deadline = Date.now() + opts.timeoutMs;
    const interval = opts.intervalMs ?? 50;
    let lastObserved = "nothing observed yet";
    for (;;) {
        try {
            const result = await check();
            if (result.done) {
                return result.value;
            }
            lastObserved = result.observed;
        } catch (err) {
            lastObserved = `error: ${(err as Error).message}`;
        }
        if (Date.now() >= deadline) {
            throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.description}; last seen: ${lastObserved}`);
        }
        await new Promise((resolve) => setTimeout(resolve, interval));
    }
}
