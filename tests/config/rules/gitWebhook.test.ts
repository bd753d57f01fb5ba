import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../../../src/config";
import { MIN_WEBHOOK_SECRET_LENGTH, webhookSecretProblems } from "../../../src/config/rules/gitWebhook";
import { RENDER_SECRET_PLACEHOLDER } from "../../../src/config/rules/secretMap";
import { TEST_SECRETS, type StackOptions } from "../../support/stacks";
import { expectRefused } from "./expectations";
import { errorOf, parsed, sourceOf } from "./support";

const FLUX = "operator=flux";
const NO_SECRET: StackOptions["secrets"] = { gitWebhookSecret: null };
const onOff = (stack: string, options: StackOptions) => parsed(stack, options).gitWebhook?.provider ?? "off";

describe("gitWebhook: on by default in dev and staging when a secret is given", () => {
    it.each([
        // stack, overrides, secret given, expected
        ["dev", [], true, "github"],
        ["staging", [FLUX], true, "github"],
        ["dev", [], false, "off"],
        ["staging", [FLUX], false, "off"],
        // Prod turns them on explicitly.
        ["prod", [], true, "off"],
        ["prod", ["gitWebhook=true"], true, "github"],
        ["prod", [FLUX, "gitWebhook=true", "gitWebhookProvider=gitlab"], true, "gitlab"],
        // Off on request, secret or not.
        ["dev", ["gitWebhook=false"], true, "off"],
        ["staging", [FLUX, "gitWebhook=false"], true, "off"],
    ] as const)("%s %j, secret %s: %s", (stack, config, secret, expected) => {
        expect(onOff(stack, { config: [...config], secrets: secret ? {} : NO_SECRET })).toBe(expected);
    });

    it("keeps the secret a secret Output", async () => {
        const webhook = parsed("dev", {}).gitWebhook!;
        expect(await pulumi.isSecret(webhook.secret)).toBe(true);
    });

    it("requires the secret when gitWebhook is true, with the command that sets it", () => {
        const problem = expectRefused(
            "prod",
            { config: ["gitWebhook=true"], secrets: NO_SECRET },
            "gitWebhookSecret",
            null,
            "is required with gitWebhook on",
        );
        expect(problem).toContain("pulumi config set --secret gitWebhookSecret");
        expect(problem).toContain("openssl rand -hex 32");
    });

    it("refuses a secret stored in plain text, without showing it", () => {
        // The stack file holds it without `secure:`: the engine does not list it among the secret keys.
        const source = sourceOf("dev", {});
        let message = "";
        try {
            parseStackConfig({
                ...source,
                isSecret: (key) => key !== "gitops-stack:gitWebhookSecret" && source.isSecret(key),
            });
        } catch (err) {
            message = err instanceof ConfigError ? err.message : String(err);
        }
        expect(message).toContain("gitops-stack:gitWebhookSecret: is stored in plain text; expected a secret");
        expect(message).not.toContain(TEST_SECRETS.gitWebhookSecret);
    });
});

describe("gitWebhookProvider", () => {
    it.each(["github", "gitlab", "bitbucket"])("takes %s with either operator", (provider) => {
        expect(onOff("dev", { config: [`gitWebhookProvider=${provider}`] })).toBe(provider);
        expect(onOff("dev", { config: [FLUX, `gitWebhookProvider=${provider}`] })).toBe(provider);
    });

    it("takes generic with Flux, with a warning that nothing is signed", () => {
        const config = parsed("staging", { config: [FLUX, "gitWebhookProvider=generic"] });
        expect(config.gitWebhook?.provider).toBe("generic");
        expect(config.warnings.join("\n")).toMatch(
            /stack "staging": gitops-stack:gitWebhookProvider: "generic": the Flux Receiver checks no signature/,
        );
    });

    it("refuses generic with Argo CD, which has no unsigned hook", () => {
        expectRefused(
            "dev",
            { config: ["gitWebhookProvider=generic"] },
            "gitWebhookProvider",
            "generic",
            /not available with operator argocd.*expected github, gitlab or bitbucket/,
        );
    });

    it("warns that an ApplicationSet cannot hear Bitbucket", () => {
        const config = parsed("dev", { config: ["appsMode=applicationset", "gitWebhookProvider=bitbucket"] });
        expect(config.warnings.join("\n")).toMatch(/"bitbucket": Argo CD's ApplicationSet controller has no Bitbucket/);
        // Flux has no ApplicationSet: nothing to warn about.
        expect(parsed("dev", { config: [FLUX, "gitWebhookProvider=bitbucket"] }).warnings.join("\n")).not.toContain(
            "ApplicationSet",
        );
    });

    it("is checked while webhooks are off too (a typo must not wait until they are turned on)", () => {
        expectRefused(
            "prod",
            { config: ["gitWebhookProvider=gitea"] },
            "gitWebhookProvider",
            "gitea",
            /expected one of github, gitlab, bitbucket, generic/,
        );
    });
});

describe("gitWebhookSecret: its value is checked, never shown", () => {
    const LONG = "x".repeat(MIN_WEBHOOK_SECRET_LENGTH);

    it.each([
        ["too short", "s3cr3t-webhook-4f1c", /is 19 characters long .*at least 32 random characters/],
        ["a trailing newline", `${LONG}-4f1c\n`, /contains a line break \(often a file's trailing newline/],
        ["a space", `${LONG} 4f1c`, /contains whitespace/],
        ["a non-ASCII character", `${LONG}-4f1cé`, /contains a character that is not visible ASCII/],
    ])("refuses a secret with %s", (_, secret, expected) => {
        const message = errorOf("dev", { config: [FLUX], secrets: { gitWebhookSecret: secret } });
        expect(message).toMatch(expected);
        expect(message).toContain("gitops-stack:gitWebhookSecret");
        expect(message).not.toContain(secret.trim());
        expect(message).not.toContain("4f1c");
    });

    it("accepts the offline render's placeholder, which has no value to check", () => {
        expect(webhookSecretProblems(RENDER_SECRET_PLACEHOLDER)).not.toEqual([]);
        expect(onOff("dev", { secrets: { gitWebhookSecret: RENDER_SECRET_PLACEHOLDER } })).toBe("github");
    });

    it("checks nothing while webhooks are off", () => {
        expect(onOff("prod", { secrets: { gitWebhookSecret: "short" } })).toBe("off");
        expect(onOff("dev", { config: ["gitWebhook=false"], secrets: { gitWebhookSecret: "short" } })).toBe("off");
    });

    it(`accepts ${MIN_WEBHOOK_SECRET_LENGTH} visible ASCII characters`, () => {
        expect(webhookSecretProblems(LONG)).toEqual([]);
        expect(webhookSecretProblems("!~" + LONG)).toEqual([]);
        expect(webhookSecretProblems(LONG.slice(1))).toHaveLength(1);
    });
});
