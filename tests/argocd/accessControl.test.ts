import { beforeAll, describe, expect, it } from "vitest";
import { isSecretValue, runProgram, type ProgramRun } from "../../src/offline/mockRun";
import { main, type StackOutputs } from "../../src/program";
import { STACKS, TEST_SECRETS, byType, configErrorOf, findOne, plain, runStack, stackConfig } from "../support/stacks";

const runs = new Map<string, ProgramRun<StackOutputs>>();
beforeAll(async () => {
    for (const stack of STACKS) runs.set(stack, await runStack(stack));
});
const rbacOf = (run: ProgramRun<StackOutputs>) =>
    (plain(findOne(run.resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values) as any).configs.rbac;
const cmOf = (run: ProgramRun<StackOutputs>) =>
    (plain(findOne(run.resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values) as any).configs.cm;

describe("Argo CD RBAC (argocd-rbac-cm)", () => {
    it("writes the exact policy for dev", () => {
        expect(rbacOf(runs.get("dev")!)).toEqual({
            "policy.default": "role:readonly",
            "policy.csv": [
                "p, role:dev-deployer, applications, get, dev/*, allow",
                "p, role:dev-deployer, applications, sync, dev/*, allow",
                "p, role:dev-deployer, applications, rollback, dev/*, allow",
                "p, role:dev-deployer, logs, get, dev/*, allow",
                "g, acme:platform, role:admin",
                "g, acme:developers, role:dev-deployer",
                "g, acme:developers, role:readonly",
                "",
            ].join("\n"),
            scopes: "[groups]",
            "policy.matchMode": "glob",
        });
    });

    it("writes the exact policy for staging", () => {
        expect(rbacOf(runs.get("staging")!)["policy.csv"]).toBe(
            [
                "p, role:staging-deployer, applications, get, staging/*, allow",
                "p, role:staging-deployer, applications, sync, staging/*, allow",
                "p, role:staging-deployer, applications, rollback, staging/*, allow",
                "p, role:staging-deployer, logs, get, staging/*, allow",
                "g, acme:platform, role:admin",
                "g, acme:release-managers, role:staging-deployer",
                "g, acme:developers, role:staging-deployer",
                "g, acme:developers, role:readonly",
                "",
            ].join("\n"),
        );
    });

    it("lets only the prod deployer group sync and roll back prod; developers read", () => {
        const csv: string = rbacOf(runs.get("prod")!)["policy.csv"];
        expect(csv).toBe(
            [
                "p, role:prod-deployer, applications, get, prod/*, allow",
                "p, role:prod-deployer, applications, sync, prod/*, allow",
                "p, role:prod-deployer, applications, rollback, prod/*, allow",
                "p, role:prod-deployer, logs, get, prod/*, allow",
                "g, acme:platform, role:admin",
                "g, acme:release-managers, role:prod-deployer",
                "g, acme:developers, role:readonly",
                "",
            ].join("\n"),
        );
        expect(csv).not.toMatch(/g, acme:developers, role:prod-deployer/);
    });

    it("uses the same group names in the project roles", () => {
        const project = (
            plain(
                findOne(runs.get("prod")!.resources, "kubernetes:argoproj.io/v1alpha1:AppProject", "project").inputs,
            ) as any
        ).spec;
        const groups = Object.fromEntries(project.roles.map((r: any) => [r.name, r.groups]));
        expect(groups).toEqual({ "read-only": ["acme:developers"], deployer: ["acme:release-managers"] });
    });

    it("may deny by default", async () => {
        const run = await runStack("dev", { config: ["rbacDefaultPolicy="] });
        expect(rbacOf(run)["policy.default"]).toBe("");
    });

    it("gives prod role:admin by default only with the acknowledgement", async () => {
        const run = await runStack("prod", {
            config: ["rbacDefaultPolicy=role:admin", "acknowledgeProdOverrides=true"],
        });
        expect(rbacOf(run)["policy.default"]).toBe("role:admin");
    });

    it("enables the local admin in dev only, unless overridden", async () => {
        expect(cmOf(runs.get("dev")!)["admin.enabled"]).toBe(true);
        expect(cmOf(runs.get("staging")!)["admin.enabled"]).toBe(false);
        expect(cmOf(runs.get("prod")!)["admin.enabled"]).toBe(false);
        expect(cmOf(await runStack("staging", { config: ["adminEnabled=true"] }))["admin.enabled"]).toBe(true);
        expect(cmOf(await runStack("dev", { config: ["adminEnabled=false"] }))["admin.enabled"]).toBe(false);
    });

    it("passes SSO configuration through and enables Dex only for dex.config", async () => {
        const staging = runs.get("staging")!;
        expect(cmOf(staging)["oidc.config"]).toContain("issuer: https://acme.okta.example");
        expect(cmOf(staging).url).toBe("https://argocd.staging.acme.example");
        const values = (r: ProgramRun<StackOutputs>) =>
            plain(findOne(r.resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values) as any;
        expect(values(staging).dex).toEqual({ enabled: false });
        const dex = await runStack("dev", { config: ["ssoDexConfig=connectors: []"] });
        expect(cmOf(dex)["dex.config"]).toBe("connectors: []");
        expect(values(dex).dex).toEqual({ enabled: true });
    });

    it("refuses an empty deployer list in prod", async () => {
        expect(await configErrorOf("prod", { config: ["deployerGroups=[]"] })).toMatch(
            /gitops-stack:deployerGroups: is empty in prod/,
        );
    });
});

describe("SSO client secret", () => {
    const oidc = (clientSecret: string) =>
        `ssoOidcConfig=name: Okta\nissuer: https://acme.okta.example\nclientID: argocd\nclientSecret: ${clientSecret}\n`;

    it("keeps it out of the SSO config: a Secret argocd-sso, labelled for Argo CD, made before the release", () => {
        const staging = runs.get("staging")!;
        expect(cmOf(staging)["oidc.config"]).toContain("clientSecret: $argocd-sso:clientSecret");
        const secret = findOne(staging.resources, "kubernetes:core/v1:Secret", "argocd-sso-secret");
        expect(plain(secret.inputs.metadata)).toMatchObject({
            name: "argocd-sso",
            namespace: "argocd",
            labels: { "app.kubernetes.io/part-of": "argocd" },
        });
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(plain(secret.inputs.stringData)).toEqual({ clientSecret: TEST_SECRETS.ssoClientSecret });
        const release = findOne(staging.resources, "kubernetes:helm.sh/v3:Release", "argocd");
        expect(release.dependencies).toContain(secret.urn);
        expect(JSON.stringify(plain(release.inputs))).not.toContain(TEST_SECRETS.ssoClientSecret);
    });

    it("creates no argocd-sso Secret without a reference to it", () => {
        expect(runs.get("dev")!.resources.map((r) => r.name)).not.toContain("argocd-sso-secret");
    });

    it("accepts a reference to a Secret the platform manages itself", async () => {
        const run = await runStack("staging", { config: [oidc("$okta-oidc:clientSecret")] });
        expect(run.resources.map((r) => r.name)).not.toContain("argocd-sso-secret");
        expect(cmOf(run)["oidc.config"]).toContain("clientSecret: $okta-oidc:clientSecret");
    });

    it.each<[string, string[], Parameters<typeof configErrorOf>[1]["secrets"], RegExp]>([
        [
            "a client secret in plain text",
            [oidc("s3cr3t-value")],
            undefined,
            /gitops-stack:ssoOidcConfig: holds a clientSecret in plain text; expected clientSecret: \$argocd-sso:clientSecret, with the value set by pulumi config set --secret ssoClientSecret <value>\./,
        ],
        [
            "a key of argocd-secret, which nothing fills",
            [oidc("$oidc.okta.clientSecret")],
            undefined,
            /gitops-stack:ssoOidcConfig: clientSecret "\$oidc.okta.clientSecret" refers to a key of argocd-secret, which this program does not fill; expected \$argocd-sso:clientSecret/,
        ],
        [
            "the reference without the secret",
            [],
            { ssoClientSecret: null },
            /gitops-stack:ssoClientSecret: is required when ssoOidcConfig refers to \$argocd-sso:clientSecret; set it with: pulumi config set --secret ssoClientSecret <value>\./,
        ],
        [
            "a client secret in plain text, written as JSON",
            ['ssoOidcConfig={"name": "Okta", "issuer": "https://acme.okta.example", "clientSecret": "s3cr3t-value"}'],
            undefined,
            /gitops-stack:ssoOidcConfig: holds a clientSecret in plain text/,
        ],
        [
            "another key of the argocd-sso Secret",
            [oidc("$argocd-sso:clientsecret")],
            undefined,
            /gitops-stack:ssoOidcConfig: refers to "\$argocd-sso:clientsecret"; the argocd-sso Secret holds only clientSecret: expected \$argocd-sso:clientSecret\./,
        ],
        [
            "an SSO config that is not YAML",
            ["ssoOidcConfig=name: [Okta"],
            undefined,
            /gitops-stack:ssoOidcConfig: is not valid YAML \(.+\); expected the oidc.config text Argo CD reads\./,
        ],
        [
            "a Dex connector's client secret in plain text",
            ["ssoOidcConfig=", "ssoDexConfig=connectors:\n- type: github\n  config:\n    clientSecret: abc123\n"],
            undefined,
            /gitops-stack:ssoDexConfig: holds a clientSecret in plain text/,
        ],
    ])("refuses %s", async (_title, config, secrets, message) => {
        const error = await configErrorOf("staging", { config, secrets });
        expect(error).toMatch(message);
        expect(error).not.toContain("s3cr3t-value");
    });

    it("accepts a public client (empty secret), comments, and a tagged reference", async () => {
        const config =
            "ssoOidcConfig=name: Okta\nissuer: https://acme.okta.example\nclientID: cli\n" +
            "# clientSecret: rotate yearly\nclientSecret: ''\ncliClientSecret: !!str $argocd-sso:clientSecret\n";
        const run = await runStack("staging", { config: [config] });
        expect(cmOf(run)["oidc.config"]).toContain("# clientSecret: rotate yearly");
        expect(run.resources.map((r) => r.name)).toContain("argocd-sso-secret");
    });

    it("is not needed with operator flux, which has no SSO", async () => {
        const run = await runStack("staging", { config: ["operator=flux"], secrets: { ssoClientSecret: null } });
        expect(run.resources.map((r) => r.name)).not.toContain("argocd-sso-secret");
    });

    it("keeps the Helm values secret when the stack stores the SSO config encrypted", async () => {
        const config = stackConfig("staging");
        config.secretKeys.push("gitops-stack:ssoOidcConfig");
        const run = await runProgram("staging", config, main);
        const release = findOne(run.resources, "kubernetes:helm.sh/v3:Release", "argocd");
        expect(isSecretValue(release.inputs.values)).toBe(true);
        expect(isSecretValue(findOne(runs.get("staging")!.resources, release.type, "argocd").inputs.values)).toBe(
            false,
        );
    });
});

describe("Kubernetes RBAC for GitOps configuration", () => {
    const resources = () => runs.get("dev")!.resources;

    it("lets only the platform group change Applications, ApplicationSets and AppProjects in the argocd namespace", () => {
        const role = plain(
            findOne(resources(), "kubernetes:rbac.authorization.k8s.io/v1:Role", "access-platform").inputs,
        ) as any;
        expect(role.metadata).toMatchObject({ name: "gitops-stack-argocd-platform", namespace: "argocd" });
        expect(role.rules).toEqual([
            {
                apiGroups: ["argoproj.io"],
                resources: ["applications", "applicationsets", "appprojects"],
                verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
            },
        ]);
        const binding = plain(
            findOne(resources(), "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "access-platform").inputs,
        ) as any;
        expect(binding.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: "gitops-stack-argocd-platform",
        });
        expect(binding.subjects).toEqual([
            { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "acme:platform" },
        ]);
    });

    it("gives developers a read-only ClusterRole", () => {
        const role = plain(
            findOne(resources(), "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "access-readonly").inputs,
        ) as any;
        expect(role.rules).toEqual([
            {
                apiGroups: ["argoproj.io"],
                resources: ["applications", "applicationsets", "appprojects"],
                verbs: ["get", "list", "watch"],
            },
        ]);
        const binding = plain(
            findOne(resources(), "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "access-readonly")
                .inputs,
        ) as any;
        expect(binding.subjects.map((s: any) => s.name)).toEqual(["acme:developers"]);
    });

    it("uses no wildcard verbs, groups or resources anywhere", () => {
        for (const stack of STACKS) {
            const rbac = runs
                .get(stack)!
                .resources.filter((r) => r.type.includes("rbac.authorization.k8s.io/v1:") && r.type.endsWith("Role"));
            for (const r of rbac) {
                for (const rule of (plain(r.inputs) as any).rules) {
                    for (const field of ["apiGroups", "resources", "verbs"]) expect(rule[field]).not.toContain("*");
                }
            }
        }
    });

    it("binds nobody when no groups are configured", async () => {
        const run = await runStack("dev", {
            config: ["platformAdminGroups=[]", "developerGroups=[]", "deployerGroups=[]"],
        });
        expect(byType(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")).toEqual([]);
        expect(byType(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual([]);
    });
});
