import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { isLean, leanSdkDiagnostics, sdkDiagnosticsFound } from "../../src/offline/leanRuntime";
import "../../src/offline/mockRun";
import { runStack } from "../support/stacks";

const debuggable = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
};

describe("lean SDK diagnostics for the offline run (issue 11)", () => {
    afterEach(() => leanSdkDiagnostics(true));

    it("finds the SDK internals it replaces (an SDK upgrade that moves them fails here)", () => {
        expect(sdkDiagnosticsFound()).toBe(true);
        expect(typeof (pulumi.Resource as unknown as { callsites: unknown }).callsites).toBe("function");
    });

    it("is on for every offline run: loading the mock runner switches it on", () => {
        expect(isLean()).toBe(true);
        const p = Promise.resolve(1);
        expect(debuggable.debuggablePromise(p, "ctx")).toBe(p);
        expect((pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites()).toEqual([]);
    });

    it("can be switched back to the SDK's own functions", () => {
        leanSdkDiagnostics(false);
        expect(isLean()).toBe(false);
        const p = Promise.resolve(1);
        expect(debuggable.debuggablePromise(p, "ctx")).not.toBe(p);
        expect((pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites().length).toBeGreaterThan(0);
    });

    it.each(["argocd", "flux"])("registers exactly the same resources either way (%s)", async (operator) => {
        const shape = (run: Awaited<ReturnType<typeof runStack>>) =>
            run.resources.map(({ urn, parent, dependencies, inputs }) => ({ urn, parent, dependencies, inputs }));
        const lean = shape(await runStack("dev", { config: [`operator=${operator}`] }));
        leanSdkDiagnostics(false);
        const full = shape(await runStack("dev", { config: [`operator=${operator}`] }));
        const byUrn = (list: typeof lean) => [...list].sort((a, b) => a.urn.localeCompare(b.urn));
        expect(byUrn(lean)).toEqual(byUrn(full));
    });
});
