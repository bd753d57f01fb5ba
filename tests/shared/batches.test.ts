import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { EnvironmentKustomizations, EnvironmentTenancy } from "../../src/flux";
import { createInBatches, deferred, outputValue, registered } from "../../src/shared/batches";
import { EXPECTED_FAILURE } from "../support/expectedFailure";
import { runComponents } from "../support/stacks";

describe("createInBatches", () => {
    it("creates every item in order and lets the event loop run between batches", async () => {
        const events: string[] = [];
        setImmediate(() => events.push("event loop"));
        const created = await createInBatches(
            Array.from({ length: 5 }, (_, i) => i),
            (i) => {
                events.push(`item ${i}`);
                return i * 10;
            },
            2,
        );
        expect(created).toEqual([0, 10, 20, 30, 40]);
        // The first batch runs synchronously; the event loop gets its turn before the second.
        expect(events.slice(0, 3)).toEqual(["item 0", "item 1", "event loop"]);
        expect(events.filter((e) => e.startsWith("item"))).toHaveLength(5);
    });

    it("keeps the run alive between batches: every object reaches the engine though nothing waits for them", async () => {
        // The components' shape: children created in initialize, nothing exported or depending on them.
        class Batched extends pulumi.ComponentResource {
            constructor(name: string) {
                super("test:batches:Batched", name, {});
            }
            protected async initialize(_args: pulumi.Inputs, _opts?: unknown, name?: string) {
                return createInBatches(
                    Array.from({ length: 250 }, (_, i) => i),
                    (i) => new k8s.core.v1.ConfigMap(`${name}-${i}`, { data: { i: String(i) } }, { parent: this }),
                    100,
                );
            }
        }
        const run = await runComponents(() => {
            new Batched("b");
        });
        expect(run.resources.filter((r) => r.custom)).toHaveLength(250);
    });
});

describe("deferred", () => {
    it("is settled from outside", async () => {
        const ok = deferred<number>();
        ok.resolve(1);
        await expect(ok.promise).resolves.toBe(1);
        const failed = deferred<number>();
        failed.reject(new Error("never created"));
        await expect(failed.promise).rejects.toThrow("never created");
    });
});

describe("registered and outputValue", () => {
    it("settles once the engine has answered for every resource", async () => {
        const order: string[] = [];
        await runComponents(async () => {
            const maps = [0, 1, 2].map((i) => new k8s.core.v1.ConfigMap(`m${i}`, { data: {} }));
            for (const m of maps) void outputValue(m.urn).then((urn) => order.push(urn.split("::").pop()!));
            await registered(maps);
            order.push("registered");
        });
        expect(order).toEqual(["m0", "m1", "m2", "registered"]);
    });

    it("rejects when the Output does, where an apply would never call back", async () => {
        const failing = pulumi.output(Promise.reject(new Error(`no value ${EXPECTED_FAILURE}`)));
        await expect(outputValue(failing)).rejects.toThrow(/no value/);
        await expect(outputValue(pulumi.output("value"))).resolves.toBe("value");
    });
});

describe("Flux components at fleet size (created in batches)", () => {
    const apps = Array.from({ length: 250 }, (_, i) => `app-${i}`);
    /** The environment's tenancy for `namespaces` (default: the 250 apps' namespaces). */
    const tenancyOf = (opts?: pulumi.ComponentResourceOptions, namespaces = apps.map((a) => `${a}-dev`)) =>
        new EnvironmentTenancy(
            "tenancy",
            { fluxNamespace: "flux-system", serviceAccountName: "gitops-dev", namespaces, retainNamespaces: false },
            opts,
        );

    it("gives each Kustomization, in every batch, exactly its own namespace, binding and the ServiceAccount", async () => {
        const run = await runComponents(() => {
            const tenancy = tenancyOf();
            const kustomizations = new EnvironmentKustomizations("ks", {
                namespace: "flux-system",
                sourceName: "gitops-dev",
                serviceAccountName: "gitops-dev",
                apps: apps.map((a) => ({
                    name: `dev-${a}`,
                    path: `apps/${a}/overlays/dev`,
                    targetNamespace: `${a}-dev`,
                    dependsOn: [],
                    after: tenancy.resourcesFor(`${a}-dev`),
                })),
                interval: "1m",
                timeout: "5m",
                wait: false,
                cascadeDelete: true,
            });
            return { names: kustomizations.kustomizationNames, namespaces: tenancy.namespaceNames };
        });
        const byName = new Map(run.resources.map((r) => [r.name, r]));
        for (const a of ["app-0", "app-99", "app-100", "app-249"]) {
            expect(byName.get(`ks-dev-${a}`)!.dependencies).toEqual(
                [
                    byName.get("tenancy-sa")!.urn,
                    byName.get(`tenancy-${a}-dev`)!.urn,
                    byName.get(`tenancy-${a}-dev-admin`)!.urn,
                ].sort(),
            );
        }
        expect(run.resources.filter((r) => r.type.endsWith(":Kustomization"))).toHaveLength(250);
        expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")).toHaveLength(250);
        expect(run.outputs.names).toEqual(apps.map((a) => `dev-${a}`));
        expect(run.outputs.namespaces).toEqual(apps.map((a) => `${a}-dev`));
    });

    it("makes whatever depends on the component wait for all its children, the last batch included", async () => {
        const run = await runComponents(() => {
            const tenancy = tenancyOf();
            new k8s.core.v1.ConfigMap("after-tenancy", { data: {} }, { dependsOn: [tenancy] });
        });
        const dependent = run.resources.find((r) => r.name === "after-tenancy")!;
        // The ServiceAccount, 250 namespaces and 250 bindings.
        expect(dependent.dependencies).toHaveLength(501);
    });

    it("fails the run, not hangs it, when an object of a later batch cannot be created", async () => {
        const refuse: pulumi.ResourceTransformation = (args) => {
            if (args.name === "tenancy-app-150-dev") throw new Error(`refused app-150 ${EXPECTED_FAILURE}`);
            return undefined;
        };
        const run = runComponents(() => {
            const tenancy = tenancyOf({ transformations: [refuse] });
            // The Kustomization of app-150 waits for that namespace: it must fail too, not wait forever.
            return { dependency: pulumi.output(Promise.all(tenancy.resourcesFor("app-150-dev"))).apply(() => "ok") };
        });
        await expect(run).rejects.toThrow(/refused app-150/);
        await pulumi.runtime.disconnect().catch(() => undefined);
    });

    it("refuses to be read back from a URN (initialize would not run)", () => {
        expect(() =>
            tenancyOf({ urn: "urn:pulumi:dev::gitops-stack::gitops-stack:flux:EnvironmentTenancy::tenancy" }, ["a"]),
        ).toThrow(/EnvironmentTenancy tenancy: opts.urn is not supported/);
    });
});
