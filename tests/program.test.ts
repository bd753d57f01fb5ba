import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PROJECT } from "../src/config";
import { stackConfig, type StackOptions } from "./support/stacks";

// A readable deploy key, so the SSH stack has its sshPublicKey output too.
const readableKey: StackOptions = {
    secrets: {
        sshPrivateKey: crypto
            .generateKeyPairSync("ed25519")
            .privateKey.export({ type: "pkcs8", format: "pem" })
            .toString(),
    },
};

interface StackRun {
    outputs: Record<string, unknown>;
    warnings: string[];
}

/**
 * Runs a program module the way the Node.js language host runs the main module (@pulumi/pulumi cmd/run: it requires
 * the module inside the root Stack resource and turns its exports into the stack's outputs), under the mock engine.
 */
async function runAsStack(stack: string, options: StackOptions, load: () => Promise<unknown>): Promise<StackRun> {
    const config = stackConfig(stack, options);
    await pulumi.runtime.setMocks(
        { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) },
        PROJECT,
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
        const outputs = await pulumi.runtime.runInPulumiStack(async () => load());
        await pulumi.runtime.disconnect();
        return {
            outputs: (outputs ?? {}) as Record<string, unknown>,
            warnings: warn.mock.calls.map((args) => String(args[0])),
        };
    } finally {
        warn.mockRestore();
    }
}

/** index.ts, loaded afresh (its module body is the program). */
async function indexModule(): Promise<unknown> {
    vi.resetModules();
    const module = (await import("../index.js")) as unknown as { default: unknown };
    return module.default;
}

afterEach(() => vi.restoreAllMocks());

describe("index.ts: the stack outputs (issue 25 §6)", () => {
    it("exports every output the dev stack has, sshPublicKey included, and warns about nothing", async () => {
        const run = await runAsStack("dev", readableKey, indexModule);
        expect(Object.keys(run.outputs).sort()).toEqual([
            "applications",
            "chartVersion",
            "environment",
            // Git webhooks: dev with the webhook secret (tests/support/stacks.ts TEST_SECRETS).
            "gitWebhookPath",
            "namespace",
            "operator",
            "projects",
            "repoUrl",
            "sshPublicKey",
            "targetRevision",
        ]);
        expect(run.outputs).toMatchObject({
            environment: "dev",
            operator: "argocd",
            namespace: "argocd",
            projects: ["dev", "dev-bootstrap"],
            applications: ["dev-root", "dev-platform", "dev-guestbook", "dev-podinfo"],
            sshPublicKey: expect.stringMatching(/^ssh-ed25519 /),
            gitWebhookPath: "/api/webhook",
        });
        expect(run.warnings.filter((w) => w.includes("Undefined value"))).toEqual([]);
    });

    it.each([
        ["dev", ["operator=flux"], ["sshPublicKey", "sopsAgeRecipient", "sealedSecretsCertificate"]],
        ["prod", [], ["sshPublicKey", "sopsAgeRecipient", "sealedSecretsCertificate", "gitWebhookPath"]],
        ["dev", ["operator=flux", "secretsInGit=sops"], ["sshPublicKey", "sealedSecretsCertificate"]],
    ])("%s %j: leaves out the outputs the stack has not (%j), without a warning", async (stack, config, absent) => {
        // The render's placeholder is not a readable key: no sshPublicKey (prod uses a GitHub App: none either). A
        // real key that cannot be read is refused by validation (tests/config/rules/secretShapes.test.ts).
        const run = await runAsStack(stack, { config, secrets: { sshPrivateKey: "[secret]" } }, indexModule);
        expect(run.outputs).toMatchObject({ environment: stack, operator: config.length ? "flux" : "argocd" });
        for (const name of absent) expect(Object.keys(run.outputs)).not.toContain(name);
        expect(run.warnings.filter((w) => w.includes("Undefined value"))).toEqual([]);
        if (config.includes("secretsInGit=sops")) expect(run.outputs.sopsAgeRecipient).toMatch(/^age1/);
    });

    it("would warn, as the engine does, if an absent output were exported as undefined (the warning it avoids)", async () => {
        const run = await runAsStack("prod", {}, async () => ({ environment: "prod", sshPublicKey: undefined }));
        expect(run.warnings).toContain(
            "warning: [runtime] Undefined value (sshPublicKey) will not show as a stack output.",
        );
    });
});
