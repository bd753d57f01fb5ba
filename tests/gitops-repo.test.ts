/**
 * The example GitOps repository (gitops-repo/) against the committed stacks: every path a stack deploys exists and
 * builds with `kubectl kustomize`, and the objects match the stack's apps (namespaces, images, semver ranges) and
 * what the example sets per environment (tags, replicas, prod autoscaling).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { DECLARED_KEYS, type DeclaredKeyName } from "../src/config/keys";
import { TIER_DEFAULTS } from "../src/config/tiers";
import { TIERS, type Tier } from "../src/config/types";

const ROOT = path.resolve(__dirname, "..");
const REPO = path.join(ROOT, "gitops-repo");
const PROJECT = "gitops-stack";

/** Namespaced kinds the environments' AppProjects blacklist (src/argocd/appProject.ts QUOTA_KINDS). */
const QUOTA_KINDS = ["ResourceQuota", "LimitRange"];

/** What the example repository sets per environment for the apps that run a workload (its README's table). */
const WORKLOADS: Record<string, { tags: Record<Tier, string>; replicas: Record<Tier, number> }> = {
    guestbook: {
        tags: { dev: "5.2.0", staging: "5.1.0", prod: "5.0.1" },
        replicas: { dev: 1, staging: 2, prod: 3 },
    },
    podinfo: {
        tags: { dev: "6.7.1", staging: "6.7.0", prod: "6.6.3" },
        replicas: { dev: 1, staging: 2, prod: 3 },
    },
};

// ---------------------------------------------------------------------------------------------------------------
// Semver ranges: the subset the stacks use (">=a.b.c <x.y.z", alternatives with ||). No dependency for this.

type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
    const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compareVersions(a: Version, b: Version): number {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
}

/** Whether a release version (no pre-release) satisfies a range of full-version comparators. */
function satisfies(version: string, range: string): boolean {
    const v = parseVersion(version);
    if (!v) return false;
    return range.split("||").some((alternative) =>
        alternative
            .trim()
            .split(/\s+/)
            .every((comparator) => {
                const m = /^(>=|<=|>|<|=)?(v?\d+\.\d+\.\d+)$/.exec(comparator);
                if (!m) throw new Error(`unsupported comparator ${JSON.stringify(comparator)} in "${range}"`);
                const c = compareVersions(v, parseVersion(m[2])!);
                switch (m[1]) {
                    case ">=":
                        return c >= 0;
                    case ">":
                        return c > 0;
                    case "<=":
                        return c <= 0;
                    case "<":
                        return c < 0;
                    default:
                        return c === 0;
                }
            }),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Committed stacks.

interface StackApp {
    name: string;
    namespace: string;
    path?: string;
    image?: string;
    semverRange?: string;
}

interface Stack {
    name: string;
    env: Tier;
    apps: StackApp[];
    /** Repository path of each app, as the program computes it. */
    appPath: (app: StackApp) => string;
    rootPath: string;
    argocdNamespace: string;
    fluxNamespace: string;
    imageAutomation: boolean;
}

function readStack(name: string): Stack {
    const file = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${name}.yaml`), "utf8")) as {
        config?: Record<string, unknown>;
    };
    const config = file.config ?? {};
    const value = (key: DeclaredKeyName): string => {
        const set = config[`${PROJECT}:${key}`];
        return String(set ?? (DECLARED_KEYS[key] as { default?: unknown }).default ?? "");
    };
    const env = (value("environment") || name) as Tier;
    if (!TIERS.includes(env)) throw new Error(`Pulumi.${name}.yaml: environment ${JSON.stringify(env)} is not a tier`);
    const fill = (template: string, app: string) => template.replaceAll("{app}", app).replaceAll("{env}", env);
    const imageAutomation = value("imageAutomation");
    return {
        name,
        env,
        apps: (config[`${PROJECT}:apps`] ?? []) as StackApp[],
        // As src/config/parse.ts: an app's own path only has {env} replaced.
        appPath: (app) =>
            app.path !== undefined ? app.path.replaceAll("{env}", env) : fill(value("appPathTemplate"), app.name),
        rootPath: fill(value("rootPathTemplate"), ""),
        argocdNamespace: value("argocdNamespace"),
        fluxNamespace: value("fluxNamespace"),
        imageAutomation:
            env !== "prod" &&
            (imageAutomation === "" ? TIER_DEFAULTS[env].imageAutomation : imageAutomation === "true"),
    };
}

const STACK_NAMES = fs
    .readdirSync(ROOT)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();

// ---------------------------------------------------------------------------------------------------------------
// kubectl kustomize, once per directory.

interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    spec?: any;
}

const KUBECTL_MISSING =
    "kubectl is required to build the example GitOps repository overlays: install kubectl " +
    "(https://kubernetes.io/docs/tasks/tools/) and put it on PATH; `kubectl kustomize` needs no cluster.";

let kubectlProblem: string | null | undefined;

function checkKubectl(): void {
    if (kubectlProblem === undefined) {
        try {
            execFileSync("kubectl", ["version", "--client"], { stdio: "pipe" });
            kubectlProblem = null;
        } catch (err) {
            const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
            kubectlProblem =
                e.code === "ENOENT" ? KUBECTL_MISSING : `kubectl version --client failed: ${e.stderr ?? e.message}`;
        }
    }
    if (kubectlProblem !== null) throw new Error(kubectlProblem);
}

const builds = new Map<string, K8sObject[] | Error>();

/** The objects `kubectl kustomize gitops-repo/<dir>` produces (built once; a failure is cached and rethrown). */
function build(dir: string): K8sObject[] {
    checkKubectl();
    let result = builds.get(dir);
    if (result === undefined) {
        try {
            const out = execFileSync("kubectl", ["kustomize", path.join(REPO, dir)], {
                encoding: "utf8",
                stdio: "pipe",
            });
            const docs = parseAllDocuments(out);
            const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
            if (errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed invalid YAML: ${errors[0]}`);
            result = docs.map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
        } catch (err) {
            const stderr = (err as { stderr?: string }).stderr;
            result = new Error(`kubectl kustomize gitops-repo/${dir} failed: ${stderr || (err as Error).message}`);
        }
        builds.set(dir, result);
    }
    if (result instanceof Error) throw result;
    return result;
}

const groupOf = (apiVersion: string): string => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");
const ref = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

// ---------------------------------------------------------------------------------------------------------------

describe("semver range checker", () => {
    it("handles the comparator ranges the stacks use", () => {
        expect(satisfies("5.0.0", ">=5.0.0 <6.0.0")).toBe(true);
        expect(satisfies("v5.9.12", ">=5.0.0 <6.0.0")).toBe(true);
        expect(satisfies("6.0.0", ">=5.0.0 <6.0.0")).toBe(false);
        expect(satisfies("4.9.9", ">=5.0.0 <6.0.0")).toBe(false);
        expect(satisfies("5.1.0-rc.1", ">=5.0.0 <6.0.0")).toBe(false);
        expect(satisfies("latest", ">=5.0.0 <6.0.0")).toBe(false);
        expect(satisfies("2.0.0", "<1.0.0 || >=2.0.0")).toBe(true);
        expect(() => satisfies("1.0.0", "~1.0")).toThrow(/unsupported comparator/);
    });
});

describe("gitops-repo", () => {
    it("kubectl is available (kubectl kustomize builds the overlays)", () => {
        checkKubectl();
    });

    it("is what the committed dev, staging and prod stacks point at", () => {
        expect(STACK_NAMES).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
        expect(fs.existsSync(path.join(REPO, "README.md"))).toBe(true);
    });
});

describe("across environments", () => {
    const stacks = ["dev", "staging", "prod"].map(readStack);
    const appNames = [...new Set(stacks.flatMap((s) => s.apps.map((a) => a.name)))];

    it("gives each app its own namespace per environment, in the stack and in the built overlay", () => {
        for (const name of appNames) {
            const namespaces = stacks.map((s) => {
                const app = s.apps.find((a) => a.name === name)!;
                const built = new Set(
                    build(s.appPath(app))
                        .map((o) => o.metadata.namespace)
                        .filter(Boolean),
                );
                expect([...built], `${name} (${s.env})`).toEqual([app.namespace]);
                return app.namespace;
            });
            expect(new Set(namespaces).size, `${name}: ${namespaces.join(", ")}`).toBe(3);
        }
    });

    it("runs a different image tag in each environment for every workload", () => {
        for (const name of appNames.filter((n) => n in WORKLOADS)) {
            const images = stacks.map((s) => {
                const app = s.apps.find((a) => a.name === name)!;
                const deployment = build(s.appPath(app)).find((o) => o.kind === "Deployment")!;
                return deployment.spec.template.spec.containers[0].image as string;
            });
            expect(new Set(images).size, `${name}: ${images.join(", ")}`).toBe(3);
        }
    });
});

describe.each(STACK_NAMES)("stack %s", (stackName) => {
    const stack = readStack(stackName);
    const { env } = stack;
    const appsWithWorkloads = () => stack.apps.filter((a) => a.image !== undefined || a.name in WORKLOADS);
    const deploymentOf = (app: StackApp): K8sObject => {
        const deployments = build(stack.appPath(app)).filter((o) => o.kind === "Deployment");
        expect(deployments.map(ref), `app ${app.name} (${env})`).toEqual([`Deployment/${app.name}`]);
        return deployments[0];
    };
    const expected = (app: StackApp) => {
        const e = WORKLOADS[app.name];
        if (!e) throw new Error(`app ${app.name} runs a workload but has no row in this test's WORKLOADS table`);
        return e;
    };

    it("declares apps", () => {
        expect(stack.apps.length).toBeGreaterThan(0);
    });

    it("every app path exists in gitops-repo and builds with kubectl kustomize", () => {
        for (const app of stack.apps) {
            const dir = stack.appPath(app);
            expect(fs.existsSync(path.join(REPO, dir, "kustomization.yaml")), `gitops-repo/${dir}`).toBe(true);
            expect(build(dir).length, `objects built from gitops-repo/${dir}`).toBeGreaterThan(0);
        }
    });

    it("puts every namespaced object in the app's namespace, and nothing the AppProject refuses", () => {
        const clusterKinds = TIER_DEFAULTS[env].clusterResources.map((gk) => `${gk.group}/${gk.kind}`);
        for (const app of stack.apps) {
            for (const o of build(stack.appPath(app))) {
                const where = `${ref(o)} of app ${app.name} (${env})`;
                expect(QUOTA_KINDS, where).not.toContain(o.kind);
                if (o.metadata.namespace === undefined) {
                    // kustomize sets `namespace:` on every kind it does not know to be cluster-scoped.
                    expect(clusterKinds, `${where} is cluster-scoped`).toContain(`${groupOf(o.apiVersion)}/${o.kind}`);
                } else {
                    expect(o.metadata.namespace, where).toBe(app.namespace);
                }
            }
        }
    });

    it(`runs ${env}'s replica count (prod: the HorizontalPodAutoscaler's minimum)`, () => {
        for (const app of appsWithWorkloads()) {
            const deployment = deploymentOf(app);
            const want = expected(app).replicas[env];
            const hpa = build(stack.appPath(app)).find((o) => o.kind === "HorizontalPodAutoscaler");
            if (hpa) {
                // With an autoscaler the Deployment must not set replicas, or every sync resets the scale.
                expect(deployment.spec.replicas, `${app.name} (${env}) Deployment replicas`).toBeUndefined();
                expect(hpa.spec.minReplicas, `${app.name} (${env}) HPA minReplicas`).toBe(want);
            } else {
                expect(deployment.spec.replicas, `${app.name} (${env}) Deployment replicas`).toBe(want);
            }
        }
    });

    it(env === "prod" ? "autoscales every workload" : "has no HorizontalPodAutoscaler", () => {
        for (const app of stack.apps) {
            const hpas = build(stack.appPath(app)).filter((o) => o.kind === "HorizontalPodAutoscaler");
            if (env !== "prod" || !appsWithWorkloads().includes(app)) {
                expect(hpas.map(ref), `app ${app.name} (${env})`).toEqual([]);
                continue;
            }
            expect(hpas.map(ref), `app ${app.name} (${env})`).toEqual([`HorizontalPodAutoscaler/${app.name}`]);
            const spec = hpas[0].spec;
            expect(hpas[0].apiVersion).toBe("autoscaling/v2");
            expect(spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: app.name });
            expect(spec.minReplicas).toBe(3);
            expect(spec.maxReplicas).toBe(10);
            expect(spec.metrics).toEqual([
                {
                    type: "Resource",
                    resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
                },
            ]);
        }
    });

    it(`runs ${env}'s image tags, inside each app's semverRange`, () => {
        for (const app of appsWithWorkloads()) {
            const pod = deploymentOf(app).spec.template.spec;
            const containers = [...(pod.initContainers ?? []), ...pod.containers] as { image: string }[];
            const tag = expected(app).tags[env];
            for (const { image } of containers) {
                expect(image, `${app.name} (${env})`).toBe(`${app.image}:${tag}`);
            }
            expect(satisfies(tag, app.semverRange!), `${app.name} ${tag} in "${app.semverRange}"`).toBe(true);
        }
    });

    it(`marks the tags for Flux image automation ${stack.imageAutomation ? "" : "nowhere "}in ${env}`, () => {
        for (const app of stack.apps.filter((a) => a.image !== undefined)) {
            const file = path.join(REPO, stack.appPath(app), "kustomization.yaml");
            const text = fs.readFileSync(file, "utf8");
            const markers = [...text.matchAll(/#\s*(\{"\$imagepolicy":\s*"[^"]*"\})/g)].map((m) => m[1]);
            if (stack.imageAutomation) {
                const marker = `{"$imagepolicy": "${stack.fluxNamespace}:${app.name}-${env}:tag"}`;
                expect(markers, path.relative(ROOT, file)).toEqual([marker]);
                expect(text).toMatch(new RegExp(`^\\s*newTag: ${expected(app).tags[env]} # `, "m"));
            } else {
                expect(markers, path.relative(ROOT, file)).toEqual([]);
            }
        }
    });

    it("has an app-of-apps root that builds, with Argo CD Applications only", () => {
        expect(fs.existsSync(path.join(REPO, stack.rootPath, "kustomization.yaml")), stack.rootPath).toBe(true);
        for (const o of build(stack.rootPath)) {
            expect(`${groupOf(o.apiVersion)}/${o.kind}`, ref(o)).toBe("argoproj.io/Application");
            expect(o.metadata.namespace, ref(o)).toBe(stack.argocdNamespace);
        }
    });
});
