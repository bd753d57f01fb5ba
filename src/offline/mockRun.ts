import * as pulumi from "@pulumi/pulumi";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { PROJECT } from "../config";
import { outputValue } from "../shared/batches";
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
    /** The aliases the program gave it, as the engine receives them (resource option aliases). */
    aliases: RecordedAlias[];
    /** The provider reference (`<provider URN>::<id>`) of a custom resource; "" for the default provider. */
    provider: string;
}

/** One alias of a resource: an old URN, or the parts of the old URN that differ from the new one. */
export type RecordedAlias =
    | { readonly urn: string }
    | {
          readonly name?: string;
          readonly type?: string;
          readonly stack?: string;
          readonly project?: string;
          /** The old parent's URN; with noParent, the resource had none (it was a top-level resource). */
          readonly parentUrn?: string;
          readonly noParent?: boolean;
      };

/** The root stack resource's type: the engine leaves it out of its children's URNs. */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** The qualified type of a URN: its type preceded by its ancestors' (`<parent type>$<type>`). */
export const qualifiedType = (urn: string): string => urn.split("::")[2] ?? "";

/**
 * The URN the engine gives a resource (pulumi's deploy.generateURN): stack, project, the parent's whole qualified type
 * then the resource's own, and its name. Pulumi's MockMonitor keeps only the parent's last type, which gives a
 * component's grandchildren a URN no engine gives them.
 */
export function engineUrn(stack: string, project: string, parent: string, type: string, name: string): string {
    const parentType = parent === "" || qualifiedType(parent) === ROOT_STACK_TYPE ? "" : `${qualifiedType(parent)}$`;
    return `urn:pulumi:${stack}::${project}::${parentType}${type}::${name}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function recordAlias(alias: any): RecordedAlias {
    if (alias.hasUrn()) return { urn: alias.getUrn() as string };
    const spec = alias.getSpec();
    const part = (value: string) => (value === "" ? undefined : value);
    return Object.fromEntries(
        Object.entries({
            name: part(spec.getName()),
            type: part(spec.getType()),
            stack: part(spec.getStack()),
            project: part(spec.getProject()),
            parentUrn: spec.hasParenturn() ? (spec.getParenturn() as string) : undefined,
            noParent: spec.hasNoparent() && spec.getNoparent() ? true : undefined,
        }).filter(([, v]) => v !== undefined),
    );
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
 * A request's properties as the engine keeps them: a secret stays where the program put it. The engine stores a Pulumi
 * secret nested in an input (one chart value, one field of a spec) as that nested value, encrypted in the state and
 * `[secret]` in a preview, and the provider keeps it there (pulumi-kubernetes annotateSecrets recurses into objects).
 * The SDK's deserializeProperties instead marks the whole top-level property secret when anything in it is, which is
 * right for values a program reads back but would hide every other value of a chart's values in the render.
 */
export function engineProperties(struct: { toJavaScript(): Record<string, unknown> }): Record<string, unknown> {
    const keepNested = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(keepNested);
        if (value !== null && typeof value === "object" && !(pulumi.runtime.specialSigKey in value))
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keepNested(v)]));
        // Leaves and the engine's special values (secrets, assets, resource references, unknowns).
        return pulumi.runtime.deserializeProperty(value);
    };
    return keepNested(struct.toJavaScript()) as Record<string, unknown>;
}

/** What the offline run needs of Pulumi's MockMonitor beyond its public surface (see registerAndRecord). */
interface MonitorInternals {
    /** URN to registered resource; registerResourceOutputs and getResource look resources up here. */
    resources: Map<string, { urn: string; id: string | null; state: unknown }>;
}

/**
 * Answers every registration in place of Pulumi's MockMonitor.registerResource, and records it with its parent and
 * dependencies.
 *
 * The answer is the one MockMonitor gives with this file's mocks (`newResource` returns the inputs as state and
 * `<name>-id` as id: what a create of a Kubernetes object returns): the URN the engine gives (engineUrn), and as state the
 * request's own serialized properties, which is what its round trip (deserialize, newResource, serialize, build a
 * new Struct) reproduced. Without that round trip, and without keeping every object's serialized state (nothing
 * reads a custom resource's state back: the program calls no `get` and no invoke), the run does about a tenth less
 * work and holds about a tenth less memory at fleet size (issue 11). Components stay in the monitor's table
 * (`registerOutputs` looks them up there).
 */
export function registerAndRecord(
    monitor: MockMonitor,
    stack: string = pulumi.getStack(),
    project: string = pulumi.getProject(),
): RecordedResource[] {
    const records: RecordedResource[] = [];
    const internals = monitor as unknown as MonitorInternals;
    if (!(internals.resources instanceof Map)) {
        throw new Error("@pulumi/pulumi's MockMonitor no longer has resources; src/offline/mockRun.ts needs updating.");
    }
    // The request is the engine's gRPC RegisterResourceRequest; the callback hands the response back to the SDK.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResource = async (req: any, callback: (err: any, response: any) => void) => {
        try {
            const type = req.getType() as string;
            const name = req.getName() as string;
            const custom = req.getCustom() as boolean;
            const parent = req.getParent() as string;
            const urn = engineUrn(stack, project, parent, type, name);
            const id = custom ? `${name}-id` : "";
            records.push({
                urn,
                type,
                name,
                custom,
                parent,
                dependencies: [...(req.getDependenciesList() as string[])].sort(),
                inputs: engineProperties(req.getObject()),
                retainOnDelete: req.getRetainondelete() as boolean,
                aliases: [
                    ...(req.getAliasurnsList() as string[]).map((urn) => ({ urn })),
                    ...req.getAliasesList().map(recordAlias),
                ],
                provider: req.getProvider() as string,
            });
            if (!custom) internals.resources.set(urn, { urn, id: null, state: {} });
            const response = new resproto.RegisterResourceResponse();
            response.setUrn(urn);
            response.setId(id);
            response.setObject(req.getObject());
            callback(null, response);
        } catch (err) {
            callback(err, undefined);
        }
    };
    return records;
}

/** The offline run's answers to what registerAndRecord does not answer itself. */
export const OFFLINE_MOCKS: pulumi.runtime.Mocks = {
    // Kubernetes objects come back with their inputs as state, like a create would (registerAndRecord answers
    // registrations this way itself; this one is for reads).
    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
    call: (args) => {
        throw new Error(`The program called ${args.token}, which the offline run does not mock.`);
    },
};

async function resolve(value: unknown): Promise<unknown> {
    // The Output's own promise: it rejects when the Output does (apply would never call back, and the run would hang).
    if (pulumi.Output.isInstance(value)) return resolve(await outputValue(value as pulumi.Output<unknown>));
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
export async function runProgram<T>(
    stack: string,
    config: EngineConfig,
    program: () => T,
): Promise<ProgramRun<Awaited<T>>> {
    // setMocks also switches on the features a real engine has (secrets, resource references).
    await pulumi.runtime.setMocks(OFFLINE_MOCKS, PROJECT, stack, false);
    const records = registerAndRecord(pulumi.runtime.getMonitor() as unknown as MockMonitor);
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const result = program();
    // A program may also be async (`export = async () => ...` is a Pulumi program too).
    const outputs = (await resolve(result instanceof Promise ? await result : result)) as Awaited<T>;
    // Wait until every registration has reached the monitor.
    await pulumi.runtime.disconnect();
    return { stack, resources: records, outputs };
}
