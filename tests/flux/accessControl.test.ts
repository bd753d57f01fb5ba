import { beforeAll, describe, expect, it } from "vitest";
import { FLUX_GITOPS_RESOURCES } from "../../src/flux";
import type { ProgramRun } from "../../src/offline/mockRun";
import type { StackOutputs } from "../../src/program";
import { STACKS, byType, findOne, plain, runStack } from "../support/stacks";

const FLUX = "operator=flux";
const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const runs = new Map<string, ProgramRun<StackOutputs>>();
beforeAll(async () => {
    for (const stack of STACKS) runs.set(stack, await runStack(stack, { config: [FLUX] }));
});
const run = (stack: string) => runs.get(stack)!;
const inputs = (stack: string, type: string, name: string) =>
    plain(findOne(run(stack).resources, type, name).inputs) as any;
const apps = ["platform", "guestbook", "podinfo"];

describe.each(STACKS)("stack %s: tenancy", (stack) => {
    it("creates the app namespaces, labelled, since the impersonated account cannot", () => {
        for (const app of apps) {
            // Prod keeps them, and their workloads, when the stack is destroyed (cascadeDelete off).
            const ns = findOne(run(stack).resources, "kubernetes:core/v1:Namespace", `tenancy-${app}-${stack}`);
            expect(ns.retainOnDelete, `${app}-${stack}`).toBe(stack === "prod");
            expect(inputs(stack, "kubernetes:core/v1:Namespace", `tenancy-${app}-${stack}`).metadata).toEqual({
                name: `${app}-${stack}`,
                labels: {
                    "app.kubernetes.io/managed-by": "gitops-stack",
                    "gitops-stack.io/environment": stack,
                    "toolkit.fluxcd.io/tenant": `gitops-${stack}`,
                },
            });
        }
    });

    it("creates the environment's ServiceAccount in the Flux namespace, without a token", () => {
        expect(inputs(stack, "kubernetes:core/v1:ServiceAccount", "tenancy-sa")).toMatchObject({
            metadata: { name: `gitops-${stack}`, namespace: "flux-system" },
            automountServiceAccountToken: false,
        });
    });

    it("binds it to the built-in admin role in each app namespace, and nowhere cluster-wide", () => {
        for (const app of apps) {
            expect(inputs(stack, `${RBAC}:RoleBinding`, `tenancy-${app}-${stack}-admin`)).toMatchObject({
                metadata: { name: `gitops-${stack}-admin`, namespace: `${app}-${stack}` },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
                subjects: [{ kind: "ServiceAccount", name: `gitops-${stack}`, namespace: "flux-system" }],
            });
        }
        const clusterBindings = byType(run(stack).resources, `${RBAC}:ClusterRoleBinding`).map(
            (r) => plain(r.inputs) as any,
        );
        for (const b of clusterBindings) expect(b.subjects.every((s: any) => s.kind === "Group")).toBe(true);
    });
});

describe.each(STACKS)("stack %s: Kubernetes RBAC for Flux objects", (stack) => {
    it("names every Flux API group and resource explicitly, never a wildcard", () => {
        const role = inputs(stack, `${RBAC}:Role`, "access-platform");
        const readOnly = inputs(stack, `${RBAC}:ClusterRole`, "access-readonly");
        const groups = role.rules.map((r: any) => r.apiGroups[0]);
        expect(groups).toEqual([
            "source.toolkit.fluxcd.io",
            "kustomize.toolkit.fluxcd.io",
            "helm.toolkit.fluxcd.io",
            "notification.toolkit.fluxcd.io",
            "image.toolkit.fluxcd.io",
        ]);
        for (const rule of [...role.rules, ...readOnly.rules]) {
            for (const field of ["apiGroups", "resources", "verbs"]) expect(rule[field]).not.toContain("*");
        }
        expect(role.rules.map((r: any) => r.resources)).toEqual(FLUX_GITOPS_RESOURCES.map((r) => r.resources));
    });

    it("lets only the platform groups change Flux objects, in the Flux namespace only", () => {
        const role = inputs(stack, `${RBAC}:Role`, "access-platform");
        expect(role.metadata).toMatchObject({ name: "gitops-stack-flux-platform", namespace: "flux-system" });
        for (const rule of role.rules)
            expect(rule.verbs).toEqual(["get", "list", "watch", "create", "update", "patch", "delete"]);
        expect(inputs(stack, `${RBAC}:RoleBinding`, "access-platform")).toMatchObject({
            metadata: { namespace: "flux-system" },
            roleRef: { kind: "Role", name: "gitops-stack-flux-platform" },
            subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "acme:platform" }],
        });
    });

    it("gives developers and deployers read-only access", () => {
        const readOnly = inputs(stack, `${RBAC}:ClusterRole`, "access-readonly");
        for (const rule of readOnly.rules) expect(rule.verbs).toEqual(["get", "list", "watch"]);
        const subjects = inputs(stack, `${RBAC}:ClusterRoleBinding`, "access-readonly").subjects.map(
            (s: any) => s.name,
        );
        const expected = {
            dev: ["acme:developers"],
            staging: ["acme:developers", "acme:release-managers"],
            prod: ["acme:developers", "acme:release-managers"],
        }[stack];
        expect(subjects).toEqual(expected);
    });
});
