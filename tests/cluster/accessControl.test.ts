/**
 * The access-control promises ("Access control: one set of group names" in docs/explanation/security-model.md, and
 * Flux's tenancy in docs/explanation/operators.md), answered by the apiserver's authorizer itself
 * (SubjectAccessReviews) with the RBAC objects each committed stack declares applied. Groups come from the stack files, the expectations from the docs; nothing is
 * read back from the program's own output.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { canI, type Subject } from "./support/cluster";
import { applyStack, renderStack } from "./support/rendered";

const ROOT = path.resolve(__dirname, "../..");
const STACKS = ["dev", "staging", "prod"] as const;

interface StackAccess {
    platform: string[];
    deployers: string[];
    developers: string[];
    appNamespaces: string[];
    argocdNamespace: string;
    fluxNamespace: string;
}

function stackAccess(stack: string): StackAccess {
    const config = (
        YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
            config: Record<string, unknown>;
        }
    ).config;
    const key = <T>(name: string, fallback: T): T => (config[`gitops-stack:${name}`] as T | undefined) ?? fallback;
    return {
        platform: key("platformAdminGroups", []),
        deployers: key("deployerGroups", []),
        developers: key("developerGroups", []),
        appNamespaces: key<{ namespace: string }[]>("apps", []).map((app) => app.namespace),
        argocdNamespace: key("argocdNamespace", "argocd"),
        fluxNamespace: key("fluxNamespace", "flux-system"),
    };
}

const WRITE = ["create", "update", "patch", "delete"];
const READ = ["get", "list", "watch"];
const ARGOCD_OBJECTS = ["applications", "applicationsets", "appprojects"].map((r) => `${r}.argoproj.io`);
const FLUX_OBJECTS = [
    ...["gitrepositories", "ocirepositories", "helmrepositories", "helmcharts", "buckets"].map(
        (r) => `${r}.source.toolkit.fluxcd.io`,
    ),
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "helmreleases.helm.toolkit.fluxcd.io",
    ...["providers", "alerts", "receivers"].map((r) => `${r}.notification.toolkit.fluxcd.io`),
    ...["imagerepositories", "imagepolicies", "imageupdateautomations"].map((r) => `${r}.image.toolkit.fluxcd.io`),
];

/** Every (verb, resource) the subject is refused, or allowed, against what was expected. */
async function answers(
    who: Subject,
    verbs: string[],
    resources: string[],
    namespace: string | undefined,
    expected: boolean,
): Promise<string[]> {
    const accesses = resources.flatMap((resource) => verbs.map((verb) => ({ verb, resource, namespace })));
    const allowed = await canI(who, accesses);
    return accesses
        .filter((_, i) => allowed[i] !== expected)
        .map(({ verb, resource }) => `${verb} ${resource}${namespace === undefined ? "" : ` in ${namespace}`}`);
}
const asGroups = (name: string, groups: string[]): Subject => ({ user: `${name}@test`, groups });

describe.each(STACKS)("stack %s, operator=argocd", (stack) => {
    const access = stackAccess(stack);
    const ns = access.argocdNamespace;
    const platform = asGroups("platform-admin", access.platform);
    const developer = asGroups("developer", access.developers);
    const deployer = asGroups("deployer", access.deployers);

    beforeAll(async () => {
        expect(access.platform.length).toBeGreaterThan(0);
        await applyStack(renderStack(stack, "argocd"));
    });

    it("the platform groups may create, update, patch and delete Applications, ApplicationSets and AppProjects in the Argo CD namespace", async () => {
        expect(await answers(platform, [...READ, ...WRITE], ARGOCD_OBJECTS, ns, true)).toEqual([]);
    });

    it("the platform groups' Role stops at the Argo CD namespace", async () => {
        expect(await answers(platform, WRITE, ARGOCD_OBJECTS, "default", false)).toEqual([]);
    });

    it("the platform groups get no other objects through it (repository credentials stay unreadable)", async () => {
        expect(await answers(platform, ["get", "list"], ["secrets", "configmaps"], ns, false)).toEqual([]);
    });

    it("developers only read the Argo CD objects, in every namespace", async () => {
        expect(await answers(developer, READ, ARGOCD_OBJECTS, ns, true)).toEqual([]);
        expect(await answers(developer, READ, ARGOCD_OBJECTS, undefined, true)).toEqual([]);
        expect(await answers(developer, WRITE, ARGOCD_OBJECTS, ns, false)).toEqual([]);
    });

    it("deployers only read the Argo CD objects (they sync through Argo CD, not kubectl)", async () => {
        expect(await answers(deployer, READ, ARGOCD_OBJECTS, ns, true)).toEqual([]);
        expect(await answers(deployer, WRITE, ARGOCD_OBJECTS, ns, false)).toEqual([]);
    });

    it("readers cannot read Secrets", async () => {
        expect(await answers(developer, ["get", "list"], ["secrets"], ns, false)).toEqual([]);
        expect(await answers(deployer, ["get", "list"], ["secrets"], ns, false)).toEqual([]);
    });

    it("someone in none of the groups may do nothing with them", async () => {
        expect(
            await answers(asGroups("outsider", ["acme:other"]), ["get", ...WRITE], ARGOCD_OBJECTS, ns, false),
        ).toEqual([]);
    });
});

describe.each(STACKS)("stack %s, operator=flux", (stack) => {
    const access = stackAccess(stack);
    const ns = access.fluxNamespace;
    const platform = asGroups("platform-admin", access.platform);
    const developer = asGroups("developer", access.developers);
    const deployer = asGroups("deployer", access.deployers);
    const tenant: Subject = { serviceAccount: `${ns}/gitops-${stack}` };

    beforeAll(async () => {
        expect(access.appNamespaces.length).toBeGreaterThan(0);
        await applyStack(renderStack(stack, "flux"));
    });

    it("the platform groups may change every Flux object (sources, Kustomizations, HelmReleases, notifications, image automation) in the Flux namespace", async () => {
        expect(await answers(platform, [...READ, ...WRITE], FLUX_OBJECTS, ns, true)).toEqual([]);
    });

    it("the platform groups' Role stops at the Flux namespace", async () => {
        expect(await answers(platform, WRITE, FLUX_OBJECTS, "default", false)).toEqual([]);
        expect(await answers(platform, ["get"], ["secrets"], ns, false)).toEqual([]);
    });

    it("developers and deployers only read the Flux objects", async () => {
        for (const reader of [developer, deployer]) {
            expect(await answers(reader, READ, FLUX_OBJECTS, ns, true)).toEqual([]);
            expect(await answers(reader, READ, FLUX_OBJECTS, undefined, true)).toEqual([]);
            expect(await answers(reader, WRITE, FLUX_OBJECTS, ns, false)).toEqual([]);
            expect(await answers(reader, ["get"], ["secrets"], ns, false)).toEqual([]);
        }
    });

    it("the tenant ServiceAccount the Kustomizations impersonate manages workloads in the apps' namespaces", async () => {
        for (const appNs of access.appNamespaces) {
            expect(
                await answers(tenant, WRITE, ["deployments.apps", "services", "configmaps", "secrets"], appNs, true),
            ).toEqual([]);
        }
    });

    it("the tenant ServiceAccount may act in no other namespace (Flux's own, default, kube-system)", async () => {
        for (const other of [ns, "default", "kube-system"]) {
            expect(await answers(tenant, ["get", ...WRITE], ["deployments.apps", "secrets"], other, false)).toEqual([]);
        }
    });

    it("the tenant ServiceAccount cannot create namespaces or cluster-scoped objects", async () => {
        const clusterScoped = [
            "namespaces",
            "clusterroles.rbac.authorization.k8s.io",
            "clusterrolebindings.rbac.authorization.k8s.io",
            "customresourcedefinitions.apiextensions.k8s.io",
            "nodes",
        ];
        expect(await answers(tenant, ["create", "update", "delete"], clusterScoped, undefined, false)).toEqual([]);
    });

    it("the tenant ServiceAccount cannot create or change Flux objects, in its namespaces or Flux's", async () => {
        for (const where of [...access.appNamespaces, ns]) {
            expect(await answers(tenant, WRITE, FLUX_OBJECTS, where, false)).toEqual([]);
        }
    });

    it("the tenant ServiceAccount cannot bind itself more than it has (no RoleBinding to cluster-admin)", async () => {
        expect(
            await answers(
                tenant,
                ["bind"],
                ["clusterroles.rbac.authorization.k8s.io/cluster-admin"],
                access.appNamespaces[0],
                false,
            ),
        ).toEqual([]);
    });
});
