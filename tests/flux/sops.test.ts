/**
 * SOPS decryption for Flux (secretsInGit sops): the age key in the Secret every Kustomization references, kept a
 * Pulumi secret end to end, and the age recipient derived from it in TypeScript (checked against age-keygen).
 */
import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import {
    ageRecipient,
    ageRecipientOrUndefined,
    bech32Decode,
    bech32Encode,
    generateAgeIdentity,
    identityLine,
    SOPS_AGE_SECRET_KEY,
} from "../../src/flux/decryption";
import { renderConfig } from "../../src/offline/render";
import { isSecretValue } from "../../src/offline/mockRun";
import { validateFluxObject } from "./schema";
import {
    customResources,
    findOne,
    plain,
    runStack,
    stackConfig,
    TEST_AGE_RECIPIENT,
    TEST_SECRETS,
} from "../support/stacks";

// Printed by age-keygen v1.2.1 (filippo.io/age, built from the Go module proxy) for the identities below.
const AGE_KEYGEN_VECTORS = [
    [TEST_SECRETS.sopsAgeKey, TEST_AGE_RECIPIENT],
    [
        "AGE-SECRET-KEY-1AEFX0CMUG3RUHHC52Y85CE90V6GGV86AGP9KD4KFR0VTWKQSA6DSU27CMQ",
        "age1vlarg7w3cq4jgd8874eq0n9evzn346f5g39nj39me6m664kjq3pqgq7jy8",
    ],
];

describe("age keys", () => {
    it.each(AGE_KEYGEN_VECTORS)("%s has the recipient age-keygen -y prints", (identity, recipient) => {
        expect(ageRecipient(identity)).toBe(recipient);
        // A whole key file as age-keygen writes it: the comment lines are skipped.
        expect(ageRecipient(`# created: 2026-11-25T13:01:32Z\n# public key: ${recipient}\n${identity}\n`)).toBe(
            recipient,
        );
    });

    it("round-trips generated identities through Bech32", () => {
        for (let i = 0; i < 20; i++) {
            const identity = generateAgeIdentity();
            expect(identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
            const recipient = ageRecipient(identity);
            expect(recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
            expect(bech32Decode(recipient)?.data.length).toBe(32);
        }
        const data = crypto.randomBytes(32);
        expect(bech32Decode(bech32Encode("age", data))).toEqual({ hrp: "age", data });
    });

    it.each([
        ["a changed character (checksum)", TEST_SECRETS.sopsAgeKey.slice(0, -1) + "Q"],
        ["mixed case", TEST_SECRETS.sopsAgeKey.slice(0, 20) + TEST_SECRETS.sopsAgeKey.slice(20).toLowerCase()],
        ["a recipient instead of an identity", TEST_AGE_RECIPIENT],
        ["an SSH key", TEST_SECRETS.sshPrivateKey],
        ["two identities", `${TEST_SECRETS.sopsAgeKey}\n${AGE_KEYGEN_VECTORS[1][0]}`],
        ["nothing", ""],
    ])("refuses %s without repeating the key", (_what, text) => {
        let message = "";
        try {
            ageRecipient(text);
        } catch (err) {
            message = (err as Error).message;
        }
        expect(message).toMatch(/age identity|age X25519 identity/);
        expect(message).not.toContain("AGE-SECRET-KEY-1J");
        expect(ageRecipientOrUndefined(text)).toBeUndefined();
    });

    it("stores only the identity line of a key file", () => {
        expect(identityLine(`# public key: ${TEST_AGE_RECIPIENT}\n${TEST_SECRETS.sopsAgeKey}\n`)).toBe(
            `${TEST_SECRETS.sopsAgeKey}\n`,
        );
    });
});

describe.each(["dev", "staging", "prod"] as const)("stack %s with secretsInGit=sops (Flux)", (stack) => {
    const options = { config: ["operator=flux", "secretsInGit=sops"] };

    it("stores the age key as a secret in the Secret every Kustomization decrypts with", async () => {
        const run = await runStack(stack, options);
        const secret = findOne(run.resources, "kubernetes:core/v1:Secret", "sops-age");
        // The whole stringData arrives as one secret (the SDK lifts a secret member to its object).
        expect(isSecretValue((secret.inputs as { stringData: unknown }).stringData)).toBe(true);
        expect(plain(secret.inputs)).toMatchObject({
            metadata: { name: `gitops-${stack}-sops-age`, namespace: "flux-system" },
            type: "Opaque",
            stringData: { [SOPS_AGE_SECRET_KEY]: `${TEST_SECRETS.sopsAgeKey}\n` },
        });
        const kustomizations = customResources(run.resources, "Kustomization");
        expect(kustomizations.length).toBeGreaterThan(0);
        for (const k of kustomizations) {
            expect(k.spec.decryption).toEqual({ provider: "sops", secretRef: { name: `gitops-${stack}-sops-age` } });
            await validateFluxObject(k);
        }
    });

    it("exports the age recipient in clear (public), the key nowhere", async () => {
        const run = await runStack(stack, options);
        expect(run.outputs.sopsAgeRecipient).toBe(TEST_AGE_RECIPIENT);
        expect(JSON.stringify(run.outputs)).not.toContain(TEST_SECRETS.sopsAgeKey);
    });

    it("never renders the key: the offline render of the stack with its real key shows it redacted", async () => {
        const render = await renderConfig(stack, stackConfig(stack, options));
        const all = [...render.files.values()].join("\n");
        expect(all).toContain(`gitops-${stack}-sops-age`);
        expect(all).not.toContain("AGE-SECRET-KEY-1");
    });
});

describe("without sops", () => {
    it("declares no decryption and no key Secret, and no recipient output", async () => {
        const run = await runStack("dev", { config: ["operator=flux"] });
        for (const k of customResources(run.resources, "Kustomization")) expect(k.spec.decryption).toBeUndefined();
        expect(run.resources.some((r) => r.name === "sops-age")).toBe(false);
        expect(run.outputs.sopsAgeRecipient).toBeUndefined();
    });
});
