import { describe, expect, it } from "vitest";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const oneApp = (namespace: string, name = "platform") => `apps=${JSON.stringify([{ name, namespace }])}`;

describe("namespaces and names", () => {
    it.each([
        ["argocdNamespace", "argocd"],
        ["fluxNamespace", "flux"],
    ])("%s: never a system namespace", (key, operator) => {
        for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease", "kube-flannel"])
            expectRefused(
                "dev",
                { config: [`operator=${operator}`, `${key}=${ns}`] },
                key,
                ns,
                /system namespace.*destroy would delete it.*expected a namespace of the operator's own/,
            );
    });

    it.each([
        ["a".repeat(64), /64 characters, more than 63/],
        ["Argo", /only lowercase/],
        ["-argocd", /only lowercase/],
        ["argo.cd", /only lowercase/],
    ])("argocdNamespace %s is not a DNS-1123 label", (ns, why) => {
        const problem = expectRefused(
            "prod",
            { config: [`argocdNamespace=${ns}`] },
            "argocdNamespace",
            ns,
            /expected a namespace name: a lowercase DNS label/,
        );
        expect(problem).toMatch(why);
    });

    it.each(["default", "kube-system", "kube-public", "kube-flannel", "argocd", "flux-system"])(
        "an app namespace is never %s",
        (ns) => {
            expectRefused(
                "staging",
                { config: [oneApp(ns)] },
                "apps",
                ns,
                /reserved namespace.*expected a namespace of its own/,
            );
        },
    );

    it.each(["n".repeat(64), "Guestbook", "guestbook-*"])("an app namespace %s is not a DNS-1123 label", (ns) => {
        expectRefused("dev", { config: [oneApp(ns)] }, "apps", ns, /lowercase DNS label .* at most 63 characters/);
    });

    it("accepts 63-character labels and kube without a dash", () => {
        expect(parsed("dev", { config: [oneApp("n".repeat(63))] }).apps[0].namespace).toBe("n".repeat(63));
        expect(parsed("dev", { config: [oneApp("kubeflow")] }).apps[0].namespace).toBe("kubeflow");
        expect(parsed("prod", { config: ["argocdNamespace=gitops-prod"] }).argocd.namespace).toBe("gitops-prod");
    });
});
