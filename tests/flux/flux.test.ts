import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FLUX_API_VERSIONS } from "../../src/flux/constants";
import { receiverWebhookPath } from "../../src/flux/receiver";
import { isSecretValue, type ProgramRun, type RecordedResource } from "../../src/offline/mockRun";
import type { StackOutputs } from "../../src/program";
import {
    ROOT,
    STACKS,
    TEST_SECRETS,
    byType,
    childrenOf,
    customResources,
    findOne,
    plain,
    runStack,
    stackConfig,
    unparentedObjects,
    withoutSecrets,
} from "../support/stacks";
import { TEST_SSH_PUBLIC_KEY } from "../support/testKeys";
import { violations } from "../policy/harness";
import { FLUX_DURATION, validateFluxObject } from "./schema";

const FLUX = "operator=flux";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CLUSTER_SCOPED = ["Namespace", "ClusterRole", "ClusterRoleBinding"];
const runs = new Map<string, ProgramRun<StackOutputs>>();

beforeAll(async () => {
    for (const stack of STACKS) runs.set(stack, await runStack(stack, { config: [FLUX] }));
});

const run = (stack: string) => runs.get(stack)!;
const release = (r: ProgramRun<StackOutputs>) => findOne(r.resources, RELEASE, "flux");
const values = (r: ProgramRun<StackOutputs>) => plain(release(r).inputs.values) as any;
const kustomizations = (r: ProgramRun<StackOutputs>) => customResources(r.resources, "Kustomization");
const gitRepository = (r: ProgramRun<StackOutputs>) => customResources(r.resources, "GitRepository")[0];
const fluxResources = (r: ProgramRun<StackOutputs>) =>
    r.resources.filter((x) => x.type.includes(".toolkit.fluxcd.io/"));
const apps = ["platform", "guestbook", "podinfo"];

describe.each(STACKS)("stack %s: Flux", (stack) => {
    it("installs the pinned flux2 chart from the fluxcd-community repository into its own namespace", () => {
        expect(plain(release(run(stack)).inputs)).toMatchObject({
            chart: "flux2",
            version: "2.18.3",
            namespace: "flux-system",
            repositoryOpts: { repo: "https://fluxcd-community.github.io/helm-charts" },
        });
        const namespace = findOne(run(stack).resources, "kubernetes:core/v1:Namespace", "flux-namespace");
        expect(plain(namespace.inputs)).toMatchObject({ metadata: { name: "flux-system" } });
        expect(release(run(stack)).dependencies).toContain(namespace.urn);
    });

    it("installs the CRDs with the chart, keeps them on uninstall, and locks multi-tenancy down", () => {
        const v = values(run(stack));
        expect(v.installCRDs).toBe(true);
        expect(v.crds).toEqual({ annotations: { "helm.sh/resource-policy": "keep" } });
        expect(v.multitenancy).toEqual({ enabled: true, defaultServiceAccount: "default", privileged: false });
        expect(v.watchAllNamespaces).toBe(true);
        expect(v.policies).toEqual({ create: true });
        expect(v.rbac).toEqual({ create: true, createAggregation: false });
    });

    it("parents every Kubernetes object under a gitops-stack component", () => {
        expect(unparentedObjects(run(stack).resources)).toEqual([]);
        const children = (type: string, name: string) => childrenOf(run(stack).resources, type, name);
        expect(children("gitops-stack:flux:Flux", "flux")).toEqual(["Namespace flux-namespace", "Release flux"]);
        expect(children("gitops-stack:flux:EnvironmentKustomizations", "kustomizations")).toEqual(
            apps.map((a) => `Kustomization kustomizations-${stack}-${a}`).sort(),
        );
        expect(children("gitops-stack:flux:GitSource", "git-source")).toEqual(["GitRepository git-source"]);
        expect(children("gitops-stack:flux:GitCredentials", "git-credentials")).toEqual(["Secret git-credentials"]);
        expect(children("gitops-stack:flux:SlackNotifications", `slack-${stack}`)).toEqual([
            `Alert slack-${stack}-alert`,
            // Prod's Slack Alert reports errors only: drift corrections have an Alert of their own.
            ...(stack === "prod" ? [`Alert slack-${stack}-drift-alert`] : []),
            `Provider slack-${stack}-provider`,
            `Secret slack-${stack}-token`,
        ]);
        expect(children("gitops-stack:flux:EnvironmentTenancy", "tenancy")).toEqual(
            [
                ...apps.map((a) => `Namespace tenancy-${a}-${stack}`),
                ...apps.map((a) => `RoleBinding tenancy-${a}-${stack}-admin`),
                "ServiceAccount tenancy-sa",
            ].sort(),
        );
    });

    it("orders every Flux object after the release that installs its CRD, with an explicit namespace", () => {
        const releaseUrn = release(run(stack)).urn;
        const crs = fluxResources(run(stack));
        expect(crs.length).toBeGreaterThanOrEqual(6);
        for (const cr of crs) {
            expect(cr.dependencies, `${cr.type} ${cr.name}`).toContain(releaseUrn);
        }
        for (const r of run(stack).resources.filter((x) => x.custom && x.type !== RELEASE)) {
            const kind = (r.inputs as any).kind as string;
            if (CLUSTER_SCOPED.includes(kind)) continue;
            expect((plain(r.inputs) as any).metadata?.namespace, `${kind} ${r.name} has an explicit namespace`).toEqual(
                expect.any(String),
            );
        }
    });

    it("deletes the Kustomizations before what their finalizers need: source, service account, its namespace and binding", () => {
        const resources = run(stack).resources;
        const urnsOf = (type: string) => byType(resources, type).map((r) => r.urn);
        const shared = [
            ...urnsOf("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository"),
            ...urnsOf("kubernetes:core/v1:ServiceAccount"),
        ];
        expect(shared).toHaveLength(2);
        const tenancy = (type: string) => byType(resources, type).filter((r) => r.name.startsWith("tenancy-"));
        const kustomizations = byType(resources, "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
        expect(kustomizations).toHaveLength(3);
        for (const k of kustomizations) {
            const ns = (plain(k.inputs) as any).spec.targetNamespace as string;
            // Its own namespace's objects only (issue 11: a dependency on every namespace grew as apps squared).
            const own = [
                ...tenancy("kubernetes:core/v1:Namespace").filter((r) => r.name === `tenancy-${ns}`),
                ...tenancy("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((r) =>
                    r.name.startsWith(`tenancy-${ns}-`),
                ),
            ].map((r) => r.urn);
            expect(own).toHaveLength(2);
            expect(k.dependencies).toEqual(expect.arrayContaining([...shared, ...own]));
            const others = tenancy("kubernetes:core/v1:Namespace").filter((r) => r.name !== `tenancy-${ns}`);
            for (const other of others) expect(k.dependencies).not.toContain(other.urn);
        }
    });

    it("uses only the API versions Flux 2.8 serves", () => {
        for (const r of fluxResources(run(stack))) {
            const kind = (r.inputs as any).kind as keyof typeof FLUX_API_VERSIONS;
            expect(r.type, r.name).toBe(`kubernetes:${FLUX_API_VERSIONS[kind]}:${kind}`);
        }
    });

    it("passes the upstream Flux schema for every Flux object", async () => {
        const objects = fluxResources(run(stack)).map((r) => plain(r.inputs) as Record<string, any>);
        for (const object of objects) await validateFluxObject(object);
    });

    it("writes every interval, timeout and retry interval in the form the CRDs accept", () => {
        for (const object of fluxResources(run(stack)).map((r) => plain(r.inputs) as any)) {
            for (const key of ["interval", "timeout", "retryInterval"]) {
                if (object.spec[key] !== undefined)
                    expect(object.spec[key], `${object.kind}.${key}`).toMatch(FLUX_DURATION);
            }
        }
    });

    it("declares one Kustomization per app at the app's path, into its namespace, from the environment's source", () => {
        const ks = kustomizations(run(stack));
        expect(ks.map((k) => k.metadata.name)).toEqual(apps.map((a) => `${stack}-${a}`));
        for (const k of ks) {
            const app = k.metadata.name.slice(stack.length + 1);
            expect(k.metadata.namespace).toBe("flux-system");
            expect(k.spec).toMatchObject({
                sourceRef: { kind: "GitRepository", name: `gitops-${stack}` },
                path: `./apps/${app}/overlays/${stack}`,
                // Each environment's namespaces carry its name (the example repository's overlays set the same).
                targetNamespace: `${app}-${stack}`,
                prune: true,
            });
            // The path exists in the example GitOps repository the stacks point at.
            expect(fs.existsSync(path.join(ROOT, "gitops-repo", k.spec.path, "kustomization.yaml")), k.spec.path).toBe(
                true,
            );
            // Fields kustomize-controller owns are never declared, so a second `pulumi up` shows no diff.
            expect(k).not.toHaveProperty("status");
        }
    });

    it("applies every Kustomization as the environment's ServiceAccount (impersonation)", () => {
        for (const k of kustomizations(run(stack))) expect(k.spec.serviceAccountName).toBe(`gitops-${stack}`);
    });

    it("maps app dependencies to Kustomization dependsOn", () => {
        const byName = Object.fromEntries(kustomizations(run(stack)).map((k) => [k.metadata.name, k.spec]));
        expect(byName[`${stack}-platform`]).not.toHaveProperty("dependsOn");
        expect(byName[`${stack}-guestbook`].dependsOn).toEqual([{ name: `${stack}-platform` }]);
        expect(byName[`${stack}-podinfo`].dependsOn).toEqual([{ name: `${stack}-platform` }]);
    });

    it("declares no healthChecks: with wait Flux checks every applied object and ignores the list", () => {
        for (const k of kustomizations(run(stack))) expect(k.spec).not.toHaveProperty("healthChecks");
    });

    it("keeps every credential a Pulumi secret and never lets a test secret leak outside one", () => {
        const credentials = findOne(run(stack).resources, SECRET, "git-credentials");
        expect(isSecretValue(credentials.inputs.stringData)).toBe(true);
        expect(plain(credentials.inputs.metadata)).toMatchObject({
            name: `gitops-${stack}-auth`,
            namespace: "flux-system",
        });
        const token = findOne(run(stack).resources, SECRET, `slack-${stack}-token`);
        expect(isSecretValue(token.inputs.stringData)).toBe(true);
        expect(plain(token.inputs.stringData)).toEqual({ token: TEST_SECRETS.slackToken });
        for (const r of run(stack).resources) {
            expect(JSON.stringify(withoutSecrets(r.inputs)), `${r.type} ${r.name}`).not.toContain("4f1c");
        }
    });

    it("passes every rule of the policy pack (advisory ones too), as the engine runs it for this stack", () => {
        const objects = run(stack).resources.map((r) => ({
            type: r.type,
            name: r.name,
            stack,
            props: plain(r.inputs) as Record<string, any>,
        }));
        const found = violations(objects, {
            engineConfig: stackConfig(stack, { config: [FLUX] }).values,
            advisory: true,
        });
        expect(found).toEqual([]);
    });
});

describe("Git source and credentials", () => {
    it("reads dev and staging over SSH with the deploy key and the pinned host key", () => {
        for (const stack of ["dev", "staging"]) {
            expect(gitRepository(run(stack)).spec).toEqual({
                // Flux takes ssh:// URLs only: the stack's scp-like git@github.com:acme/gitops.git is rewritten.
                url: "ssh://git@github.com/acme/gitops.git",
                ref: { branch: "main" },
                secretRef: { name: `gitops-${stack}-auth` },
                interval: stack === "dev" ? "1m" : "5m",
            });
            expect(plain(findOne(run(stack).resources, SECRET, "git-credentials").inputs.stringData)).toEqual({
                identity: TEST_SECRETS.sshPrivateKey,
                "identity.pub": TEST_SSH_PUBLIC_KEY.replace(/ gitops-stack test deploy key/, ""),
                known_hosts:
                    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
            });
        }
    });

    it("reads prod's prod branch over HTTPS with the GitHub App (provider github)", () => {
        expect(gitRepository(run("prod")).spec).toEqual({
            url: "https://github.com/acme/gitops.git",
            ref: { branch: "prod" },
            secretRef: { name: "gitops-prod-auth" },
            interval: "10m",
            provider: "github",
        });
        expect(plain(findOne(run("prod").resources, SECRET, "git-credentials").inputs.stringData)).toEqual({
            githubAppID: "123456",
            githubAppInstallationID: "7890123",
            githubAppPrivateKey: TEST_SECRETS.githubAppPrivateKey,
        });
    });

    it("adds the GitHub Enterprise API base URL when one is configured", async () => {
        const r = await runStack("prod", {
            config: [FLUX, "githubAppEnterpriseBaseUrl=https://ghe.acme.example/api/v3"],
        });
        expect((plain(findOne(r.resources, SECRET, "git-credentials").inputs.stringData) as any).githubAppBaseURL).toBe(
            "https://ghe.acme.example/api/v3",
        );
    });

    it("uses an HTTPS token when authKind is https, with the generic provider", async () => {
        const r = await runStack("staging", {
            config: [FLUX, "authKind=https", "repoUrl=https://github.com/acme/gitops.git"],
        });
        const secret = findOne(r.resources, SECRET, "git-credentials");
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(plain(secret.inputs.stringData)).toEqual({ username: "git", password: TEST_SECRETS.httpsToken });
        expect(gitRepository(r).spec).not.toHaveProperty("provider");
        expect(gitRepository(r).spec.url).toBe("https://github.com/acme/gitops.git");
    });

    it("tracks a tag or a semver range when targetRevision says so", async () => {
        const tag = await runStack("staging", { config: [FLUX, "targetRevision=tag:v1.4.0", "imageAutomation=false"] });
        expect(gitRepository(tag).spec.ref).toEqual({ tag: "v1.4.0" });
        const semver = await runStack("prod", { config: [FLUX, "targetRevision=semver:>=1.0.0 <2.0.0"] });
        expect(gitRepository(semver).spec.ref).toEqual({ semver: ">=1.0.0 <2.0.0" });
        expect(semver.outputs.targetRevision).toBe(">=1.0.0 <2.0.0");
    });
});

describe("per-environment policy", () => {
    const specs = (stack: string) => kustomizations(run(stack)).map((k) => k.spec);

    it.each([
        ["dev", "1m", "30s", "3m", false],
        ["staging", "5m", "1m", "5m", false],
        ["prod", "10m", "2m", "10m", true],
    ] as const)(
        "reconciles %s every %s, retries after %s, times out after %s, wait %s",
        (stack, interval, retry, timeout, wait) => {
            for (const spec of specs(stack)) {
                expect(spec).toMatchObject({ interval, retryInterval: retry, timeout, wait, prune: true });
            }
        },
    );

    it("deletes workloads with their Kustomization outside prod only", () => {
        for (const spec of specs("dev")) expect(spec.deletionPolicy).toBe("Delete");
        for (const spec of specs("staging")) expect(spec.deletionPolicy).toBe("Delete");
        for (const spec of specs("prod")) expect(spec.deletionPolicy).toBe("Orphan");
    });

    it("deletes prod workloads with the stack only with the acknowledgement, and marks that on the Kustomizations", async () => {
        const r = await runStack("prod", { config: [FLUX, "cascadeDelete=true", "acknowledgeProdOverrides=true"] });
        for (const k of kustomizations(r)) {
            expect(k.spec.deletionPolicy).toBe("Delete");
            expect(k.metadata.annotations).toEqual({ "gitops-stack.io/prod-overrides-acknowledged": "cascadeDelete" });
        }
        for (const k of kustomizations(run("prod"))) expect(k.metadata).not.toHaveProperty("annotations");
    });

    it("reconciles prod from the prod branch, the others from main", () => {
        expect(gitRepository(run("dev")).spec.ref).toEqual({ branch: "main" });
        expect(gitRepository(run("staging")).spec.ref).toEqual({ branch: "main" });
        expect(gitRepository(run("prod")).spec.ref).toEqual({ branch: "prod" });
        expect(run("prod").outputs.targetRevision).toBe("prod");
    });

    it("reserves resources for the controllers in prod and keeps dev and staging at the chart's sizing", () => {
        const reserved = { resources: { requests: { cpu: "200m", memory: "256Mi" } } };
        // kustomize-controller also re-checks dependencies every 2 s in every tier (see the next test).
        const flags = { container: { additionalArgs: ["--requeue-dependency=2s"] } };
        for (const controller of ["sourceController", "kustomizeController", "notificationController"]) {
            const extra = controller === "kustomizeController" ? flags : {};
            expect(values(run("prod"))[controller]).toEqual({ ...extra, ...reserved });
            for (const stack of ["dev", "staging"]) {
                if (controller === "kustomizeController") expect(values(run(stack))[controller]).toEqual(flags);
                else expect(values(run(stack))).not.toHaveProperty(controller);
            }
        }
    });

    it("lets a dependent app follow its dependency within 2 s, not kustomize-controller's default 30 s", () => {
        for (const stack of STACKS)
            expect(values(run(stack)).kustomizeController.container.additionalArgs).toEqual([
                "--requeue-dependency=2s",
            ]);
    });

    it("honours a fluxInterval override", async () => {
        const r = await runStack("staging", { config: [FLUX, "fluxInterval=2m"] });
        for (const k of kustomizations(r)) expect(k.spec.interval).toBe("2m");
        expect(gitRepository(r).spec.interval).toBe("2m");
    });
});

describe("overrides", () => {
    it("runs Flux without the lockdown when fluxMultitenancy is false (still impersonating)", async () => {
        const r = await runStack("dev", { config: [FLUX, "fluxMultitenancy=false"] });
        expect(values(r).multitenancy).toEqual({ enabled: false, defaultServiceAccount: "default", privileged: true });
        for (const k of kustomizations(r)) expect(k.spec.serviceAccountName).toBe("gitops-dev");
    });

    it("bumps the chart with one config change", async () => {
        const r = await runStack("dev", { config: [FLUX, "fluxChartVersion=2.19.0"] });
        expect((plain(release(r).inputs) as any).version).toBe("2.19.0");
        expect(r.outputs.chartVersion).toBe("2.19.0");
    });

    it("installs into another namespace, with every object following", async () => {
        const r = await runStack("staging", { config: [FLUX, "fluxNamespace=gitops"] });
        expect((plain(release(r).inputs) as any).namespace).toBe("gitops");
        for (const x of fluxResources(r)) expect((plain(x.inputs) as any).metadata.namespace).toBe("gitops");
        const binding = findOne(
            r.resources,
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            "tenancy-podinfo-staging-admin",
        );
        expect((plain(binding.inputs) as any).subjects).toEqual([
            { kind: "ServiceAccount", name: "gitops-staging", namespace: "gitops" },
        ]);
    });
});

describe("stack outputs", () => {
    it("exports the namespace, chart version and Kustomizations (no projects with Flux)", () => {
        expect(run("dev").outputs).toEqual({
            environment: "dev",
            operator: "flux",
            namespace: "flux-system",
            chartVersion: "2.18.3",
            repoUrl: "git@github.com:acme/gitops.git",
            targetRevision: "main",
            projects: [],
            applications: ["dev-platform", "dev-guestbook", "dev-podinfo"],
            // The Receiver's path, from the webhook secret (a secret output: tests/flux/receiver.test.ts).
            gitWebhookPath: receiverWebhookPath(TEST_SECRETS.gitWebhookSecret, "gitops-dev", "flux-system"),
            sshPublicKey: TEST_SSH_PUBLIC_KEY.replace(/ gitops-stack test deploy key\n$/, ""),
        });
    });

    it("creates nothing of Argo CD", () => {
        for (const stack of STACKS) {
            const argo = run(stack).resources.filter(
                (r: RecordedResource) => r.type.includes("argoproj") || r.type.startsWith("gitops-stack:argocd"),
            );
            expect(argo).toEqual([]);
        }
    });
});
