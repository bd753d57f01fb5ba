import type { ResourceValidationArgs } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { POLICIES } from "../../policy/rules";
import type { RecordedResource } from "../../src/offline/mockRun";
import { STACKS, plain, runStack } from "../support/stacks";

/** Runs every policy of the pack on one resource, the way the policy engine hands it over (plain props). */
function violations(type: string, props: Record<string, any>, name = "r"): string[] {
    const found: string[] = [];
    for (const policy of POLICIES) {
        const args = {
            type,
            props,
            name,
            urn: `urn:pulumi:s::p::${type}::${name}`,
        } as unknown as ResourceValidationArgs;
        const validations = [policy.validateResource ?? []].flat();
        for (const validate of validations) {
            void validate(args, (message: string) => found.push(`${policy.name}: ${message}`));
        }
    }
    return found;
}

const violationsOf = (resources: RecordedResource[]) =>
    resources.flatMap((r) => violations(r.type, plain(r.inputs) as Record<string, any>, r.name));

const APP = "kubernetes:argoproj.io/v1alpha1:Application";
const PROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject";
const KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";
const prodLabels = { "gitops-stack.io/environment": "prod" };

describe("policy pack", () => {
    it.each(STACKS)("passes every object of the %s stack", async (stack) => {
        expect(violationsOf((await runStack(stack)).resources)).toEqual([]);
    });

    it("passes prod with acknowledged overrides, which the program marks", async () => {
        const run = await runStack("prod", {
            config: ["autoSync=true", "cascadeDelete=true", "acknowledgeProdOverrides=true"],
        });
        expect(violationsOf(run.resources)).toEqual([]);
    });

    it.each(STACKS)("passes every object of the %s stack with operator=flux", async (stack) => {
        expect(violationsOf((await runStack(stack, { config: ["operator=flux"] })).resources)).toEqual([]);
    });

    it("passes Flux prod with acknowledged cascade delete, which the program marks", async () => {
        const run = await runStack("prod", {
            config: ["operator=flux", "cascadeDelete=true", "acknowledgeProdOverrides=true"],
        });
        const [kustomization] = run.resources.filter((r) => r.type === KUSTOMIZATION);
        expect((plain(kustomization.inputs) as Record<string, any>).spec.deletionPolicy).toBe("Delete");
        expect(violationsOf(run.resources)).toEqual([]);
    });

    it.each<[string, string, Record<string, any>, RegExp]>([
        [
            "a prod Kustomization that deletes its workloads without acknowledgement",
            KUSTOMIZATION,
            {
                metadata: { name: "k", labels: prodLabels },
                spec: { serviceAccountName: "sa", deletionPolicy: "Delete" },
            },
            /flux-prod-no-delete-by-surprise: Kustomization k has deletionPolicy Delete, which deletes prod workloads/,
        ],
        [
            "a prod Kustomization with Flux's default deletion policy",
            KUSTOMIZATION,
            { metadata: { name: "k", labels: prodLabels }, spec: { serviceAccountName: "sa", prune: true } },
            /Kustomization k has deletionPolicy MirrorPrune/,
        ],
        [
            "a Kustomization without impersonation",
            KUSTOMIZATION,
            { metadata: { name: "k" }, spec: { prune: true } },
            /flux-kustomization-impersonates: Kustomization k sets no serviceAccountName/,
        ],
        [
            "default project",
            APP,
            { metadata: { name: "a" }, spec: { project: "default" } },
            /argocd-application-not-in-default-project: Application a is in the default project/,
        ],
        [
            "wildcard repo in prod",
            PROJECT,
            { metadata: { name: "prod", labels: prodLabels }, spec: { sourceRepos: ["*"] } },
            /sourceRepos "\*" in prod/,
        ],
        [
            "wildcard destination",
            PROJECT,
            {
                metadata: { name: "dev" },
                spec: { sourceRepos: ["x"], destinations: [{ server: "https://k", namespace: "*" }] },
            },
            /wildcard destination/,
        ],
        [
            "prod finalizer",
            APP,
            {
                metadata: { name: "p", labels: prodLabels, finalizers: ["resources-finalizer.argocd.argoproj.io"] },
                spec: { project: "prod" },
            },
            /would delete prod workloads/,
        ],
        [
            "prod automated sync",
            APP,
            { metadata: { name: "p", labels: prodLabels }, spec: { project: "prod", syncPolicy: { automated: {} } } },
            /syncs automatically in prod/,
        ],
        [
            "floating chart",
            "kubernetes:helm.sh/v3:Release",
            { name: "argocd", version: "10.x" },
            /helm-release-pinned-version: Helm release argocd has version "10.x"/,
        ],
        [
            "insecure repository",
            "kubernetes:core/v1:Secret",
            { metadata: { name: "repo" }, stringData: { insecure: "true" } },
            /sets insecure=true/,
        ],
        [
            "wildcard RBAC",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            { metadata: { name: "x" }, rules: [{ apiGroups: ["*"], resources: ["a"], verbs: ["get"] }] },
            /rbac-no-wildcards: ClusterRole x has a wildcard rule/,
        ],
        [
            "removed Flux version",
            "kubernetes:source.toolkit.fluxcd.io/v1beta2:GitRepository",
            { metadata: { name: "g" } },
            /GitRepository g uses source.toolkit.fluxcd.io\/v1beta2; expected source.toolkit.fluxcd.io\/v1/,
        ],
        [
            "removed alert version",
            "kubernetes:notification.toolkit.fluxcd.io/v1beta2:Alert",
            { metadata: { name: "a" } },
            /expected notification.toolkit.fluxcd.io\/v1beta3/,
        ],
    ])("rejects %s", (_title, type, props, pattern) => {
        const found = violations(type, props);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(pattern);
    });
});
