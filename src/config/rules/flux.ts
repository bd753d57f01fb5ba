import type { TierDefaults } from "../tiers";
import type { AppConfig, FluxRef, Operator, Tier } from "../types";
import type { ConfigInput } from "./context";
import { validateAutomationRef } from "./repository";

const GO_DURATION = /^(\d+(ms|s|m|h))+$/;

export interface FluxPart {
    readonly interval: string;
    readonly imageAutomation: boolean;
    readonly multitenancy: boolean;
}

/** Flux's reconcile interval, tenancy and image automation. */
export function validateFlux(
    input: ConfigInput,
    tier: Tier,
    operator: Operator,
    defaults: TierDefaults,
    fluxRef: FluxRef | undefined,
    apps: readonly AppConfig[],
): FluxPart {
    const intervalValue = input.str("fluxInterval");
    const interval = intervalValue === "" ? defaults.fluxInterval : intervalValue;
    input.pattern("fluxInterval", GO_DURATION, "a duration such as 5m", interval);
    const imageAutomation = input.tierBool("imageAutomation", defaults.imageAutomation);
    if (tier === "prod" && imageAutomation) {
        input.problem(
            "imageAutomation",
            "is true in prod; image updates are never written by automation in prod (promote by pull request); expected false or empty.",
        );
    }
    const multitenancy = input.bool("fluxMultitenancy");
    validateAutomationRef(
        input,
        fluxRef,
        operator === "flux" &&
            imageAutomation &&
            apps.some((a) => a.image !== undefined && a.semverRange !== undefined),
        tier,
    );
    return { interval, imageAutomation, multitenancy };
}
