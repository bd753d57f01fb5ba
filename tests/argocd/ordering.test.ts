import { describe, expect, it } from "vitest";
import {
    APPLICATION_HEALTH_CHECK,
    APPLICATION_HEALTH_KEY,
    HEALTHY_AND_SYNCED,
    TIMEOUT_ANNOTATION,
    WAIT_FOR_ANNOTATION,
    creationOrder,
} from "../../src/argocd/ordering";
import type { RecordedResource } from "../../src/offline/mockRun";
import { findOne, plain, runStack } from "../support/stacks";

const APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application";
const app = (resources: RecordedResource[], name: string) => findOne(resources, APPLICATION, `apps-${name}`);
const annotations = (r: RecordedResource) =>
    ((plain(r.inputs.metadata) as { annotations?: Record<string, string> }).annotations ?? {}) as Record<
        string,
        string
    >;

describe("Argo CD: dependent apps roll out in order", () => {
    it.each(["dev", "staging"])(
        "%s (automated sync): a dependency carries the health gate and its dependents wait for it",
        async (stack) => {
            const { resources } = await runStack(stack);
            const platform = app(resources, `${stack}-platform`);
            expect(annotations(platform)).toMatchObject({
                [WAIT_FOR_ANNOTATION]: HEALTHY_AND_SYNCED,
                [TIMEOUT_ANNOTATION]: "900",
            });
            expect(JSON.parse(annotations(platform)[WAIT_FOR_ANNOTATION])).toEqual([
                "jsonpath={.status.health.status}=Healthy",
                "jsonpath={.status.sync.status}=Synced",
            ]);
            for (const dependent of ["guestbook", "podinfo"]) {
                const r = app(resources, `${stack}-${dependent}`);
                expect(r.dependencies, `${dependent} waits for platform`).toContain(platform.urn);
                // Nothing depends on these: no wait, pulumi up does not hold on them.
                expect(annotations(r)[WAIT_FOR_ANNOTATION]).toBeUndefined();
            }
            // The dependency itself waits for nothing but the component's own dependencies.
            expect(platform.dependencies.filter((d) => d.includes(":Application::"))).toEqual([]);
        },
    );

    it("prod (manual sync): the Applications are created in order but pulumi up waits for no person", async () => {
        const { resources } = await runStack("prod");
        const platform = app(resources, "prod-platform");
        for (const name of ["platform", "guestbook", "podinfo"]) {
            const a = annotations(app(resources, `prod-${name}`));
            expect(a[WAIT_FOR_ANNOTATION]).toBeUndefined();
            expect(a[TIMEOUT_ANNOTATION]).toBeUndefined();
        }
        expect(app(resources, "prod-guestbook").dependencies).toContain(platform.urn);
    });

    it("prod with automated sync acknowledged still does not wait: its sync window can hold automated syncs", async () => {
        const { resources } = await runStack("prod", { config: ["autoSync=true", "acknowledgeProdOverrides=true"] });
        const a = annotations(app(resources, "prod-platform"));
        expect(a[WAIT_FOR_ANNOTATION]).toBeUndefined();
        expect(a["gitops-stack.io/prod-overrides-acknowledged"]).toBe("true");
        expect(app(resources, "prod-podinfo").dependencies).toContain(app(resources, "prod-platform").urn);
    });

    it("orders per cluster: an app waits for its dependency on the same cluster only", async () => {
        const clusters = [
            { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" },
            { name: "us-1", server: "https://us-1.k8s.example.com", auth: "exec" },
        ];
        const { resources } = await runStack("dev", { raw: { "gitops-stack:clusters": JSON.stringify(clusters) } });
        for (const c of ["eu-1", "us-1"]) {
            const other = c === "eu-1" ? "us-1" : "eu-1";
            const guestbook = app(resources, `dev-guestbook-${c}`);
            expect(guestbook.dependencies).toContain(app(resources, `dev-platform-${c}`).urn);
            expect(guestbook.dependencies).not.toContain(app(resources, `dev-platform-${other}`).urn);
            expect(annotations(app(resources, `dev-platform-${c}`))[WAIT_FOR_ANNOTATION]).toBe(HEALTHY_AND_SYNCED);
        }
    });

    it("restores Application health in argocd-cm, so the root's sync waves wait for child Applications", async () => {
        const { resources } = await runStack("dev");
        const values = plain(findOne(resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values) as any;
        expect(values.configs.cm[APPLICATION_HEALTH_KEY]).toBe(APPLICATION_HEALTH_CHECK);
        expect(APPLICATION_HEALTH_KEY).toBe("resource.customizations.health.argoproj.io_Application");
        expect(APPLICATION_HEALTH_CHECK).toContain("hs.status = obj.status.health.status");
    });
});

describe("creationOrder", () => {
    it("puts each app after its dependencies and otherwise keeps the given order", () => {
        const apps = [
            { name: "web", dependsOn: ["api", "db"] },
            { name: "api", dependsOn: ["db"] },
            { name: "db" },
            { name: "docs" },
        ];
        expect(creationOrder(apps).map((a) => a.name)).toEqual(["db", "api", "web", "docs"]);
    });

    it("refuses cycles and unknown names", () => {
        expect(() =>
            creationOrder([
                { name: "a", dependsOn: ["b"] },
                { name: "b", dependsOn: ["a"] },
            ]),
        ).toThrow("Applications depend on each other in a cycle: a -> b -> a.");
        expect(() => creationOrder([{ name: "a", dependsOn: ["x"] }])).toThrow(
            "Application a depends on x, which is not in the list.",
        );
    });
});
