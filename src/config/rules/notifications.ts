import type { TierDefaults } from "../tiers";
import { SLACK_EVENTS, type Operator, type SlackConfig, type SlackEvent, type Tier } from "../types";
import { quote, type ConfigInput } from "./context";

const SLACK_CHANNEL = /^#?([A-Za-z0-9][A-Za-z0-9._-]{0,79})$/;

/** Slack: the channel switches notifications on; the token must then be a secret. */
export function validateNotifications(
    input: ConfigInput,
    tier: Tier,
    operator: Operator,
    defaults: TierDefaults,
    argocdUrl: string | undefined,
): SlackConfig | undefined {
    const channel = input.str("slackChannel");
    const eventsValue = input.list("slackTriggers");
    let slack: SlackConfig | undefined;
    for (const e of eventsValue) {
        if (!(SLACK_EVENTS as readonly string[]).includes(e))
            input.problem("slackTriggers", `${quote(e)} is not valid; expected any of ${SLACK_EVENTS.join(", ")}.`);
    }
    if (channel !== "") {
        const m = SLACK_CHANNEL.exec(channel);
        if (!m)
            input.problem(
                "slackChannel",
                `${quote(channel)} is not valid; expected a Slack channel name such as deploys-${tier}.`,
            );
        const events = eventsValue.length > 0 ? (eventsValue as SlackEvent[]) : [...defaults.slackEvents];
        if (tier === "prod" && !(events.includes("sync-failed") && events.includes("health-degraded"))) {
            input.problem(
                "slackTriggers",
                `${quote(events)} leaves out sync-failed or health-degraded; prod must notify at least those.`,
            );
        }
        if (argocdUrl === undefined && operator === "argocd") {
            input.problem(
                "argocdUrl",
                "is empty but slackChannel is set; expected the https:// URL of the Argo CD UI, so notifications can link to the application.",
            );
        }
        const token = input.secret("slackToken", "when slackChannel is set");
        if (m && token) slack = { channel: m[1], token, events };
    } else if (eventsValue.length > 0) {
        input.problem(
            "slackChannel",
            "is empty but slackTriggers is set; expected a channel to turn Slack notifications on, or no slackTriggers.",
        );
    }
    return slack;
}
