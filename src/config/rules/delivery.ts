import type { TierDefaults } from "../tiers";
import { SECRETS_IN_GIT, type ChartRepository, type DeliveryConfig, type Operator, type Tier } from "../types";
import { CHART_FORMS, parseChartRepository, validateChartVersion, validateLocalChartVersion } from "./chart";
import { quote, type ConfigInput } from "./context";
import { keyPairProblem } from "./secretShapes";
import { splitUrl } from "./urls";

type ChartKeys =
    | { version: "argoRolloutsChartVersion"; repository: "argoRolloutsChartRepository" }
    | { version: "sealedSecretsChartVersion"; repository: "sealedSecretsChartRepository" }
    | { version: "externalSecretsChartVersion"; repository: "externalSecretsChartRepository" };

/** A pinned add-on chart: exact version, and a repository in one of the forms the operators' charts take. */
function chartOf(input: ConfigInput, keys: ChartKeys, example: string, used: boolean, caFile: string | undefined) {
    const version = validateChartVersion(input, keys.version, example);
    const value = input.str(keys.repository).replace(/\/+$/, "");
    const parsed = parseChartRepository(value, undefined, caFile);
    if (typeof parsed === "string") {
        input.problem(keys.repository, `${parsed}; expected ${CHART_FORMS}.`);
        return undefined;
    }
    // Helm ignores the version of a chart directory: the directory must hold the pinned one.
    if (used) validateLocalChartVersion(input, keys.repository, parsed, version);
    return { repository: parsed as ChartRepository, version };
}

/**
 * Progressive delivery and secrets in Git (issue 12): whether the Argo Rollouts controller is installed, and how
 * Secrets reach the cluster from Git. Combinations that cannot work are refused with what to use instead; secret
 * values are not read here, only their presence and that they are stored encrypted.
 */
export function validateDelivery(
    input: ConfigInput,
    operator: Operator,
    defaults: TierDefaults,
    highAvailability: boolean,
    tier: Tier,
    caFile?: string,
): DeliveryConfig {
    const rolloutsOn = input.tierBool("argoRollouts", defaults.argoRollouts);
    const rolloutsChart = chartOf(
        input,
        { version: "argoRolloutsChartVersion", repository: "argoRolloutsChartRepository" },
        "2.41.0",
        rolloutsOn,
        caFile,
    );
    const secretsInGit = input.oneOf("secretsInGit", SECRETS_IN_GIT);
    const sealedOn = secretsInGit === "sealed-secrets";
    const sealedChart = chartOf(
        input,
        { version: "sealedSecretsChartVersion", repository: "sealedSecretsChartRepository" },
        "2.18.5",
        sealedOn,
        caFile,
    );

    let sopsAgeKey: DeliveryConfig["sopsAgeKey"];
    if (secretsInGit === "sops") {
        if (operator === "argocd")
            input.problem(
                "secretsInGit",
                `"sops" cannot work with operator argocd: Argo CD has no SOPS decryption (it would need a config management plugin with the private key in the repo server); expected sealed-secrets (SealedSecrets in Git, decrypted by the Sealed Secrets controller), external-secrets (ExternalSecrets in Git, values from Vault), or operator flux, whose kustomize-controller decrypts SOPS natively.`,
            );
        else
            sopsAgeKey = input.secret(
                "sopsAgeKey",
                "with secretsInGit sops (the age private key Flux decrypts with; generate one with age-keygen)",
            );
    }

    let keyPair: NonNullable<DeliveryConfig["sealedSecrets"]>["keyPair"];
    if (sealedOn) {
        const hasCert = input.secretGiven("sealedSecretsCertificate");
        const hasKey = input.secretGiven("sealedSecretsPrivateKey");
        if (hasCert !== hasKey)
            input.problem(
                hasCert ? "sealedSecretsPrivateKey" : "sealedSecretsCertificate",
                `is not set while ${hasCert ? "sealedSecretsCertificate" : "sealedSecretsPrivateKey"} is; expected both halves of the key pair (pulumi config set --secret sealedSecretsCertificate < tls.crt; pulumi config set --secret sealedSecretsPrivateKey < tls.key), or neither to let the controller generate its own.`,
            );
        else if (hasCert) {
            const certificate = input.secret("sealedSecretsCertificate", "with sealedSecretsPrivateKey");
            const privateKey = input.secret("sealedSecretsPrivateKey", "with sealedSecretsCertificate");
            // Two valid halves of two different pairs: the controller would seal to one key and hold another.
            const [cert, key] = [input.raw("sealedSecretsCertificate"), input.raw("sealedSecretsPrivateKey")];
            const mismatch = cert !== undefined && key !== undefined ? keyPairProblem(cert, key) : undefined;
            if (mismatch)
                input.problem(
                    "sealedSecretsPrivateKey",
                    `and sealedSecretsCertificate ${mismatch} (the values are not shown: they are secrets); expected tls.key and tls.crt of one key pair.`,
                );
            if (certificate && privateKey) keyPair = { certificate, privateKey };
        }
    }

    const externalOn = secretsInGit === "external-secrets";
    const externalChart = chartOf(
        input,
        { version: "externalSecretsChartVersion", repository: "externalSecretsChartRepository" },
        "2.9.0",
        externalOn,
        caFile,
    );
    let externalSecrets: DeliveryConfig["externalSecrets"];
    if (externalOn) {
        const server = input.str("externalSecretsVaultServer").replace(/\/+$/, "");
        const url = server === "" ? "is empty" : splitUrl(server, "https");
        if (typeof url === "string")
            input.problem(
                "externalSecretsVaultServer",
                `${quote(server)} is not valid with secretsInGit external-secrets (it ${url}); expected the https:// URL of the environment's Vault, e.g. https://vault.example.com:8200.`,
            );
        const path = input.pattern(
            "externalSecretsVaultPath",
            /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
            "the mount path of a Vault KV version 2 engine, e.g. secret or kv/apps (no leading or trailing /)",
        );
        const role =
            input.pattern(
                "externalSecretsVaultRole",
                /^([A-Za-z0-9_.-]+)?$/,
                "a Vault Kubernetes auth role name (letters, digits, _ . -), or empty for gitops-<env>",
            ) || `gitops-${tier}`;
        if (externalChart) externalSecrets = { chart: externalChart, highAvailability, vault: { server, path, role } };
    }

    return {
        externalSecrets,
        rollouts: rolloutsOn && rolloutsChart ? { chart: rolloutsChart, highAvailability } : undefined,
        secretsInGit,
        sopsAgeKey,
        sealedSecrets: sealedOn && sealedChart ? { chart: sealedChart, keyPair } : undefined,
    };
}
