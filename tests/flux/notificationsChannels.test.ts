import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { DRIFT_INCLUSION, HEALTH_CHECK_FAILED, fluxAlertRules } from "../../src/flux/notifications";
import { isSecretValue } from "../../src/offline/mockRun";
import { TEST_SECRETS, configErrorOf, customResources, findOne, plain, runStack } from "../support/stacks";
import { validateFluxObject } from "./schema";

const FLUX = "operator=flux";
const SECRETS = JSON.parse(TEST_SECRETS.alertSecrets);
const CHANNELS = [
    { type: "slack", name: "deploys", channel: "deploys-team", events: ["sync-failed", "drift-corrected"] },
    { type: "teams", name: "teams", events: ["deployed"] },
    { type: "webhook", name: "hook", headers: ["Authorization"], events: ["health-degraded"] },
    { type: "pagerduty", name: "oncall", events: ["sync-failed", "health-degraded"] },
];
const raw = (list: unknown[]) => ({ "gitops-stack:alertChannels": JSON.stringify(list) });
const runWith = (stack: string, list: unknown[] = CHANNELS, secrets?: Record<string, string>) =>
    runStack(stack, { raw: raw(list), config: [FLUX], secrets });
const byName = (objects: Array<Record<string, any>>, name: string) => objects.find((o) => o.metadata.name === name)!;
const KUSTOMIZATIONS = (stack: string) =>
    ["platform", "guestbook", "podinfo"].map((a) => ({ kind: "Kustomization", name: `${stack}-${a}` }));

describe("Flux alert channels", () => {
    it("creates a Provider of the channel's type per channel, credentials only in Secrets", async () => {
        const run = await runWith("staging");
        const providers = customResources(run.resources, "Provider");
        expect(providers.map((p) => p.metadata.name).sort()).toEqual([
            "slack-staging",
            "staging-deploys",
            "staging-hook",
            "staging-oncall",
            "staging-teams",
        ]);
        expect(byName(providers, "staging-deploys").spec).toEqual({
            type: "slack",
            channel: "deploys-team",
            address: "https://slack.com/api/chat.postMessage",
            secretRef: { name: "staging-deploys-credentials" },
        });
        expect(byName(providers, "staging-teams").spec).toEqual({
            type: "msteams",
            secretRef: { name: "staging-teams-credentials" },
        });
        expect(byName(providers, "staging-hook").spec).toEqual({
            type: "generic",
            secretRef: { name: "staging-hook-credentials" },
        });
        expect(byName(providers, "staging-oncall").spec).toEqual({
            type: "pagerduty",
            address: "https://events.pagerduty.com",
            channel: SECRETS.oncall.routingKey,
        });
        const oncall = run.resources.find((r) => r.name === "staging-oncall-provider")!;
        // The engine receives the routing key as a secret (the spec carrying it is marked secret as a whole).
        const spec = oncall.inputs.spec as any;
        expect(isSecretValue(spec) || isSecretValue(spec.channel)).toBe(true);

        const secret = (name: string) => findOne(run.resources, "kubernetes:core/v1:Secret", name);
        for (const name of ["staging-deploys-credentials", "staging-teams-credentials", "staging-hook-credentials"])
            expect(isSecretValue(secret(name).inputs.stringData), name).toBe(true);
        expect(plain(secret("staging-deploys-credentials").inputs.stringData)).toEqual({
            token: SECRETS.deploys.token,
        });
        expect(plain(secret("staging-teams-credentials").inputs.stringData)).toEqual({ address: SECRETS.teams.url });
        const hook = plain(secret("staging-hook-credentials").inputs.stringData) as Record<string, string>;
        expect(hook.address).toBe(SECRETS.hook.url);
        expect(YAML.parse(hook.headers)).toEqual({ Authorization: SECRETS.hook.headers.Authorization });
        // No credential in any Provider or Alert in clear.
        const objects = JSON.stringify([
            ...customResources(run.resources, "Alert"),
            ...providers.filter((p) => p.spec.type !== "pagerduty"),
        ]);
        for (const v of [SECRETS.deploys.token, SECRETS.teams.url, SECRETS.hook.url, SECRETS.oncall.routingKey])
            expect(objects).not.toContain(v);
    });

    it("delivers each channel's events with Alerts filtered by severity and message", async () => {
        const run = await runWith("staging");
        const alerts = customResources(run.resources, "Alert");
        const source = { kind: "GitRepository", name: "gitops-staging" };
        // sync-failed and drift-corrected: the error events, and the apply events with changed objects.
        expect(byName(alerts, "staging-deploys").spec).toEqual({
            providerRef: { name: "staging-deploys" },
            eventSeverity: "error",
            exclusionList: [HEALTH_CHECK_FAILED],
            eventSources: [source, ...KUSTOMIZATIONS("staging")],
            eventMetadata: { environment: "staging" },
        });
        expect(byName(alerts, "staging-deploys-drift").spec).toEqual({
            providerRef: { name: "staging-deploys" },
            eventSeverity: "info",
            inclusionList: [DRIFT_INCLUSION],
            eventSources: KUSTOMIZATIONS("staging"),
            eventMetadata: { environment: "staging" },
        });
        // deployed needs the info events (which include every other).
        expect(byName(alerts, "staging-teams").spec).toMatchObject({
            eventSeverity: "info",
            eventSources: [source, ...KUSTOMIZATIONS("staging")],
        });
        expect(byName(alerts, "staging-teams").spec.inclusionList).toBeUndefined();
        // health-degraded alone: the failed health checks of the Kustomizations.
        expect(byName(alerts, "staging-hook").spec).toMatchObject({
            eventSeverity: "error",
            inclusionList: [HEALTH_CHECK_FAILED],
            eventSources: KUSTOMIZATIONS("staging"),
        });
        expect(byName(alerts, "staging-oncall").spec.inclusionList).toBeUndefined();
        expect(byName(alerts, "staging-oncall").spec.exclusionList).toBeUndefined();
    });

    it("passes the upstream schema at the API versions Flux 2.8 serves", async () => {
        const run = await runWith(
            "prod",
            [...CHANNELS, { type: "webhook", name: "signed", hmac: true, events: ["drift-corrected"] }],
            {
                alertSecrets: JSON.stringify({
                    ...SECRETS,
                    signed: {
                        url: "https://hooks.acme.example/signed",
                        hmacKey: "test-hmac-4f1c-0123456789abcdef0123",
                    },
                }),
            },
        );
        const objects = [...customResources(run.resources, "Provider"), ...customResources(run.resources, "Alert")];
        expect(objects.length).toBeGreaterThan(8);
        for (const o of objects) await validateFluxObject(plain(o) as Record<string, any>);
        const signed = findOne(run.resources, "kubernetes:core/v1:Secret", "prod-signed-credentials");
        expect(plain(signed.inputs.stringData)).toEqual({
            address: "https://hooks.acme.example/signed",
            token: "test-hmac-4f1c-0123456789abcdef0123",
        });
        expect(byName(customResources(run.resources, "Provider"), "prod-signed").spec.type).toBe("generic-hmac");
    });

    it("creates the Providers and Alerts before the source and the Kustomizations", async () => {
        const run = await runWith("dev");
        const alertUrns = run.resources
            .filter((r) => r.type === "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert")
            .map((r) => r.urn);
        const component = run.resources.find(
            (r) => r.type === "gitops-stack:flux:AlertChannelNotifications" && r.name === "dev-oncall",
        )!;
        for (const type of [
            "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
            "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
        ]) {
            for (const r of run.resources.filter((x) => x.type === type)) {
                const deps = r.dependencies;
                expect(
                    deps.includes(component.urn) || alertUrns.every((u) => deps.includes(u)),
                    `${r.name} waits for the alerts`,
                ).toBe(true);
            }
        }
    });

    it("refuses an email channel and names the alternative", async () => {
        const message = await configErrorOf("dev", {
            raw: raw([
                {
                    type: "email",
                    name: "mail",
                    to: ["a@acme.example"],
                    smtpHost: "smtp.acme.example",
                    smtpPort: 587,
                    from: "b@acme.example",
                },
            ]),
            config: [FLUX],
        });
        expect(message).toContain(
            'gitops-stack:alertChannels: channel "mail": type email is not available with operator flux: Flux has no email provider; expected a webhook channel to your mail gateway',
        );
    });
});

describe("fluxAlertRules", () => {
    it("maps events to as few Alerts as deliver them", () => {
        expect(fluxAlertRules(["sync-failed", "health-degraded", "drift-corrected", "deployed"])).toEqual([
            { suffix: "", eventSeverity: "info", kustomizationsOnly: false },
        ]);
        expect(fluxAlertRules(["sync-failed", "health-degraded"])).toEqual([
            { suffix: "", eventSeverity: "error", kustomizationsOnly: false },
        ]);
        expect(fluxAlertRules(["drift-corrected"])).toEqual([
            { suffix: "", eventSeverity: "info", inclusionList: [DRIFT_INCLUSION], kustomizationsOnly: true },
        ]);
    });

    it("matches kustomize-controller's apply lines for changed objects, and nothing else", () => {
        // Go's RE2 and JavaScript agree on this pattern once the (?m) flag is moved out.
        const re = new RegExp(DRIFT_INCLUSION.replace("(?m)", ""), "m");
        expect(re.test("Deployment/podinfo-dev/podinfo configured")).toBe(true);
        expect(re.test("ConfigMap/podinfo-dev/settings unchanged\nService/podinfo-dev/podinfo created")).toBe(true);
        expect(re.test("Namespace/podinfo-dev configured")).toBe(true);
        expect(re.test("Reconciliation finished in 1s, next run in 5m")).toBe(false);
        expect(re.test("Deployment/podinfo-dev/podinfo unchanged")).toBe(false);
        expect(
            re.test("health check failed after 30s: timeout waiting for: [Deployment/x/y status: 'InProgress']"),
        ).toBe(false);
    });
});
