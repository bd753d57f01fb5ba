import type { TierDefaults } from "../tiers";
import { OPERATORS, type Operator } from "../types";
import { type ConfigInput } from "./context";
import { DNS_LABEL } from "./apps";

const CHART_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

export function validateOperatorChoice(input: ConfigInput): Operator {
    return input.oneOf("operator", OPERATORS);
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
    const namespaceForm = "a namespace name (lowercase letters, digits, '-')";
    const argocdNamespace = input.pattern("argocdNamespace", DNS_LABEL, namespaceForm);
    const fluxNamespace = input.pattern("fluxNamespace", DNS_LABEL, namespaceForm);
    const argocdChartVersion = input.pattern(
        "argocdChartVersion",
        CHART_VERSION,
        "an exact chart version such as 10.1.1 (no ranges, never latest)",
    );
    const fluxChartVersion = input.pattern(
        "fluxChartVersion",
        CHART_VERSION,
        "an exact chart version such as 2.18.3 (no ranges, never latest)",
    );
    let argocdUrl: string | undefined = input.str("argocdUrl").replace(/\/+$/, "");
    if (argocdUrl === "") argocdUrl = undefined;
    else
        input.pattern(
            "argocdUrl",
            /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/,
            "the https:// URL of the Argo CD UI",
            argocdUrl,
        );
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
