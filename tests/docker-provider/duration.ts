/** Go `time.ParseDuration` syntax ("1s", "500ms", "1m30s", "1.5h"), as the docker provider accepts it, to nanoseconds. */
const UNIT_NS: Record<string, number> = {
    ns: 1,
    us: 1e3,
    µs: 1e3,
    μs: 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
};

export function parseGoDuration(text: string, what: string): number {
    const s = text.trim();
    if (s === "0") return 0;
    const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
    let total = 0;
    let consumed = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
        total += parseFloat(m[1]) * UNIT_NS[m[2]];
        consumed = re.lastIndex;
    }
    if (consumed === 0 || consumed !== s.length) {
        throw new Error(`${what}: "${text}" is not a duration (use Go syntax such as "1s", "500ms", "1m30s")`);
    }
    return Math.round(total);
}
