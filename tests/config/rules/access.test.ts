import { describe, expect, it } from "vitest";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const KEYS = ["platformAdminGroups", "deployerGroups", "developerGroups"];

describe("access groups cannot be handed to everyone", () => {
    it.each([
        ["system:authenticated", /every identity that authenticates/],
        ["system:unauthenticated", /every anonymous request/],
        ["system:serviceaccounts", /every ServiceAccount/],
        ["system:serviceaccounts:argocd", /every ServiceAccount of namespace "argocd"/],
        ["system:masters", /superuser/],
        ["system:nodes", /every kubelet/],
        ["system:anything", /system: prefix/],
        ["SYSTEM:AUTHENTICATED", /every identity/],
    ])("refuses %s in every access key and tier", (group, why) => {
        for (const [i, key] of KEYS.entries()) {
            const stack = ["dev", "staging", "prod"][i];
            const problem = expectRefused(
                stack,
                { config: [`${key}=${JSON.stringify(["acme:sre", group])}`] },
                key,
                group,
                why,
            );
            expect(problem).toMatch(/write access to GitOps objects \(which is cluster-admin through the operator\)/);
            expect(problem).toContain("expected an SSO group of named people");
        }
    });

    it.each(["acme:*", "*", "acme dev", "a,b"])("refuses the malformed or wildcard group %s", (group) => {
        expectRefused(
            "dev",
            { config: [`deployerGroups=${JSON.stringify([group])}`] },
            "deployerGroups",
            group,
            /expected an SSO group name/,
        );
    });

    it("accepts ordinary SSO groups, including ones that mention system elsewhere", () => {
        const groups = ["acme:release-managers", "acme:system-admins", "team@acme.example"];
        expect(parsed("prod", { config: [`deployerGroups=${JSON.stringify(groups)}`] }).access.deployerGroups).toEqual(
            groups,
        );
    });
});
