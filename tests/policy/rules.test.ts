import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { POLICIES } from "../../policy/rules";
import { PROJECT } from "../../src/config";
import type { RecordedResource } from "../../src/offline/mockRun";
import { STACKS, plain, runStack, stackConfig, type StackOptions } from "../support/stacks";
import { violations, type PackObject, type RunOptions } from "./harness";

const APP = "kubernetes:argoproj.io/v1alpha1:Application";
const PROJECT_TYPE = "kubernetes:argoproj.io/v1alpha1:AppProject";
const PATCH = "kubernetes:argoproj.io/v1alpha1:AppProjectPatch";
const KUSTOMIZATION = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization";
const GIT_REPOSITORY = "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

const meta = (name: string, env?: string, extra: Record<string, unknown> = {}) => ({
    name,
    namespace: "argocd",
    ...(env ? { labels: { "gitops-stack.io/environment": env } } : {}),
    ...extra,
});

/** A prod AppProject as the program writes it; rows override one field. */
const prodProject = (spec: Record<string, unknown> = {}, env = "prod"): PackObject => ({
    type: PROJECT_TYPE,
    props: {
        metadata: meta("prod", env),
        spec: {
            sourceRepos: ["https://github.com/acme/gitops.git"],
            destinations: [{ server: "https://kubernetes.default.svc", namespace: "guestbook-prod" }],
            clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
            syncWindows: [{ kind: "allow", schedule: "0 9 * * 1-4", duration: "8h", applications: ["*"] }],
            roles: [
                {
                    name: "deployer",
                    policies: ["p, proj:prod:deployer, applications, sync, prod/*, allow"],
                    groups: ["acme:release-managers"],
                },
            ],
            ...spec,
        },
    },
});
const devProject = (spec: Record<string, unknown>): PackObject => {
    const roles = [
        {
            name: "deployer",
            policies: ["p, proj:dev:deployer, applications, sync, dev/*, allow"],
            groups: ["acme:devs"],
        },
    ];
    const destinations = [{ server: "https://kubernetes.default.svc", namespace: "guestbook-dev" }];
    const props = prodProject({ roles, destinations, ...spec }, "dev").props;
    return { type: PROJECT_TYPE, stack: "dev", props: { ...props, metadata: meta("dev", "dev") } };
};

const PROD_CSV = [
    "p, role:prod-deployer, applications, sync, prod/*, allow",
    "g, acme:platform, role:admin",
    "g, acme:release-managers, role:prod-deployer",
].join("\n");

/** The argo-cd release of a prod stack with prod values; rows override values. */
const argoRelease = (values: Record<string, unknown> = {}, stack = "prod"): PackObject => ({
    type: RELEASE,
    stack,
    props: {
        name: "argocd",
        chart: "argo-cd",
        version: "10.1.1",
        values: {
            configs: {
                cm: { "admin.enabled": false },
                rbac: { "policy.csv": PROD_CSV, "policy.default": "role:readonly" },
            },
            "redis-ha": { enabled: true },
            server: { replicas: 2 },
            repoServer: { replicas: 2 },
            ...values,
        },
    },
});
const defaultPatch: PackObject = { type: PATCH, props: { metadata: meta("default"), spec: { sourceRepos: [] } } };
/** A prod Argo CD stack as the program declares it (project, default-project patch, release); rows change values. */
const argoStack = (values: Record<string, unknown> = {}): PackObject[] => [
    prodProject(),
    defaultPatch,
    argoRelease(values),
];
const fluxRelease = (values: Record<string, unknown> = {}): PackObject => ({
    type: RELEASE,
    props: {
        name: "flux",
        chart: "flux2",
        version: "2.18.3",
        values: {
            multitenancy: { enabled: true },
            sourceController: { resources: { requests: { cpu: "200m" } } },
            kustomizeController: { resources: { requests: { cpu: "200m" } } },
            ...values,
        },
    },
});
const app = (props: Record<string, any>, stack = "prod"): PackObject => ({ type: APP, stack, props });
const kustomization = (spec: Record<string, unknown>, stack = "prod", env = "prod"): PackObject => ({
    type: KUSTOMIZATION,
    stack,
    props: { metadata: meta("k", env), spec: { serviceAccountName: "gitops-prod", deletionPolicy: "Orphan", ...spec } },
});
const binding = (type: string, subjects: Array<Record<string, string>>): PackObject => ({
    type,
    stack: "dev",
    props: { metadata: { name: "b" }, roleRef: { kind: "ClusterRole", name: "view" }, subjects },
});
const group = (name: string) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });
/** A GitOps repository checkout whose apps/web/overlays/dev commits a plain Secret (no-plain-secrets-in-git). */
function plainSecretRepo(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-policy-row-"));
    const overlay = path.join(dir, "apps/web/overlays/dev");
    fs.mkdirSync(overlay, { recursive: true });
    fs.writeFileSync(path.join(overlay, "kustomization.yaml"), "resources:\n  - secret.yaml\n");
    fs.writeFileSync(path.join(overlay, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n");
    return dir;
}

/** The engine configuration the CLI passes in PULUMI_CONFIG for a stack. */
const engine = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v]));

const toPack = (stack: string, resources: RecordedResource[]): PackObject[] =>
    resources.map((r) => ({ type: r.type, name: r.name, stack, props: plain(r.inputs) as Record<string, any> }));

/** A committed stack through the pack, with the engine configuration the CLI would pass for it. */
async function stackViolations(stack: string, options: StackOptions = {}, run: RunOptions = {}) {
    const resources = (await runStack(stack, options)).resources;
    return violations(toPack(stack, resources), {
        engineConfig: stackConfig(stack, options).values,
        ...run,
    });
}

describe("policy pack on the committed stacks", () => {
    it.each(STACKS)("passes every object of the %s stack (no advisory finding either)", async (stack) => {
        expect(await stackViolations(stack, {}, { advisory: true })).toEqual([]);
    });

    it.each(STACKS)("passes every object of the %s stack with operator=flux", async (stack) => {
        expect(await stackViolations(stack, { config: ["operator=flux"] }, { advisory: true })).toEqual([]);
    });

    it.each(STACKS)("passes the %s stack with appsMode=applicationset (outside prod: advisory only)", async (stack) => {
        const found = await stackViolations(stack, { config: ["appsMode=applicationset"] }, { advisory: true });
        if (stack === "prod") expect(found).toEqual([]);
        else {
            // The ApplicationSet mode admits *-<env> outside prod on purpose; the pack says so, and refuses nothing.
            expect(found).toEqual([expect.stringMatching(/^argocd-appproject-exact-destinations: .*"\*-/)]);
            expect(await stackViolations(stack, { config: ["appsMode=applicationset"] })).toEqual([]);
        }
    });

    it("passes prod with appsMode=applicationset and acknowledged autoSync and cascadeDelete", async () => {
        const options = {
            config: [
                "appsMode=applicationset",
                "autoSync=true",
                "cascadeDelete=true",
                "acknowledgeProdOverrides=[autoSync, cascadeDelete]",
            ],
        };
        expect(await stackViolations("prod", options)).toEqual([]);
        const resources = (await runStack("prod", options)).resources;
        const found = violations(toPack("prod", resources), {
            engineConfig: { ...stackConfig("prod", options).values, "gitops-stack:acknowledgeProdOverrides": "false" },
        });
        expect(found.join("\n")).toMatch(/ApplicationSet prod-apps generates Applications that sync automatically/);
        // Acknowledged by name: what the stack names passes, what it does not is refused (issue 19).
        const onlyAutoSync = violations(toPack("prod", resources), {
            engineConfig: {
                ...stackConfig("prod", options).values,
                "gitops-stack:acknowledgeProdOverrides": '["autoSync"]',
            },
        });
        expect(onlyAutoSync.join("\n")).not.toMatch(/sync automatically|syncs automatically/);
        expect(onlyAutoSync.join("\n")).toMatch(/cascade finalizer.*acknowledgeProdOverrides: \[cascadeDelete\]/);
    });

    it("reads the program's mark by name when the CLI passes no configuration", async () => {
        const options = {
            config: ["autoSync=true", "cascadeDelete=true", "acknowledgeProdOverrides=[autoSync, cascadeDelete]"],
        };
        const objects = toPack("prod", (await runStack("prod", options)).resources);
        expect(violations(objects)).toEqual([]);
        // A mark naming only autoSync accepts automated sync, not the cascade finalizer.
        const marked = objects.map((o) =>
            o.props.metadata?.annotations?.["gitops-stack.io/prod-overrides-acknowledged"]
                ? {
                      ...o,
                      props: {
                          ...o.props,
                          metadata: {
                              ...o.props.metadata,
                              annotations: { "gitops-stack.io/prod-overrides-acknowledged": "autoSync" },
                          },
                      },
                  }
                : o,
        );
        const found = violations(marked).join("\n");
        expect(found).toMatch(/argocd-prod-no-cascade-delete-by-surprise/);
        expect(found).not.toMatch(/argocd-prod-no-unacknowledged-automated-sync/);
    });

    // Several clusters (Argo CD cluster Secrets and destinations, Flux kubeconfig Secrets and Kustomizations).
    const CLUSTERS = JSON.stringify([
        { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" },
        { name: "local", server: "https://kubernetes.default.svc" },
    ]);
    it.each(STACKS.flatMap((stack) => [[stack, "argocd"] as const, [stack, "flux"] as const]))(
        "passes the %s stack (%s) deploying to several clusters",
        async (stack, operator) => {
            const options = { config: [`operator=${operator}`], raw: { "gitops-stack:clusters": CLUSTERS } };
            expect(await stackViolations(stack, options, { advisory: true })).toEqual([]);
        },
    );

    it.each(STACKS.flatMap((stack) => [[stack, "argocd"] as const, [stack, "flux"] as const]))(
        "passes the %s stack (%s) against an existing operator install (operatorInstall=existing)",
        async (stack, operator) => {
            // Flux prod on an existing install: the tenancy lockdown is the install's, acknowledged (issue 19 §3).
            const ack = stack === "prod" && operator === "flux" ? ["acknowledgeProdOverrides=[fluxMultitenancy]"] : [];
            const options = { config: [`operator=${operator}`, "operatorInstall=existing", ...ack] };
            expect(await stackViolations(stack, options, { advisory: true })).toEqual([]);
        },
    );

    it("passes prod with acknowledged overrides (by name, and with the deprecated true)", async () => {
        for (const ack of ["[autoSync, cascadeDelete]", "true"]) {
            const options = { config: ["autoSync=true", "cascadeDelete=true", `acknowledgeProdOverrides=${ack}`] };
            expect(await stackViolations("prod", options)).toEqual([]);
        }
    });

    it("passes Flux prod with acknowledged cascade delete", async () => {
        const options = { config: ["operator=flux", "cascadeDelete=true", "acknowledgeProdOverrides=[cascadeDelete]"] };
        expect(await stackViolations("prod", options)).toEqual([]);
    });

    it("catches the prod stack's objects relabelled as dev, by the stack the engine runs", async () => {
        // What a code change that bypasses config would produce: dev behaviour and dev labels, in the prod stack.
        const resources = (await runStack("dev")).resources;
        const found = violations(toPack("prod", resources), { engineConfig: stackConfig("prod").values });
        const names = new Set(found.map((f) => f.split(":")[0]));
        expect([...names].sort()).toEqual([
            // Dev's namespaces in the prod stack (issue 19 §3).
            "argocd-appproject-explicit-destinations",
            "argocd-prod-no-cascade-delete-by-surprise",
            "argocd-prod-no-unacknowledged-automated-sync",
            "prod-defaults-unless-acknowledged",
            "prod-no-image-automation",
        ]);
        expect(found.join("\n")).toMatch(/stack "prod" \(tier prod\)/);
        expect(found.join("\n")).toMatch(/has no sync window/);
        expect(found.join("\n")).toMatch(/keeps the local admin account/);
        expect(found.join("\n")).toMatch(/is not highly available/);
        expect(found.join("\n")).toMatch(/cluster-scoped rbac.authorization.k8s.io\/ClusterRole/);
        expect(found.join("\n")).toMatch(/prod-no-image-automation: ImageUpdater dev-images writes image updates/);
    });

    it("catches the Flux prod stack rendering dev behaviour", async () => {
        const resources = (await runStack("dev", { config: ["operator=flux"] })).resources;
        const found = violations(toPack("prod", resources), { engineConfig: stackConfig("prod").values });
        const text = found.join("\n");
        expect(text).toMatch(/flux-prod-no-delete-by-surprise: Kustomization dev-guestbook has deletionPolicy Delete/);
        expect(text).toMatch(/prod-no-image-automation: ImageUpdateAutomation gitops-dev writes image updates/);
        expect(text).toMatch(/flux-prod-not-on-automation-branch: GitRepository gitops-dev .* tracks branch "main"/);
        expect(text).toMatch(/reserves no CPU or memory for sourceController, kustomizeController/);
    });
});

/**
 * Each row shows one flaw. Every Argo CD stack of the program also restricts the built-in default project; rows
 * that are not about that restriction get it (in the row's stack), so they do not also trip its rule.
 */
function withRestriction(objects: PackObject[], expected: RegExp): PackObject[] {
    if (expected.source.includes("default-project-restricted") || objects.some((o) => o.type === PATCH)) return objects;
    return [...objects, { ...defaultPatch, stack: objects[0]?.stack ?? "prod" }];
}

describe("policy pack on hostile objects", () => {
    // Each row: title, objects (stack "prod" unless set), options, the one violation expected.
    const rows: Array<[string, PackObject[], RunOptions, RegExp]> = [
        // Applications and their project.
        [
            "an Application in the default project",
            [app({ metadata: meta("a"), spec: { project: "default" } }, "dev")],
            {},
            /^argocd-application-not-in-default-project: Application a is in the default project/,
        ],
        [
            "an Application without a project",
            [app({ metadata: meta("a"), spec: {} }, "dev")],
            {},
            /^argocd-application-not-in-default-project: Application a/,
        ],
        [
            "an ApplicationSet generating into the default project",
            [
                {
                    type: "kubernetes:argoproj.io/v1alpha1:ApplicationSet",
                    stack: "dev",
                    props: { metadata: meta("apps"), spec: { template: { spec: { project: "default" } } } },
                },
            ],
            {},
            /^argocd-application-not-in-default-project: ApplicationSet apps generates Applications in the default project/,
        ],
        // §3: sourceRepos globs in prod.
        ...[
            "*",
            "**",
            "https://*",
            "*.git",
            "git@github.com:*",
            "https://github.com/acme/*",
            "https://github.com/acme/{a,b}.git",
            "https://github.com/acme/gitops?",
        ].map((repo): [string, PackObject[], RunOptions, RegExp] => [
            `sourceRepos ${repo} in prod`,
            [prodProject({ sourceRepos: [repo] })],
            {},
            /^argocd-appproject-exact-sources-in-prod: AppProject prod in stack "prod" \(tier prod\) lists a sourceRepos pattern that admits more than one repository: .*expected one exact repository URL/,
        ]),
        [
            "a deny pattern in sourceRepos",
            [prodProject({ sourceRepos: ["!https://github.com/acme/gitops.git"] })],
            {},
            /exact-sources-in-prod: .*deny pattern: it stands for every repository except/,
        ],
        // §3 and §5: destinations.
        ...["*", "**", "!kube-system"].map((namespace): [string, PackObject[], RunOptions, RegExp] => [
            `destination namespace ${namespace} (dev)`,
            [devProject({ destinations: [{ server: "https://kubernetes.default.svc", namespace }] })],
            {},
            /^argocd-appproject-explicit-destinations: AppProject dev destination .* has a wildcard namespace: .*expected one exact namespace name/,
        ]),
        ...["team-*", "*-prod", "?", "app-[ab]", "{a,b}"].map(
            (namespace): [string, PackObject[], RunOptions, RegExp] => [
                `destination namespace ${namespace} in prod`,
                [prodProject({ destinations: [{ server: "https://kubernetes.default.svc", namespace }] })],
                {},
                /^argocd-appproject-exact-destinations-in-prod: AppProject prod destination .* in stack "prod" \(tier prod\) has a wildcard namespace: /,
            ],
        ),
        ...["kube-system", "default", "kube-flannel", "kube-public"].map(
            (namespace): [string, PackObject[], RunOptions, RegExp] => [
                `destination namespace ${namespace}`,
                [devProject({ destinations: [{ server: "https://kubernetes.default.svc", namespace }] })],
                {},
                new RegExp(
                    `explicit-destinations: .*lets applications deploy into the system namespace "${namespace}"`,
                ),
            ],
        ),
        // Issue 19 §3: the pack's side of the own-namespaces invariant.
        [
            "a prod AppProject admitting a dev namespace",
            [prodProject({ destinations: [{ server: "https://kubernetes.default.svc", namespace: "shop-dev" }] })],
            {},
            /^argocd-appproject-explicit-destinations: AppProject prod destination .* in stack "prod" \(tier prod\) admits "shop-dev", a dev namespace by its name/,
        ],
        [
            "a dev AppProject admitting a prod namespace",
            [
                devProject({
                    destinations: [{ server: "https://kubernetes.default.svc", namespace: "shop-production" }],
                }),
            ],
            {},
            /explicit-destinations: .*admits "shop-production", a prod namespace by its name: .*expected namespaces ending in -dev/,
        ],
        [
            "a wildcard destination server",
            [devProject({ destinations: [{ server: "*", namespace: "a" }] })],
            {},
            /explicit-destinations: .*has a wildcard server: "\*" matches every cluster/,
        ],
        [
            "a wildcard destination name in prod",
            [prodProject({ destinations: [{ name: "prod-*", namespace: "a" }] })],
            {},
            /exact-destinations-in-prod: .*has a wildcard name: "prod-\*" contains "\*"/,
        ],
        // §3: AppProject role objects in prod.
        ...["*", "*/*", "dev/*", "prod/**", "prod-*/app"].map((object): [string, PackObject[], RunOptions, RegExp] => [
            `project role object ${object} in prod`,
            [
                prodProject({
                    roles: [
                        {
                            name: "deployer",
                            policies: [`p, proj:prod:deployer, applications, sync, ${object}, allow`],
                            groups: ["acme:rm"],
                        },
                    ],
                }),
            ],
            {},
            /^argocd-appproject-role-objects-in-prod: AppProject prod role "deployer" .* grants .* on a wide object: /,
        ]),
        // §4: everyone groups wherever access is granted.
        ...[
            "system:authenticated",
            "system:unauthenticated",
            "system:serviceaccounts",
            "system:serviceaccounts:ci",
            "system:masters",
            "*",
        ].map((g): [string, PackObject[], RunOptions, RegExp] => [
            `project role group ${g}`,
            [devProject({ roles: [{ name: "read-only", policies: [], groups: [g] }] })],
            {},
            /^access-never-to-everyone: AppProject dev role "read-only" binds a group: group .*Expected an SSO group of named people/,
        ]),
        [
            "an argocd-rbac-cm g line (chart values) for system:masters",
            [
                argoRelease(
                    {
                        configs: {
                            cm: { "admin.enabled": false },
                            rbac: { "policy.csv": "g, system:masters, role:admin" },
                        },
                    },
                    "dev",
                ),
            ],
            {},
            /^access-never-to-everyone: Argo CD RBAC line "g, system:masters, role:admin" .*superuser group/,
        ],
        [
            "an argocd-rbac-cm ConfigMap g line for everyone",
            [
                {
                    type: CONFIG_MAP,
                    stack: "dev",
                    props: {
                        metadata: meta("argocd-rbac-cm"),
                        data: { "policy.csv": "g, system:authenticated, role:admin\n" },
                    },
                },
            ],
            {},
            /^access-never-to-everyone: Argo CD RBAC line "g, system:authenticated, role:admin" .*every identity that authenticates/,
        ],
        [
            "a RoleBinding to system:authenticated",
            [binding(ROLE_BINDING, [group("system:authenticated")])],
            {},
            /^access-never-to-everyone: RoleBinding b binds Group "system:authenticated"/,
        ],
        [
            "a ClusterRoleBinding to every ServiceAccount",
            [binding(CLUSTER_ROLE_BINDING, [group("system:serviceaccounts")])],
            {},
            /^access-never-to-everyone: ClusterRoleBinding b binds Group "system:serviceaccounts": .*every ServiceAccount in every namespace/,
        ],
        [
            "a ClusterRoleBinding to the anonymous user",
            [binding(CLUSTER_ROLE_BINDING, [{ kind: "User", name: "system:anonymous" }])],
            {},
            /ClusterRoleBinding b binds User "system:anonymous"/,
        ],
        [
            "a RoleBinding to every node",
            [binding(ROLE_BINDING, [group("acme:ops"), group("system:nodes")])],
            {},
            /binds Group "system:nodes": .*every kubelet/,
        ],
        // §1: prod by the stack the engine runs, whatever the labels say.
        [
            "automated sync in the prod stack labelled dev",
            [app({ metadata: meta("p", "dev"), spec: { project: "prod", syncPolicy: { automated: {} } } })],
            { engineConfig: engine({ environment: "dev", acknowledgeProdOverrides: "false" }) },
            /^argocd-prod-no-unacknowledged-automated-sync: Application p syncs automatically in stack "prod" \(tier prod\)/,
        ],
        [
            "the cascade finalizer in the prod stack labelled dev",
            [
                app({
                    metadata: meta("p", "dev", { finalizers: ["resources-finalizer.argocd.argoproj.io/background"] }),
                    spec: { project: "prod" },
                }),
            ],
            {},
            /^argocd-prod-no-cascade-delete-by-surprise: Application p would delete prod workloads/,
        ],
        [
            "automated sync in a stack named acme-production",
            [
                app(
                    { metadata: meta("p", "staging"), spec: { project: "x", syncPolicy: { automated: {} } } },
                    "acme-production",
                ),
            ],
            {},
            /syncs automatically in stack "acme-production" \(tier prod\)/,
        ],
        [
            "automated sync in an untiered stack configured as prod",
            [app({ metadata: meta("p"), spec: { project: "x", syncPolicy: { automated: {} } } }, "eu-west")],
            { engineConfig: engine({ environment: "prod" }) },
            /syncs automatically in stack "eu-west" \(tier prod\)/,
        ],
        [
            "automated sync in an untiered stack labelled prod (no engine config)",
            [app({ metadata: meta("p", "prod"), spec: { project: "x", syncPolicy: { automated: {} } } }, "eu-west")],
            {},
            /syncs automatically in stack "eu-west" \(tier prod\)/,
        ],
        [
            "the program's acknowledgement mark without the stack's acknowledgement",
            [
                app({
                    metadata: meta("p", "prod", {
                        annotations: { "gitops-stack.io/prod-overrides-acknowledged": "true" },
                    }),
                    spec: { project: "prod", syncPolicy: { automated: {} } },
                }),
            ],
            { engineConfig: engine({ acknowledgeProdOverrides: "false" }) },
            /argocd-prod-no-unacknowledged-automated-sync/,
        ],
        [
            "a prod Kustomization that deletes its workloads",
            [kustomization({ deletionPolicy: "Delete" }, "prod", "dev")],
            {},
            /^flux-prod-no-delete-by-surprise: Kustomization k has deletionPolicy Delete, which deletes prod workloads/,
        ],
        [
            "a prod Kustomization with Flux's default deletion policy",
            [kustomization({ deletionPolicy: undefined })],
            {},
            /Kustomization k has deletionPolicy MirrorPrune/,
        ],
        [
            "a Kustomization without impersonation",
            [kustomization({ serviceAccountName: undefined }, "dev", "dev")],
            {},
            /^flux-kustomization-impersonates: Kustomization k sets no serviceAccountName/,
        ],
        [
            "image automation in prod",
            [
                {
                    type: "kubernetes:image.toolkit.fluxcd.io/v1:ImageUpdateAutomation",
                    props: { metadata: meta("gitops-prod", "dev") },
                },
            ],
            {},
            /^prod-no-image-automation: ImageUpdateAutomation gitops-prod writes image updates to Git in stack "prod"/,
        ],
        [
            "Argo CD Image Updater in prod",
            [
                {
                    type: "kubernetes:argocd-image-updater.argoproj.io/v1alpha1:ImageUpdater",
                    props: { metadata: meta("prod-images", "dev"), spec: { writeBackConfig: { method: "git" } } },
                },
            ],
            {},
            /^prod-no-image-automation: ImageUpdater prod-images writes image updates to Git in stack "prod"/,
        ],
        [
            "the argocd-image-updater release in prod",
            [
                {
                    type: RELEASE,
                    props: { name: "argocd-image-updater", chart: "argocd-image-updater", version: "1.2.4" },
                },
            ],
            {},
            /^prod-no-image-automation: Helm release argocd-image-updater \(argocd-image-updater\) writes image updates/,
        ],
        [
            "a prod GitRepository on the automation branch",
            [
                {
                    type: GIT_REPOSITORY,
                    props: { metadata: meta("gitops-prod", "prod"), spec: { ref: { branch: "main" } } },
                },
            ],
            {},
            /^flux-prod-not-on-automation-branch: GitRepository gitops-prod .*tracks branch "main", which dev\/staging image automation pushes to/,
        ],
        [
            "a prod GitRepository on a configured automation branch",
            [{ type: GIT_REPOSITORY, props: { metadata: meta("gitops-prod"), spec: { ref: { branch: "develop" } } } }],
            { policyConfig: { "flux-prod-not-on-automation-branch": { automationBranches: ["develop"] } } },
            /tracks branch "develop"/,
        ],
        // Issue 12 (more in tests/policy/plainSecrets.test.ts).
        [
            "a Kustomization whose Git path commits a plain Secret",
            [kustomization({ path: "./apps/web/overlays/dev" }, "dev", "dev")],
            { policyConfig: { "no-plain-secrets-in-git": { repositoryDir: plainSecretRepo() } } },
            /^no-plain-secrets-in-git: Kustomization k .*commits Secret "db" in plain text \(apps\/web\/overlays\/dev\/secret.yaml\)/,
        ],
        // §1, §2: prod defaults, by stack, unless acknowledged.
        [
            "a prod AppProject without a sync window",
            [prodProject({ syncWindows: undefined }, "dev"), defaultPatch],
            {},
            /^prod-defaults-unless-acknowledged: AppProject prod has no sync window, so prod may be synced at any hour \(stack "prod" \(tier prod\); expected the prod default\)\.$/,
        ],
        ...[
            { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
            { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
            { group: "*", kind: "*" },
        ].map((gk): [string, PackObject[], RunOptions, RegExp] => [
            `${gk.kind} in a prod clusterResourceWhitelist`,
            [prodProject({ clusterResourceWhitelist: [{ group: "", kind: "Namespace" }, gk] })],
            {},
            /^prod-defaults-unless-acknowledged: AppProject prod lets its applications create cluster-scoped .*\(beyond Namespace\)/,
        ]),
        ...(
            [
                [
                    "automated sync in its template",
                    { template: { spec: { project: "prod", syncPolicy: { automated: {} } } } },
                    /generates Applications that sync automatically/,
                ],
                [
                    "the cascade finalizer in its template",
                    {
                        template: {
                            metadata: { finalizers: ["resources-finalizer.argocd.argoproj.io"] },
                            spec: { project: "prod" },
                        },
                    },
                    /generates Applications with the cascade finalizer/,
                ],
                [
                    "no preserveResourcesOnDeletion",
                    { syncPolicy: { applicationsSync: "create-update" } },
                    /does not preserve resources on deletion/,
                ],
                [
                    "applicationsSync sync",
                    { syncPolicy: { preserveResourcesOnDeletion: true, applicationsSync: "sync" } },
                    /applicationsSync "sync": removing an app's folder/,
                ],
                [
                    "no applicationsSync",
                    { syncPolicy: { preserveResourcesOnDeletion: true } },
                    /applicationsSync "sync"/,
                ],
            ] as Array<[string, Record<string, unknown>, RegExp]>
        ).map(([what, spec, expected]): [string, PackObject[], RunOptions, RegExp] => [
            `a prod ApplicationSet with ${what}`,
            [
                {
                    type: "kubernetes:argoproj.io/v1alpha1:ApplicationSet",
                    props: {
                        metadata: meta("prod-apps", "dev"),
                        spec: {
                            template: { spec: { project: "prod" } },
                            syncPolicy: { preserveResourcesOnDeletion: true, applicationsSync: "create-update" },
                            ...spec,
                        },
                    },
                },
            ],
            {},
            new RegExp(`^prod-defaults-unless-acknowledged: ApplicationSet prod-apps .*${expected.source}`),
        ]),
        [
            "the local admin enabled in prod values",
            argoStack({ configs: { cm: { "admin.enabled": true } } }),
            {},
            /^prod-defaults-unless-acknowledged: Argo CD keeps the local admin account/,
        ],
        [
            "the local admin left to the chart default in prod",
            argoStack({ configs: { cm: {} } }),
            {},
            /keeps the local admin account/,
        ],
        [
            "argocd-cm enabling admin in prod",
            [{ type: CONFIG_MAP, props: { metadata: meta("argocd-cm"), data: { "admin.enabled": "true" } } }],
            {},
            /keeps the local admin account/,
        ],
        [
            "an existing install's argocd-cm patched to keep admin in prod",
            [
                {
                    type: "kubernetes:core/v1:ConfigMapPatch",
                    props: { metadata: meta("argocd-cm"), data: { "admin.enabled": "true" } },
                },
            ],
            {},
            /^prod-defaults-unless-acknowledged: Argo CD keeps the local admin account/,
        ],
        [
            "an existing install's argocd-rbac-cm patched to role:admin in prod",
            [
                {
                    type: "kubernetes:core/v1:ConfigMapPatch",
                    props: { metadata: meta("argocd-rbac-cm"), data: { "policy.default": "role:admin" } },
                },
            ],
            {},
            /policy.default is role:admin/,
        ],
        [
            "an existing install's argocd-rbac-cm patched with a g line for everyone",
            [
                {
                    type: "kubernetes:core/v1:ConfigMapPatch",
                    stack: "dev",
                    props: {
                        metadata: meta("argocd-rbac-cm"),
                        data: { "policy.csv": "g, system:serviceaccounts:argocd, role:admin" },
                    },
                },
            ],
            {},
            /^access-never-to-everyone: .*every ServiceAccount of namespace "argocd"/,
        ],
        [
            "an existing Argo CD install with the default project left open in prod",
            [prodProject(), app({ metadata: meta("prod-guestbook", "prod"), spec: { project: "prod" } })],
            {},
            /^argocd-prod-default-project-restricted: Argo CD's built-in default AppProject is left open/,
        ],
        [
            "a prod Argo CD without redis-ha",
            argoStack({ "redis-ha": { enabled: false } }),
            {},
            /Argo CD release argocd is not highly available \(redis-ha disabled\)/,
        ],
        [
            "a prod Argo CD with one server",
            argoStack({ server: { replicas: 1 } }),
            {},
            /is not highly available \(server.replicas < 2\)/,
        ],
        [
            "role:admin as the prod RBAC default",
            [
                argoRelease({ configs: { cm: { "admin.enabled": false }, rbac: { "policy.default": "role:admin" } } }),
                defaultPatch,
            ],
            {},
            /policy.default is role:admin: every signed-in user may sync and delete prod/,
        ],
        ...["oci://registry.internal/charts/argo-cd", "./charts/argo-cd-10.1.1/", "/mirror/argocd-chart"].map(
            (chart): [string, PackObject[], RunOptions, RegExp] => [
                `the local admin in prod, chart from ${chart}`,
                [
                    prodProject(),
                    defaultPatch,
                    {
                        ...argoRelease({ configs: { cm: { "admin.enabled": true } } }),
                        props: {
                            ...argoRelease({ configs: { cm: { "admin.enabled": true } } }).props,
                            chart,
                        },
                    },
                ],
                {},
                /keeps the local admin account/,
            ],
        ),
        [
            "Flux prod without multi-tenancy, chart from a mirror",
            [
                {
                    ...fluxRelease(),
                    props: { ...fluxRelease({ multitenancy: { enabled: false } }).props, chart: "oci://mirror/flux2" },
                },
            ],
            {},
            /runs without multi-tenancy lockdown/,
        ],
        [
            "Flux prod without multi-tenancy",
            [fluxRelease({ multitenancy: { enabled: false } })],
            {},
            /^prod-defaults-unless-acknowledged: Flux release flux runs without multi-tenancy lockdown/,
        ],
        [
            "Flux prod without production sizing",
            [fluxRelease({ sourceController: {} })],
            {},
            /reserves no CPU or memory for sourceController/,
        ],
        [
            "prod Argo CD with the default project left open",
            [prodProject(), argoRelease()],
            {},
            /^argocd-prod-default-project-restricted: Argo CD's built-in default AppProject is left open in stack "prod"/,
        ],
        // §3: argocd-rbac-cm p lines.
        ...["*", "*/*", "dev/*", "prod-*/*", "!prod/app"].map((object): [string, PackObject[], RunOptions, RegExp] => [
            `an argocd-rbac-cm object ${object} in prod`,
            [
                prodProject(),
                defaultPatch,
                argoRelease({
                    configs: {
                        cm: { "admin.enabled": false },
                        rbac: { "policy.csv": `p, role:x, applications, sync, ${object}, allow` },
                    },
                }),
            ],
            {},
            /^argocd-rbac-objects-in-prod: Argo CD RBAC line .* grants a wide object: .*\(projects of this stack: prod\)/,
        ]),
        // The rules that were there before.
        [
            "a floating chart version",
            [
                {
                    type: RELEASE,
                    stack: "dev",
                    props: { name: "argocd", chart: "argo-cd", version: "10.x", values: { configs: { cm: {} } } },
                },
            ],
            {},
            /^helm-release-pinned-version: Helm release argocd has version "10.x"/,
        ],
        [
            "an insecure repository Secret",
            [
                {
                    type: "kubernetes:core/v1:Secret",
                    stack: "dev",
                    props: { metadata: { name: "repo" }, stringData: { insecure: "true" } },
                },
            ],
            {},
            /^git-credentials-never-skip-host-verification: Secret repo sets insecure=true/,
        ],
        [
            "a wildcard RBAC rule",
            [
                {
                    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                    stack: "dev",
                    props: { metadata: { name: "x" }, rules: [{ apiGroups: ["*"], resources: ["a"], verbs: ["get"] }] },
                },
            ],
            {},
            /^rbac-no-wildcards: ClusterRole x has a wildcard rule/,
        ],
        [
            "a removed Flux version",
            [
                {
                    type: "kubernetes:source.toolkit.fluxcd.io/v1beta2:GitRepository",
                    stack: "dev",
                    props: { metadata: { name: "g" } },
                },
            ],
            {},
            /GitRepository g uses source.toolkit.fluxcd.io\/v1beta2; expected source.toolkit.fluxcd.io\/v1/,
        ],
        [
            "a removed Alert version",
            [
                {
                    type: "kubernetes:notification.toolkit.fluxcd.io/v1beta2:Alert",
                    stack: "dev",
                    props: { metadata: { name: "a" } },
                },
            ],
            {},
            /expected notification.toolkit.fluxcd.io\/v1beta3/,
        ],
    ];

    it("has a row for every policy of the pack", () => {
        const named = new Set(
            rows.flatMap(([, objects, options, expected]) =>
                violations(withRestriction(objects, expected), options).map((v) => v.split(":")[0]),
            ),
        );
        const mandatory = POLICIES.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name);
        expect(mandatory.filter((n) => !named.has(n))).toEqual([]);
    });

    it.each(rows)("refuses %s", (_title, objects, options, expected) => {
        const found = violations(withRestriction(objects, expected), options);
        expect(found, found.join("\n")).toHaveLength(1);
        expect(found[0]).toMatch(expected);
    });
});

describe("policy pack acknowledgements and tiers", () => {
    const autoSync = app({ metadata: meta("p", "prod"), spec: { project: "prod", syncPolicy: { automated: {} } } });

    it("accepts prod relaxations the stack acknowledged in its configuration", () => {
        const config = { engineConfig: engine({ acknowledgeProdOverrides: "true" }) };
        expect(violations([autoSync], config)).toEqual([]);
        expect(violations(argoStack({ "redis-ha": { enabled: false }, configs: { cm: {} } }), config)).toEqual([]);
        expect(
            violations(
                [prodProject({ syncWindows: [], clusterResourceWhitelist: [{ group: "*", kind: "*" }] })],
                config,
            ),
        ).toEqual([]);
        expect(violations([fluxRelease({ multitenancy: { enabled: false } })], config)).toEqual([]);
    });

    it("without engine configuration, falls back to the program's mark anywhere in the stack", () => {
        const marked = app({
            metadata: meta("p", "prod", { annotations: { "gitops-stack.io/prod-overrides-acknowledged": "true" } }),
            spec: { project: "prod", syncPolicy: { automated: {} } },
        });
        expect(violations([marked, ...argoStack({ "redis-ha": { enabled: false } })])).toEqual([]);
    });

    it("does not hold dev and staging stacks to prod defaults", () => {
        const dev = [
            app({ metadata: meta("p", "dev"), spec: { project: "dev", syncPolicy: { automated: {} } } }, "dev"),
            argoRelease({ "redis-ha": { enabled: false }, configs: { cm: { "admin.enabled": true } } }, "dev"),
            {
                ...prodProject(
                    {
                        syncWindows: [],
                        destinations: [{ server: "https://kubernetes.default.svc", namespace: "guestbook-staging" }],
                    },
                    "staging",
                ),
                stack: "staging",
            },
        ];
        expect(violations(dev)).toEqual([]);
    });

    it("warns (advisory) about wide patterns outside prod", () => {
        const found = violations([devProject({ sourceRepos: ["https://github.com/acme/*"] })], { advisory: true });
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(/^argocd-appproject-exact-sources: AppProject dev in stack "dev" \(tier dev\)/);
        expect(violations([devProject({ sourceRepos: ["https://github.com/acme/*"] })])).toEqual([]);
    });

    it("never repeats credentials a resource carries in its messages (issue 19 §6)", () => {
        const found = violations([
            prodProject({
                sourceRepos: ["https://robot:hunter2-4f1c@github.com/acme/*", "git:pw-4f1c@github.com:x/*"],
            }),
        ]);
        expect(found.length).toBeGreaterThan(0);
        expect(found.join("\n")).toContain("https://[redacted]@github.com/acme/*");
        expect(found.join("\n")).not.toMatch(/hunter2|pw-4f1c/);
    });

    it("accepts <project>/* for a project of the stack and exact objects", () => {
        const csv = "p, role:x, applications, sync, prod/*, allow\np, role:x, applications, get, prod/guestbook, allow";
        expect(
            violations([
                prodProject(),
                defaultPatch,
                argoRelease({ configs: { cm: { "admin.enabled": false }, rbac: { "policy.csv": csv } } }),
            ]),
        ).toEqual([]);
    });
});
