/**
 * Git webhooks (issue 22): whether the webhook the stack declares can work. Flux: the Receiver (Ready, its token
 * Secret) and whether a push ever reached it; Argo CD: the key of argocd-secret its webhooks are checked with.
 * Secrets are read by key name only: no value, and no webhook path (with the generic provider the path is the secret).
 */
import type { DeclaredStack } from "./declared";
import { ageMs, condition, lookUpObject, type Context } from "./findings";
import type { Finding, KubeObject, ObjectReport } from "./types";

/** The annotation a Receiver sets on the objects it triggers (and `flux reconcile` too). */
export const REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";
/**
 * How long a fetch may take after a webhook call: an artifact newer than the last call by more than this came from a
 * poll. source-controller fetches within seconds of the request; a minute leaves room for a slow Git host.
 */
export const FETCH_AFTER_CALL_MS = 60_000;

/**
 * When notification-controller last handled a webhook for the GitRepository. It writes `reconcile.fluxcd.io/requestedAt`
 * as Go's `metav1.Now().String()` (`2026-12-07 20:05:01.123456789 +0000 UTC m=+12.5`, receiver_handlers.go
 * `annotate`), while `flux reconcile` writes RFC 3339 (`2026-12-07T20:05:01.1Z`): the format tells a webhook call
 * from a person's request. Undefined when the value is not the receiver's.
 */
export function receiverCallTime(value: string | undefined): Date | undefined {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ([+-])(\d\d)(\d\d) /.exec(value ?? "");
    if (!m) return undefined;
    const date = new Date(`${m[1]}T${m[2]}${(m[3] ?? "").slice(0, 4)}${m[4]}${m[5]}:${m[6]}`);
    return Number.isNaN(date.getTime()) ? undefined : date;
}

function registerFix(declared: DeclaredStack): string {
    return `At the Git host, check the webhook's recent deliveries (the response code says which side fails); it must point at the address the receiver is exposed at plus the path from pulumi stack output gitWebhookPath --show-secrets -s ${declared.stack}, with the stack's gitWebhookSecret (README, Git webhooks).`;
}

/** Flux: the Receiver of the environment, its token Secret, and whether pushes reach it. */
export function diagnoseReceiver(ctx: Context): ObjectReport | undefined {
    const { declared, snapshot } = ctx;
    const webhook = declared.gitWebhook;
    if (!webhook?.receiver) return undefined;
    const { report, obj } = lookUpObject(ctx, "Receiver", webhook.receiver, snapshot.receivers);
    if (!obj) return report;
    const ready = condition(obj, "Ready");
    report.ready = ready ? `${ready.status}${ready.reason ? ` (${ready.reason})` : ""}` : "Unknown";
    const findings = report.findings;
    const secret = snapshot.webhookSecret;
    const tokenMissing =
        secret?.found === false ||
        (secret?.readable === true && !secret.keys.includes(webhook.secretKey)) ||
        ready?.reason === "TokenNotFound";
    if (tokenMissing) {
        findings.push(
            missingSecretFinding(ctx, secret?.found === false ? "does not exist" : `has no key ${webhook.secretKey}`),
        );
    } else if (obj.spec?.suspend) {
        findings.push({
            class: "webhook",
            severity: "error",
            cause: `Suspended (spec.suspend: true): the Receiver answers every webhook with 503, so commits arrive only by polling (every ${webhook.pollInterval}).`,
            fix: [`Run pulumi up -s ${declared.stack} to restore it (the stack declares it active).`],
            facts: { suspended: true },
        });
    } else if (ready?.status !== "True") {
        findings.push({
            class: "webhook",
            severity: "error",
            cause: `Not ready (${ready?.reason ?? "no Ready condition"}): the Receiver answers no webhook, so commits arrive only by polling (every ${webhook.pollInterval}). ${ready?.message ?? ""}`.trim(),
            fix: [
                `kubectl -n ${declared.namespace} describe receiver ${webhook.receiver}; kubectl -n ${declared.namespace} logs deploy/notification-controller.`,
            ],
            facts: { reason: ready?.reason ?? "" },
        });
    } else {
        const finding = callFinding(ctx, obj);
        if (finding) findings.push(finding);
    }
    report.ok = findings.every((f) => f.severity !== "error");
    return report;
}

function missingSecretFinding(ctx: Context, what: string): Finding {
    const { declared } = ctx;
    const webhook = declared.gitWebhook!;
    return {
        class: "webhook",
        severity: "error",
        cause: `The webhook secret is missing: Secret ${declared.namespace}/${webhook.secretName} ${what}, so ${declared.operator === "flux" ? "the Receiver answers no webhook and commits arrive only by polling" : "Argo CD checks no signature: anyone who reaches /api/webhook can make it refresh, and a Git host's signed requests are not told apart from others"} (every ${webhook.pollInterval}).`,
        fix: [
            `Run pulumi up -s ${declared.stack}: the stack writes it from gitWebhookSecret (pulumi config get gitWebhookSecret -s ${declared.stack} must show it is set).`,
        ],
        facts: { secret: `${declared.namespace}/${webhook.secretName}`, key: webhook.secretKey },
    };
}

/** Whether pushes reach the Receiver: the GitRepository's last webhook call against its last new artifact. */
function callFinding(ctx: Context, receiver: KubeObject): Finding | undefined {
    const { declared, snapshot } = ctx;
    const webhook = declared.gitWebhook!;
    const source = snapshot.gitRepositories?.[declared.gitRepository ?? ""];
    const requested = source?.metadata.annotations?.[REQUESTED_AT];
    const call = receiverCallTime(requested);
    const created = receiver.metadata.creationTimestamp;
    const artifactAt = source?.status?.artifact?.lastUpdateTime as string | undefined;
    const revision = (source?.status?.artifact?.revision as string | undefined) ?? "";
    const since = call ? call.getTime() : created ? Date.parse(created) : undefined;
    const polled =
        artifactAt !== undefined && since !== undefined && Date.parse(artifactAt) - since > FETCH_AFTER_CALL_MS;
    const facts: Record<string, string> = {
        receiverCreated: created ?? "",
        lastWebhookCall: call?.toISOString() ?? "never",
        lastNewRevision: artifactAt ? `${revision} at ${artifactAt}` : "",
    };
    // A person's `flux reconcile` overwrote the receiver's mark: the last call cannot be told.
    if (!call && requested) facts.lastReconcileRequest = `${requested} (flux reconcile, not a webhook)`;
    if (polled) {
        return {
            class: "webhook",
            severity: "error",
            cause: call
                ? `Pushes do not reach the Receiver any more: the newest commit (${revision}) was fetched at ${artifactAt} by polling, and the last webhook call was at ${call.toISOString()}.`
                : `The Receiver has never been called: the newest commit (${revision}) was fetched at ${artifactAt} by polling, after the Receiver was created (${created}). Commits arrive only every ${webhook.pollInterval}.`,
            fix: [registerFix(declared)],
            facts,
        };
    }
    if (call) return undefined;
    const age = ageMs(created, snapshot.now);
    return {
        class: "webhook",
        severity: "info",
        cause: `The Receiver has never been called${age !== undefined ? ` (created ${created})` : ""}; no commit has arrived since, so it cannot tell yet whether the Git host reaches it.`,
        fix: [
            `Send the Git host's test delivery (GitHub: Recent Deliveries → Redeliver, or the ping on creation) and run this again. ${registerFix(declared)}`,
        ],
        facts,
    };
}

/** Argo CD: the key of argocd-secret that /api/webhook and the ApplicationSet controller check requests with. */
export function diagnoseWebhookSecret(ctx: Context): ObjectReport | undefined {
    const { declared, snapshot } = ctx;
    const webhook = declared.gitWebhook;
    if (!webhook || declared.operator !== "argocd") return undefined;
    const secret = snapshot.webhookSecret;
    const report: ObjectReport = {
        kind: "Secret",
        name: webhook.secretName,
        namespace: declared.namespace,
        found: secret?.found ?? false,
        ok: false,
        findings: [],
    };
    if (!secret || (secret.found && !secret.readable)) {
        report.ready = "unreadable";
        report.findings.push({
            class: "webhook",
            severity: "info",
            cause: `Could not read Secret ${declared.namespace}/${webhook.secretName} (forbidden), so whether it holds ${webhook.secretKey} is unknown.`,
            fix: [
                `Run this with read access to Secrets in ${declared.namespace}, or ask the platform team to check the key.`,
            ],
            facts: {},
        });
    } else if (!secret.found || !secret.keys.includes(webhook.secretKey)) {
        report.ready = `${webhook.secretKey} missing`;
        report.findings.push(
            missingSecretFinding(ctx, secret.found ? `has no key ${webhook.secretKey}` : "does not exist"),
        );
    } else report.ready = `${webhook.secretKey} set`;
    report.ok = report.findings.every((f) => f.severity !== "error");
    return report;
}
