/**
 * Runs the program, or the component package, the way Pulumi's Node.js language host runs it: a `node` process of
 * @pulumi/pulumi's own entry point, talking gRPC to an engine (src/offline/engineServer.ts).
 *
 * - A program (`pulumi preview`/`up`): `node <sdk>/cmd/run --monitor --engine --project --stack --pwd [--dry-run]
 *   <main>`, the stack's configuration in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS, TypeScript through ts-node
 *   when PULUMI_NODEJS_TYPESCRIPT is set (Pulumi.yaml `typescript: true`), as pulumi-language-nodejs starts it.
 * - A component package (`pulumi package add`, then every use): `node <sdk>/cmd/run-plugin <package directory>
 *   <engine>`; the plugin prints the port of its ResourceProvider server, which answers GetSchema and Construct.
 *
 * Each run reports the CPU time of its node process (user + system, read by the process itself at exit): what the
 * program costs a `pulumi preview`, beside the engine's own work.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { startEngine, type EngineServer } from "./engineServer";
import type { EngineConfig } from "./stackFile";

/** CPU time of a process, in milliseconds. */
export interface CpuTime {
    readonly user: number;
    readonly system: number;
}

export interface ProcessRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** The node process's own CPU time, from its start to its exit. */
    readonly cpu: CpuTime;
    /** Wall time from spawn to exit, in milliseconds. */
    readonly wall: number;
}

export interface ProgramRunOptions {
    /** The project directory (Pulumi.yaml, package.json, node_modules). */
    readonly root: string;
    /** The main module, relative to root: what Pulumi.yaml `main` names. */
    readonly main: string;
    readonly stack: string;
    readonly config: EngineConfig;
    /** Pulumi.yaml `typescript: true`: ts-node compiles the program, with its type check unless transpileOnly. */
    readonly typescript?: boolean;
    /** PULUMI_NODEJS_TRANSPILE_ONLY=true. */
    readonly transpileOnly?: boolean;
    readonly dryRun?: boolean;
    /** More environment (KUBECONFIG...). */
    readonly env?: Record<string, string>;
    /** Node.js options before the SDK's script (Pulumi.yaml `runtime.options.nodeargs`). */
    readonly nodeArgs?: readonly string[];
}

export interface LanguageHostRun extends ProcessRun {
    readonly engine: EngineServer;
}

const PROJECT_OF = (root: string): string =>
    (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { name: string }).name;

/** The SDK's entry points, in the project's node_modules (the copy the language host runs). */
const sdkScript = (root: string, command: "run" | "run-plugin") =>
    path.join(root, "node_modules", "@pulumi", "pulumi", "cmd", command, "index.js");

/** A --require module that writes the process's CPU time to `file` at exit. */
function cpuReporter(dir: string): { script: string; result: string } {
    const script = path.join(dir, "cpu-report.cjs");
    const result = path.join(dir, "cpu.json");
    fs.writeFileSync(
        script,
        [
            `process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeFileSync(${JSON.stringify(result)}, JSON.stringify({ user: u.user / 1000, system: u.system / 1000 })); });`,
            // A plugin runs until it is stopped: let SIGTERM end it through "exit", so its time is written too.
            `process.on("SIGTERM", () => process.exit(143));`,
            "",
        ].join("\n"),
    );
    return { script, result };
}

interface Spawned {
    child: ReturnType<typeof spawn>;
    done: Promise<ProcessRun>;
    stdout: () => string;
}

function spawnNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): Spawned {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-host-"));
    const reporter = cpuReporter(dir);
    const started = Date.now();
    const child = spawn(process.execPath, ["--require", reporter.script, ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const done = new Promise<ProcessRun>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
            const wall = Date.now() - started;
            let cpu: CpuTime = { user: NaN, system: NaN };
            if (fs.existsSync(reporter.result)) cpu = JSON.parse(fs.readFileSync(reporter.result, "utf8")) as CpuTime;
            fs.rmSync(dir, { recursive: true, force: true });
            resolve({ code, stdout, stderr, cpu, wall });
        });
    });
    return { child, done, stdout: () => stdout };
}

/** Runs a program as `pulumi preview` (dryRun) or `pulumi up` runs it, against a recording engine. */
export async function runProgramAsHost(options: ProgramRunOptions): Promise<LanguageHostRun> {
    const project = PROJECT_OF(options.root);
    const engine = await startEngine(options.stack, project);
    try {
        const args = [
            ...(options.nodeArgs ?? []),
            sdkScript(options.root, "run"),
            `--monitor=${engine.address}`,
            `--engine=${engine.address}`,
            `--project=${project}`,
            `--stack=${options.stack}`,
            `--pwd=${options.root}`,
            `--root-directory=${options.root}`,
            "--parallel=48",
            ...(options.dryRun ? ["--dry-run"] : []),
            options.main,
        ];
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            ...options.env,
            PULUMI_CONFIG: JSON.stringify(options.config.values),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(options.config.secretKeys),
        };
        delete env.PULUMI_NODEJS_TYPESCRIPT;
        delete env.PULUMI_NODEJS_TRANSPILE_ONLY;
        if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
        if (options.transpileOnly) env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
        const run = await spawnNode(args, options.root, env).done;
        return { ...run, engine };
    } finally {
        await engine.close();
    }
}

export interface PluginConnection {
    /** The plugin's ResourceProvider client. */
    readonly provider: provrpc.ResourceProviderClient;
    readonly engine: EngineServer;
    schema(): Promise<string>;
    version(): Promise<string>;
    /**
     * Constructs a component as a consumer's program would (the engine sends Construct with the monitor's address);
     * secrets in `inputs` (pulumi.secret) are sent as secrets.
     */
    construct(type: string, name: string, inputs: Record<string, unknown>, config: EngineConfig): Promise<unknown>;
    /** Stops the plugin and the engine; the plugin's own run. */
    close(): Promise<ProcessRun>;
}

/**
 * A value as a caller's SDK sends it in a Construct request: plain JSON, each secret wrapped in the engine's secret
 * signature (a secret Output is never sent in clear).
 */
async function wireValue(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as unknown as { promise(): Promise<unknown>; isSecret: Promise<boolean> };
        const [inner, secret] = await Promise.all([output.promise(), output.isSecret]);
        const wired = await wireValue(inner);
        return secret ? { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: wired } : wired;
    }
    if (Array.isArray(value)) return Promise.all(value.map(wireValue));
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(async ([k, v]) => [k, await wireValue(v)] as const),
        );
        return Object.fromEntries(entries);
    }
    return value;
}

const unary = <Req, Res>(
    call: (req: Req, callback: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
    req: Req,
): Promise<Res> => new Promise((resolve, reject) => call(req, (err, res) => (err ? reject(err) : resolve(res))));

/** Starts the component package in `packageDir` as the language host starts a plugin, and connects to it. */
export async function startPlugin(packageDir: string, stack: string, project: string): Promise<PluginConnection> {
    const engine = await startEngine(stack, project);
    const spawned = spawnNode([sdkScript(packageDir, "run-plugin"), packageDir, engine.address], packageDir, {
        ...process.env,
    });
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the plugin printed no port:\n${spawned.stdout()}`)), 60_000);
        const look = () => {
            const line = /^(\d+)\n/.exec(spawned.stdout());
            if (line) {
                clearTimeout(timer);
                resolve(Number(line[1]));
            }
        };
        spawned.child.stdout!.on("data", look);
        spawned.done.then((run) => {
            clearTimeout(timer);
            reject(new Error(`the plugin exited (${run.code}) before it served:\n${run.stderr}`));
        }, reject);
    });
    const provider = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const client = provider as unknown as Record<
        string,
        (req: unknown, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void
    >;
    return {
        provider,
        engine,
        schema: async () => {
            const req = new provproto.GetSchemaRequest();
            const res = (await unary(client.getSchema.bind(provider), req)) as provproto.GetSchemaResponse;
            return res.getSchema();
        },
        version: async () => {
            const res = (await unary(
                client.getPluginInfo.bind(provider),
                new emptyproto.Empty(),
            )) as plugproto.PluginInfo;
            return res.getVersion();
        },
        construct: async (type, name, inputs, config) => {
            const req = new provproto.ConstructRequest();
            req.setProject(project);
            req.setStack(stack);
            req.setDryrun(false);
            req.setParallel(48);
            req.setMonitorendpoint(engine.address);
            req.setType(type);
            req.setName(name);
            const configMap = req.getConfigMap();
            for (const [key, value] of Object.entries(config.values)) configMap.set(key, value);
            req.setConfigsecretkeysList(config.secretKeys);
            req.setInputs(
                structproto.Struct.fromJavaScript(
                    (await wireValue(inputs)) as Record<string, structproto.JavaScriptValue>,
                ),
            );
            const res = (await unary(client.construct.bind(provider), req)) as provproto.ConstructResponse;
            return { urn: res.getUrn(), state: pulumi.runtime.deserializeProperties(res.getState()!) };
        },
        close: async () => {
            provider.close();
            spawned.child.kill("SIGTERM");
            const run = await spawned.done;
            await engine.close();
            return run;
        },
    };
}
