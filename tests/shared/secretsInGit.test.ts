/**
 * Sealed Secrets (secretsInGit sealed-secrets) under both operators: the pinned chart in its own namespace, the
 * stack's key pair stored before the controller starts (kept secret, rotation off), the certificate exported.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { isSecretValue } from "../../src/offline/mockRun";
import { renderConfig } from "../../src/offline/render";
import {
    SEALED_SECRETS_CONTROLLER,
    SEALED_SECRETS_EDIT_ROLE,
    SEALED_SECRETS_KEY_LABEL,
    SealedSecrets,
    certificateBlocks,
    sealedSecretsValues,
} from "../../src/shared/secretsInGit";
import { byType, findOne, plain, runComponents, runStack, stackConfig, TEST_SECRETS } from "../support/stacks";
import { TEST_SEALED_CERTIFICATE, TEST_SEALED_PRIVATE_KEY } from "../support/testKeys";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const sealedRelease = (run: Awaited<ReturnType<typeof runStack>>) =>
    plain(
        byType(run.resources, RELEASE).find((r) => (r.inputs as { name?: string }).name === SEALED_SECRETS_CONTROLLER)
            ?.inputs,
    ) as Record<string, any> | undefined;

describe.each(["argocd", "flux"] as const)("secretsInGit=sealed-secrets with operator %s", (operator) => {
    const config = [`operator=${operator}`, "secretsInGit=sealed-secrets"];

    it("installs the pinned chart as the controller kubeseal finds by default, in its own namespace", async () => {
        const run = await runStack("staging", { config });
        expect(sealedRelease(run)).toMatchObject({
            chart: "sealed-secrets",
            version: "2.18.5",
            repositoryOpts: { repo: "https://bitnami-labs.github.io/sealed-secrets" },
            namespace: "sealed-secrets",
            values: { fullnameOverride: "sealed-secrets-controller" },
        });
    });

    it("stores the supplied key pair as the active sealing key before the controller starts, with rotation off", async () => {
        const run = await runStack("prod", { config });
        const key = findOne(run.resources, "kubernetes:core/v1:Secret", "sealed-secrets-key");
        expect(isSecretValue((key.inputs as { stringData: unknown }).stringData)).toBe(true);
        expect(plain(key.inputs)).toMatchObject({
            metadata: { namespace: "sealed-secrets", labels: { [SEALED_SECRETS_KEY_LABEL]: "active" } },
            type: "kubernetes.io/tls",
            stringData: {
                "tls.crt": TEST_SECRETS.sealedSecretsCertificate,
                "tls.key": TEST_SECRETS.sealedSecretsPrivateKey,
            },
        });
        const release = byType(run.resources, RELEASE).find(
            (r) => (r.inputs as { name?: string }).name === SEALED_SECRETS_CONTROLLER,
        )!;
        expect(release.dependencies).toContain(key.urn);
        expect(sealedRelease(run)!.values.keyrenewperiod).toBe("0");
        // The certificate is public: exported in clear for `kubeseal --cert`.
        expect(run.outputs.sealedSecretsCertificate).toBe(TEST_SECRETS.sealedSecretsCertificate);
    });

    it("gives namespace admins and editors the SealedSecret kind (the Flux tenant applies through admin)", async () => {
        const run = await runStack("dev", { config });
        const role = plain(
            findOne(run.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "sealed-secrets-edit").inputs,
        );
        expect(role).toMatchObject({
            metadata: {
                name: SEALED_SECRETS_EDIT_ROLE,
                labels: {
                    "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                    "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                },
            },
            rules: [{ apiGroups: ["bitnami.com"], resources: ["sealedsecrets"] }],
        });
        expect((role as { rules: Array<{ verbs: string[] }> }).rules[0].verbs).toEqual(
            expect.arrayContaining(["create", "get", "list", "watch", "patch", "update", "delete"]),
        );
    });

    it("lets the controller make (and renew) its own key when none is supplied; no certificate output", async () => {
        const run = await runStack("dev", {
            config,
            secrets: { sealedSecretsCertificate: null, sealedSecretsPrivateKey: null },
        });
        expect(run.resources.some((r) => r.name === "sealed-secrets-key")).toBe(false);
        expect(sealedRelease(run)!.values.keyrenewperiod).toBeUndefined();
        expect(run.outputs.sealedSecretsCertificate).toBeUndefined();
    });

    it("never renders the private key", async () => {
        const render = await renderConfig("prod", stackConfig("prod", { config }));
        const all = [...render.files.values()].join("\n");
        expect(all).toContain("sealed-secrets-key-gitops-stack");
        expect(all).not.toContain(TEST_SECRETS.sealedSecretsPrivateKey.split("\n")[1]);
    });
});

it("SealedSecrets publishes only the certificate, whatever else its value holds (issue 19 §1, beside validation)", async () => {
    const run = await runComponents(
        () =>
            new SealedSecrets("sealed-secrets", {
                chartVersion: "2.18.5",
                keyPair: {
                    certificate: pulumi.secret(TEST_SEALED_CERTIFICATE + TEST_SEALED_PRIVATE_KEY),
                    privateKey: pulumi.secret(TEST_SEALED_PRIVATE_KEY),
                },
            }).certificate,
    );
    expect(run.outputs).toBe(TEST_SEALED_CERTIFICATE);
    expect(certificateBlocks(TEST_SEALED_PRIVATE_KEY)).toBe("");
});

it("installs nothing for secretsInGit none", async () => {
    const run = await runStack("prod");
    expect(sealedRelease(run)).toBeUndefined();
    expect(run.outputs.sealedSecretsCertificate).toBeUndefined();
});

it("pulls the controller image from the mirror with its path kept", () => {
    expect(sealedSecretsValues({ imageRegistry: "registry.internal:5000/mirror", suppliedKey: false })).toEqual({
        fullnameOverride: "sealed-secrets-controller",
        image: { registry: "registry.internal:5000/mirror", repository: "bitnami/sealed-secrets-controller" },
    });
});
