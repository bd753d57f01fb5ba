/**
 * npm run bench:startup: what a `pulumi preview` of a stack costs in the program's own process, measured the way the
 * Node.js language host runs it (src/offline/languageHost.ts: @pulumi/pulumi's cmd/run, gRPC to an engine), before
 * and after the compiled program (issue 25 §9), and what the component package costs a consumer per start.
 *
 *   npm run bench:startup [-- --runs <n>] [--apps <n>] [--json]
 *
 * Cases (each the median of --runs rounds, default 3; CPU = user + system ms of the node process, start to exit):
 * - typescript: index.ts through ts-node with its type check (Pulumi.yaml `typescript: true`, the program before);
 * - transpile-only: the same with PULUMI_NODEJS_TRANSPILE_ONLY=true;
 * - compiled: bin/program.js (`typescript: false`, `main: bin/program.js`: the program now);
 * - floors: an empty program loading only @pulumi/pulumi, and one loading @pulumi/kubernetes too: what any
 *   TypeScript Pulumi program with the Kubernetes provider pays before it does anything. The program's own part is
 *   compiled minus the second floor.
 * - plugin: the component package as a consumer's engine starts it (cmd/run-plugin), asked for its schema and to
 *   construct the dev stack's GitOpsStack; and, for comparison, Pulumi's own analyzer inferring the schema (what its
 *   componentProviderHost does on every start).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { buildPackage } from "../src/build/build";
import { GITOPS_STACK_TYPE } from "../src/component/gitOpsStack";
import { inferSchema } from "../src/component/schema";
import { PROJECT } from "../src/config";
import { runProgramAsHost, startPlugin, type ProcessRun, type ProgramRunOptions } from "../src/offline/languageHost";
import { argsFromEngine } from "../tests/support/args";
import { stackConfig } from "../tests/support/stacks";

const ROOT = path.resolve(__dirname, "..");

const { values } = parseArgs({
    options: {
        runs: { type: "string", default: "3" },
        apps: { type: "string" },
        json: { type: "boolean", default: false },
    },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected a whole number >= 1`);

const cpu = (run: ProcessRun) => Math.round(run.cpu.user + run.cpu.system);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
    await buildPackage(ROOT);
    const floors = { sdk: "bin/startup-floor-sdk.js", kubernetes: "bin/startup-floor-kubernetes.js" };
    const cache = 'require("node:module").enableCompileCache?.();';
    fs.writeFileSync(path.join(ROOT, floors.sdk), `${cache}\nmodule.exports = {};\n`);
    fs.writeFileSync(
        path.join(ROOT, floors.kubernetes),
        `${cache}\nrequire("@pulumi/kubernetes");\nmodule.exports = {};\n`,
    );
    const kube = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-startup-"));
    const kubeconfig = path.join(kube, "config");
    fs.writeFileSync(
        kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]\nusers: [{ name: u, user: {} }]\ncontexts: [{ name: test, context: { cluster: c, user: u } }]\ncurrent-context: test\n",
    );
    // --apps N: the dev stack with N apps instead of its three (issue 25 measured 10).
    const apps = values.apps === undefined ? undefined : Number(values.apps);
    const options =
        apps === undefined
            ? {}
            : {
                  config: [
                      `apps=${JSON.stringify(Array.from({ length: apps }, (_, i) => ({ name: `app-${i}`, namespace: `app-${i}-dev` })))}`,
                  ],
              };
    const config = stackConfig("dev", options);
    config.values["kubernetes:context"] = "test";
    const base = { root: ROOT, stack: "dev", config, dryRun: true, env: { KUBECONFIG: kubeconfig } };
    const cases: Record<string, Omit<ProgramRunOptions, "root" | "stack" | "config">> = {
        typescript: { main: "index.ts", typescript: true },
        "transpile-only": { main: "index.ts", typescript: true, transpileOnly: true },
        compiled: { main: "bin/program.js" },
        "floor: @pulumi/pulumi": { main: floors.sdk },
        "floor: + @pulumi/kubernetes": { main: floors.kubernetes },
    };
    const measured: Record<string, { cpu: number[]; wall: number[] }> = {};
    // Pulumi's analyzer, once, in this process (the TypeScript compiler loaded the first time, as in a fresh host).
    const started = process.cpuUsage();
    await inferSchema(ROOT);
    const analyzer = process.cpuUsage(started);
    measured["Pulumi's analyzer: the schema from the sources (once)"] = {
        cpu: [Math.round((analyzer.user + analyzer.system) / 1000)],
        wall: [],
    };
    try {
        for (let round = 0; round < runs; round++) {
            for (const [name, options] of Object.entries(cases)) {
                const run = await runProgramAsHost({ ...base, ...options, env: base.env });
                if (run.code !== 0) throw new Error(`${name} exited ${run.code}:\n${run.stderr}`);
                (measured[name] ??= { cpu: [], wall: [] }).cpu.push(cpu(run));
                measured[name].wall.push(run.wall);
            }
            const plugin = await startPlugin(ROOT, "dev", PROJECT);
            await plugin.schema();
            await plugin.construct(
                GITOPS_STACK_TYPE,
                PROJECT,
                argsFromEngine(stackConfig("dev", options)) as unknown as Record<string, unknown>,
                { values: {}, secretKeys: [] },
            );
            const run = await plugin.close();
            (measured["plugin: start, schema, construct dev"] ??= { cpu: [], wall: [] }).cpu.push(cpu(run));
            measured["plugin: start, schema, construct dev"].wall.push(run.wall);
        }
    } finally {
        for (const file of Object.values(floors)) fs.rmSync(path.join(ROOT, file), { force: true });
        fs.rmSync(kube, { recursive: true, force: true });
    }
    const result = Object.fromEntries(
        Object.entries(measured).map(([name, m]) => [
            name,
            { cpu: median(m.cpu), wall: m.wall.length > 0 ? median(m.wall) : undefined, runs: m.cpu },
        ]),
    );
    if (values.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + "\n");
        return;
    }
    const own = result.compiled.cpu - result["floor: + @pulumi/kubernetes"].cpu;
    process.stdout.write(
        [
            `Start-up of the dev stack's program (${apps ?? "its 3"} apps) under the language host (preview), medians of ${runs} round(s), ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}:`,
            "",
            "| case | CPU ms | wall ms |",
            "|---|---|---|",
            ...Object.entries(result).map(([name, r]) => `| ${name} | ${r.cpu} | ${r.wall ?? ""} |`),
            "",
            `The program's own part (compiled minus the floor with @pulumi/kubernetes): ${own} ms of CPU.`,
            "",
        ].join("\n"),
    );
}

main().catch((err: unknown) => {
    process.stderr.write(`bench:startup: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
