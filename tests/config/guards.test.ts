import { describe, expect, it } from "vitest";
import {
    everyoneGroupReason,
    isSystemNamespace,
    patternWidth,
    stackTier,
    type PatternKind,
} from "../../src/config/guards";

describe("patternWidth", () => {
    // Each row: pattern, kind, what the reason must say.
    it.each<[string, PatternKind, RegExp]>([
        ["*", "repo", /"\*" matches every repository \(Argo CD matches sourceRepos as globs\); expected one exact/],
        ["**", "repo", /"\*\*" matches every repository/],
        ["https://*", "repo", /contains "\*", which matches any run of characters including '\/'/],
        ["https://**", "repo", /contains "\*\*"/],
        ["*.git", "repo", /contains "\*"/],
        ["git@github.com:*", "repo", /contains "\*"/],
        ["https://github.com/acme/*", "repo", /matches every repository that fits the rest/],
        ["https://github.com/acme/gitops?", "repo", /contains "\?", which matches any one character/],
        ["https://github.com/acme/[ab]pp.git", "repo", /character class "\[ab\]"/],
        ["https://github.com/acme/[!a]pp.git", "repo", /character class "\[!a\]"/],
        ["https://github.com/acme/{app,api}.git", "repo", /alternatives "\{app,api\}"/],
        ["!https://github.com/acme/gitops.git", "repo", /deny pattern: it stands for every repository except/],
        ["https://github.com/acme/[abc", "repo", /is not a valid glob .*Argo CD would match nothing/],
        ["https://github.com/acme/{a,b", "repo", /is not a valid glob/],
        ["https://github.com/acme/x\\", "repo", /is not a valid glob/],
        [
            "*",
            "namespace",
            /"\*" matches every namespace \(Argo CD matches destinations as globs\); expected one exact namespace name/,
        ],
        ["team-*", "namespace", /contains "\*"/],
        ["*", "cluster", /"\*" matches every cluster .*expected one exact cluster server URL or name/],
        ["https://*.example.com", "cluster", /contains "\*"/],
        ["!in-cluster", "cluster", /deny pattern: it stands for every cluster except "in-cluster"/],
        ["?", "namespace", /contains "\?"/],
        ["app-[abc]", "namespace", /character class "\[abc\]"/],
        ["{a,b}", "namespace", /alternatives "\{a,b\}"/],
        ["!kube-system", "namespace", /deny pattern: it stands for every namespace except "kube-system"/],
        ["*", "rbacObject", /"\*" matches every object \(Argo CD matches RBAC policy objects as globs\)/],
        ["*/*", "rbacObject", /matches every object/],
        ["prod-*/*", "rbacObject", /contains "\*"/],
        ["dev/*", "rbacObject", /contains "\*"/],
        ["!prod/app", "rbacObject", /reads literally, not as a negation: it names no real object/],
        ["prod/app-?", "rbacObject", /contains "\?"/],
    ])("reports %j as %s", (pattern, kind, reason) => {
        expect(patternWidth(pattern, kind)).toMatch(reason);
    });

    it.each<[string, PatternKind]>([
        ["https://github.com/acme/gitops.git", "repo"],
        ["git@github.com:acme/gitops.git", "repo"],
        ["ssh://git@git.example.com:2222/acme/gitops.git", "repo"],
        ["https://github.com/acme/\\*.git", "repo"], // an escaped star is a literal character
        ["guestbook-prod", "namespace"],
        ["https://kubernetes.default.svc", "cluster"],
        ["prod/guestbook-prod", "rbacObject"],
        ["prod/guestbook/app", "rbacObject"],
        ["", "namespace"],
    ])("accepts %j as one %s", (pattern, kind) => {
        expect(patternWidth(pattern, kind)).toBeUndefined();
    });

    it("accepts <project>/* for the environment's own project only", () => {
        expect(patternWidth("prod/*", "rbacObject", { project: "prod" })).toBeUndefined();
        expect(patternWidth("dev/*", "rbacObject", { project: "prod" })).toMatch(
            /contains "\*".*or prod\/\* for the environment's own project/,
        );
        expect(patternWidth("prod/**", "rbacObject", { project: "prod" })).toMatch(/contains "\*\*"/);
        expect(patternWidth("*/*", "rbacObject", { project: "*" })).toMatch(/matches every object/);
        // The exemption is for objects only: a namespace "prod/*" is still a glob.
        expect(patternWidth("prod/*", "namespace", { project: "prod" })).toMatch(/contains "\*"/);
    });
});

describe("everyoneGroupReason", () => {
    it.each<[string, RegExp]>([
        ["system:authenticated", /holds every identity that authenticates to the cluster/],
        ["system:unauthenticated", /holds every anonymous request/],
        ["system:anonymous", /anonymous requests/],
        ["system:serviceaccounts", /every ServiceAccount in every namespace/],
        ["system:serviceaccounts:ci", /every ServiceAccount of namespace "ci"/],
        ["system:masters", /superuser group: its members bypass RBAC/],
        ["system:nodes", /every kubelet/],
        ["system:bootstrappers", /bootstrap token/],
        ["system:kube-controller-manager", /system: prefix Kubernetes reserves/],
        ["System:Authenticated", /holds every identity/],
        [" system:masters ", /superuser/],
        ["*", /wildcard/],
        ["acme:*", /wildcard/],
    ])("refuses %j", (group, reason) => {
        const message = everyoneGroupReason(group);
        expect(message).toMatch(reason);
        expect(message).toMatch(/write access to GitOps objects .*Expected an SSO group of named people/);
    });

    it.each(["acme:platform", "acme:release-managers", "platform-admins", "acme@example.com", "systems:ops", ""])(
        "accepts %j",
        (group) => expect(everyoneGroupReason(group)).toBeUndefined(),
    );
});

describe("isSystemNamespace", () => {
    it.each(["default", "kube-system", "kube-public", "kube-node-lease", "kube-flannel", "kube-anything"])(
        "%s is a system namespace",
        (ns) => expect(isSystemNamespace(ns)).toBe(true),
    );
    it.each(["argocd", "flux-system", "guestbook-prod", "kube", "kubernetes-dashboard", "defaults"])(
        "%s is not",
        (ns) => expect(isSystemNamespace(ns)).toBe(false),
    );
});

describe("stackTier", () => {
    it.each<[string, string | undefined]>([
        ["dev", "dev"],
        ["development", "dev"],
        ["staging", "staging"],
        ["stage", "staging"],
        ["prod", "prod"],
        ["production", "prod"],
        ["Production", "prod"],
        ["acme-prod", "prod"],
        ["prod.eu-west", "prod"],
        ["eu_prod", "prod"],
        ["acme/gitops-stack/prod", "prod"],
        ["team-stage-2", "staging"],
        ["prod-copy-of-dev", "prod"],
        ["dev-staging", "staging"],
        ["qa", undefined],
        ["product", undefined],
        ["devops", undefined],
        ["preprod", undefined],
    ])("%s has tier %s", (stack, tier) => expect(stackTier(stack)).toBe(tier));
});
