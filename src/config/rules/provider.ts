import { PROVIDER_SETTINGS } from "../constants";
import { quote, type ConfigInput } from "./context";

/**
 * The provider settings Pulumi.yaml gives every stack (PROVIDER_SETTINGS) may not be overridden by a stack: with
 * `kubernetes:enableSecretMutable` false, every change of a credential (an alert channel, a token, a deploy key)
 * would delete its Secret before creating it again.
 */
export function validateProviderSettings(input: ConfigInput, all: Record<string, string>): void {
    for (const [key, expected] of Object.entries(PROVIDER_SETTINGS)) {
        const value = all[key];
        if (value === undefined || value.trim().toLowerCase() === expected) continue;
        input.problemFull(
            key,
            `${quote(value)} would make the Kubernetes provider replace (delete, then create) every Secret of the stack whose data changes, so a changed alert channel, token or key would leave its Secret (argocd-notifications-secret, the repository credentials) missing for a moment; expected ${expected}, which Pulumi.yaml sets for every stack (pulumi config rm ${key}).`,
        );
    }
}
