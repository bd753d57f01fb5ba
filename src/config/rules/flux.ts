import type { TierDefaults } from "../tiers";
import type { ConfigInput } from "./context";

import { FLUX_MIN_INTERVAL_MS, parseGoDuration } from "./durations";
import { quote } from "./context";

export interface FluxPart {
    readonly interval: string;
    readonly imageAutomation: boolean;
    readonly multitenancy: boolean;
}

/** Flux's reconcile interval, tenancy and image automation. */
export function validateFlux(input: ConfigInput, defaults: TierDefaults): FluxPart {
    const intervalValue = input.str("fluxInterval");
    const interval = intervalValue === "" ? defaults.fluxInterval : intervalValue;
    // Flux reads intervals as Go durations; its CRDs allow only digits with ms/s/m/h units.
    const ms = /^(\d+(\.\d+)?(ms|s|m|h))+$/.test(interval) ? parseGoDuration(interval) : undefined;
    if (ms === undefined || ms < FLUX_MIN_INTERVAL_MS)
        input.problem(
            "fluxInterval",
            `${quote(interval)} is not valid${ms === undefined ? "" : " (shorter than 10s)"}; expected a duration such as 5m, at least 10s.`,
        );
    const imageAutomation = input.tierBool("imageAutomation", defaults.imageAutomation);
    // In prod imageAutomation=true is refused by the prod safeguards table (./prodSafeguards.ts).
    const multitenancy = input.bool("fluxMultitenancy");
    // That the automation writes to a branch (not a tag or semver ref) is an environment invariant (./environments.ts).
    return { interval, imageAutomation, multitenancy };
}
