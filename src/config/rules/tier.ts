import { TIERS, type Tier } from "../types";
import { quote, type ConfigInput } from "./context";

/** The environment tier of the stack: most defaults and every prod safeguard depend on it. */
export function validateTier(input: ConfigInput): Tier {
    const envValue = input.str("environment");
    if (envValue !== "") return input.oneOf("environment", TIERS, envValue);
    if ((TIERS as readonly string[]).includes(input.stack)) return input.stack as Tier;
    input.problem(
        "environment",
        `is not set and the stack name ${quote(input.stack)} is not a tier; expected one of ${TIERS.join(", ")} (pulumi config set environment <tier>).`,
    );
    return "prod"; // validate the rest with the strictest rules
}
