import { describe, expect, it } from "vitest";
import { conflictingObject, diagnose, formatReport, type Finding, type StatusReport } from "../../src/status";
import { application, argoSnapshot, COMMIT, declared, fluxSnapshot, pod } from "./fixtures";

const entry = (report: StatusReport, name: string) => {
    const found = report.objects.find((o) => o.name === name);
    if (!found) throw new Error(`${name} not in report: ${report.objects.map((o) => o.name).join(", ")}`);
    return found;
};
const finding = (report: StatusReport, name: string, cls: Finding["class"]): Finding => {
    const f = entry(report, name).findings.find((x) => x.class === cls);
    if (!f) throw new Error(`${name} has no ${cls} finding: ${JSON.stringify(entry(report, name).findings, null, 2)}`);
    return f;
};

describe("status: Argo CD", () => {
    const dev = declared("dev");

    it("reports every declared Application, root first, and nothing to do when all are Synced/Healthy", () => {
        const report = diagnose(dev, argoSnapshot(dev));
        expect(report.ok).toBe(true);
        expect(report.objects.map((o) => o.name)).toEqual(["dev-root", "dev-platform", "dev-guestbook", "dev-podinfo"]);
        expect(
            report.objects.every((o) => o.sync === "Synced" && o.health === "Healthy" && o.revision === COMMIT),
        ).toBe(true);
        expect(entry(report, "dev-platform").lastChange).toBe("2026-11-25T11:40:05Z");
        expect(formatReport(report)).toMatch(/All 4 fine\./);
    });

    it("a declared Application absent from the cluster: run pulumi up", () => {
        const snapshot = argoSnapshot(dev);
        delete snapshot.applications!["dev-podinfo"];
        const report = diagnose(dev, snapshot);
        expect(report.ok).toBe(false);
        const f = finding(report, "dev-podinfo", "missing");
        expect(f.cause).toMatch(/argocd\/dev-podinfo is declared by stack dev but does not exist/);
        expect(f.fix[0]).toMatch(/pulumi up -s dev/);
        expect(entry(report, "dev-platform").ok).toBe(true);
    });

    it("no Application CRD: Argo CD is not installed in this cluster", () => {
        const snapshot = argoSnapshot(dev);
        snapshot.applications = undefined;
        const report = diagnose(dev, snapshot);
        expect(report.objects.every((o) => o.findings[0].class === "operator-missing")).toBe(true);
        expect(report.objects[0].findings[0].fix[0]).toMatch(/--context.*pulumi up -s dev to install Argo CD/);
    });

    it("ComparisonError 'failed to load target state' / app path does not exist: path and revision, and whether the path exists", () => {
        const message =
            "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = apps/guestbook/overlays/dve: app path does not exist";
        const states = {
            "dev-guestbook": {
                sync: "Unknown" as const,
                health: "Healthy" as const,
                path: "apps/guestbook/overlays/dve",
                conditions: [{ type: "ComparisonError", message }],
            },
        };
        const withoutRepo = diagnose(dev, argoSnapshot(dev, states));
        const f = finding(withoutRepo, "dev-guestbook", "path-or-revision");
        expect(f.facts).toMatchObject({
            path: "apps/guestbook/overlays/dve",
            targetRevision: "main",
            repoURL: dev.repoUrl,
        });
        expect(f.fix.join("\n")).toContain("git cat-file -e origin/main:apps/guestbook/overlays/dve");
        // Classified once: no separate "Unknown sync" finding for the same cause.
        expect(entry(withoutRepo, "dev-guestbook").findings.map((x) => x.class)).not.toContain("unknown-sync");
        // The Application was edited away from the stack's path: that is said too.
        expect(finding(withoutRepo, "dev-guestbook", "drift-from-stack").facts).toMatchObject({
            declaredPath: "apps/guestbook/overlays/dev",
        });

        const snapshot = argoSnapshot(dev, states);
        snapshot.repoDir = "/src/gitops";
        snapshot.pathChecks = [
            {
                revision: "main",
                path: "apps/guestbook/overlays/dve",
                checkedRef: "origin/main",
                exists: false,
                revisionExists: true,
            },
        ];
        const withRepo = finding(diagnose(dev, snapshot), "dev-guestbook", "path-or-revision");
        expect(withRepo.facts).toMatchObject({
            pathExists: false,
            checkedRef: "origin/main",
            checkedIn: "/src/gitops",
        });
        expect(withRepo.fix[0]).toMatch(/does not exist at origin\/main/);
    });

    it("an unresolvable targetRevision says the revision is wrong", () => {
        const report = diagnose(
            dev,
            argoSnapshot(dev, {
                "dev-platform": {
                    sync: "Unknown",
                    targetRevision: "mian",
                    conditions: [
                        {
                            type: "ComparisonError",
                            message:
                                "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = Unable to resolve 'mian' to a commit SHA",
                        },
                    ],
                },
            }),
        );
        const f = finding(report, "dev-platform", "path-or-revision");
        expect(f.cause).toMatch(/cannot resolve targetRevision mian/);
        expect(f.fix[0]).toContain("git ls-remote git@github.com:acme/gitops.git mian");
    });

    it("authentication failed: the credential Secret, the key type and the deploy key fingerprint", () => {
        const snapshot = argoSnapshot(dev, {
            "dev-root": {
                sync: "Unknown",
                conditions: [
                    {
                        type: "ComparisonError",
                        message:
                            "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = failed to list refs: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
                    },
                ],
            },
        });
        snapshot.credentials = {
            found: true,
            readable: true,
            keys: ["sshPrivateKey", "type", "url"],
            fingerprint: "SHA256:JUIi0aTCVYlxnf5x9+qYEXbciqOKk/BIlkkmZLmFFgU",
            publicKey: "ssh-ed25519 AAAA test",
        };
        const report = diagnose(dev, snapshot);
        const f = finding(report, "dev-root", "authentication");
        expect(f.facts).toMatchObject({
            secret: "argocd/gitops-repo-repository",
            authKind: "ssh",
            deployKeyFingerprint: "SHA256:JUIi0aTCVYlxnf5x9+qYEXbciqOKk/BIlkkmZLmFFgU",
        });
        expect(f.fix[0]).toMatch(/Deploy keys/);
        expect(f.fix[0]).toContain("pulumi stack output sshPublicKey | ssh-keygen -lf -");
        expect(JSON.stringify(report)).not.toMatch(/PRIVATE KEY/);
    });

    it("authentication with a missing Secret says to run pulumi up; GitHub App auth says what to check", () => {
        const prod = declared("prod");
        const snapshot = argoSnapshot(prod, {
            "prod-podinfo": {
                sync: "Unknown",
                conditions: [
                    {
                        type: "ComparisonError",
                        message: "failed to list refs: authentication required: Invalid username or password",
                    },
                ],
            },
        });
        snapshot.credentials = { found: false, readable: false, keys: [] };
        const f = finding(diagnose(prod, snapshot), "prod-podinfo", "authentication");
        expect(f.facts).toMatchObject({ authKind: "githubApp", secretFound: false });
        expect(f.fix.join("\n")).toMatch(/does not exist: run pulumi up -s prod/);
        expect(f.fix.join("\n")).toMatch(/GitHub App.*installed on the repository/);
    });

    it("OutOfSync in prod (manual sync): the changes wait for a person, with the sync command", () => {
        const prod = declared("prod");
        const windows = [
            {
                kind: "allow",
                schedule: "0 9 * * 1-4",
                duration: "8h",
                timeZone: "Europe/Berlin",
                applications: ["*"],
                manualSync: true,
            },
        ];
        const report = diagnose(prod, argoSnapshot(prod, { "prod-guestbook": { sync: "OutOfSync" } }, windows));
        const f = finding(report, "prod-guestbook", "manual-sync");
        expect(f.cause).toMatch(/automated sync is off in prod/);
        expect(f.fix[0]).toContain("argocd app sync argocd/prod-guestbook");
        expect(f.facts.manualSyncAllowedNow).toBe(true);
        expect(report.ok).toBe(false);
    });

    it("reports the revision that runs (the last full sync), not the one waiting in Git, for an OutOfSync app", () => {
        const prod = declared("prod");
        const waiting = "b".repeat(40);
        const snapshot = argoSnapshot(prod, { "prod-guestbook": { sync: "OutOfSync" } });
        const app = snapshot.applications!["prod-guestbook"];
        app.status.sync.revision = waiting;
        const report = diagnose(prod, snapshot);
        const guestbook = report.objects.find((o) => o.name === "prod-guestbook")!;
        expect(guestbook.revision).toBe(COMMIT);
        expect(finding(report, "prod-guestbook", "manual-sync").facts.waitingRevision).toBe(waiting);

        // Never synced: nothing runs, so no revision is reported.
        app.status.history = [];
        app.status.operationState = undefined;
        expect(diagnose(prod, snapshot).objects.find((o) => o.name === "prod-guestbook")!.revision).toBeUndefined();
    });

    it("OutOfSync with automated sync but the window closed: when it opens next", () => {
        const prod = declared("prod");
        const windows = [
            {
                kind: "allow",
                schedule: "0 9 * * 1-4",
                duration: "8h",
                timeZone: "Europe/Berlin",
                applications: ["*"],
                manualSync: true,
            },
        ];
        // Friday 13:00 Berlin: the Monday-Thursday window is closed until Monday 09:00 Berlin (08:00Z).
        const snapshot = argoSnapshot(prod, { "prod-podinfo": { sync: "OutOfSync", automated: true } }, windows);
        snapshot.now = new Date("2026-11-27T12:00:00Z");
        const f = finding(diagnose(prod, snapshot), "prod-podinfo", "sync-window");
        expect(f.facts).toMatchObject({
            nextWindowOpens: "2026-11-30T08:00:00.000Z",
            nextWindowOpensLocal: "2026-11-30 09:00 Europe/Berlin",
            project: "prod",
        });
        expect(f.cause).toContain("opens next 2026-11-30 09:00 Europe/Berlin");
        expect(f.fix[0]).toContain("argocd app sync argocd/prod-podinfo");

        // Wednesday 13:00 Berlin: the window is open, so an OutOfSync app that does not sync is a different problem.
        snapshot.now = new Date("2026-11-25T12:00:00Z");
        const open = diagnose(prod, snapshot);
        expect(entry(open, "prod-podinfo").findings.map((x) => x.class)).toEqual(["not-syncing"]);
    });

    it("an active deny window: when it ends", () => {
        const snapshot = argoSnapshot(dev, { "dev-podinfo": { sync: "OutOfSync" } }, [
            { kind: "deny", schedule: "0 22 * * *", duration: "10h", timeZone: "UTC", applications: ["dev-*"] },
        ]);
        snapshot.now = new Date("2026-11-25T23:30:00Z");
        const f = finding(diagnose(dev, snapshot), "dev-podinfo", "sync-window");
        expect(f.facts.denyWindowEnds).toBe("2026-11-26T08:00:00.000Z");
        expect(f.fix[0]).toMatch(/no window allows manual syncs now either/);
    });

    it("resource already exists and is not managed: the object and the tracking annotation that adopts it", () => {
        const report = diagnose(
            dev,
            argoSnapshot(dev, {
                "dev-podinfo": {
                    sync: "OutOfSync",
                    health: "Missing",
                    operationState: {
                        phase: "Failed",
                        message:
                            'one or more objects failed to apply, reason: deployments.apps "podinfo" already exists',
                        finishedAt: "2026-11-25T11:55:00Z",
                        syncResult: {
                            revision: COMMIT,
                            resources: [
                                {
                                    group: "apps",
                                    kind: "Deployment",
                                    namespace: "podinfo-dev",
                                    name: "podinfo",
                                    status: "SyncFailed",
                                    message: 'deployments.apps "podinfo" already exists',
                                },
                            ],
                        },
                    },
                },
            }),
        );
        const f = finding(report, "dev-podinfo", "already-exists");
        expect(f.cause).toBe("Deployment podinfo-dev/podinfo already exists and is not managed by dev-podinfo.");
        expect(f.facts.adoptWith).toBe(
            "argocd.argoproj.io/tracking-id=dev-podinfo:apps/Deployment:podinfo-dev/podinfo",
        );
        expect(f.fix[0]).toContain(
            "kubectl annotate -n podinfo-dev deployment.apps podinfo argocd.argoproj.io/tracking-id=dev-podinfo:apps/Deployment:podinfo-dev/podinfo --overwrite",
        );
    });

    it("SharedResourceWarning names the object shared between Applications", () => {
        const report = diagnose(
            dev,
            argoSnapshot(dev, {
                "dev-guestbook": {
                    conditions: [
                        {
                            type: "SharedResourceWarning",
                            message:
                                "ConfigMap/guestbook-ui is part of applications argocd/dev-guestbook and dev-podinfo",
                        },
                    ],
                },
            }),
        );
        expect(finding(report, "dev-guestbook", "already-exists").facts.object).toBe(
            "ConfigMap/guestbook-dev/guestbook-ui",
        );
    });

    it("Degraded: the pods that are not ready and why", () => {
        const snapshot = argoSnapshot(dev, {
            "dev-podinfo": {
                health: "Degraded",
                resources: [
                    {
                        group: "apps",
                        kind: "Deployment",
                        namespace: "podinfo-dev",
                        name: "podinfo",
                        status: "Synced",
                        health: { status: "Degraded", message: 'Deployment "podinfo" exceeded its progress deadline' },
                    },
                    {
                        kind: "Service",
                        namespace: "podinfo-dev",
                        name: "podinfo",
                        status: "Synced",
                        health: { status: "Healthy" },
                    },
                ],
            },
        });
        snapshot.pods["podinfo-dev"] = [
            pod("podinfo-dev", "podinfo-7d9f-a", "ImagePullBackOff"),
            pod("podinfo-dev", "podinfo-7d9f-b", "CrashLoopBackOff"),
            pod("podinfo-dev", "podinfo-7d9f-c", "Unschedulable"),
            pod("podinfo-dev", "podinfo-7d9f-d", "Ready"),
        ];
        const f = finding(diagnose(dev, snapshot), "dev-podinfo", "unhealthy");
        const notReady = f.facts.notReady as string[];
        expect(notReady[0]).toBe(
            'Deployment podinfo-dev/podinfo: Degraded (Deployment "podinfo" exceeded its progress deadline)',
        );
        expect(notReady).toContain(
            'pod podinfo-dev/podinfo-7d9f-a: container app: ImagePullBackOff (Back-off pulling image "ghcr.io/stefanprodan/podinfo:6.99.0")',
        );
        expect(notReady.find((p) => p.includes("podinfo-7d9f-b"))).toMatch(
            /CrashLoopBackOff.*last exit 1 Error; 7 restarts/,
        );
        expect(notReady.find((p) => p.includes("podinfo-7d9f-c"))).toMatch(
            /Unschedulable: 0\/3 nodes are available: 3 Insufficient memory/,
        );
        expect(notReady.some((p) => p.includes("podinfo-7d9f-d"))).toBe(false);
        expect(f.fix.join("\n")).toMatch(/Image cannot be pulled[\s\S]*logs -n podinfo-dev[\s\S]*cannot be scheduled/);
    });

    it("Progressing: fine for a while, a health check timeout past ten minutes", () => {
        const recent = diagnose(
            dev,
            argoSnapshot(dev, { "dev-guestbook": { health: "Progressing", healthSince: "2026-11-25T11:57:00Z" } }),
        );
        expect(recent.ok).toBe(true);
        expect(finding(recent, "dev-guestbook", "progressing").severity).toBe("info");

        const stuck = diagnose(
            dev,
            argoSnapshot(dev, { "dev-guestbook": { health: "Progressing", healthSince: "2026-11-25T11:30:00Z" } }),
        );
        expect(stuck.ok).toBe(false);
        expect(finding(stuck, "dev-guestbook", "unhealthy").cause).toMatch(/health check timeout/);

        // A crash-looping pod will not recover by waiting.
        const snapshot = argoSnapshot(dev, {
            "dev-guestbook": { health: "Progressing", healthSince: "2026-11-25T11:58:00Z" },
        });
        snapshot.pods["guestbook-dev"] = [pod("guestbook-dev", "gb-1", "CrashLoopBackOff")];
        expect(diagnose(dev, snapshot).ok).toBe(false);
    });

    it("Unknown sync status without a known cause", () => {
        const report = diagnose(dev, argoSnapshot(dev, { "dev-platform": { sync: "Unknown" } }));
        expect(finding(report, "dev-platform", "unknown-sync").fix[0]).toContain(
            "argocd app get argocd/dev-platform --hard-refresh",
        );
    });

    it("the text report lists every object with its state and the cause and fix of the red ones", () => {
        const text = formatReport(
            diagnose(dev, argoSnapshot(dev, { "dev-podinfo": { sync: "OutOfSync", health: "Degraded" } })),
        );
        expect(text).toMatch(/^Stack dev \(Argo CD, tier dev\) · context test · namespace argocd/);
        expect(text).toMatch(/ok\s+Application\s+dev-root\s+Synced\/Healthy\s+3f2a1c9\s+2026-11-25 11:40Z/);
        expect(text).toMatch(/!!\s+Application\s+dev-podinfo\s+OutOfSync\/Degraded/);
        expect(text).toMatch(/✗ Application argocd\/dev-podinfo\n {2}\[not-syncing\]/);
        expect(text).toMatch(/1 of 4 need a person\.\n$/);
    });
});

describe("status: Flux", () => {
    const dev = declared("dev", ["operator=flux"]);

    it("reports the GitRepository and every Kustomization with Ready, revision and last change", () => {
        const report = diagnose(dev, fluxSnapshot(dev));
        expect(report.ok).toBe(true);
        expect(report.objects.map((o) => `${o.kind}/${o.name}`)).toEqual([
            "GitRepository/gitops-dev",
            "Kustomization/dev-platform",
            "Kustomization/dev-guestbook",
            "Kustomization/dev-podinfo",
        ]);
        expect(entry(report, "dev-podinfo")).toMatchObject({
            ready: "True (ReconciliationSucceeded)",
            revision: `main@sha1:${COMMIT}`,
            lastChange: "2026-11-25T11:30:00Z",
        });
    });

    it("GitRepository authentication failed: Secret gitops-dev-auth, ssh, fingerprint from identity.pub", () => {
        const snapshot = fluxSnapshot(
            dev,
            {},
            {
                ready: {
                    status: "False",
                    reason: "GitOperationFailed",
                    message:
                        "failed to checkout and determine revision: unable to list remote for 'ssh://git@github.com/acme/gitops.git': ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
                },
            },
        );
        snapshot.credentials = {
            found: true,
            readable: true,
            keys: ["identity", "identity.pub", "known_hosts"],
            fingerprint: "SHA256:abc",
        };
        const f = finding(diagnose(dev, snapshot), "gitops-dev", "authentication");
        expect(f.facts).toMatchObject({
            secret: "flux-system/gitops-dev-auth",
            authKind: "ssh",
            deployKeyFingerprint: "SHA256:abc",
        });
    });

    it("GitRepository with a branch that does not exist: the ref is wrong", () => {
        const report = diagnose(
            dev,
            fluxSnapshot(
                dev,
                {},
                {
                    ready: {
                        status: "False",
                        reason: "GitOperationFailed",
                        message:
                            "failed to checkout and determine revision: unable to clone 'ssh://git@github.com/acme/gitops.git': couldn't find remote ref \"refs/heads/main\"",
                    },
                },
            ),
        );
        expect(finding(report, "gitops-dev", "path-or-revision").cause).toMatch(/cannot find branch main/);
    });

    it("Kustomization path not found: path, revision and whether the path exists at that commit", () => {
        const message = `kustomization path not found: stat /tmp/kustomization-2457791261/apps/podinfo/overlays/dev: no such file or directory`;
        const states = { "dev-podinfo": { ready: { status: "False" as const, reason: "ArtifactFailed", message } } };
        const snapshot = fluxSnapshot(dev, states);
        const plain = finding(diagnose(dev, snapshot), "dev-podinfo", "path-or-revision");
        expect(plain.facts).toMatchObject({ path: "./apps/podinfo/overlays/dev", revision: `main@sha1:${COMMIT}` });
        expect(plain.fix[0]).toContain(`git cat-file -e ${COMMIT}:apps/podinfo/overlays/dev`);

        snapshot.repoDir = "/src/gitops";
        snapshot.pathChecks = [
            {
                revision: COMMIT,
                path: "./apps/podinfo/overlays/dev",
                checkedRef: COMMIT,
                exists: false,
                revisionExists: true,
            },
        ];
        expect(finding(diagnose(dev, snapshot), "dev-podinfo", "path-or-revision").facts.pathExists).toBe(false);
    });

    it("Kustomizations waiting on a failed source or dependency point at it", () => {
        const report = diagnose(
            dev,
            fluxSnapshot(dev, {
                "dev-platform": {
                    ready: {
                        status: "False",
                        reason: "ArtifactFailed",
                        message: "Source artifact not found, retrying in 30s",
                    },
                },
                "dev-guestbook": {
                    ready: {
                        status: "False",
                        reason: "DependencyNotReady",
                        message: "dependency 'flux-system/dev-platform' is not ready",
                    },
                },
            }),
        );
        expect(finding(report, "dev-platform", "dependency").fix[0]).toMatch(/GitRepository flux-system\/gitops-dev/);
        expect(finding(report, "dev-guestbook", "dependency").facts.dependsOn).toEqual(["dev-platform"]);
    });

    it("suspended Kustomization or GitRepository: resume it", () => {
        const report = diagnose(dev, fluxSnapshot(dev, { "dev-guestbook": { suspend: true } }, { suspend: true }));
        expect(finding(report, "dev-guestbook", "suspended").fix[0]).toContain(
            "flux resume kustomization dev-guestbook -n flux-system",
        );
        expect(finding(report, "gitops-dev", "suspended").fix[0]).toContain(
            "flux resume source git gitops-dev -n flux-system",
        );
    });

    it("health check failed: the pods that are not ready", () => {
        const snapshot = fluxSnapshot(dev, {
            "dev-podinfo": {
                ready: {
                    status: "False",
                    reason: "HealthCheckFailed",
                    message:
                        "health check failed after 3m0s: timeout waiting for: [Deployment/podinfo-dev/podinfo status: 'InProgress']",
                },
            },
        });
        snapshot.pods["podinfo-dev"] = [pod("podinfo-dev", "podinfo-1", "ImagePullBackOff")];
        const f = finding(diagnose(dev, snapshot), "dev-podinfo", "unhealthy");
        expect(f.facts.notReady).toEqual([
            "health check failed after 3m0s: timeout waiting for: [Deployment/podinfo-dev/podinfo status: 'InProgress']",
            'pod podinfo-dev/podinfo-1: container app: ImagePullBackOff (Back-off pulling image "ghcr.io/stefanprodan/podinfo:6.99.0")',
        ]);
    });

    it("an object that already exists: the labels that adopt it", () => {
        const report = diagnose(
            dev,
            fluxSnapshot(dev, {
                "dev-guestbook": {
                    ready: {
                        status: "False",
                        reason: "ReconciliationFailed",
                        message:
                            'Service/guestbook-dev/frontend dry-run failed (AlreadyExists): services "frontend" already exists',
                    },
                },
            }),
        );
        const f = finding(report, "dev-guestbook", "already-exists");
        expect(f.facts.adoptWith).toBe(
            "kustomize.toolkit.fluxcd.io/name=dev-guestbook, kustomize.toolkit.fluxcd.io/namespace=flux-system",
        );
        expect(f.fix[0]).toContain(
            "kubectl label -n guestbook-dev service frontend kustomize.toolkit.fluxcd.io/name=dev-guestbook",
        );
    });

    it("reconciling: fine for a while; Stalled is an error", () => {
        const recent = diagnose(
            dev,
            fluxSnapshot(dev, {
                "dev-podinfo": {
                    ready: {
                        status: "Unknown",
                        reason: "Progressing",
                        message: "Reconciliation in progress",
                        since: "2026-11-25T11:59:00Z",
                    },
                },
            }),
        );
        expect(recent.ok).toBe(true);
        const stalled = diagnose(
            dev,
            fluxSnapshot(dev, {
                "dev-podinfo": {
                    ready: {
                        status: "Unknown",
                        reason: "Progressing",
                        message: "Reconciliation in progress",
                        since: "2026-11-25T11:59:00Z",
                    },
                    stalled: { reason: "InvalidPath", message: "path must be relative" },
                },
            }),
        );
        expect(finding(stalled, "dev-podinfo", "progressing")).toMatchObject({
            severity: "error",
            cause: "Stalled: InvalidPath: path must be relative",
        });
    });

    it("a missing Kustomization and GitRepository: run pulumi up", () => {
        const snapshot = fluxSnapshot(dev);
        snapshot.gitRepositories = {};
        delete snapshot.kustomizations!["dev-platform"];
        const report = diagnose(dev, snapshot);
        expect(finding(report, "gitops-dev", "missing").fix[0]).toMatch(/pulumi up -s dev/);
        expect(finding(report, "dev-platform", "missing").cause).toMatch(/Kustomization flux-system\/dev-platform/);
    });
});

describe("status: --json schema", () => {
    it("is stable: schemaVersion 1 with the documented fields", () => {
        const dev = declared("dev");
        const report = diagnose(dev, argoSnapshot(dev, { "dev-podinfo": { sync: "OutOfSync" } }));
        const json = JSON.parse(JSON.stringify(report));
        expect(Object.keys(json).sort()).toEqual(
            [
                "context",
                "generatedAt",
                "namespace",
                "objects",
                "ok",
                "operator",
                "schemaVersion",
                "stack",
                "tier",
            ].sort(),
        );
        expect(json.schemaVersion).toBe(1);
        const podinfo = json.objects.find((o: { name: string }) => o.name === "dev-podinfo");
        expect(Object.keys(podinfo).sort()).toEqual(
            ["findings", "found", "health", "kind", "lastChange", "name", "namespace", "ok", "revision", "sync"].sort(),
        );
        expect(Object.keys(podinfo.findings[0]).sort()).toEqual(["cause", "class", "facts", "fix", "severity"]);
    });
});

describe("status: fleet options", () => {
    it("appsMode applicationset: the ApplicationSet and the Applications it generated are reported", () => {
        const d = declared("dev", ["appsMode=applicationset"]);
        const snapshot = argoSnapshot(d);
        const generated = application(d, "dev-platform", { health: "Degraded" });
        generated.metadata = {
            name: "dev-shop",
            namespace: d.namespace,
            ownerReferences: [{ kind: "ApplicationSet", name: "dev-apps" }],
        };
        generated.spec.source.path = "apps/shop/overlays/dev";
        generated.spec.destination.namespace = "shop-dev";
        snapshot.applications!["dev-shop"] = generated;
        // Not the stack's: another ApplicationSet's Application in the same namespace.
        snapshot.applications!["other"] = {
            ...generated,
            metadata: { name: "other", ownerReferences: [{ kind: "ApplicationSet", name: "x" }] },
        };
        snapshot.applicationSets = {
            "dev-apps": {
                metadata: { name: "dev-apps" },
                status: {
                    conditions: [
                        {
                            type: "ErrorOccurred",
                            status: "True",
                            reason: "ApplicationGenerationFromParamsError",
                            message: 'failed to execute go template: map has no entry for key "app"',
                            lastTransitionTime: "2026-11-25T11:00:00Z",
                        },
                        { type: "ParametersGenerated", status: "True", reason: "ParametersGenerated" },
                    ],
                },
            },
        };
        const report = diagnose(d, snapshot);
        expect(report.objects.map((o) => o.name)).toEqual([
            "dev-apps",
            "dev-root",
            "dev-platform",
            "dev-guestbook",
            "dev-podinfo",
            "dev-shop",
        ]);
        expect(finding(report, "dev-apps", "reconcile-failed").cause).toMatch(
            /cannot generate Applications: failed to execute go template/,
        );
        expect(finding(report, "dev-shop", "unhealthy").facts.namespace).toBe("shop-dev");
        expect(entry(report, "dev-shop").findings.map((f) => f.class)).not.toContain("drift-from-stack");
    });

    it("clusters: an app on a remote cluster says where its pods are", () => {
        const d = declared("dev", [
            `clusters=${JSON.stringify([{ name: "local", server: "https://kubernetes.default.svc" }])}`,
        ]);
        const remote = {
            ...d,
            applications: d.applications.map((a) =>
                a.cluster ? { ...a, cluster: "eu-1", destinationServer: "https://eu-1.example.com" } : a,
            ),
        };
        const report = diagnose(remote, argoSnapshot(remote, { "dev-podinfo": { health: "Degraded" } }));
        expect(finding(report, "dev-podinfo", "unhealthy").fix[0]).toMatch(
            /pods run on cluster eu-1 \(https:\/\/eu-1.example.com\)/,
        );
    });
});

describe("conflictingObject: the object an 'already exists' message names", () => {
    it.each([
        [
            'deployments.apps "podinfo" already exists',
            { group: "apps", kind: "Deployment", namespace: "podinfo-dev", name: "podinfo" },
        ],
        [
            'namespaces "podinfo-dev" already exists',
            { group: "", kind: "Namespace", namespace: "", name: "podinfo-dev" },
        ],
        [
            'clusterroles.rbac.authorization.k8s.io "reader" already exists',
            { group: "rbac.authorization.k8s.io", kind: "ClusterRole", namespace: "", name: "reader" },
        ],
        [
            "Service/guestbook-dev/frontend dry-run failed: conflict",
            { group: "", kind: "Service", namespace: "guestbook-dev", name: "frontend" },
        ],
        [
            'ConfigMap "settings" in namespace "platform-dev" exists and cannot be imported into the current release',
            { group: "", kind: "ConfigMap", namespace: "platform-dev", name: "settings" },
        ],
        [
            "ConfigMap/guestbook-ui is part of applications argocd/dev-guestbook and dev-podinfo",
            { group: "", kind: "ConfigMap", namespace: "podinfo-dev", name: "guestbook-ui" },
        ],
    ])("%s", (message, expected) => {
        expect(conflictingObject(message, "podinfo-dev")).toEqual(expected);
    });

    it("a cluster-scoped object's tracking id has no namespace", () => {
        const d = declared("dev");
        const report = diagnose(
            d,
            argoSnapshot(d, {
                "dev-platform": {
                    conditions: [{ type: "SyncError", message: 'namespaces "platform-dev" already exists' }],
                },
            }),
        );
        expect(finding(report, "dev-platform", "already-exists").facts.adoptWith).toBe(
            "argocd.argoproj.io/tracking-id=dev-platform:/Namespace:/platform-dev",
        );
    });
});
