import type { TierDefaults } from "../tiers";
import { OPERATORS, type Operator } from "../types";
import { isSystemNamespace } from "../guards";
import { validateChartVersion } from "./chart";
import { quote, type ConfigInput } from "./context";
import { namespaceProblem } from "./apps";
import { httpsUrl } from "./repository";

export function validateOperatorChoice(input: ConfigInput): Operator {
    return input.oneOf("operator", OPERATORS);
}

/**
 * The operator's namespace: a DNS-1123 label, never one of the cluster's own. The program creates it and
 * `pulumi destroy` deletes it, which must never reach kube-system or default.
 */
function validateOperatorNamespace(input: ConfigInput, name: "argocdNamespace" | "fluxNamespace"): string {
    const value = input.str(name);
    const problem = namespaceProblem(value);
    if (problem)
        input.problem(
            name,
            `${quote(value)} is not valid; expected a namespace name: a lowercase DNS label (letters, digits, '-') of at most 63 characters (${problem}).`,
        );
    else if (isSystemNamespace(value))
        input.problem(
            name,
            `${quote(value)} is a system namespace (default and kube-* belong to the cluster; destroy would delete it); expected a namespace of the operator's own, e.g. ${name === "argocdNamespace" ? "argocd" : "flux-system"}.`,
        );
    return value;
}

export interface OperatorInstallPart {
    readonly argocdNamespace: string;
    readonly fluxNamespace: string;
    readonly argocdChartVersion: string;
    readonly fluxChartVersion: string;
    readonly argocdUrl?: string;
}

/** Where and which version of each operator is installed, and the Argo CD UI's URL. */
export function validateOperatorInstall(input: ConfigInput): OperatorInstallPart {
    const argocdNamespace = validateOperatorNamespace(input, "argocdNamespace");
    const fluxNamespace = validateOperatorNamespace(input, "fluxNamespace");
    const argocdChartVersion = validateChartVersion(input, "argocdChartVersion", "10.1.1");
    const fluxChartVersion = validateChartVersion(input, "fluxChartVersion", "2.18.3");
    let argocdUrl: string | undefined = input.str("argocdUrl").replace(/\/+$/, "");
    if (argocdUrl === "") argocdUrl = undefined;
    else httpsUrl(input, "argocdUrl", argocdUrl, "the https:// URL of the Argo CD UI");
    return { argocdNamespace, fluxNamespace, argocdChartVersion, fluxChartVersion, argocdUrl };
}

export interface SwitchesPart {
    readonly autoSync: boolean;
    readonly cascadeDelete: boolean;
    readonly highAvailability: boolean;
    readonly adminEnabled: boolean;
}

/** The tier-dependent safety switches ("" takes the tier default). */
export function validateSwitches(input: ConfigInput, defaults: TierDefaults): SwitchesPart {
    return {
        autoSync: input.tierBool("autoSync", defaults.autoSync),
        cascadeDelete: input.tierBool("cascadeDelete", defaults.cascadeDelete),
        highAvailability: input.tierBool("highAvailability", defaults.highAvailability),
        adminEnabled: input.tierBool("adminEnabled", defaults.adminEnabled),
    };
}
