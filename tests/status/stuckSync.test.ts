/**
 * Issue 24, "stuck sync": when a sync operation (Argo CD) or a reconciliation (Flux) runs too long, `npm run status`
 * names the Application or Kustomization and prints the exact command that stops it and the one that retries, with
 * and without the operator's CLI. Diagnosis only, from status fixtures shaped as the controllers write them (the Argo
 * CD testbed exercises it against the real controller).
 */
import { describe, expect, it } from "vitest";
import { diagnose, formatReport, type Finding, type StatusReport } from "../../src/status";
import { PROGRESSING_LIMIT_MS } from "../../src/status/diagnose";
import { argoSnapshot, COMMIT, declared, fluxSnapshot, NOW } from "./fixtures";

const stuck = (report: StatusReport, name: string): Finding | undefined =>
    report.objects.find((o) => o.name === name)?.findings.find((f) => f.class === "stuck-sync");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

describe("Argo CD: a sync operation running too long", () => {
    const prod = declared("prod");
    const running = (minutes: number, extra: Record<string, unknown> = {}) => ({
        phase: "Running",
        message: "waiting for completion of hook batch/Job/db-migrate",
        startedAt: ago(minutes),
        operation: { sync: { revision: COMMIT }, initiatedBy: { username: "alice" } },
        ...extra,
    });

    it("names the Application, how long, and prints terminate (argocd and kubectl) and retry", () => {
        const report = diagnose(
            prod,
            argoSnapshot(prod, {
                "prod-guestbook": {
                    health: "Progressing",
                    operationState: running(42),
                    resources: [
                        {
                            kind: "Job",
                            namespace: "guestbook-prod",
                            name: "db-migrate",
                            health: { status: "Progressing" },
                        },
                    ],
                },
            }),
        );
        const f = stuck(report, "prod-guestbook")!;
        expect(f).toMatchObject({ severity: "error" });
        expect(f.cause).toBe(
            "A sync operation of argocd/prod-guestbook has been running for 42 minutes (a hook or a resource that never becomes healthy?).",
        );
        expect(f.fix[0]).toBe(
            `Terminate it: argocd app terminate-op argocd/prod-guestbook (without the argocd CLI: kubectl patch -n argocd applications.argoproj.io prod-guestbook --type merge -p '{"status":{"operationState":{"phase":"Terminating"}}}').`,
        );
        expect(f.fix[1]).toContain(
            `retry: argocd app sync argocd/prod-guestbook (without the argocd CLI: kubectl patch -n argocd applications.argoproj.io prod-guestbook --type merge -p '{"operation":{"initiatedBy":{"username":"<your name>"},"sync":{"syncStrategy":{"hook":{}}}}}')`,
        );
        expect(f.facts).toMatchObject({
            phase: "Running",
            runningFor: "42m",
            initiatedBy: "alice",
            revision: COMMIT,
            waitingOn: ["Job guestbook-prod/db-migrate: Progressing"],
        });
        expect(report.ok).toBe(false);
        const text = formatReport(report);
        expect(text).toContain(
            "[stuck-sync] A sync operation of argocd/prod-guestbook has been running for 42 minutes",
        );
        expect(text).toContain("fix: Terminate it: argocd app terminate-op argocd/prod-guestbook");
    });

    it("says so when a sync window blocks it, and names an automated sync", () => {
        const report = diagnose(
            prod,
            argoSnapshot(prod, {
                "prod-podinfo": {
                    operationState: running(15, {
                        message: "Sync operation blocked by sync window",
                        operation: { sync: {}, initiatedBy: { automated: true } },
                    }),
                },
            }),
        );
        expect(stuck(report, "prod-podinfo")).toMatchObject({
            cause: "A sync operation of argocd/prod-podinfo has been running for 15 minutes, blocked by a sync window.",
            facts: { initiatedBy: "automated sync" },
        });
    });

    it("a termination that does not end points at the controller, then the retry", () => {
        const report = diagnose(
            prod,
            argoSnapshot(prod, { "prod-podinfo": { operationState: running(30, { phase: "Terminating" }) } }),
        );
        const f = stuck(report, "prod-podinfo")!;
        expect(f.cause).toMatch(/has been terminating for 30 minutes/);
        expect(f.fix[0]).toMatch(/kubectl -n argocd logs statefulset\/argocd-application-controller/);
        expect(f.fix[1]).toMatch(/retry: argocd app sync argocd\/prod-podinfo/);
    });

    it("is not reported before the limit, nor for an operation that ended", () => {
        const limit = PROGRESSING_LIMIT_MS / 60_000;
        const fresh = diagnose(prod, argoSnapshot(prod, { "prod-podinfo": { operationState: running(limit - 1) } }));
        expect(stuck(fresh, "prod-podinfo")).toBeUndefined();
        const ended = diagnose(
            prod,
            argoSnapshot(prod, {
                "prod-podinfo": { operationState: running(90, { phase: "Failed", finishedAt: ago(60) }) },
            }),
        );
        expect(stuck(ended, "prod-podinfo")).toBeUndefined();
    });
});

describe("Flux: a reconciliation stuck in progress", () => {
    const dev = declared("dev", ["operator=flux"]);
    const reconciling = (minutes: number) => ({
        ready: {
            status: "Unknown" as const,
            reason: "Progressing",
            message: "Health check in progress: Deployment/podinfo-dev/podinfo",
            since: ago(minutes),
        },
    });

    it("names the Kustomization and prints suspend (stop) and resume (retry), with and without the flux CLI", () => {
        const report = diagnose(dev, fluxSnapshot(dev, { "dev-podinfo": reconciling(25) }));
        const f = stuck(report, "dev-podinfo")!;
        expect(f.cause).toBe(
            "Kustomization flux-system/dev-podinfo has been reconciling for 25 minutes without becoming ready: Health check in progress: Deployment/podinfo-dev/podinfo.",
        );
        expect(f.fix[1]).toBe(
            `Stop it: flux suspend kustomization dev-podinfo -n flux-system (without the flux CLI: kubectl -n flux-system patch kustomizations.kustomize.toolkit.fluxcd.io dev-podinfo --type merge -p '{"spec":{"suspend":true}}'); the reconciliation under way ends at its timeout and no new one starts.`,
        );
        expect(f.fix[2]).toBe(
            `Once the cause is fixed, retry: flux resume kustomization dev-podinfo -n flux-system (without the flux CLI: kubectl -n flux-system patch kustomizations.kustomize.toolkit.fluxcd.io dev-podinfo --type merge -p '{"spec":{"suspend":false}}' && kubectl -n flux-system annotate --overwrite kustomizations.kustomize.toolkit.fluxcd.io dev-podinfo reconcile.fluxcd.io/requestedAt="$(date +%s)").`,
        );
        expect(f.facts).toMatchObject({ runningFor: "25m", reason: "Progressing" });
        expect(report.ok).toBe(false);
    });

    it("is a note, not a problem, before the limit", () => {
        const report = diagnose(dev, fluxSnapshot(dev, { "dev-podinfo": reconciling(3) }));
        expect(stuck(report, "dev-podinfo")).toBeUndefined();
        expect(report.ok).toBe(true);
    });
});
