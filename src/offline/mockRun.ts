import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { PROJECT } from "../config";
import { leanSdkDiagnostics } from "./leanRuntime";
import type { EngineConfig } from "./stackFile";

// Every offline run (render, render:diff, tests, bench) goes through this module: switch off the SDK's per-promise
// and per-resource stack capture, which only a real engine reads and which cost about half of the CPU at fleet size
// (see leanRuntime.ts; `pulumi up` never loads this file). The benchmark switches it back on to measure the gain.
leanSdkDiagnostics(true);

/** One resource the program registered, as the engine would have received it. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    /** URN of the parent ("" for the stack's top-level resources). */
    parent: string;
    /** URNs of the explicit and implicit dependencies the engine records (destroy runs in reverse order). */
    dependencies: string[];
    /** Inputs; secret values are wrapped as the engine receives them (see isSecretValue). */
    inputs: Record<string, unknown>;
    /** The resource stays in the cluster when it leaves the stack (resource option retainOnDelete). */
    retainOnDelete: boolean;
}

export interface ProgramRun<T> {
    stack: string;
    resources: RecordedResource[];
    /** The program's result (stack outputs), resolved. */
    outputs: T;
}

/** The engine's secret wrapper: `{ [specialSigKey]: specialSecretSig, value }`. */
export function isSecretValue(value: unknown): value is { value: unknown } {
    return pulumi.runtime.isRpcSecret(value);
}

/**
 * Records every registration with its parent and dependencies, in front of Pulumi's own mock monitor (which
 * keeps doing the work: URNs, state, the response to the SDK).
 */
function recordRegistrations(monitor: MockMonitor): RecordedResource[] {
    const records: RecordedResource[] = [];
    const register = monitor.registerResource.bind(monitor);
    // The request is the engine's gRPC RegisterResourceRequest; the callback hands the response back to the SDK.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResource = async (req: any, callback: (err: any, response: any) => void) => {
        const base = {
            type: req.getType() as string,
            name: req.getName() as string,
            custom: req.getCustom() as boolean,
            parent: req.getParent() as string,
            dependencies: [...(req.getDependenciesList() as string[])].sort(),
            inputs: pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>,
            retainOnDelete: req.getRetainondelete() as boolean,
        };
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        await register(req, (err: any, response: any) => {
            if (!err) records.push({ urn: response.getUrn(), ...base });
            callback(err, response);
        });
    };
    return records;
}

const mocks: pulumi.runtime.Mocks = {
    // Kubernetes objects come back with their inputs as state, like a create would.
    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
    call: (args) => {
        throw new Error(`The program called ${args.token}, which the offline run does not mock.`);
    },
};

async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return resolve(await new Promise((r) => value.apply(r)));
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

/**
 * Runs a program (normally `main` of src/program) against Pulumi's mock engine with the given configuration, and
 * returns everything it registered, in registration order. No cluster, CLI or backend is involved.
 */
export async function runProgram<T>(stack: string, config: EngineConfig, program: () => T): Promise<ProgramRun<T>> {
    // setMocks also switches on the features a real engine has (secrets, resource references).
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    const records = recordRegistrations(pulumi.runtime.getMonitor() as unknown as MockMonitor);
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const result = program();
    const outputs = (await resolve(result)) as T;
    // Wait until every registration has reached the monitor.
    await pulumi.runtime.disconnect();
    return { stack, resources: records, outputs };
}
