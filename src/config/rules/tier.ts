import { stackTier } from "../guards";
import { TIERS, type Tier } from "../types";
import { quote, type ConfigInput } from "./context";

/**
 * The environment tier of the stack: most defaults and every prod safeguard depend on it.
 *
 * The rule (docs/explanation/prod-safeguards.md, "Which tier a stack is"): a stack whose name is, or has a `-` `_`
 * `.` separated token equal to, dev|development, staging|stage or prod|production has that tier (the highest when
 * several appear), and `environment` may only repeat it. One key must not turn the stack whose kube context is prod
 * into a dev stack, so a different value is refused even with acknowledgeProdOverrides: rename the stack, or create
 * a new one.
 * A stack name without such a token must set `environment`.
 */
export function validateTier(input: ConfigInput): Tier {
    const envValue = input.str("environment");
    const byName = stackTier(input.stack);
    if (envValue !== "" && !(TIERS as readonly string[]).includes(envValue)) {
        input.oneOf("environment", TIERS, envValue);
        return byName ?? "prod";
    }
    if (byName !== undefined) {
        if (envValue !== "" && envValue !== byName) {
            input.problem(
                "environment",
                `${quote(envValue)} contradicts the stack name ${quote(input.stack)}, which makes it a ${byName} stack; expected ${byName} or empty (a stack cannot change tier by one key, not even with acknowledgeProdOverrides: rename the stack or create a new one for ${envValue}).`,
            );
        }
        return byName;
    }
    if (envValue !== "") return envValue as Tier;
    input.problem(
        "environment",
        `is not set and the stack name ${quote(input.stack)} names no tier; expected one of ${TIERS.join(", ")} (pulumi config set environment <tier>), or a stack name with a dev, staging or prod part.`,
    );
    return "prod"; // validate the rest with the strictest rules
}
