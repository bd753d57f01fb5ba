import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, TIER_DEFAULTS } from "../../../src/config";
import { TEST_SECRETS } from "../../support/stacks";
import { errorOf, parsed, sourceOf } from "./support";

const outputValue = <T>(o: pulumi.Output<T>): Promise<T> =>
    new Promise((resolve) => (o as pulumi.Output<T>).apply((v) => resolve(v)));
const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> =>
    (o as unknown as { isSecret: Promise<boolean> }).isSecret;

const chartsDir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-rollouts-chart-"));
fs.writeFileSync(path.join(chartsDir, "Chart.yaml"), "apiVersion: v2\nname: argo-rollouts\nversion: 2.40.0\n");
afterAll(() => fs.rmSync(chartsDir, { recursive: true, force: true }));

describe("argoRollouts", () => {
    it.each(["dev", "staging", "prod"] as const)("is off by default in %s, with nothing installed", (stack) => {
        expect(TIER_DEFAULTS[stack].argoRollouts).toBe(false);
        expect(parsed(stack).delivery.rollouts).toBeUndefined();
    });

    it("installs the pinned argo-rollouts chart from argo-helm, HA where the stack is HA", () => {
        expect(parsed("dev", { config: ["argoRollouts=true"] }).delivery.rollouts).toEqual({
            chart: { repository: { kind: "https", url: "https://argoproj.github.io/argo-helm" }, version: "2.41.0" },
            highAvailability: false,
        });
        const prod = parsed("prod", { config: ["argoRollouts=true", "argoRolloutsChartVersion=2.40.1"] });
        expect(prod.delivery.rollouts?.highAvailability).toBe(true);
        expect(prod.delivery.rollouts?.chart.version).toBe("2.40.1");
    });

    it("takes a mirror: an OCI registry, and the image registry the operators use", () => {
        const c = parsed("staging", {
            config: [
                "argoRollouts=true",
                "argoRolloutsChartRepository=oci://registry.internal:5000/charts/",
                "imageRegistry=registry.internal:5000/mirror",
            ],
        });
        expect(c.delivery.rollouts?.chart.repository).toEqual({
            kind: "oci",
            url: "oci://registry.internal:5000/charts",
        });
        expect(c.delivery.imageRegistry).toBe("registry.internal:5000/mirror");
    });

    it("refuses a local chart directory that holds another version than the pinned one", () => {
        const message = errorOf("dev", {
            config: ["argoRollouts=true", `argoRolloutsChartRepository=${chartsDir}`],
        });
        expect(message).toContain('stack "dev"');
        expect(message).toContain("gitops-stack:argoRolloutsChartRepository");
        expect(message).toContain('has version "2.40.0", but the stack pins "2.41.0"');
    });

    it("accepts that directory when it pins its version", () => {
        const c = parsed("dev", {
            config: [
                "argoRollouts=true",
                `argoRolloutsChartRepository=${chartsDir}`,
                "argoRolloutsChartVersion=2.40.0",
            ],
        });
        expect(c.delivery.rollouts?.chart).toEqual({
            repository: { kind: "local", url: chartsDir },
            version: "2.40.0",
        });
    });
});

describe("secretsInGit", () => {
    it("is none by default: no key is used, no controller installed", () => {
        const c = parsed("prod", { config: ["operator=flux"] });
        expect(c.delivery).toMatchObject({ secretsInGit: "none", sopsAgeKey: undefined, sealedSecrets: undefined });
    });

    it("sops with Flux takes the age key as a Pulumi secret", async () => {
        const c = parsed("dev", { config: ["operator=flux", "secretsInGit=sops"] });
        expect(c.delivery.secretsInGit).toBe("sops");
        expect(await isSecret(c.delivery.sopsAgeKey!)).toBe(true);
        expect(await outputValue(c.delivery.sopsAgeKey!)).toBe(TEST_SECRETS.sopsAgeKey);
    });

    it("refuses sops with Argo CD and says what to use instead", () => {
        const message = errorOf("staging", { config: ["secretsInGit=sops"] });
        expect(message).toContain('stack "staging"');
        expect(message).toContain("gitops-stack:secretsInGit");
        expect(message).toContain('"sops" cannot work with operator argocd');
        expect(message).toMatch(/expected sealed-secrets .*or operator flux/);
    });

    it("requires the age key with sops, and refuses it in plain text", () => {
        expect(
            errorOf("dev", { config: ["operator=flux", "secretsInGit=sops"], secrets: { sopsAgeKey: null } }),
        ).toContain("gitops-stack:sopsAgeKey: is required with secretsInGit sops");
        // The stack file holds the key without `secure:`: the engine does not list it among the secret keys.
        const source = sourceOf("dev", { config: ["operator=flux", "secretsInGit=sops"] });
        let plain = "";
        try {
            parseStackConfig({
                ...source,
                isSecret: (key) => key !== "gitops-stack:sopsAgeKey" && source.isSecret(key),
            });
        } catch (err) {
            plain = err instanceof ConfigError ? err.message : String(err);
        }
        expect(plain).toContain("gitops-stack:sopsAgeKey: is stored in plain text; expected a secret");
        expect(plain).not.toContain(TEST_SECRETS.sopsAgeKey);
    });

    it("sealed-secrets works with either operator, with the stack's key pair kept secret", async () => {
        for (const operator of ["argocd", "flux"]) {
            const c = parsed("prod", { config: [`operator=${operator}`, "secretsInGit=sealed-secrets"] });
            const sealed = c.delivery.sealedSecrets!;
            expect(sealed.chart).toEqual({
                repository: { kind: "https", url: "https://bitnami-labs.github.io/sealed-secrets" },
                version: "2.18.5",
            });
            expect(await isSecret(sealed.keyPair!.privateKey)).toBe(true);
            expect(await isSecret(sealed.keyPair!.certificate)).toBe(true);
            expect(await outputValue(sealed.keyPair!.privateKey)).toBe(TEST_SECRETS.sealedSecretsPrivateKey);
        }
    });

    it("lets the controller generate its key when the stack supplies none", () => {
        const c = parsed("dev", {
            config: ["secretsInGit=sealed-secrets"],
            secrets: { sealedSecretsCertificate: null, sealedSecretsPrivateKey: null },
        });
        expect(c.delivery.sealedSecrets?.keyPair).toBeUndefined();
    });

    it("refuses half a key pair, naming the missing half", () => {
        const message = errorOf("dev", {
            config: ["secretsInGit=sealed-secrets"],
            secrets: { sealedSecretsPrivateKey: null },
        });
        expect(message).toContain(
            "gitops-stack:sealedSecretsPrivateKey: is not set while sealedSecretsCertificate is; expected both halves",
        );
        expect(message).not.toContain("test-sealed-cert-4f1c");
    });

    it("refuses an unknown mechanism, listing the ones there are", () => {
        const message = errorOf("prod", { config: ["secretsInGit=plaintext"] });
        expect(message).toContain(
            'gitops-stack:secretsInGit: "plaintext" is not valid; expected one of none, sops, sealed-secrets, external-secrets.',
        );
    });
});

describe("with operatorInstall=existing", () => {
    it("does not call imageRegistry unused when an add-on chart pulls from it", () => {
        const config = ["operator=flux", "operatorInstall=existing", "imageRegistry=registry.internal:5000/mirror"];
        const warnings = (extra: string[]) => parsed("dev", { config: [...config, ...extra] }).warnings.join("\n");
        expect(warnings([])).toContain("gitops-stack:imageRegistry");
        expect(warnings(["argoRollouts=true"])).not.toContain("gitops-stack:imageRegistry");
        expect(warnings(["secretsInGit=sealed-secrets"])).not.toContain("gitops-stack:imageRegistry");
    });
});

describe("secretsInGit=external-secrets", () => {
    const vault = "externalSecretsVaultServer=https://vault.acme.example:8200/";
    it.each(["argocd", "flux"])(
        "works with %s: the pinned chart and the environment's Vault, HA by tier",
        (operator) => {
            const prod = parsed("prod", { config: [`operator=${operator}`, "secretsInGit=external-secrets", vault] });
            expect(prod.delivery.externalSecrets).toEqual({
                chart: { repository: { kind: "https", url: "https://charts.external-secrets.io" }, version: "2.9.0" },
                highAvailability: true,
                vault: { server: "https://vault.acme.example:8200", path: "secret", role: "gitops-prod" },
            });
            const dev = parsed("dev", {
                config: [
                    `operator=${operator}`,
                    "secretsInGit=external-secrets",
                    vault,
                    "externalSecretsVaultPath=kv/apps",
                    "externalSecretsVaultRole=dev-tenants",
                ],
            });
            expect(dev.delivery.externalSecrets?.highAvailability).toBe(false);
            expect(dev.delivery.externalSecrets?.vault).toEqual({
                server: "https://vault.acme.example:8200",
                path: "kv/apps",
                role: "dev-tenants",
            });
        },
    );

    it("requires the Vault address, saying what it must be", () => {
        const message = errorOf("staging", { config: ["secretsInGit=external-secrets"] });
        expect(message).toContain('stack "staging"');
        expect(message).toContain(
            'gitops-stack:externalSecretsVaultServer: "" is not valid with secretsInGit external-secrets (it is empty); expected the https:// URL of the environment\'s Vault',
        );
    });

    it("installs nothing for the other choices", () => {
        expect(parsed("dev", { config: [vault] }).delivery.externalSecrets).toBeUndefined();
    });
});
