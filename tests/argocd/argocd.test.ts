import { beforeAll, describe, expect, it } from "vitest";
import { isSecretValue, type ProgramRun } from "../../src/offline/mockRun";
import type { StackOutputs } from "../../src/program";
import { validateArgoObject } from "../support/schemas";
import {
    STACKS,
    TEST_SECRETS,
    childrenOf,
    customResources,
    dependencyClosure,
    findOne,
    plain,
    runStack,
    unparentedObjects,
    withoutSecrets,
} from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const runs = new Map<string, ProgramRun<StackOutputs>>();

beforeAll(async () => {
    for (const stack of STACKS) runs.set(stack, await runStack(stack));
});

const run = (stack: string) => runs.get(stack)!;
const values = (stack: string) => plain(findOne(run(stack).resources, RELEASE, "argocd").inputs.values) as any;
const applications = (stack: string) => customResources(run(stack).resources, "Application");
const project = (stack: string, name = stack) =>
    customResources(run(stack).resources, "AppProject").find((p) => p.metadata.name === name)!;

describe.each(STACKS)("stack %s: Argo CD", (stack) => {
    it("installs the pinned argo-cd chart from the official repository into its own namespace", () => {
        const release = plain(findOne(run(stack).resources, RELEASE, "argocd").inputs) as any;
        expect(release).toMatchObject({
            chart: "argo-cd",
            version: "10.1.1",
            namespace: "argocd",
            repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" },
        });
        expect(values(stack).crds).toEqual({ install: true, keep: true });
        const namespace = findOne(run(stack).resources, "kubernetes:core/v1:Namespace", "argocd-namespace");
        expect(plain(namespace.inputs)).toMatchObject({ metadata: { name: "argocd" } });
    });

    it("parents every Kubernetes object under a gitops-stack component", () => {
        expect(unparentedObjects(run(stack).resources)).toEqual([]);
        const byParent = (type: string, name: string) => childrenOf(run(stack).resources, type, name);
        expect(byParent("gitops-stack:argocd:EnvironmentApplications", "apps")).toEqual(
            [
                `Application apps-${stack}-guestbook`,
                `Application apps-${stack}-platform`,
                `Application apps-${stack}-podinfo`,
                "Application apps-root",
            ].sort(),
        );
        expect(byParent("gitops-stack:argocd:ArgoCd", "argocd")).toEqual([
            "Namespace argocd-namespace",
            "Release argocd",
            "Secret argocd-notifications-secret",
            // staging and prod sign in with OIDC, whose client secret the program stores.
            ...(stack === "dev" ? [] : ["Secret argocd-sso-secret"]),
        ]);
    });

    it("orders every custom resource after the release that installs its CRD, so destroy removes them first", () => {
        const release = findOne(run(stack).resources, RELEASE, "argocd");
        const crs = run(stack).resources.filter((r) => r.type.startsWith("kubernetes:argoproj.io/"));
        // Two AppProjects, four Applications, and the patch that empties the default project.
        expect(crs).toHaveLength(7);
        for (const cr of crs) {
            // Directly, or through the root Application (which every other Application depends on).
            expect([...dependencyClosure(run(stack).resources, cr)], `${cr.type} ${cr.name}`).toContain(release.urn);
            expect((cr.inputs.metadata as any).namespace, `${cr.name} has an explicit namespace`).toBe("argocd");
        }
    });

    it("declares one Application per app at the app's path for this environment, in the environment's project", () => {
        const apps = applications(stack).filter((a) => !a.metadata.name.endsWith("-root"));
        expect(apps.map((a) => a.metadata.name)).toEqual([
            `${stack}-platform`,
            `${stack}-guestbook`,
            `${stack}-podinfo`,
        ]);
        for (const app of apps) {
            const name = app.metadata.name.slice(stack.length + 1);
            expect(app.spec.project).toBe(stack);
            expect(app.spec.source).toEqual({
                repoURL: stack === "prod" ? "https://github.com/acme/gitops.git" : "git@github.com:acme/gitops.git",
                targetRevision: "main",
                path: `apps/${name}/overlays/${stack}`,
            });
            expect(app.spec.destination).toEqual({
                server: "https://kubernetes.default.svc",
                namespace: `${name}-${stack}`,
            });
        }
    });

    it("adds an app-of-apps root that may only create Applications in the Argo CD namespace", () => {
        const root = applications(stack).find((a) => a.metadata.name === `${stack}-root`)!;
        expect(root.spec.project).toBe(`${stack}-bootstrap`);
        expect(root.spec.source.path).toBe(`environments/${stack}`);
        expect(root.spec.destination.namespace).toBe("argocd");
        const bootstrap = project(stack, `${stack}-bootstrap`);
        expect(bootstrap.spec.namespaceResourceWhitelist).toEqual([{ group: "argoproj.io", kind: "Application" }]);
        expect(bootstrap.spec.clusterResourceWhitelist).toEqual([]);
        expect(bootstrap.spec.destinations).toEqual([
            { server: "https://kubernetes.default.svc", namespace: "argocd" },
        ]);
    });

    it("gives every Application retry with backoff, the sync options, HPA ignoreDifferences and a history limit", () => {
        for (const app of applications(stack)) {
            expect(app.spec.syncPolicy.retry).toEqual({
                limit: 5,
                backoff: { duration: "10s", maxDuration: "5m" },
            });
            expect(app.spec.syncPolicy.syncOptions).toEqual(
                expect.arrayContaining(["CreateNamespace=true", "PruneLast=true", "ServerSideApply=true"]),
            );
            expect(app.spec.ignoreDifferences).toContainEqual({
                group: "apps",
                kind: "Deployment",
                managedFieldsManagers: ["kube-controller-manager"],
            });
            expect(app.spec.revisionHistoryLimit).toBe(10);
            // Fields Argo CD owns are never declared, so a second `pulumi up` shows no diff (pulumi-kubernetes #2335).
            expect(app).not.toHaveProperty("status");
            expect(app).not.toHaveProperty("operation");
        }
    });

    it("never uses the default project and never allows every repository", () => {
        for (const app of applications(stack)) expect(app.spec.project).not.toBe("default");
        for (const p of customResources(run(stack).resources, "AppProject"))
            expect(p.spec.sourceRepos).not.toContain("*");
    });

    it("restricts the environment project to explicit destinations, no quota objects, orphan warnings and roles", () => {
        const p = project(stack).spec;
        expect(p.destinations).toEqual(
            ["platform", "guestbook", "podinfo"].map((app) => ({
                server: "https://kubernetes.default.svc",
                namespace: `${app}-${stack}`,
            })),
        );
        expect(p.namespaceResourceBlacklist).toEqual([
            { group: "", kind: "ResourceQuota" },
            { group: "", kind: "LimitRange" },
        ]);
        expect(p.orphanedResources).toEqual({ warn: true });
        expect(p.roles.map((r: any) => r.name)).toEqual(["read-only", "deployer"]);
        const deployer = p.roles.find((r: any) => r.name === "deployer");
        expect(deployer.policies).toEqual([
            `p, proj:${stack}:deployer, applications, get, ${stack}/*, allow`,
            `p, proj:${stack}:deployer, applications, sync, ${stack}/*, allow`,
            `p, proj:${stack}:deployer, applications, rollback, ${stack}/*, allow`,
        ]);
    });

    it("keeps every credential a Pulumi secret", () => {
        const repoSecret = findOne(run(stack).resources, "kubernetes:core/v1:Secret", "repo");
        expect(isSecretValue(repoSecret.inputs.stringData)).toBe(true);
        const data = plain(repoSecret.inputs.stringData) as Record<string, string>;
        if (stack === "prod") {
            expect(data).toEqual({
                type: "git",
                url: "https://github.com/acme/gitops.git",
                githubAppID: "123456",
                githubAppInstallationID: "7890123",
                githubAppPrivateKey: TEST_SECRETS.githubAppPrivateKey,
            });
        } else {
            expect(data).toEqual({
                type: "git",
                url: "git@github.com:acme/gitops.git",
                sshPrivateKey: TEST_SECRETS.sshPrivateKey,
            });
        }
        expect(plain(repoSecret.inputs.metadata)).toMatchObject({
            name: "gitops-repo-repository",
            namespace: "argocd",
            labels: { "argocd.argoproj.io/secret-type": "repository" },
        });
        // Only the Git webhook secret sits in the Helm values (the chart writes argocd-secret), as a Pulumi secret.
        const release = findOne(run(stack).resources, RELEASE, "argocd");
        expect(JSON.stringify(withoutSecrets(release.inputs.values))).not.toContain("4f1c");
    });

    it("passes the upstream Argo CD schema for every Application and AppProject", async () => {
        const objects = [...applications(stack), ...customResources(run(stack).resources, "AppProject")];
        expect(objects).toHaveLength(7);
        for (const object of objects) await validateArgoObject(object);
    });
});

describe("the built-in default project", () => {
    const PATCH = "kubernetes:argoproj.io/v1alpha1:AppProjectPatch";

    it.each(STACKS)("%s: is emptied by a server-side-apply patch before the Applications exist", (stack) => {
        const patch = findOne(run(stack).resources, PATCH, "default-project");
        expect(plain(patch.inputs)).toEqual({
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AppProject",
            metadata: { name: "default", namespace: "argocd", annotations: { "pulumi.com/patchForce": "true" } },
            spec: {
                description: "Restricted by gitops-stack: Applications belong to an environment's AppProject.",
                sourceRepos: [],
                destinations: [],
                clusterResourceWhitelist: [],
            },
        });
        for (const app of run(stack).resources.filter((r) => r.type.endsWith(":Application"))) {
            expect([...dependencyClosure(run(stack).resources, app)], app.name).toContain(patch.urn);
        }
        // Releasing the fields would leave the project without its required spec: the patch stays on delete.
        expect(patch.retainOnDelete).toBe(true);
        expect(
            run(stack)
                .resources.filter((r) => r.retainOnDelete)
                .map((r) => r.name),
        ).toEqual(["default-project"]);
    });

    it("is left alone with restrictDefaultProject=false", async () => {
        const r = await runStack("dev", { config: ["restrictDefaultProject=false"] });
        expect(r.resources.filter((x) => x.type === PATCH)).toEqual([]);
    });
});

describe("per-environment policy", () => {
    it("syncs dev and staging automatically with prune and selfHeal, and prod only by hand", () => {
        for (const stack of ["dev", "staging"]) {
            for (const app of applications(stack)) {
                expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
            }
        }
        for (const app of applications("prod")) expect(app.spec.syncPolicy).not.toHaveProperty("automated");
    });

    it("cascade-deletes workloads outside prod only", () => {
        for (const stack of ["dev", "staging"]) {
            for (const app of applications(stack)) {
                expect(app.metadata.finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
            }
        }
        for (const app of applications("prod")) expect(app.metadata).not.toHaveProperty("finalizers");
    });

    it("gives prod a sync window that blocks automated syncs outside the schedule and lets manual syncs through", () => {
        expect(project("prod").spec.syncWindows).toEqual([
            {
                kind: "allow",
                schedule: "0 9 * * 1-4",
                duration: "8h",
                timeZone: "Europe/Berlin",
                applications: ["*"],
                manualSync: true,
            },
        ]);
        expect(project("dev").spec).not.toHaveProperty("syncWindows");
        expect(project("staging").spec).not.toHaveProperty("syncWindows");
    });

    it("allows only Namespace outside dev in the cluster-resource whitelist", () => {
        expect(project("staging").spec.clusterResourceWhitelist).toEqual([{ group: "", kind: "Namespace" }]);
        expect(project("prod").spec.clusterResourceWhitelist).toEqual([{ group: "", kind: "Namespace" }]);
        expect(project("dev").spec.clusterResourceWhitelist).toContainEqual({
            group: "apiextensions.k8s.io",
            kind: "CustomResourceDefinition",
        });
    });

    it("runs prod highly available and keeps dev small", () => {
        const prod = values("prod");
        expect(prod["redis-ha"]).toEqual({ enabled: true });
        for (const component of ["server", "repoServer", "applicationSet"]) {
            // A PDB without minAvailable renders minAvailable: 0 in the chart, which lets a drain evict both.
            expect(prod[component]).toEqual({ replicas: 2, pdb: { enabled: true, minAvailable: 1 } });
        }
        // A single application controller: a PDB would only block node drains.
        expect(prod.controller).toEqual({ replicas: 1 });
        const dev = values("dev");
        expect(dev["redis-ha"]).toEqual({ enabled: false });
        for (const component of ["server", "repoServer", "applicationSet"]) {
            expect(dev[component]).toMatchObject({ replicas: 1, pdb: { enabled: false } });
        }
    });

    it("disables the local admin account in staging and prod", () => {
        expect(values("dev").configs.cm["admin.enabled"]).toBe(true);
        expect(values("staging").configs.cm["admin.enabled"]).toBe(false);
        expect(values("prod").configs.cm["admin.enabled"]).toBe(false);
    });

    it("pins the repository host key for SSH stacks instead of trusting the chart's list", () => {
        expect(values("dev").configs.ssh).toEqual({
            knownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
        });
        expect(values("prod").configs).not.toHaveProperty("ssh");
    });
});

describe("overrides", () => {
    const appsOf = (r: ProgramRun<StackOutputs>) => customResources(r.resources, "Application");

    it("turns automated sync on in prod only with the acknowledgement", async () => {
        const r = await runStack("prod", { config: ["autoSync=true", "acknowledgeProdOverrides=true"] });
        for (const app of appsOf(r)) expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    });

    it("lets dev opt out of automated sync and cascade delete", async () => {
        const r = await runStack("dev", { config: ["autoSync=false", "cascadeDelete=false"] });
        for (const app of appsOf(r)) {
            expect(app.spec.syncPolicy).not.toHaveProperty("automated");
            expect(app.metadata).not.toHaveProperty("finalizers");
        }
    });

    it("writes a repo-creds template for the owner's prefix when asked", async () => {
        const r = await runStack("dev", { config: ["credentialScope=repo-creds"] });
        const secret = findOne(r.resources, "kubernetes:core/v1:Secret", "repo");
        expect(plain(secret.inputs.metadata)).toMatchObject({
            name: "gitops-repo-repo-creds",
            labels: { "argocd.argoproj.io/secret-type": "repo-creds" },
        });
        expect((plain(secret.inputs.stringData) as any).url).toBe("git@github.com:acme/");
    });

    it("uses an HTTPS token when authKind is https", async () => {
        const r = await runStack("staging", {
            config: ["authKind=https", "repoUrl=https://github.com/acme/gitops.git"],
        });
        const secret = findOne(r.resources, "kubernetes:core/v1:Secret", "repo");
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(plain(secret.inputs.stringData)).toEqual({
            type: "git",
            url: "https://github.com/acme/gitops.git",
            username: "git",
            password: TEST_SECRETS.httpsToken,
        });
    });

    it("bumps the chart with one config change", async () => {
        const r = await runStack("dev", { config: ["argocdChartVersion=10.2.0"] });
        expect((plain(findOne(r.resources, RELEASE, "argocd").inputs) as any).version).toBe("10.2.0");
        expect(r.outputs.chartVersion).toBe("10.2.0");
    });
});

describe("stack outputs", () => {
    it("exports the namespace, projects, applications and chart version", () => {
        expect(run("prod").outputs).toEqual({
            environment: "prod",
            operator: "argocd",
            namespace: "argocd",
            chartVersion: "10.1.1",
            repoUrl: "https://github.com/acme/gitops.git",
            targetRevision: "main",
            projects: ["prod", "prod-bootstrap"],
            applications: ["prod-root", "prod-platform", "prod-guestbook", "prod-podinfo"],
        });
    });
});
