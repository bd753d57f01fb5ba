import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runComponents } from "../support/stacks";
import { appNamespace, namespacedRoleBinding } from "../../src/shared/accessControl";

const binding = {
    metadata: { name: "dev-admin", namespace: "shop-dev", labels: { team: "shop" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name: "dev", namespace: "flux-system" }],
};

describe("namespacedRoleBinding", () => {
    it("registers what k8s.rbac.v1.RoleBinding registers: same type, URN and inputs", async () => {
        const typed = await runComponents(() => {
            new k8s.rbac.v1.RoleBinding("binding", binding);
        });
        const lean = await runComponents(() => {
            namespacedRoleBinding("binding", binding, {});
        });
        const shape = (run: typeof typed) => run.resources.map(({ urn, type, inputs }) => ({ urn, type, inputs }));
        expect(shape(lean)).toEqual(shape(typed));
        expect(lean.resources[0]).toMatchObject({
            urn: "urn:pulumi:dev::gitops-stack::kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::binding",
            inputs: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding" },
        });
    });
});

describe("appNamespace", () => {
    const metadata = { name: "shop-dev", labels: { "toolkit.fluxcd.io/tenant": "gitops-dev" } };

    it("registers what k8s.core.v1.Namespace registers: same type, URN, inputs and options", async () => {
        const typed = await runComponents(() => {
            new k8s.core.v1.Namespace("shop", { metadata }, { retainOnDelete: true });
        });
        const lean = await runComponents(() => {
            appNamespace("shop", metadata, { retainOnDelete: true });
        });
        const shape = (run: typeof typed) =>
            run.resources.map(({ urn, type, inputs, retainOnDelete }) => ({ urn, type, inputs, retainOnDelete }));
        expect(shape(lean)).toEqual(shape(typed));
        expect(lean.resources[0]).toMatchObject({
            urn: "urn:pulumi:dev::gitops-stack::kubernetes:core/v1:Namespace::shop",
            inputs: { apiVersion: "v1", kind: "Namespace", metadata },
            retainOnDelete: true,
        });
    });
});

describe("per-app objects registered leanly", () => {
    /** The version option the SDK sends the engine with a resource (which provider plugin to load). */
    const versionOf = (resource: pulumi.Resource) => (resource as unknown as { __version?: string }).__version;

    it("ask for the same provider plugin version as the typed classes", async () => {
        const versions: Record<string, string | undefined> = {};
        await runComponents(() => {
            const metadata = { name: "shop-dev" };
            versions.typedNamespace = versionOf(new k8s.core.v1.Namespace("typed", { metadata }));
            versions.namespace = versionOf(appNamespace("lean", metadata, {}));
            versions.typedBinding = versionOf(new k8s.rbac.v1.RoleBinding("typed", binding));
            versions.binding = versionOf(namespacedRoleBinding("lean", binding, {}));
        });
        expect(versions.namespace).toMatch(/^\d+\.\d+\.\d+/);
        expect(versions).toEqual({
            typedNamespace: versions.namespace,
            namespace: versions.namespace,
            typedBinding: versions.namespace,
            binding: versions.namespace,
        });
    });
});
