import { beforeAll, describe, expect, it } from "vitest";
import { DRIFT_INCLUSION } from "../../src/flux/notifications";
import { isSecretValue, type ProgramRun } from "../../src/offline/mockRun";
import type { StackOutputs } from "../../src/program";
import { STACKS, TEST_SECRETS, customResources, findOne, plain, runStack } from "../support/stacks";

const FLUX = "operator=flux";
const runs = new Map<string, ProgramRun<StackOutputs>>();
beforeAll(async () => {
    for (const stack of STACKS) runs.set(stack, await runStack(stack, { config: [FLUX] }));
});
const run = (stack: string) => runs.get(stack)!;
const alert = (stack: string) =>
    customResources(run(stack).resources, "Alert").find((a) => a.metadata.name === `slack-${stack}`)!;
const provider = (stack: string) => customResources(run(stack).resources, "Provider")[0];

describe.each(STACKS)("stack %s: Slack notifications", (stack) => {
    it("posts with the bot token to the environment's channel", () => {
        expect(customResources(run(stack).resources, "Provider")).toHaveLength(1);
        expect(provider(stack)).toMatchObject({
            metadata: { name: `slack-${stack}`, namespace: "flux-system" },
            spec: {
                type: "slack",
                channel: `deploys-${stack}`,
                // A bot token (xoxb-) posts through the Web API; the webhook form would need the URL as a secret.
                address: "https://slack.com/api/chat.postMessage",
                secretRef: { name: `slack-${stack}-token` },
            },
        });
    });

    it("keeps the token in a Secret under key token, as a Pulumi secret", () => {
        const secret = findOne(run(stack).resources, "kubernetes:core/v1:Secret", `slack-${stack}-token`);
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(plain(secret.inputs.stringData)).toEqual({ token: TEST_SECRETS.slackToken });
        expect(plain(secret.inputs.metadata)).toMatchObject({ name: `slack-${stack}-token`, namespace: "flux-system" });
    });

    it("alerts on the environment's Kustomizations and GitRepository, by name", () => {
        expect(alert(stack).spec.providerRef).toEqual({ name: `slack-${stack}` });
        expect(alert(stack).spec.eventSources).toEqual([
            { kind: "GitRepository", name: `gitops-${stack}` },
            { kind: "Kustomization", name: `${stack}-platform` },
            { kind: "Kustomization", name: `${stack}-guestbook` },
            { kind: "Kustomization", name: `${stack}-podinfo` },
        ]);
        expect(alert(stack).spec.eventMetadata).toEqual({ environment: stack });
        const names = customResources(run(stack).resources, "Kustomization").map((k) => k.metadata.name);
        for (const source of alert(stack).spec.eventSources.filter((s: any) => s.kind === "Kustomization")) {
            expect(names).toContain(source.name);
        }
    });

    it("exists before the source and the Kustomizations, so their first failures are reported", () => {
        const alertUrn = findOne(
            run(stack).resources,
            "kubernetes:notification.toolkit.fluxcd.io/v1beta3:Alert",
            `slack-${stack}-alert`,
        ).urn;
        for (const type of [
            "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
            "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
        ]) {
            for (const r of run(stack).resources.filter((x) => x.type === type))
                expect(r.dependencies).toContain(alertUrn);
        }
    });
});

describe("severity per environment", () => {
    it("reports every event in dev and staging, and only errors in prod", () => {
        expect(alert("dev").spec.eventSeverity).toBe("info");
        expect(alert("staging").spec.eventSeverity).toBe("info");
        expect(alert("prod").spec.eventSeverity).toBe("error");
    });

    it("adds a drift Alert where the tier reports errors only (prod), so reverted manual changes still reach Slack", () => {
        const names = (stack: string) => customResources(run(stack).resources, "Alert").map((a) => a.metadata.name);
        expect(names("dev")).toEqual(["slack-dev"]);
        expect(names("staging")).toEqual(["slack-staging"]);
        expect(names("prod").sort()).toEqual(["slack-prod", "slack-prod-drift"]);
        const drift = customResources(run("prod").resources, "Alert").find(
            (a) => a.metadata.name === "slack-prod-drift",
        )!;
        expect(drift.spec).toEqual({
            providerRef: { name: "slack-prod" },
            eventSeverity: "info",
            inclusionList: [DRIFT_INCLUSION],
            eventSources: ["platform", "guestbook", "podinfo"].map((a) => ({
                kind: "Kustomization",
                name: `prod-${a}`,
            })),
            eventMetadata: { environment: "prod" },
        });
    });
});

describe("without Slack", () => {
    it.each(STACKS)("creates no Provider, Alert or token Secret in %s", async (stack) => {
        const r = await runStack(stack, { config: [FLUX, "slackChannel="] });
        expect(customResources(r.resources, "Provider")).toEqual([]);
        expect(customResources(r.resources, "Alert")).toEqual([]);
        expect(r.resources.filter((x) => x.type === "gitops-stack:flux:SlackNotifications")).toEqual([]);
        const secrets = r.resources.filter((x) => x.type === "kubernetes:core/v1:Secret");
        // The Git webhook's token (dev and staging receive webhooks when the stack has the secret) is no Slack's.
        expect(secrets.map((s) => s.name).sort()).toEqual(
            stack === "prod" ? ["git-credentials"] : ["git-credentials", "git-webhook-token"],
        );
        expect(JSON.stringify(r.resources.map((x) => plain(x.inputs)))).not.toContain(TEST_SECRETS.slackToken);
    });
});
