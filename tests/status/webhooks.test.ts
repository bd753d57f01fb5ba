import { describe, expect, it } from "vitest";
import { diagnose, formatReport, receiverCallTime, type ClusterSnapshot, type KubeObject } from "../../src/status";
import { argoSnapshot, COMMIT, declared, fluxSnapshot, NOW } from "./fixtures";

const FLUX = ["operator=flux", "gitWebhook=true"];
const TOKEN_KEYS = { found: true, readable: true, keys: ["token"] };
/** What notification-controller writes when it handles a webhook (Go's time.String(), monotonic clock reading). */
const RECEIVER_MARK = "2026-11-25 11:45:02.123456789 +0000 UTC m=+3601.5";

function receiver(ready: { status: string; reason: string; message: string }, suspend = false): KubeObject {
    return {
        apiVersion: "notification.toolkit.fluxcd.io/v1",
        kind: "Receiver",
        metadata: { name: "gitops-dev", namespace: "flux-system", creationTimestamp: "2026-11-25T10:00:00Z" },
        spec: { type: "github", ...(suspend ? { suspend: true } : {}) },
        status: { conditions: [{ type: "Ready", ...ready, lastTransitionTime: "2026-11-25T10:00:05Z" }] },
    };
}
const READY = { status: "True", reason: "Succeeded", message: "Receiver initialized for path: /hook/0123abcd" };

/** The dev Flux stack with its Receiver, the GitRepository's last new artifact at `artifactAt`, marked `requested`. */
function fluxWebhookSnapshot(options: {
    receiver?: KubeObject | null;
    token?: ClusterSnapshot["webhookSecret"];
    artifactAt?: string;
    requested?: string;
}): ClusterSnapshot {
    const d = declared("dev", FLUX);
    const snapshot = fluxSnapshot(d);
    const repo = snapshot.gitRepositories!["gitops-dev"];
    repo.status.artifact.lastUpdateTime = options.artifactAt ?? "2026-11-25T09:00:00Z";
    if (options.requested) repo.metadata.annotations = { "reconcile.fluxcd.io/requestedAt": options.requested };
    return {
        ...snapshot,
        receivers: options.receiver === null ? {} : { "gitops-dev": options.receiver ?? receiver(READY) },
        webhookSecret: options.token ?? TOKEN_KEYS,
    };
}

const receiverEntry = (snapshot: ClusterSnapshot) => {
    const report = diagnose(declared("dev", FLUX), snapshot);
    return { report, entry: report.objects.find((o) => o.kind === "Receiver")! };
};

describe("status: Git webhooks with Flux", () => {
    it("declares the Receiver and its token Secret only when the stack turns webhooks on", () => {
        expect(declared("dev", FLUX).gitWebhook).toEqual({
            provider: "github",
            receiver: "gitops-dev",
            secretName: "gitops-dev-webhook-token",
            secretKey: "token",
            pollInterval: "1m",
        });
        // The committed dev stack holds no gitWebhookSecret: pulumi up turns nothing on, nor does the status.
        expect(declared("dev", ["operator=flux"]).gitWebhook).toBeUndefined();
        expect(
            diagnose(declared("dev", ["operator=flux"]), fluxSnapshot(declared("dev", ["operator=flux"]))).objects.map(
                (o) => o.kind,
            ),
        ).not.toContain("Receiver");
    });

    it("reads the receiver's mark, not a person's flux reconcile", () => {
        expect(receiverCallTime(RECEIVER_MARK)?.toISOString()).toBe("2026-11-25T11:45:02.123Z");
        expect(receiverCallTime("2026-11-25 12:45:02 +0100 CET m=+1.0")?.toISOString()).toBe(
            "2026-11-25T11:45:02.000Z",
        );
        expect(receiverCallTime("2026-11-25T11:45:02.123456789Z")).toBeUndefined();
        expect(receiverCallTime(undefined)).toBeUndefined();
    });

    it("a Receiver called after the last commit is fine, with the call as its last change", () => {
        const { report, entry } = receiverEntry(
            fluxWebhookSnapshot({ artifactAt: "2026-11-25T11:45:04Z", requested: RECEIVER_MARK }),
        );
        expect(report.ok).toBe(true);
        expect(entry).toMatchObject({ kind: "Receiver", name: "gitops-dev", ready: "True (Succeeded)", findings: [] });
        expect(report.objects.map((o) => o.kind)).toEqual([
            "GitRepository",
            "Kustomization",
            "Kustomization",
            "Kustomization",
            "Receiver",
        ]);
    });

    it("never called, and a commit came by polling after it existed: an error with where to look", () => {
        const { report, entry } = receiverEntry(fluxWebhookSnapshot({ artifactAt: "2026-11-25T11:30:00Z" }));
        expect(report.ok).toBe(false);
        const [f] = entry.findings;
        expect(f).toMatchObject({ class: "webhook", severity: "error" });
        expect(f.cause).toBe(
            `The Receiver has never been called: the newest commit (main@sha1:${COMMIT}) was fetched at 2026-11-25T11:30:00Z by polling, after the Receiver was created (2026-11-25T10:00:00Z). Commits arrive only every 1m.`,
        );
        expect(f.fix[0]).toContain("pulumi stack output gitWebhookPath --show-secrets -s dev");
        expect(f.facts).toMatchObject({ lastWebhookCall: "never", receiverCreated: "2026-11-25T10:00:00Z" });
        // The webhook path is never printed: with the generic provider it is the secret.
        expect(formatReport(report)).not.toContain("/hook/");
    });

    it("never called and no commit since it was created: worth knowing, not failing", () => {
        const { report, entry } = receiverEntry(fluxWebhookSnapshot({ artifactAt: "2026-11-25T09:00:00Z" }));
        expect(report.ok).toBe(true);
        expect(entry.findings).toMatchObject([{ class: "webhook", severity: "info" }]);
        expect(entry.findings[0].cause).toMatch(/has never been called .*no commit has arrived since/);
    });

    it("called once, but the newest commit came by polling: pushes no longer reach it", () => {
        const { entry } = receiverEntry(
            fluxWebhookSnapshot({ artifactAt: "2026-11-25T11:50:00Z", requested: RECEIVER_MARK }),
        );
        expect(entry.ok).toBe(false);
        expect(entry.findings[0].cause).toMatch(
            /do not reach the Receiver any more: .* fetched at 2026-11-25T11:50:00Z by polling, and the last webhook call was at 2026-11-25T11:45:02.123Z/,
        );
    });

    it("a person's flux reconcile is not taken for a webhook call", () => {
        const { entry } = receiverEntry(
            fluxWebhookSnapshot({ artifactAt: "2026-11-25T11:30:00Z", requested: "2026-11-25T11:29:58.5Z" }),
        );
        expect(entry.ok).toBe(false);
        expect(entry.findings[0].facts.lastReconcileRequest).toBe(
            "2026-11-25T11:29:58.5Z (flux reconcile, not a webhook)",
        );
    });

    it.each([
        ["its token Secret does not exist", { token: { found: false, readable: false, keys: [] } }, "does not exist"],
        [
            "the Secret has no token key",
            { token: { found: true, readable: true, keys: ["other"] } },
            "has no key token",
        ],
        [
            "the controller cannot read it (Secret unreadable here)",
            {
                token: { found: true, readable: false, keys: [] },
                receiver: receiver({
                    status: "False",
                    reason: "TokenNotFound",
                    message:
                        "unable to read token from secret 'flux-system/gitops-dev-webhook-token' error: secrets not found",
                }),
            },
            "has no key token",
        ],
    ])("a missing webhook secret (%s): an error that says pulumi up writes it", (_, options, what) => {
        const { entry } = receiverEntry(fluxWebhookSnapshot(options));
        expect(entry.ok).toBe(false);
        expect(entry.findings).toHaveLength(1);
        expect(entry.findings[0]).toMatchObject({ class: "webhook", severity: "error" });
        expect(entry.findings[0].cause).toContain(
            `The webhook secret is missing: Secret flux-system/gitops-dev-webhook-token ${what}`,
        );
        expect(entry.findings[0].fix[0]).toContain("pulumi up -s dev");
    });

    it("a suspended or missing Receiver", () => {
        expect(receiverEntry(fluxWebhookSnapshot({ receiver: receiver(READY, true) })).entry.findings[0].cause).toMatch(
            /^Suspended/,
        );
        const missing = receiverEntry(fluxWebhookSnapshot({ receiver: null })).entry;
        expect(missing).toMatchObject({ found: false, ok: false, findings: [{ class: "missing" }] });
    });
});

describe("status: Git webhooks with Argo CD", () => {
    const d = declared("staging", ["gitWebhook=true", "gitWebhookProvider=gitlab"]);
    const withSecret = (webhookSecret: ClusterSnapshot["webhookSecret"]) =>
        diagnose(d, { ...argoSnapshot(d), webhookSecret, now: NOW });

    it("checks the provider's key of argocd-secret", () => {
        expect(d.gitWebhook).toMatchObject({ secretName: "argocd-secret", secretKey: "webhook.gitlab.secret" });
        const report = withSecret({ found: true, readable: true, keys: ["server.secretkey", "webhook.gitlab.secret"] });
        expect(report.ok).toBe(true);
        expect(report.objects.at(-1)).toMatchObject({
            kind: "Secret",
            name: "argocd-secret",
            ready: "webhook.gitlab.secret set",
        });
        expect(formatReport(report)).toMatch(/Secret +argocd-secret +webhook.gitlab.secret set/);
    });

    it("a missing key: Argo CD checks no signature, run pulumi up", () => {
        const report = withSecret({ found: true, readable: true, keys: ["server.secretkey"] });
        expect(report.ok).toBe(false);
        const entry = report.objects.at(-1)!;
        expect(entry.ready).toBe("webhook.gitlab.secret missing");
        expect(entry.findings[0].cause).toMatch(/has no key webhook.gitlab.secret, so Argo CD checks no signature/);
        expect(entry.findings[0].fix[0]).toContain("pulumi up -s staging");
    });

    it("an unreadable argocd-secret is reported, not failed", () => {
        const report = withSecret({ found: true, readable: false, keys: [] });
        expect(report.ok).toBe(true);
        expect(report.objects.at(-1)!.findings[0]).toMatchObject({ class: "webhook", severity: "info" });
    });
});
