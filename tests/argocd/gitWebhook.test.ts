import { describe, expect, it } from "vitest";
import { webhookSecretDigest } from "../../src/argocd/argocd";
import { isSecretValue } from "../../src/offline/mockRun";
import { TEST_SECRETS, findOne, plain, runStack, withoutSecrets, type StackOptions } from "../support/stacks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET_PATCH = "kubernetes:core/v1:SecretPatch";
const rawValues = async (stack: string, options: StackOptions = {}) =>
    findOne((await runStack(stack, options)).resources, RELEASE, "argocd").inputs.values as Record<string, any>;

describe("Git webhook secret (gitWebhook, Argo CD)", () => {
    it("hands the chart the GitHub secret for argocd-secret, a Pulumi secret among readable values", async () => {
        const values = await rawValues("dev");
        // Nested: the secret is wrapped where it sits, the other values (and the rest of configs) stay readable.
        expect(isSecretValue(values)).toBe(false);
        expect(isSecretValue(values.configs)).toBe(false);
        expect(Object.keys(values.configs.secret)).toEqual(["githubSecret"]);
        expect(isSecretValue(values.configs.secret.githubSecret)).toBe(true);
        expect(plain(values.configs.secret.githubSecret)).toBe(TEST_SECRETS.gitWebhookSecret);
        expect(JSON.stringify(withoutSecrets(values))).not.toContain("4f1c");
    });

    it("rolls the ApplicationSet controller when the secret changes (it reads it at start only)", async () => {
        const annotation = (values: Record<string, any>) =>
            values.applicationSet.podAnnotations["gitops-stack.io/webhook-secret-digest"];
        const first = annotation(await rawValues("staging"));
        expect(isSecretValue(first)).toBe(true);
        expect(plain(first)).toBe(webhookSecretDigest(TEST_SECRETS.gitWebhookSecret));
        expect(plain(first)).toMatch(/^[0-9a-f]{16}$/);
        const rotated = TEST_SECRETS.gitWebhookSecret.replace("4f1c", "5a2d");
        const second = annotation(await rawValues("staging", { secrets: { gitWebhookSecret: rotated } }));
        expect(plain(second)).not.toBe(plain(first));
    });

    it.each([
        ["gitlab", "gitlabSecret"],
        ["bitbucket", "bitbucketServerSecret"],
    ])("writes the %s secret to its own chart value (%s)", async (provider, key) => {
        const values = await rawValues("dev", { config: [`gitWebhookProvider=${provider}`] });
        expect(Object.keys(values.configs.secret)).toEqual([key]);
        expect(plain(values.configs.secret[key])).toBe(TEST_SECRETS.gitWebhookSecret);
    });

    it("exports the path to register, and nothing of it while webhooks are off (prod by default)", async () => {
        expect((await runStack("dev")).outputs.gitWebhookPath).toBe("/api/webhook");
        const prod = await runStack("prod");
        expect(prod.outputs.gitWebhookPath).toBeUndefined();
        const values = plain(findOne(prod.resources, RELEASE, "argocd").inputs.values) as any;
        expect(values.configs.secret).toBeUndefined();
        expect(values.applicationSet.podAnnotations).toBeUndefined();
        expect((await runStack("prod", { config: ["gitWebhook=true"] })).outputs.gitWebhookPath).toBe("/api/webhook");
    });

    it("patches the one key of argocd-secret in an existing install, and keeps it on destroy", async () => {
        const run = await runStack("staging", {
            config: ["operatorInstall=existing", "gitWebhookProvider=gitlab"],
        });
        const patch = findOne(run.resources, SECRET_PATCH, "argocd-webhook-secret");
        expect(plain(patch.inputs.metadata)).toEqual({
            name: "argocd-secret",
            namespace: "argocd",
            annotations: { "pulumi.com/patchForce": "true" },
        });
        expect(isSecretValue(patch.inputs.stringData)).toBe(true);
        expect(plain(patch.inputs.stringData)).toEqual({ "webhook.gitlab.secret": TEST_SECRETS.gitWebhookSecret });
        expect(patch.retainOnDelete).toBe(true);
        const off = await runStack("staging", { config: ["operatorInstall=existing", "gitWebhook=false"] });
        expect(off.resources.map((r) => r.name)).not.toContain("argocd-webhook-secret");
    });
});
