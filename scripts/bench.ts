/**
 * Benchmark: how long one offline run of the program takes per stack and operator (the work behind a test, a
 * render and, minus the engine, `pulumi preview`), and how much memory it holds.
 *
 *   npm run bench -- [--iterations 30] [--json]
 *
 * Times are wall-clock per run after warm-up (median, p95, max); memory is the heap growth across all runs after a
 * forced GC (`npm run bench` passes --expose-gc) and the peak RSS of the process.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runProgram } from "../src/offline/mockRun";
import { applyOverrides, listStacks, readStackFile, withSecretPlaceholders } from "../src/offline/stackFile";
import { main } from "../src/program";

const ROOT = path.resolve(__dirname, "..");
const OPERATORS = ["argocd", "flux"];

if (typeof globalThis.gc !== "function") {
    throw new Error("run with node --expose-gc (npm run bench does), so memory numbers are not GC timing noise");
}

const { values } = parseArgs({
    options: { iterations: { type: "string", default: "30" }, json: { type: "boolean", default: false } },
});
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 1)
    throw new Error(`--iterations ${values.iterations}: expected a positive whole number`);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function bench(stack: string, operator: string) {
    const config = withSecretPlaceholders(applyOverrides(readStackFile(ROOT, stack), [`operator=${operator}`]));
    const once = async () => (await runProgram(stack, config, main)).resources.length;
    for (let i = 0; i < 3; i++) await once(); // warm-up: module loading and JIT
    globalThis.gc!();
    const heapBefore = process.memoryUsage().heapUsed;
    const times: number[] = [];
    let resources = 0;
    for (let i = 0; i < iterations; i++) {
        const start = process.hrtime.bigint();
        resources = await once();
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    globalThis.gc!();
    const heapGrowthKiB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024);
    times.sort((a, b) => a - b);
    return {
        stack,
        operator,
        resources,
        iterations,
        medianMs: +quantile(times, 0.5).toFixed(1),
        p95Ms: +quantile(times, 0.95).toFixed(1),
        maxMs: +times[times.length - 1].toFixed(1),
        heapGrowthKiB,
    };
}

async function run() {
    // The committed stacks set Argo CD-only keys, so the Flux rows warn on every run: print each warning once.
    const warnings = new Set<string>();
    const warn = console.warn;
    console.warn = (message: unknown) => void warnings.add(String(message));
    const results = [];
    for (const operator of OPERATORS) {
        for (const stack of listStacks(ROOT)) results.push(await bench(stack, operator));
    }
    console.warn = warn;
    for (const w of warnings) console.warn(w);
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    if (values.json) {
        process.stdout.write(JSON.stringify({ node: process.version, peakRssMiB, results }, null, 2) + "\n");
        return;
    }
    console.log(`node ${process.version}, ${iterations} runs per row after 3 warm-up runs`);
    console.log("operator  stack     resources  median ms  p95 ms  max ms  heap growth KiB");
    for (const r of results) {
        console.log(
            `${r.operator.padEnd(9)} ${r.stack.padEnd(9)} ${String(r.resources).padStart(9)}  ${String(r.medianMs).padStart(9)}  ${String(r.p95Ms).padStart(6)}  ${String(r.maxMs).padStart(6)}  ${String(r.heapGrowthKiB).padStart(15)}`,
        );
    }
    console.log(`peak RSS ${peakRssMiB} MiB`);
}

run().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
