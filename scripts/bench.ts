/**
 * Benchmark at fleet size (issue 11): how the offline run of the program scales with the number of apps, against
 * the two baselines that bound it.
 *
 *   npm run bench -- [--sizes 10,100,1000,5000] [--runs 3] [--repeat 5] [--json]
 *
 * For every N apps × tier (dev, prod) × operator × app mode (Argo CD: applications, applicationset; Flux has no
 * ApplicationSet, so only applications), each measured in a fresh Node process (so peak RSS is that case's own):
 *
 * - program: the real program (config validation, components) under Pulumi's mock engine, as render and the tests
 *   run it;
 * - bare: a replay that registers the same Kubernetes objects with the same inputs and the same dependencies (which
 *   the engine needs to order creates and deletes) as plain custom resources, in batches as the program's
 *   components do, with no components, parents or validation: what Pulumi itself costs for this many resources
 *   (the floor of this design);
 * - yaml: a trivial script that writes the same objects as YAML: what a team would otherwise use.
 *
 * Reported per case, as the medians of `--runs` rounds (program, bare, yaml in turn; one run varies by 10-20% on
 * a shared 2-core machine): the whole process's CPU time (start-up included: what a user waits for), the CPU time of
 * the run itself (after the modules are loaded), and the process's peak RSS; and the program ÷ bare ratios. Then,
 * in one process, the program run `--repeat` times at 1000 apps with the heap measured after a forced GC each time
 * (repeated runs must not grow), and the same run with the SDK's stack-capturing diagnostics switched back on (what
 * src/offline/leanRuntime.ts saves).
 *
 * A measurement, not a test: nothing fails on a slow machine; the targets are printed next to the numbers.
 * Run through `npm run bench`, which builds the compiled bundle first (bin/bench.js) and passes --expose-gc.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { isSecretValue, runProgram, type RecordedResource } from "../src/offline/mockRun";
import { leanSdkDiagnostics } from "../src/offline/leanRuntime";
import { createInBatches } from "../src/shared/batches";
import { applyOverrides, readStackFile, withSecretPlaceholders, type EngineConfig } from "../src/offline/stackFile";
import { main } from "../src/program";

// The bundle runs from bin/ (npm run bench builds it there): the project root is its parent.
const ROOT = path.resolve(__dirname, "..");
const TIERS = ["dev", "prod"] as const;

type Variant = "program" | "bare" | "yaml";
interface Case {
    n: number;
    tier: (typeof TIERS)[number];
    operator: "argocd" | "flux";
    mode: "applications" | "applicationset";
}
interface Measure {
    /** CPU (user + system) of the measured work, ms. */
    runCpuMs: number;
    runWallMs: number;
    /** CPU of the whole process, start-up included, ms. */
    processCpuMs: number;
    peakRssMiB: number;
    /** Kubernetes objects registered or written. */
    objects: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** The stack file of the tier with N apps (`app-<i>` in `app-<i>-<tier>`), or none in ApplicationSet mode. */
function caseConfig(c: Case): EngineConfig {
    const apps = Array.from({ length: c.n }, (_, i) => ({ name: `app-${i}`, namespace: `app-${i}-${c.tier}` }));
    return withSecretPlaceholders(
        applyOverrides(readStackFile(ROOT, c.tier), [
            `operator=${c.operator}`,
            `appsMode=${c.mode}`,
            // ApplicationSet mode: the N apps are folders in Git; the stack declares none of them.
            `apps=${JSON.stringify(c.mode === "applicationset" ? [] : apps)}`,
            // Prod admits no namespace pattern: each app found in Git has its namespace listed (one AppProject).
            ...(c.mode === "applicationset" && c.tier === "prod"
                ? [`applicationSetNamespaces=${JSON.stringify(apps.map((a) => a.namespace))}`]
                : []),
        ]),
    );
}

/** The engine's secret wrappers back into secret Outputs, for the replay. */
function reviveSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return pulumi.secret(reviveSecrets(value.value));
    if (Array.isArray(value)) return value.map(reviveSecrets);
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reviveSecrets(v)]));
    return value;
}

async function measure(work: () => Promise<number>): Promise<Measure> {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const objects = await work();
    return {
        runCpuMs: Math.round(cpuMs(process.cpuUsage(cpu))),
        runWallMs: Math.round(Number(process.hrtime.bigint() - start) / 1e6),
        processCpuMs: Math.round(cpuMs(process.cpuUsage())),
        peakRssMiB: peakRssMiB(),
        objects,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Child process: one variant of one case.

/** A Kubernetes object registered as is: no component, no parent, no validation (pulumi.CustomResource is abstract). */
class BareResource extends pulumi.CustomResource {}

type Recorded = Pick<RecordedResource, "urn" | "type" | "name" | "custom" | "inputs" | "dependencies">[];

async function child(variant: Variant, c: Case, recordFile: string): Promise<Measure> {
    if (variant === "program") {
        const config = caseConfig(c);
        return measure(async () => {
            const run = await runProgram(c.tier, config, main);
            const objects = run.resources.filter((r) => r.custom);
            fs.writeFileSync(
                recordFile,
                JSON.stringify(
                    objects.map(({ urn, type, name, custom, inputs, dependencies }) => ({
                        urn,
                        type,
                        name,
                        custom,
                        inputs,
                        dependencies,
                    })),
                ),
            );
            return objects.length;
        });
    }
    const recorded = JSON.parse(fs.readFileSync(recordFile, "utf8")) as Recorded;
    if (variant === "bare") {
        return measure(async () => {
            // In batches, as the program's components create their per-app objects (src/shared/batches.ts).
            await runProgram(c.tier, { values: {}, secretKeys: [] }, async () => {
                const registered = new Map<string, BareResource>();
                await createInBatches(recorded, (r) => {
                    // The same dependencies (all on custom resources, registered before): the engine needs them.
                    const dependsOn = r.dependencies.map((urn) => registered.get(urn)!);
                    registered.set(
                        r.urn,
                        new BareResource(r.type, r.name, reviveSecrets(r.inputs) as pulumi.Inputs, { dependsOn }),
                    );
                });
            });
            return recorded.length;
        });
    }
    return measure(async () => {
        const out = path.join(os.tmpdir(), `gitops-stack-bench-${process.pid}.yaml`);
        const docs = recorded.map((r) => YAML.stringify(r.inputs));
        fs.writeFileSync(out, docs.join("---\n"));
        fs.rmSync(out);
        return recorded.length;
    });
}

/** In one process: the program `repeat` times, heap after a forced GC each time; then with diagnostics on. */
async function repeated(c: Case, repeat: number) {
    const config = caseConfig(c);
    const heapMiB: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < repeat; i++) {
        const m = await measure(async () => (await runProgram(c.tier, config, main)).resources.length);
        globalThis.gc!();
        heapMiB.push(+(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1));
        cpu.push(m.runCpuMs);
    }
    leanSdkDiagnostics(false);
    const diagnostics = await measure(async () => (await runProgram(c.tier, config, main)).resources.length);
    leanSdkDiagnostics(true);
    return { heapMiB, cpuMs: cpu, diagnosticsOnCpuMs: diagnostics.runCpuMs, peakRssMiB: peakRssMiB() };
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: every case in fresh processes, then the table.

function spawnChild(args: string[]): unknown {
    const result = spawnSync(process.execPath, ["--expose-gc", __filename, ...args], {
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
    });
    if (result.status !== 0) throw new Error(`bench child ${args.join(" ")} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

function cases(sizes: number[]): Case[] {
    const all: Case[] = [];
    for (const n of sizes)
        for (const tier of TIERS) {
            all.push({ n, tier, operator: "argocd", mode: "applications" });
            all.push({ n, tier, operator: "argocd", mode: "applicationset" });
            all.push({ n, tier, operator: "flux", mode: "applications" });
        }
    return all;
}

/** The median of each field over several measurements of one variant. */
function medianMeasure(measures: Measure[]): Measure {
    const median = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const mid = Math.floor(sorted.length / 2);
        return sorted.length % 2 === 1 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
    };
    const field = (key: keyof Measure) => median(measures.map((m) => m[key]));
    return {
        runCpuMs: field("runCpuMs"),
        runWallMs: field("runWallMs"),
        processCpuMs: field("processCpuMs"),
        peakRssMiB: field("peakRssMiB"),
        objects: field("objects"),
    };
}

type Row = Case & Record<Variant, Measure>;
type RatioKey = "runCpuMs" | "processCpuMs" | "peakRssMiB";

/** program ÷ bare of one measure. */
const ratio = (r: Row, key: RatioKey) => r.program[key] / Math.max(1, r.bare[key]);

/** Cases whose run registers enough objects to be judged on the run alone (see docs/explanation/performance.md). */
const FLEET_OBJECTS = 100;

async function parent(sizes: number[], repeat: number, runs: number, json: boolean) {
    const rows: Row[] = [];
    const recordFile = path.join(os.tmpdir(), `gitops-stack-bench-${process.pid}.json`);
    for (const c of cases(sizes)) {
        // Rounds of program, bare, yaml in turn, so that a slow spell of the machine hits all three alike; each
        // variant's cells are the medians of its rounds (one run of a case varies by 10-20% here).
        const measured: Record<Variant, Measure[]> = { program: [], bare: [], yaml: [] };
        for (let round = 0; round < runs; round++) {
            for (const variant of ["program", "bare", "yaml"] as const) {
                measured[variant].push(
                    spawnChild(["--child", variant, "--case", JSON.stringify(c), "--record", recordFile]) as Measure,
                );
            }
        }
        rows.push({
            ...c,
            program: medianMeasure(measured.program),
            bare: medianMeasure(measured.bare),
            yaml: medianMeasure(measured.yaml),
        });
        if (!json) process.stderr.write(`  ${c.operator} ${c.mode} ${c.tier} N=${c.n} done\n`);
    }
    fs.rmSync(recordFile, { force: true });
    const repeatCase: Case = {
        n: Math.min(1000, Math.max(...sizes)),
        tier: "dev",
        operator: "argocd",
        mode: "applications",
    };
    const rep = spawnChild(["--repeat", String(repeat), "--case", JSON.stringify(repeatCase)]) as Awaited<
        ReturnType<typeof repeated>
    >;
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}`;

    if (json) {
        process.stdout.write(
            JSON.stringify(
                { machine, date: new Date().toISOString(), runs, rows, repeated: { case: repeatCase, ...rep } },
                null,
                2,
            ) + "\n",
        );
        return;
    }
    console.log(`machine: ${machine}; ${new Date().toISOString()}; medians of ${runs} rounds`);
    console.log(
        "CPU ms of the process incl. start-up (of the run alone) / peak RSS MiB; ratios program / bare: process CPU (run CPU), peak RSS",
    );
    console.log(
        "| operator | mode | tier | apps | objects | program | bare | yaml | CPU ratio | RSS ratio |\n|---|---|---|---|---|---|---|---|---|---|",
    );
    const cell = (m: Measure) => `${m.processCpuMs} (${m.runCpuMs}) / ${m.peakRssMiB}`;
    for (const r of rows) {
        console.log(
            `| ${r.operator} | ${r.mode} | ${r.tier} | ${r.n} | ${r.program.objects} | ${cell(r.program)} | ${cell(r.bare)} | ${cell(r.yaml)} | ${ratio(r, "processCpuMs").toFixed(2)} (${ratio(r, "runCpuMs").toFixed(2)}) | ${ratio(r, "peakRssMiB").toFixed(2)} |`,
        );
    }
    console.log(
        `\nrepeated runs (argocd applications dev, ${repeatCase.n} apps, one process): heap after GC MiB ${rep.heapMiB.join(", ")}; run CPU ms ${rep.cpuMs.join(", ")}; peak RSS ${rep.peakRssMiB} MiB`,
    );
    console.log(`same run with the SDK's stack-capturing diagnostics on: ${rep.diagnosticsOnCpuMs} ms CPU`);

    // Targets (issue 11), as measured above.
    const perApp1000 = rows.filter((r) => r.n === 1000 && r.mode === "applications");
    const appset = rows.filter((r) => r.mode === "applicationset");
    const fleet = rows.filter((r) => r.program.objects >= FLEET_OBJECTS);
    const worst = (of: Row[], key: RatioKey) =>
        of.length === 0 ? "none measured" : `${Math.max(...of.map((r) => ratio(r, key))).toFixed(2)}x`;
    const maxRss5000 = Math.max(0, ...rows.filter((r) => r.n === 5000).map((r) => r.program.peakRssMiB));
    console.log("\ntargets:");
    console.log(
        `  program <= 1.3x bare at every N: worst ${worst(rows, "processCpuMs")} of the CPU, ${worst(rows, "peakRssMiB")} of the peak RSS`,
    );
    console.log(
        `  the run alone (module loading excluded) where it registers >= ${FLEET_OBJECTS} objects: worst ${worst(fleet, "runCpuMs")}; below that, the fixed cost of validation and components (tens of ms): worst ${worst(rows, "runCpuMs")}`,
    );
    if (perApp1000.length > 0)
        console.log(
            `  per-app mode, 1000 apps <= 3000 ms CPU: ${perApp1000.map((r) => `${r.operator}/${r.tier} ${r.program.runCpuMs}`).join(", ")}`,
        );
    console.log(
        `  ApplicationSet mode constant in N: run CPU ms ${appset.map((r) => `${r.tier}/N=${r.n} ${r.program.runCpuMs}`).join(", ")}`,
    );
    if (maxRss5000 > 0) console.log(`  peak RSS < 1024 MiB at 5000 apps: worst ${maxRss5000} MiB`);
    const growth = rep.heapMiB[rep.heapMiB.length - 1] - rep.heapMiB[1 < rep.heapMiB.length ? 1 : 0];
    console.log(
        `  repeated runs do not grow: heap after GC, run 2 to run ${rep.heapMiB.length}: ${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MiB`,
    );
}

async function run() {
    if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc (npm run bench does)");
    const { values } = parseArgs({
        options: {
            sizes: { type: "string", default: "10,100,1000,5000" },
            repeat: { type: "string" },
            runs: { type: "string", default: "3" },
            json: { type: "boolean", default: false },
            child: { type: "string" },
            case: { type: "string" },
            record: { type: "string" },
        },
    });
    // Every stack's program warns about the keys the other operator uses: keep the measurements' output clean.
    console.warn = () => undefined;
    if (values.child) {
        const m = await child(values.child as Variant, JSON.parse(values.case!) as Case, values.record!);
        process.stdout.write(JSON.stringify(m) + "\n");
        return;
    }
    if (values.case && values.repeat) {
        process.stdout.write(
            JSON.stringify(await repeated(JSON.parse(values.case) as Case, Number(values.repeat))) + "\n",
        );
        return;
    }
    const sizes = values.sizes.split(",").map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 1))
        throw new Error(`--sizes ${values.sizes}: expected whole numbers`);
    const repeat = Number(values.repeat ?? "5");
    if (!Number.isInteger(repeat) || repeat < 2)
        throw new Error(`--repeat ${values.repeat}: expected a whole number >= 2`);
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected a whole number >= 1`);
    await parent(sizes, repeat, runs, values.json);
}

run().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
