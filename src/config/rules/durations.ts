/**
 * Go's time.ParseDuration, which both Argo CD (sync window durations) and Flux (intervals, as metav1.Duration) use:
 * a sequence of decimal numbers with units ns, us (µs), ms, s, m, h, e.g. 1h30m or 1.5h. Returns milliseconds, or
 * undefined when Go would not parse it. A sign is refused here: no duration we read may be negative.
 */
const UNIT_MS: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    μs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
};

export function parseGoDuration(text: string): number | undefined {
    if (text === "0") return 0;
    const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
    let total = 0;
    let at = 0;
    while (at < text.length) {
        part.lastIndex = at;
        const m = part.exec(text);
        if (!m) return undefined;
        total += Number(m[1]) * UNIT_MS[m[2]];
        at = part.lastIndex;
    }
    return at === 0 ? undefined : total;
}

/** The smallest Flux interval accepted: anything shorter polls the Git host and the API server for no gain. */
export const FLUX_MIN_INTERVAL_MS = 10_000;
