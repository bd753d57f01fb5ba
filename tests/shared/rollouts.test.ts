/**
 * Argo Rollouts (issue 12) under both operators: the pinned chart (mirrorable, HA by tier), who may read and steer
 * canaries, and how each operator lives with the Rollouts controller (Argo CD: resource actions, ignoreDifferences;
 * Flux: CEL health checks of Rollouts).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { deployerRole } from "../../src/argocd/rbac";
import {
    ArgoRollouts,
    ROLLOUT_HEALTH_CHECK_EXPRS,
    rolloutActionPolicies,
    rolloutsValues,
    ROLLOUTS_DEPLOYER_RULES,
} from "../../src/shared/rollouts";
import { validateFluxObject } from "../flux/schema";
import { byType, customResources, findOne, plain, runComponents, runStack, stackConfig } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const releaseInputs = (resources: Parameters<typeof byType>[0], name: string) =>
    plain(byType(resources, RELEASE).find((r) => (r.inputs as { name?: string }).name === name)?.inputs) as
        Record<string, any> | undefined;

describe.each(["argocd", "flux"] as const)("argoRollouts with operator %s", (operator) => {
    it("installs nothing by default", async () => {
        const run = await runStack("prod", { config: [`operator=${operator}`] });
        expect(releaseInputs(run.resources, "argo-rollouts")).toBeUndefined();
        expect(run.resources.some((r) => r.type === "gitops-stack:shared:ArgoRollouts")).toBe(false);
    });

    it("installs the pinned argo-rollouts chart in its own namespace, one controller outside HA", async () => {
        const run = await runStack("dev", { config: [`operator=${operator}`, "argoRollouts=true"] });
        const release = releaseInputs(run.resources, "argo-rollouts")!;
        expect(release).toMatchObject({
            chart: "argo-rollouts",
            version: "2.41.0",
            repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" },
            namespace: "argo-rollouts",
        });
        expect(release.values).toMatchObject({
            installCRDs: true,
            keepCRDs: true,
            createClusterAggregateRoles: true,
            controller: { replicas: 1, pdb: { enabled: false } },
            dashboard: { enabled: false },
        });
        expect(release.values.controller.image).toBeUndefined();
        const ns = plain(findOne(run.resources, "kubernetes:core/v1:Namespace", "argo-rollouts-ns").inputs) as any;
        expect(ns.metadata).toMatchObject({ name: "argo-rollouts", labels: { "gitops-stack.io/environment": "dev" } });
    });

    it("runs two controllers (leader election) with a PodDisruptionBudget in prod, from a mirror", async () => {
        const run = await runStack("prod", {
            config: [
                `operator=${operator}`,
                "argoRollouts=true",
                "argoRolloutsChartRepository=oci://registry.internal:5000/charts",
                "imageRegistry=registry.internal:5000/mirror",
            ],
        });
        const release = releaseInputs(run.resources, "argo-rollouts")!;
        // Helm takes an OCI chart by its full reference.
        expect(release.chart).toBe("oci://registry.internal:5000/charts/argo-rollouts");
        expect(release.repositoryOpts).toBeUndefined();
        expect(release.values.controller).toEqual({
            replicas: 2,
            pdb: { enabled: true, minAvailable: 1 },
            image: { registry: "registry.internal:5000/mirror", repository: "argoproj/argo-rollouts" },
        });
    });

    it("lets developers and deployers read Rollouts and analysis cluster-wide, with explicit resources", async () => {
        const run = await runStack("staging", { config: [`operator=${operator}`, "argoRollouts=true"] });
        const role = plain(
            findOne(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "argo-rollouts-readonly")
                .inputs,
        ) as any;
        expect(role.rules).toEqual([
            {
                apiGroups: ["argoproj.io"],
                resources: ["rollouts", "analysisruns", "analysistemplates", "clusteranalysistemplates", "experiments"],
                verbs: ["get", "list", "watch"],
            },
        ]);
        const binding = plain(
            findOne(
                run.resources,
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                "argo-rollouts-readonly",
            ).inputs,
        ) as any;
        expect(binding.roleRef.name).toBe("gitops-stack-staging-rollouts-readonly");
        const config = stackConfig("staging");
        const expected = new Set([
            ...(config.values["gitops-stack:developerGroups"]
                ? JSON.parse(config.values["gitops-stack:developerGroups"])
                : []),
            ...(config.values["gitops-stack:deployerGroups"]
                ? JSON.parse(config.values["gitops-stack:deployerGroups"])
                : []),
        ]);
        expect(new Set(binding.subjects.map((s: { name: string }) => s.name))).toEqual(expected);
        expect(binding.subjects.every((s: { kind: string }) => s.kind === "Group")).toBe(true);
    });
});

describe("who steers a canary", () => {
    it("Argo CD: deployers promote, abort and retry Rollouts of their project through resource actions only", async () => {
        const run = await runStack("prod", { config: ["argoRollouts=true"] });
        const release = releaseInputs(run.resources, "argocd")!;
        const csv: string = release.values.configs.rbac["policy.csv"];
        for (const line of rolloutActionPolicies(deployerRole("prod"), "prod")) expect(csv).toContain(line);
        expect(csv).toContain("p, role:prod-deployer, applications, action/argoproj.io/Rollout/abort, prod/*, allow");
        expect(csv).not.toMatch(/Rollout\/(restart|pause)/);
        // No Kubernetes write access: nothing binds the deployer rules.
        expect(
            byType(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((r) =>
                r.name.includes("rollouts"),
            ),
        ).toEqual([]);
    });

    it("Argo CD without Rollouts keeps the policy as it was", async () => {
        const run = await runStack("prod");
        const csv: string = releaseInputs(run.resources, "argocd")!.values.configs.rbac["policy.csv"];
        expect(csv).not.toContain("Rollout");
    });

    it("Flux: deployers may patch Rollouts (and their status) in each app namespace of their environment only", async () => {
        const run = await runStack("staging", { config: ["operator=flux", "argoRollouts=true"] });
        const role = plain(
            findOne(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "argo-rollouts-deployer")
                .inputs,
        ) as any;
        expect(role.rules).toEqual(ROLLOUTS_DEPLOYER_RULES);
        expect(role.rules[0]).toEqual({
            apiGroups: ["argoproj.io"],
            resources: ["rollouts", "rollouts/status"],
            verbs: ["get", "list", "watch", "patch"],
        });
        const bindingResources = byType(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter(
            (r) => r.name.startsWith("argo-rollouts-deployer-"),
        );
        const bindings = bindingResources.map((r) => plain(r.inputs) as any);
        // Each binding is created after the role it names and after its own namespace (and deleted before them).
        const roleUrn = findOne(
            run.resources,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "argo-rollouts-deployer",
        ).urn;
        for (const r of bindingResources) {
            const namespace = (plain(r.inputs) as any).metadata.namespace;
            const namespaceUrn = findOne(run.resources, "kubernetes:core/v1:Namespace", `tenancy-${namespace}`).urn;
            expect(r.dependencies).toEqual(expect.arrayContaining([roleUrn, namespaceUrn]));
        }
        const values = stackConfig("staging").values;
        const appNamespaces = JSON.parse(values["gitops-stack:apps"]).map((a: { namespace: string }) => a.namespace);
        expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual([...new Set(appNamespaces)].sort());
        for (const b of bindings) {
            expect(b.roleRef).toEqual({
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "gitops-stack-staging-rollouts-deployer",
            });
            expect(b.subjects.map((s: { name: string }) => s.name)).toEqual(
                JSON.parse(values["gitops-stack:deployerGroups"]),
            );
        }
    });
});

describe("operators living with the Rollouts controller", () => {
    it("Argo CD: HPA-scaled Rollout replicas are not drift, the same rule as Deployments", async () => {
        const run = await runStack("prod", { config: ["argoRollouts=true"] });
        for (const app of customResources(run.resources, "Application").filter(
            (a) => a.metadata.name !== "prod-root",
        )) {
            expect(app.spec.ignoreDifferences).toContainEqual({
                group: "argoproj.io",
                kind: "Rollout",
                managedFieldsManagers: ["kube-controller-manager"],
            });
            expect(app.spec.syncPolicy.syncOptions).toContain("RespectIgnoreDifferences=true");
        }
    });

    it("Flux: every Kustomization checks Rollout health with CEL, valid against the Kustomization schema", async () => {
        const run = await runStack("prod", { config: ["operator=flux", "argoRollouts=true"] });
        const kustomizations = customResources(run.resources, "Kustomization");
        expect(kustomizations.length).toBeGreaterThan(0);
        for (const k of kustomizations) {
            // Health expressions are evaluated only when the Kustomization waits: prod does.
            expect(k.spec.wait).toBe(true);
            expect(k.spec.healthCheckExprs).toEqual(ROLLOUT_HEALTH_CHECK_EXPRS);
            await validateFluxObject(k);
        }
        const [check] = ROLLOUT_HEALTH_CHECK_EXPRS;
        expect(check).toMatchObject({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout" });
        expect(check.failed).toContain("'Degraded'");
        expect(check.inProgress).toContain("'Paused'");
    });

    it("Flux without Rollouts declares no health expressions", async () => {
        const run = await runStack("prod", { config: ["operator=flux"] });
        for (const k of customResources(run.resources, "Kustomization"))
            expect(k.spec.healthCheckExprs).toBeUndefined();
    });
});

describe("rolloutsValues", () => {
    it("keeps the image path on the mirror (quay.io/argoproj/argo-rollouts -> <mirror>/argoproj/argo-rollouts)", () => {
        expect(rolloutsValues({ highAvailability: false, imageRegistry: "mirror.example.com/" }).controller).toEqual({
            replicas: 1,
            pdb: { enabled: false },
            image: { registry: "mirror.example.com", repository: "argoproj/argo-rollouts" },
        });
    });
});

describe("ArgoRollouts at fleet size (deployer bindings created in batches)", () => {
    const namespaces = Array.from({ length: 250 }, (_, i) => `app-${i}-dev`);
    const rolloutsOf = (opts?: pulumi.ComponentResourceOptions) =>
        new ArgoRollouts(
            "argo-rollouts",
            {
                chartVersion: "2.41.0",
                highAvailability: false,
                readOnlyGroups: ["acme:developers"],
                deployers: { groups: ["acme:deployers"], namespaces },
                namePrefix: "gitops-stack-dev",
            },
            opts,
        );

    it("binds every namespace, in every batch, and makes whatever depends on it wait for all of them", async () => {
        const run = await runComponents(() => {
            const rollouts = rolloutsOf();
            new k8s.core.v1.ConfigMap("after-rollouts", { data: {} }, { dependsOn: [rollouts] });
            return { namespace: rollouts.namespace, chartVersion: rollouts.chartVersion };
        });
        const bindings = byType(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        expect(bindings.map((b) => (plain(b.inputs) as any).metadata.namespace)).toEqual(namespaces);
        const component = findOne(run.resources, "gitops-stack:shared:ArgoRollouts", "argo-rollouts");
        expect(new Set(bindings.map((b) => b.parent))).toEqual(new Set([component.urn]));
        const dependent = findOne(run.resources, "kubernetes:core/v1:ConfigMap", "after-rollouts");
        // The namespace, the release, the read-only ClusterRole and its binding, the deployer ClusterRole, and the
        // 250 bindings of the last batches too.
        const custom = run.resources.filter((r) => r.custom && r.parent === component.urn);
        expect(custom).toHaveLength(255);
        expect(dependent.dependencies).toEqual(custom.map((r) => r.urn).sort());
        expect(run.outputs).toEqual({ namespace: "argo-rollouts", chartVersion: "2.41.0" });
    });

    it("refuses to be read back from a URN (initialize would not run)", () => {
        expect(() =>
            rolloutsOf({ urn: "urn:pulumi:dev::gitops-stack::gitops-stack:shared:ArgoRollouts::argo-rollouts" }),
        ).toThrow(/ArgoRollouts argo-rollouts: opts.urn is not supported/);
    });
});
