import { describe, expect, it } from "vitest";
import { editDistance, nearest, PROJECT_KEYS } from "../../../src/config/rules/keys";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

describe("typos are loud, in every namespace the engine passes", () => {
    it.each([
        ["gitops_stack:repoUrl", "gitops-stack:repoUrl"],
        ["gitopsstack:autoSync", "gitops-stack:autoSync"],
        ["gitops-stacks:slackChannel", "gitops-stack:slackChannel"],
        ["GitOps-Stack:fluxInterval", "gitops-stack:fluxInterval"],
        ["gitops-stak:repourl", "gitops-stack:repoUrl"],
        ["kubernets:context", "kubernetes:context"],
        ["kuberentes:context", "kubernetes:context"],
        ["kubernete:kubeconfig", "kubernetes:kubeconfig"],
    ])("%s is refused, suggesting %s", (key, meant) => {
        expectRefused("dev", { raw: { [key]: "x" } }, key, null, `expected ${meant}`);
    });

    it.each([
        ["kubernetes:contxt", "kubernetes:context"],
        ["kubernetes:Context", "kubernetes:context"],
        ["kubernetes:kubeConfig", "kubernetes:kubeconfig"],
        ["kubernetes:namepsace", "kubernetes:namespace"],
    ])("an unknown kubernetes key near a real one, %s, is refused", (key, meant) => {
        expectRefused(
            "staging",
            { raw: { [key]: "x" } },
            key,
            null,
            `is not a key of the Kubernetes provider, which would ignore it; expected ${meant}`,
        );
    });

    it.each([
        ["autosync", "autoSync"],
        ["acknowledgeProdOverride", "acknowledgeProdOverrides"],
        ["repoURL", "repoUrl"],
        ["fluxIntervall", "fluxInterval"],
    ])("an unknown gitops-stack key %s suggests %s", (key, meant) => {
        expectRefused(
            "prod",
            { raw: { [`gitops-stack:${key}`]: "x" } },
            key,
            null,
            `is not a gitops-stack key; expected ${meant} (the nearest key)`,
        );
    });

    it("an unknown key far from every real one is refused without a guess", () => {
        expectRefused(
            "dev",
            { raw: { "gitops-stack:somethingElse": "x" } },
            "somethingElse",
            null,
            "expected one of the keys in docs/reference/configuration.md",
        );
    });

    it("leaves other providers' namespaces and real kubernetes keys alone", () => {
        expect(
            parsed("dev", {
                raw: {
                    "aws:region": "eu-west-1",
                    "kubernetes:enableServerSideApply": "true",
                    "kubernetes:futureKey": "x",
                },
            }).stack,
        ).toBe("dev");
    });

    it("measures typos as edits", () => {
        expect(editDistance("kuberentes", "kubernetes")).toBe(1);
        expect(nearest("reporUrl", PROJECT_KEYS)).toBe("repoUrl");
        expect(nearest("zzz", PROJECT_KEYS)).toBeUndefined();
    });
});
