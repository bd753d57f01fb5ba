import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GitOpsStack } from "../../src/component/gitOpsStack";
import { GitWebhookReceiver, RECEIVER_EVENTS, receiverWebhookPath } from "../../src/flux/receiver";
import { isSecretValue } from "../../src/offline/mockRun";
import { renderStack } from "../../src/offline/render";
import {
    ROOT,
    TEST_SECRETS,
    childrenOf,
    customResources,
    findOne,
    plain,
    runComponents,
    runStack,
    stackConfig,
    withoutSecrets,
    type StackOptions,
} from "../support/stacks";
import { argsFromEngine } from "../support/args";
import { validateFluxObject } from "./schema";

const FLUX = "operator=flux";
const SECRET = "kubernetes:core/v1:Secret";
const RECEIVER = "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver";

describe("Git webhook Receiver (gitWebhook, Flux)", () => {
    it("triggers the environment's GitRepository on a signed GitHub push, with its token in a Secret", async () => {
        const run = await runStack("dev", { config: [FLUX] });
        const receiver = plain(findOne(run.resources, RECEIVER, "git-webhook").inputs) as any;
        expect(receiver).toEqual({
            apiVersion: "notification.toolkit.fluxcd.io/v1",
            kind: "Receiver",
            metadata: {
                name: "gitops-dev",
                namespace: "flux-system",
                labels: expect.objectContaining({ "gitops-stack.io/environment": "dev" }),
            },
            spec: {
                type: "github",
                events: ["ping", "push"],
                resources: [{ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "gitops-dev" }],
                secretRef: { name: "gitops-dev-webhook-token" },
            },
        });
        await validateFluxObject(receiver);
        // The token only ever as a Pulumi secret, in the Secret the Receiver names.
        const token = findOne(run.resources, SECRET, "git-webhook-token");
        expect(isSecretValue(token.inputs.stringData)).toBe(true);
        expect(plain(token.inputs.stringData)).toEqual({ token: TEST_SECRETS.gitWebhookSecret });
        expect(plain(token.inputs.metadata)).toMatchObject({
            name: "gitops-dev-webhook-token",
            namespace: "flux-system",
        });
        for (const r of run.resources)
            expect(JSON.stringify(withoutSecrets(r.inputs)), `${r.type} ${r.name}`).not.toContain("4f1c");
        expect(childrenOf(run.resources, "gitops-stack:flux:GitWebhookReceiver", "git-webhook")).toEqual([
            "Receiver git-webhook",
            "Secret git-webhook-token",
        ]);
    });

    it("waits for the release (its CRD) and the GitRepository", async () => {
        const run = await runStack("staging", { config: [FLUX] });
        const release = findOne(run.resources, "kubernetes:helm.sh/v3:Release", "flux");
        // A component dependency reaches the engine as its children's URNs.
        const source = findOne(run.resources, "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "git-source");
        for (const child of [RECEIVER, SECRET])
            expect(
                findOne(run.resources, child, child === SECRET ? "git-webhook-token" : "git-webhook").dependencies,
            ).toEqual(expect.arrayContaining([release.urn, source.urn]));
    });

    it.each([
        ["gitlab", ["Push Hook", "Tag Push Hook"]],
        ["bitbucket", ["repo:refs_changed", "diagnostics:ping"]],
        ["generic", undefined],
    ] as const)("takes the %s provider's push events", async (provider, events) => {
        const run = await runStack("staging", { config: [FLUX, `gitWebhookProvider=${provider}`] });
        const [receiver] = customResources(run.resources, "Receiver");
        expect(receiver.spec.type).toBe(provider);
        expect(receiver.spec.events).toEqual(events);
        expect(RECEIVER_EVENTS[provider]).toEqual(events ?? []);
        await validateFluxObject(receiver);
    });

    it("exports the webhook path as the controller computes it (sha256 of token, name, namespace), as a secret", async () => {
        const expected = `/hook/${crypto
            .createHash("sha256")
            .update(`${TEST_SECRETS.gitWebhookSecret}gitops-dev` + "flux-system")
            .digest("hex")}`;
        expect(receiverWebhookPath(TEST_SECRETS.gitWebhookSecret, "gitops-dev", "flux-system")).toBe(expected);
        expect((await runStack("dev", { config: [FLUX] })).outputs.gitWebhookPath).toBe(expected);
        let secret: Promise<boolean> | undefined;
        await runComponents(() => {
            const r = new GitWebhookReceiver("hook", {
                namespace: "flux-system",
                receiverName: "gitops-dev",
                repositoryName: "gitops-dev",
                provider: "github",
                token: pulumi.secret(TEST_SECRETS.gitWebhookSecret),
            });
            secret = pulumi.isSecret(r.webhookPath);
        });
        expect(await secret).toBe(true);
        // The same through the GitOpsStack component, whose outputs are the stack outputs.
        let stackSecret: Promise<boolean> | undefined;
        const component = await runComponents(() => {
            const stack = new GitOpsStack("platform", argsFromEngine(stackConfig("dev", { config: [FLUX] })));
            stackSecret = pulumi.isSecret(stack.gitWebhookPath);
            return { path: stack.gitWebhookPath };
        });
        expect(await stackSecret).toBe(true);
        expect(component.outputs.path).toBe(expected);
    });

    it("is declared with operatorInstall=existing too (the notification controller of flux bootstrap serves it)", async () => {
        const run = await runStack("dev", { config: [FLUX, "operatorInstall=existing"] });
        expect(customResources(run.resources, "Receiver").map((r) => r.metadata.name)).toEqual(["gitops-dev"]);
    });

    it("is absent while webhooks are off: prod by default, no secret, or gitWebhook=false", async () => {
        const cases: Array<[string, StackOptions]> = [
            ["prod", { config: [FLUX] }],
            ["dev", { config: [FLUX], secrets: { gitWebhookSecret: null } }],
            ["staging", { config: [FLUX, "gitWebhook=false"] }],
        ];
        for (const [stack, options] of cases) {
            const run = await runStack(stack, options);
            expect(customResources(run.resources, "Receiver"), stack).toEqual([]);
            expect(run.resources.map((r) => r.name)).not.toContain("git-webhook-token");
            expect(run.outputs.gitWebhookPath).toBeUndefined();
        }
        const prod = await runStack("prod", { config: [FLUX, "gitWebhook=true", "gitWebhookProvider=gitlab"] });
        expect(customResources(prod.resources, "Receiver").map((r) => r.spec.type)).toEqual(["gitlab"]);
    });
});

describe("offline render of a stack without the webhook secret", () => {
    it("renders no Receiver, as pulumi up would create none (the committed stack files hold no secret)", async () => {
        const render = await renderStack({ root: ROOT, stack: "dev", config: [FLUX] });
        expect([...render.files.keys()].filter((f) => f.includes("receiver"))).toEqual([]);
        expect(render.summary.warnings.join("\n")).not.toContain("gitWebhookSecret");
    });

    it("renders the Receiver with gitWebhook=true, and warns that pulumi up needs the secret", async () => {
        const render = await renderStack({ root: ROOT, stack: "staging", config: [FLUX, "gitWebhook=true"] });
        expect(render.files.get("flux-system/receiver-gitops-staging.yaml")).toContain("type: github");
        expect(render.files.get("flux-system/secret-gitops-staging-webhook-token.yaml")).toContain('token: "[secret]"');
        expect(render.summary.warnings.join("\n")).toMatch(
            /needs the secret gitops-stack:gitWebhookSecret .*pulumi config set --secret gitWebhookSecret <value> --stack staging/,
        );
    });
});
