/**
 * What the latency benchmark (`npm run bench:latency`, vitest.latency.config.mts) shares between the operators: a
 * watch on a Deployment's image that timestamps each change as the apiserver reports it, the statistics, and the
 * report. A measurement, not a test: the numbers are printed with the targets beside them, and nothing fails on a
 * slow machine; only a commit that never arrives fails the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import { cluster } from "../support/cluster";

/** How many commits each mode measures (LATENCY_COMMITS, LATENCY_POLL_COMMITS). */
export function commitsFromEnv(name: string, fallback: number): number {
    const raw = process.env[name];
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
        throw new Error(`${name} must be a whole number from 1 to 1000, not ${raw}`);
    return n;
}

/**
 * `kubectl get --watch` on one Deployment, printing its first container's image on every change: each line is
 * stamped when it arrives, so a change is timed to the watch event, not to a poll.
 */
export class ImageWatch {
    private readonly seen: Array<{ at: number; image: string }> = [];
    private readonly waiters: Array<() => void> = [];
    private constructor(private readonly child: ChildProcess) {
        let buffer = "";
        child.stdout!.setEncoding("utf8");
        child.stdout!.on("data", (chunk: string) => {
            buffer += chunk;
            let newline: number;
            while ((newline = buffer.indexOf("\n")) >= 0) {
                const image = buffer.slice(0, newline).trim();
                buffer = buffer.slice(newline + 1);
                if (image !== "") this.seen.push({ at: Date.now(), image });
                for (const wake of this.waiters.splice(0)) wake();
            }
        });
    }

    static start(name: string, namespace: string): ImageWatch {
        const child = spawn(
            "kubectl",
            [
                "--kubeconfig",
                cluster().kubeconfig,
                "get",
                "deployment",
                name,
                "-n",
                namespace,
                "--watch",
                "-o",
                'jsonpath={.spec.template.spec.containers[0].image}{"\\n"}',
            ],
            { stdio: ["ignore", "pipe", "inherit"] },
        );
        return new ImageWatch(child);
    }

    /** When `image` was first seen at or after `since` (ms since the epoch); fails after `timeoutMs`. */
    async arrival(image: string, since: number, timeoutMs: number): Promise<number> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const hit = this.seen.find((s) => s.image === image && s.at >= since);
            if (hit) return hit.at;
            const left = deadline - Date.now();
            if (left <= 0) {
                const last = this.seen.at(-1);
                throw new Error(
                    `${image} did not arrive in ${timeoutMs / 1000} s (last seen: ${last?.image ?? "nothing"})`,
                );
            }
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, Math.min(left, 1000));
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
    }

    stop(): void {
        this.child.kill();
    }
}

export interface Summary {
    n: number;
    min: number;
    median: number;
    p90: number;
    p95: number;
    max: number;
}

/** Median (the mean of the middle two for an even count), p90 and p95 by nearest rank, in seconds. */
export function summarise(seconds: readonly number[]): Summary {
    const sorted = [...seconds].sort((a, b) => a - b);
    const n = sorted.length;
    const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    const rank = (q: number) => sorted[Math.ceil(q * n) - 1];
    return { n, min: sorted[0], median, p90: rank(0.9), p95: rank(0.95), max: sorted[n - 1] };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A uniformly random delay in [0, ms): commits land at random points of the poll cycle, as pushes do. */
export const randomDelay = (ms: number) => sleep(Math.floor(Math.random() * ms));

/** The machine and date the numbers were taken on, for the record in the docs. */
export function machine(): string {
    const cpus = os.cpus();
    return `${new Date().toISOString().slice(0, 10)}, ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`;
}

export interface ModeResult {
    /** "webhooks" or "polling only". */
    mode: string;
    /** The intervals and delays in force, as the report prints them. */
    settings: string;
    seconds: number[];
    /** The target the numbers are judged against, and whether they meet it. */
    target: string;
    met: (s: Summary) => boolean;
}

/** The report of one operator's modes: the samples, their summary, the settings and the targets. */
export function report(operator: string, app: string, results: readonly ModeResult[]): string {
    const f = (s: number) => s.toFixed(1);
    const lines = [`Latency, git push -> Deployment carrying the new image: ${operator}, app ${app} (${machine()})`];
    for (const r of results) {
        const s = summarise(r.seconds);
        lines.push(
            `  ${r.mode.padEnd(13)} n=${s.n}  median ${f(s.median)} s  p90 ${f(s.p90)} s  p95 ${f(s.p95)} s  max ${f(s.max)} s  min ${f(s.min)} s`,
            `    in force: ${r.settings}`,
            `    target: ${r.target}: ${r.met(s) ? "met" : "NOT met"}`,
            `    samples (s): ${r.seconds.map(f).join(" ")}`,
        );
    }
    return lines.join("\n");
}
