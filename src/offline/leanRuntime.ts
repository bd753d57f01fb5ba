/**
 * The offline run (render, render:diff, the tests, the benchmark) drives the program against Pulumi's in-process
 * mock monitor. Two diagnostics of the SDK that only a real engine uses cost about half of that run's CPU at fleet
 * size, because each captures and formats a full JavaScript stack trace (and, under a source-mapping loader such as
 * tsx, maps every frame back to TypeScript):
 *
 * - `runtime/debuggable.debuggablePromise` wraps each of the SDK's internal promises (several per resource) with
 *   `new Error().stack` and a leak set, so that a program leaving promises unresolved gets a report at exit. The
 *   mock run awaits `pulumi.runtime.disconnect()` and returns: it never reaches that exit report.
 * - `Resource.callsites()` captures an unlimited stack trace per resource to send the engine the source position of
 *   the `new` call (shown by `pulumi up` next to a failed resource). The mock monitor ignores it.
 *
 * `leanSdkDiagnostics(true)` replaces both, for this process, with versions that capture nothing; nothing the
 * program registers changes (the tests' recorded inputs, URNs and dependencies are the same either way). It is
 * only ever called from src/offline: `pulumi up`/`preview` load the program through the Pulumi CLI and never
 * import this file, so a real deployment keeps every diagnostic. `leanSdkDiagnostics(false)` restores the SDK's
 * own functions (the benchmark measures both).
 *
 * Both are internal SDK functions (module exports the SDK calls through, and a static method): a test
 * (tests/offline/leanRuntime.test.ts) fails if an SDK upgrade moves them, instead of this silently doing nothing.
 */
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

// Internal module (no exports map in @pulumi/pulumi): the SDK calls `debuggable_1.debuggablePromise(...)` through
// this module object, so replacing the export replaces every call. Loaded with Node's own require, so this is the
// very object the SDK holds (an ES import may hand out an interop copy whose properties cannot be replaced).
const debuggable: unknown = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable");

type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
interface Callsites {
    callsites: () => unknown[];
}

const debuggableModule = debuggable as unknown as { debuggablePromise: DebuggablePromise };
const resourceClass = pulumi.Resource as unknown as Callsites;
const original = {
    debuggablePromise: debuggableModule.debuggablePromise,
    callsites: resourceClass.callsites,
};
const lean = {
    debuggablePromise: (<T>(p: Promise<T>) => p) as DebuggablePromise,
    callsites: () => [],
};

/** Whether the SDK's internals this file replaces are where it expects them (an SDK upgrade may move them). */
export function sdkDiagnosticsFound(): boolean {
    return typeof original.debuggablePromise === "function" && typeof original.callsites === "function";
}

/** Switches the SDK's per-promise and per-resource stack capture off (true) or back on (false) for this process. */
export function leanSdkDiagnostics(on: boolean): void {
    if (!sdkDiagnosticsFound()) return;
    debuggableModule.debuggablePromise = on ? lean.debuggablePromise : original.debuggablePromise;
    resourceClass.callsites = on ? lean.callsites : original.callsites;
}

/** Whether the lean versions are installed. */
export function isLean(): boolean {
    return debuggableModule.debuggablePromise === lean.debuggablePromise && resourceClass.callsites === lean.callsites;
}
