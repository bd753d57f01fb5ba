import { describe, expect, it } from "vitest";
import { customResources, plain, runStack, STACKS } from "../support/stacks";
import { validateFluxObject } from "./schema";

describe.each(STACKS)("Flux, stack %s: dependent apps roll out in order", (stack) => {
    it("declares each app's dependencies as Kustomization dependsOn, without a Pulumi wait", async () => {
        const { resources } = await runStack(stack, { config: ["operator=flux"] });
        const kustomizations = customResources(resources, "Kustomization");
        const byName = (name: string) => kustomizations.find((k) => k.metadata.name === name)!;
        // kustomize-controller applies a Kustomization only once every dependsOn is Ready. Ready means applied, and in
        // prod (wait: true) also that the workloads passed their health checks (the guarantee table in docs/explanation/operators.md).
        for (const dependent of ["guestbook", "podinfo"]) {
            const k = byName(`${stack}-${dependent}`);
            expect(k.spec.dependsOn).toEqual([{ name: `${stack}-platform` }]);
            expect(k.spec.wait).toBe(stack === "prod");
            await validateFluxObject(plain(k) as Record<string, any>);
        }
        expect(byName(`${stack}-platform`).spec.dependsOn).toBeUndefined();
        // The order is the controller's: pulumi up never waits on a Kustomization's status.
        for (const k of kustomizations)
            expect(JSON.stringify(k.metadata.annotations ?? {})).not.toContain("pulumi.com/waitFor");
    });
});
