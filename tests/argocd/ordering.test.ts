import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { repositoryWaitHint } from "../../src/argocd";
import {
    APPLICATION_HEALTH_CHECK,
    APPLICATION_HEALTH_KEY,
    HEALTHY_AND_SYNCED,
    REPOSITORY_READ,
    TIMEOUT_ANNOTATION,
    WAIT_FOR_ANNOTATION,
    creationOrder,
    warnWhileWaiting,
} from "../../src/argocd/ordering";
import type { RecordedResource } from "../../src/offline/mockRun";
import { parsed } from "../config/rules/support";
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
            // The dependency itself waits for no other app: only for the root's repository gate.
            expect(platform.dependencies.filter((d) => d.includes(":Application::"))).toEqual([
                findOne(resources, APPLICATION, "apps-root").urn,
            ]);
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
        expect(a["gitops-stack.io/prod-overrides-acknowledged"]).toBe("autoSync");
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

describe("Argo CD: the repository gate of a first up (issue 25 §1)", () => {
    afterEach(() => {
        vi.useRealTimers();
        vi.restoreAllMocks();
    });

    it.each(["dev", "staging", "prod"])(
        "%s: the root waits up to 300 s for Argo CD to read the repository, and every other Application waits for the root",
        async (stack) => {
            const { resources } = await runStack(stack);
            const root = findOne(resources, APPLICATION, "apps-root");
            expect(annotations(root)).toMatchObject({
                [WAIT_FOR_ANNOTATION]: 'jsonpath={.status.sync[?@ == "Synced" || @ == "OutOfSync"]}',
                [TIMEOUT_ANNOTATION]: "300",
            });
            expect(annotations(root)[WAIT_FOR_ANNOTATION]).toBe(REPOSITORY_READ);
            // The provider splits a waitFor expression on a lone "=": the gate has only "==" (no value to compare).
            expect(REPOSITORY_READ.replaceAll("==", "").split("=")).toHaveLength(2);
            const others = resources.filter((r) => r.type === APPLICATION && r.urn !== root.urn);
            expect(others.length).toBeGreaterThanOrEqual(3);
            for (const r of others) expect(r.dependencies, r.name).toContain(root.urn);
            // The root itself waits for no Application.
            expect(root.dependencies.filter((d) => d.includes(":Application::"))).toEqual([]);
        },
    );

    it("applies to every cluster's Applications", async () => {
        const clusters = [{ name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" }];
        const { resources } = await runStack("dev", { raw: { "gitops-stack:clusters": JSON.stringify(clusters) } });
        const root = findOne(resources, APPLICATION, "apps-root");
        expect(app(resources, "dev-platform-eu-1").dependencies).toContain(root.urn);
    });

    it("warns with what to check when the engine has not finished the root after a minute, and not otherwise", async () => {
        vi.useFakeTimers();
        const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue(undefined);
        const pending = { urn: new Promise<string>(() => undefined) };
        const done = { urn: Promise.resolve("urn:done") };
        const asResource = (urn: Promise<string>) => ({ urn: pulumi.output(urn) }) as unknown as pulumi.Resource;
        const slow = asResource(pending.urn);
        warnWhileWaiting(slow, 60, "check the deploy key");
        warnWhileWaiting(asResource(done.urn), 60, "not this one");
        await vi.advanceTimersByTimeAsync(59_000);
        expect(warn).not.toHaveBeenCalled();
        await vi.advanceTimersByTimeAsync(1_000);
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn).toHaveBeenCalledWith("check the deploy key", slow);
    });

    it("says what to register and where, for each kind of credential", () => {
        expect(repositoryWaitHint(parsed("dev"))).toBe(
            "Argo CD has not read git@github.com:acme/gitops.git at main after 60 s; this up waits for it up to 300 s, then fails here and creates no other Application. " +
                "If the Git host does not know the credential yet, register the stack's deploy key on github.com (npm run gitops -- deploy-key --stack dev prints it, its fingerprint and where; the deploy-key stack output exists only after a successful up); also check that environments/dev exists at main. " +
                "Argo CD's own message: kubectl -n argocd get application dev-root -o jsonpath='{.status.conditions[*].message}'. Then run pulumi up again.",
        );
        expect(repositoryWaitHint(parsed("prod"))).toContain(
            "If the Git host does not know the credential yet, check that the GitHub App 123456 is installed on https://github.com/acme/gitops.git (installation 7890123)",
        );
        expect(
            repositoryWaitHint(
                parsed("staging", { config: ["authKind=https", "repoUrl=https://github.com/acme/gitops.git"] }),
            ),
        ).toContain("check that the token httpsToken (user git) may read https://github.com/acme/gitops.git");
    });
});
