import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { runComponents } from "../support/stacks";
import { namespacedRoleBinding } from "../../src/shared/accessControl";

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
