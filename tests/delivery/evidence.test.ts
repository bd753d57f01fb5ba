/**
 * The checks behind `promote`'s evidence, on hand-written status reports and workloads: the cases the cluster tests
 * do not reach, each branch of the checks on its own. The same checks run on the states the real controllers report
 * in tests/cluster/promote-evidence-flux.test.ts (Flux) and tests/cluster/promote-evidence-argocd.test.ts (Argo CD
 * v3.2.11), through the shared scenario tests/cluster/support/promotionEvidence.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { appEvidence, commitOfRevision, evidenceMarkdown, type Workloads } from "../../src/delivery/evidence";
import { Git } from "../../src/delivery/git";
import type { DeclaredApplication } from "../../src/status/declared";
import type { KubeObject, ObjectReport } from "../../src/status";
import { cleanTemps, exampleRepo, git, GIT_ENV, overlay } from "./support";

afterAll(cleanTemps);

const GUESTBOOK = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend";
const declared: DeclaredApplication[] = [
    {
        name: "staging-guestbook",
        role: "app",
        path: "apps/guestbook/overlays/staging",
        destinationNamespace: "guestbook-staging",
        project: "staging",
        dependsOn: [],
        destinationServer: "https://kubernetes.default.svc",
    },
];
const app = {
    app: "guestbook",
    sourceFile: overlay("guestbook", "staging"),
    pins: [{ name: GUESTBOOK, newName: GUESTBOOK, pin: { tag: "5.1.0" } }],
};
const application = (revision: string, sync = "Synced", health = "Healthy"): ObjectReport => ({
    kind: "Application",
    name: "staging-guestbook",
    namespace: "argocd",
    found: true,
    sync,
    health,
    revision,
    ok: sync === "Synced" && health === "Healthy",
    findings:
        health === "Healthy"
            ? []
            : [
                  {
                      class: "unhealthy",
                      severity: "error",
                      cause: "Deployment guestbook is Degraded.",
                      fix: [],
                      facts: {},
                  },
              ],
});
const deployment = (image: string, available = 1): KubeObject => ({
    metadata: { name: "guestbook", generation: 2 },
    spec: { replicas: 1, template: { spec: { containers: [{ image }] } } },
    status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: available },
});
const only = (w: Workloads) => () => w;

describe("promotion evidence (Argo CD, hand-written states)", () => {
    const repo = exampleRepo();
    const g = new Git(repo, GIT_ENV);
    const head = git(repo, "rev-parse", "HEAD");

    it("accepts an app Synced and Healthy at a revision that pins the promoted image, running it", () => {
        const e = appEvidence(
            g,
            app,
            "staging",
            declared,
            [application(head)],
            only({ deployments: { guestbook: deployment(`${GUESTBOOK}:5.1.0`) } }),
        );
        expect(e.problems).toEqual([]);
        expect(e.state).toBe("Synced, Healthy");
        expect(e.revision).toBe(head);
        expect(e.workloads).toEqual([
            `Deployment guestbook-staging/guestbook: 1/1 updated, 1/1 available, ${GUESTBOOK}:5.1.0`,
        ]);
    });

    it("refuses Degraded, a revision that pins another tag, a workload at another image, an unavailable one", () => {
        const degraded = appEvidence(
            g,
            app,
            "staging",
            declared,
            [application(head, "Synced", "Degraded")],
            only({ deployments: { guestbook: deployment(`${GUESTBOOK}:5.1.0`, 0) } }),
        );
        expect(degraded.problems).toEqual([
            "Application argocd/staging-guestbook is Synced, Degraded: Deployment guestbook is Degraded.",
            "Deployment guestbook-staging/guestbook is not healthy (1/1 updated, 0/1 available).",
        ]);
        // A rollout stuck behind an old ReplicaSet that still serves: available, but not at what was applied.
        const stuck = deployment(`${GUESTBOOK}:5.1.0`);
        stuck.status = { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 };
        expect(
            appEvidence(g, app, "staging", declared, [application(head)], only({ deployments: { guestbook: stuck } }))
                .problems,
        ).toEqual([
            "Deployment guestbook-staging/guestbook is not healthy (1/1 updated, 1/1 available, 1 of an older spec still running).",
        ]);
        const newer = { ...app, pins: [{ ...app.pins[0], pin: { tag: "5.1.3" } }] };
        const behind = appEvidence(
            g,
            newer,
            "staging",
            declared,
            [application(head)],
            only({ deployments: { guestbook: deployment(`${GUESTBOOK}:5.1.0`) } }),
        );
        expect(behind.problems).toEqual([
            `it runs revision ${head.slice(0, 12)}, whose ${overlay("guestbook", "staging")} pins ${GUESTBOOK} 5.1.0; the promotion carries 5.1.3, which has not been applied there yet.`,
            `no workload in guestbook-staging runs ${GUESTBOOK}:5.1.3.`,
        ]);
        const unknown = appEvidence(g, app, "staging", declared, [application("0".repeat(40))], only({}));
        expect(unknown.problems[0]).toContain(`the applied revision ${"0".repeat(40)} is not in the checkout`);
    });

    it("refuses a Rollout that is not Healthy or whose last analysis failed", () => {
        const rollout = (phase: string): KubeObject => ({
            metadata: { name: "guestbook" },
            spec: { template: { spec: { containers: [{ image: `${GUESTBOOK}:5.1.0` }] } } },
            status: { phase },
        });
        const run = (name: string, at: string, phase: string): KubeObject => ({
            metadata: { name, creationTimestamp: at, ownerReferences: [{ kind: "Rollout", name: "guestbook" }] },
            status: { phase },
        });
        const failed = appEvidence(
            g,
            app,
            "staging",
            declared,
            [application(head)],
            only({
                rollouts: { guestbook: rollout("Healthy") },
                analysisRuns: {
                    a: run("guestbook-1", "2025-01-01T00:00:00Z", "Successful"),
                    b: run("guestbook-2", "2025-01-02T00:00:00Z", "Failed"),
                },
            }),
        );
        expect(failed.problems).toEqual([
            "Rollout guestbook-staging/guestbook is not healthy (Healthy, last analysis guestbook-2 Failed).",
        ]);
        const ok = appEvidence(
            g,
            app,
            "staging",
            declared,
            [application(head)],
            only({
                rollouts: { guestbook: rollout("Healthy") },
                analysisRuns: { b: run("guestbook-2", "2025-01-02T00:00:00Z", "Successful") },
            }),
        );
        expect(ok.problems).toEqual([]);
        expect(
            appEvidence(
                g,
                app,
                "staging",
                declared,
                [application(head)],
                only({ rollouts: { guestbook: rollout("Degraded") } }),
            ).problems,
        ).toEqual(["Rollout guestbook-staging/guestbook is not healthy (Degraded)."]);
    });

    it("Flux: an app skipped only while its dependency reconciles is judged by what it applied; a failing dependency refuses", () => {
        const kustomization = (name: string, ready: string, ok: boolean, dependsOn?: string[]): ObjectReport => ({
            kind: "Kustomization",
            name,
            namespace: "flux-system",
            found: true,
            ready,
            revision: `main@sha1:${head}`,
            ok,
            findings: dependsOn
                ? [
                      {
                          class: "dependency",
                          severity: "error",
                          cause: "Waiting for a dependency: dependency 'flux-system/staging-platform' is not ready",
                          fix: [],
                          facts: { dependsOn, message: "dependency 'flux-system/staging-platform' is not ready" },
                      },
                  ]
                : [],
        });
        const waiting = kustomization("staging-guestbook", "False (DependencyNotReady)", false, ["staging-platform"]);
        const running = only({ deployments: { guestbook: deployment(`${GUESTBOOK}:5.1.0`) } });
        const judge = (platform?: ObjectReport) =>
            appEvidence(g, app, "staging", declared, platform ? [waiting, platform] : [waiting], running).problems;
        // The platform Kustomization mid-reconciliation (Ready Unknown, no error) or Ready again: promoted.
        expect(judge(kustomization("staging-platform", "Unknown (Progressing)", true))).toEqual([]);
        expect(judge(kustomization("staging-platform", "True (ReconciliationSucceeded)", true))).toEqual([]);
        // The platform failing, or not there: refused, naming the waiting Kustomization.
        const failing = { ...kustomization("staging-platform", "False (BuildFailed)", false) };
        expect(judge(failing)).toEqual([
            "Kustomization flux-system/staging-guestbook is Ready False (DependencyNotReady): Waiting for a dependency: dependency 'flux-system/staging-platform' is not ready",
        ]);
        expect(judge()).toHaveLength(1);
        // Still judged on what runs: a workload at another image is refused even while only waiting.
        expect(
            appEvidence(
                g,
                app,
                "staging",
                declared,
                [waiting, kustomization("staging-platform", "True", true)],
                only({
                    deployments: { guestbook: deployment(`${GUESTBOOK}:5.0.0`) },
                }),
            ).problems,
        ).toEqual([`no workload in guestbook-staging runs ${GUESTBOOK}:5.1.0.`]);
    });

    it("reads Flux's revision form and writes the PR body's evidence table", () => {
        expect(commitOfRevision(`main@sha1:${head}`)).toBe(head);
        expect(commitOfRevision(head)).toBe(head);
        expect(commitOfRevision("v1.0.0")).toBeUndefined();
        const e = appEvidence(
            g,
            app,
            "staging",
            declared,
            [application(head)],
            only({ deployments: { guestbook: deployment(`${GUESTBOOK}:5.1.0`) } }),
        );
        const body = evidenceMarkdown(
            {
                stack: "staging",
                env: "staging",
                operator: "argocd",
                context: "staging-ctx",
                checkedAt: new Date("2025-05-01T10:00:00Z"),
                apps: [e],
            },
            "staging",
            false,
        ).join("\n");
        expect(body).toContain("### Evidence from staging");
        expect(body).toContain("Checked 2025-05-01T10:00:00.000Z in stack `staging` (kube context `staging-ctx`)");
        expect(body).toContain(
            `| guestbook | Application argocd/staging-guestbook | Synced, Healthy | \`${head}\` | Deployment guestbook-staging/guestbook: 1/1 updated, 1/1 available, ${GUESTBOOK}:5.1.0 |`,
        );
    });
});
