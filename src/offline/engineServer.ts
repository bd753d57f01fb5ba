/**
 * A Pulumi engine's two gRPC services (ResourceMonitor and Engine) on 127.0.0.1, answering as the offline run answers
 * (src/offline/mockRun.ts: state = inputs, id = `<name>-id`, URNs as the engine gives them) and recording every
 * registration. For what the offline run cannot show: the program and the component package loaded the way the
 * Node.js language host loads them, in a process of their own, through @pulumi/pulumi's own entry points (cmd/run for a
 * program, cmd/run-plugin for a plugin), talking gRPC to an engine. The tests use it to run bin/program.js and
 * bin/plugin.js as `pulumi up` and `pulumi package add` would; the start-up benchmark (scripts/startup.ts) to time
 * them. Features as Pulumi's MockMonitor declares them (every one but outputValues).
 */
import * as grpc from "@grpc/grpc-js";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import { OFFLINE_MOCKS, registerAndRecord, type RecordedResource } from "./mockRun";

export interface EngineLog {
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
    readonly urn: string;
}

export interface EngineServer {
    /** `127.0.0.1:<port>`: the --monitor and --engine address of cmd/run, the engine address of a plugin. */
    readonly address: string;
    /** Every registration, in the order the engine received them. */
    readonly resources: RecordedResource[];
    /**
     * Outputs each resource registered, in their wire form (a component's registerOutputs; the root Stack's are the stack
     * outputs).
     */
    readonly outputs: Map<string, Record<string, unknown>>;
    /** What the program logged through the engine (pulumi.log, the SDK's own warnings and errors). */
    readonly logs: EngineLog[];
    close(): Promise<void>;
}

const SEVERITY: Record<number, EngineLog["severity"]> = {
    [engproto.LogSeverity.DEBUG]: "debug",
    [engproto.LogSeverity.INFO]: "info",
    [engproto.LogSeverity.WARNING]: "warning",
    [engproto.LogSeverity.ERROR]: "error",
};

// The services' handlers, as grpc-js calls them: the request in `call.request`, the answer through `callback`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (call: { request: any }, callback: grpc.sendUnaryData<any>) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type MonitorMethod = (req: any, callback: (err: any, response: any) => void) => void;

/** Starts the services for a run of `project`'s stack `stack`. */
export async function startEngine(stack: string, project: string): Promise<EngineServer> {
    const monitor = new MockMonitor(OFFLINE_MOCKS);
    const resources = registerAndRecord(monitor, stack, project);
    const outputs = new Map<string, Record<string, unknown>>();
    const logs: EngineLog[] = [];
    let root = "";

    const empty = () => new emptyproto.Empty();
    const delegate =
        (method: MonitorMethod, answer?: () => unknown): Handler =>
        (call, callback) =>
            method.call(monitor, call.request, (err, response) =>
                callback(err, err ? undefined : answer ? answer() : response),
            );
    const monitorService: Record<string, Handler> = {
        getDeploymentInfo: delegate(monitor.getDeploymentInfo),
        supportsFeature: (call, callback) => {
            const response = new resproto.SupportsFeatureResponse();
            response.setHassupport(call.request.getId() !== "outputValues");
            callback(null, response);
        },
        invoke: delegate(monitor.invoke),
        readResource: delegate(monitor.readResource),
        registerResource: delegate(monitor.registerResource),
        registerResourceOutputs: (call, callback) => {
            // As sent: deserializing would turn a component's resource references (Flux's release) into live Resource
            // objects, which this process, not being the program, cannot look up.
            outputs.set(
                call.request.getUrn(),
                (call.request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>,
            );
            monitor.registerResourceOutputs(call.request, (err: unknown) =>
                callback(err as grpc.ServiceError | null, err ? undefined : empty()),
            );
        },
        registerStackTransform: delegate(monitor.registerStackTransform, empty),
        registerStackInvokeTransform: delegate(monitor.registerStackInvokeTransform, empty),
        registerPackage: delegate(monitor.registerPackage),
        signalAndWaitForShutdown: (_call, callback) => callback(null, empty()),
    };
    const engineService: Record<string, Handler> = {
        log: (call, callback) => {
            logs.push({
                severity: SEVERITY[call.request.getSeverity()] ?? "info",
                message: call.request.getMessage(),
                urn: call.request.getUrn(),
            });
            callback(null, empty());
        },
        getRootResource: (_call, callback) => {
            const response = new engproto.GetRootResourceResponse();
            response.setUrn(root);
            callback(null, response);
        },
        setRootResource: (call, callback) => {
            root = call.request.getUrn();
            callback(null, new engproto.SetRootResourceResponse());
        },
    };

    const server = new grpc.Server();
    // Methods a program does not use (existsResource, hooks, startDebugging...) answer UNIMPLEMENTED.
    server.addService(resrpc.ResourceMonitorService, monitorService as grpc.UntypedServiceImplementation);
    server.addService(engrpc.EngineService, engineService as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
            err ? reject(err) : resolve(p),
        ),
    );
    return {
        address: `127.0.0.1:${port}`,
        resources,
        outputs,
        logs,
        close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
