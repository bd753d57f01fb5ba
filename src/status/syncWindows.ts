import { CronError, nextFire, parseCron, parseGoDuration, previousFire } from "../config/formats/cron";

/** One entry of an AppProject's `spec.syncWindows`, as Argo CD stores it. */
export interface SyncWindow {
    kind?: string;
    schedule?: string;
    duration?: string;
    timeZone?: string;
    applications?: string[];
    namespaces?: string[];
    clusters?: string[];
    manualSync?: boolean;
}

export interface WindowInstant {
    schedule: string;
    timeZone: string;
    /** ISO time (UTC). */
    at: string;
}

/** Whether the project's windows let Argo CD sync an application automatically now, and when that changes. */
export interface SyncWindowState {
    /** Automated syncs may run now. */
    automatedAllowed: boolean;
    /** Manual syncs may run now (allow windows with manualSync, or deny windows with manualSync). */
    manualAllowed: boolean;
    /** When automated syncs are blocked: the next time an allow window opens (none when only a deny blocks). */
    nextOpen?: WindowInstant;
    /** When an active deny window blocks: when it ends. */
    denyEnds?: WindowInstant;
    /** The window that is open now, and when it closes. */
    openUntil?: WindowInstant;
    /** Windows that could not be evaluated (bad schedule, duration or zone), with the reason. */
    invalid: string[];
}

/** Argo CD matches windows to applications by name with shell globs (`*`, `?`). */
function glob(pattern: string, value: string): boolean {
    const re = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    );
    return re.test(value);
}

function appliesTo(window: SyncWindow, app: { name: string; namespace: string; server: string }): boolean {
    return (
        (window.applications ?? []).some((p) => glob(p, app.name)) ||
        (window.namespaces ?? []).some((p) => glob(p, app.namespace)) ||
        (window.clusters ?? []).some((p) => glob(p, app.server))
    );
}

/**
 * Evaluates the sync windows of an application's project at `now`, as Argo CD does: a window is active during
 * [fire, fire + duration) of its schedule in its time zone; any active deny window blocks automated syncs; when the
 * project has allow windows for the app, automated syncs run only while one is active.
 */
export function evaluateSyncWindows(
    windows: readonly SyncWindow[],
    app: { name: string; namespace: string; server: string },
    now: Date,
): SyncWindowState {
    const invalid: string[] = [];
    const allows: Array<{ w: SyncWindow; active?: { end: Date }; next?: Date }> = [];
    const denies: Array<{ w: SyncWindow; active?: { end: Date } }> = [];
    for (const w of windows) {
        if (!appliesTo(w, app)) continue;
        const timeZone = w.timeZone || "UTC";
        const duration = parseGoDuration(w.duration ?? "");
        let schedule;
        try {
            schedule = parseCron(w.schedule ?? "");
            new Intl.DateTimeFormat("en-US", { timeZone });
        } catch (err) {
            invalid.push(err instanceof CronError ? err.message : `time zone ${JSON.stringify(timeZone)} is unknown`);
            continue;
        }
        if (duration === undefined) {
            invalid.push(`${JSON.stringify(w.schedule)}: duration ${JSON.stringify(w.duration)} is not valid`);
            continue;
        }
        const last = previousFire(schedule, now, timeZone, Math.ceil(duration / 60_000));
        const active =
            last && last.getTime() + duration > now.getTime()
                ? { end: new Date(last.getTime() + duration) }
                : undefined;
        if (w.kind === "deny") denies.push({ w, active });
        else allows.push({ w, active, next: active ? undefined : nextFire(schedule, now, timeZone) });
    }
    const instant = (w: SyncWindow, at: Date): WindowInstant => ({
        schedule: w.schedule ?? "",
        timeZone: w.timeZone || "UTC",
        at: at.toISOString(),
    });
    const activeDenies = denies.filter((d) => d.active);
    const activeAllows = allows.filter((a) => a.active);
    const allowBlocks = allows.length > 0 && activeAllows.length === 0;
    const state: SyncWindowState = {
        automatedAllowed: activeDenies.length === 0 && !allowBlocks,
        // Argo CD: manual syncs pass a blocking window only when that window says manualSync.
        manualAllowed:
            activeDenies.every((d) => d.w.manualSync) && (!allowBlocks || allows.some((a) => a.w.manualSync)),
        invalid,
    };
    if (activeAllows.length > 0) {
        const longest = activeAllows.reduce((a, b) => (a.active!.end >= b.active!.end ? a : b));
        state.openUntil = instant(longest.w, longest.active!.end);
    }
    if (allowBlocks) {
        const upcoming = allows.filter((a) => a.next).sort((a, b) => a.next!.getTime() - b.next!.getTime())[0];
        if (upcoming) state.nextOpen = instant(upcoming.w, upcoming.next!);
    }
    if (activeDenies.length > 0) {
        const latest = activeDenies.reduce((a, b) => (a.active!.end >= b.active!.end ? a : b));
        state.denyEnds = instant(latest.w, latest.active!.end);
    }
    return state;
}
