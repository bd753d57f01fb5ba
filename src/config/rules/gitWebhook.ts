/**
 * gitWebhook, gitWebhookProvider and the secret gitWebhookSecret (issue 22): whether a push at the Git host makes the
 * operator fetch at once, which host signs the requests, and the shared secret they are checked with.
 */
import type { TierDefaults } from "../tiers";
import { GIT_WEBHOOK_PROVIDERS, type AppsMode, type GitWebhookConfig, type Operator } from "../types";
import { quote, type ConfigInput } from "./context";
import { isRenderPlaceholder } from "./secretMap";

/**
 * The shortest secret accepted. GitHub and Bitbucket sign with HMAC-SHA256 (RFC 2104 asks for a key at least as long
 * as the hash, 32 bytes); GitLab and Flux's generic Receiver compare it (or a path derived from it) as a bearer value.
 * `openssl rand -hex 32` gives 64 characters.
 */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;

/**
 * What each host's webhook sends the secret in, for the messages. Every one of them travels in an HTTP header or
 * the URL path, so the secret must be visible ASCII: a line break (a file's trailing newline) or a space would make
 * every request fail its check, or split a header.
 */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * The webhook switch and its secret. Off: undefined (the operator polls at its interval, as before). On: the provider
 * and the secret as a secret Output; its value is checked here (length, characters) but never quoted.
 */
export function validateGitWebhook(
    input: ConfigInput,
    operator: Operator,
    defaults: TierDefaults,
    appsMode: AppsMode,
): GitWebhookConfig | undefined {
    const provider = input.oneOf("gitWebhookProvider", GIT_WEBHOOK_PROVIDERS);
    const switchValue = input.str("gitWebhook");
    const secretGiven = input.secretGiven("gitWebhookSecret");
    let on: boolean;
    if (switchValue === "") on = defaults.gitWebhook && secretGiven;
    else if (switchValue === "true" || switchValue === "false") on = switchValue === "true";
    else {
        input.problem(
            "gitWebhook",
            `${quote(switchValue)} is not valid; expected true, false, or empty for the tier default (on in dev and staging when gitWebhookSecret is set, off in prod).`,
        );
        return undefined;
    }
    if (!on) return undefined;

    if (operator === "argocd" && provider === "generic") {
        input.problem(
            "gitWebhookProvider",
            `"generic" is not available with operator argocd: Argo CD's /api/webhook reads only the Git hosts' own push events (it has no unsigned generic hook); expected github, gitlab or bitbucket.`,
        );
    }
    const secret = input.secret(
        "gitWebhookSecret",
        `with gitWebhook on (the shared secret the Git host signs its webhooks with; generate one with openssl rand -hex 32)`,
    );
    const stored = input.raw("gitWebhookSecret");
    // The offline render holds a placeholder, not a secret: there is nothing to check.
    if (stored !== undefined && !isRenderPlaceholder(stored)) {
        for (const problem of webhookSecretProblems(stored)) input.problem("gitWebhookSecret", problem);
    }

    if (provider === "generic")
        input.warn(
            "gitWebhookProvider",
            `"generic": the Flux Receiver checks no signature; whoever learns its URL (it is in the Git host's settings and in the access logs of whatever exposes it) can make Flux fetch early. Prefer the Git host's own provider where it has one.`,
        );
    if (operator === "argocd" && appsMode === "applicationset" && provider === "bitbucket")
        input.warn(
            "gitWebhookProvider",
            `"bitbucket": Argo CD's ApplicationSet controller has no Bitbucket webhook (GitHub, GitLab and Azure DevOps only), so the ApplicationSet finds new app folders at its own poll (every 3 minutes); Applications still refresh on push through /api/webhook.`,
        );
    return secret && { provider, secret };
}

/** What is wrong with a webhook secret's value, in words that never quote it. */
export function webhookSecretProblems(value: string): string[] {
    const problems: string[] = [];
    if (!VISIBLE_ASCII.test(value)) {
        const why = /[\r\n]/.test(value)
            ? 'a line break (often a file\'s trailing newline: use pulumi config set --secret gitWebhookSecret "$(cat file)")'
            : /\s/.test(value)
              ? "whitespace"
              : value === ""
                ? "nothing"
                : "a character that is not visible ASCII";
        problems.push(
            `contains ${why} (its value is not shown: it is a secret); expected visible ASCII only, since the Git host sends it, or a signature made with it, in an HTTP header.`,
        );
    }
    if (value.length < MIN_WEBHOOK_SECRET_LENGTH)
        problems.push(
            `is ${value.length} characters long (its value is not shown: it is a secret); expected at least ${MIN_WEBHOOK_SECRET_LENGTH} random characters, e.g. from openssl rand -hex 32.`,
        );
    return problems;
}
