import * as pulumi from "@pulumi/pulumi";
import type { TierDefaults } from "../tiers";
import {
    ALERT_CHANNEL_TYPES,
    ALERT_EVENTS,
    type AlertChannel,
    type AlertChannelType,
    type AlertCredentials,
    type AlertEvent,
    type Operator,
    type SlackConfig,
    type Tier,
} from "../types";
import { DNS_LABEL } from "./apps";
import { parseJson, quote, type ConfigInput } from "./context";
import { checkSecretMap, isObject, secretMapEntry } from "./secretMap";
import { passwordProblem, routingKeyProblem, slackTokenProblem } from "./secretShapes";
import { controlCharacterProblem, parseUrl } from "./urls";

/** The shortest webhook HMAC key accepted: the output size of SHA-256 (RFC 2104 §3: shorter keys weaken the MAC). */
export const MIN_HMAC_KEY_BYTES = 32;

/**
 * Why a webhook HMAC key cannot protect anything, or undefined (issue 19 §4): shorter than SHA-256's 32 bytes
 * (RFC 2104 §3), one character repeated, or not one line.
 */
export function hmacKeyProblem(key: string): string | undefined {
    const control = controlCharacterProblem(key, false);
    if (control) return control;
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes < MIN_HMAC_KEY_BYTES)
        return `is ${bytes} byte${bytes === 1 ? "" : "s"} long, shorter than the ${MIN_HMAC_KEY_BYTES} of an HMAC-SHA256 key (RFC 2104: a shorter key weakens the signature; generate one with openssl rand -hex 32)`;
    if (new Set(key).size === 1) return "is one character repeated, which anyone can guess";
    return undefined;
}

const SLACK_CHANNEL = /^#?([A-Za-z0-9][A-Za-z0-9._-]{0,79})$/;
/** An address the Argo CD email service can send to; `;` separates recipients in a subscription annotation. */
const EMAIL = /^[^@\s;,<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const HOSTNAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Events that only exist where syncs wait for a person: Flux applies every commit it sees, nothing waits. */
const ARGO_ONLY_EVENTS: readonly AlertEvent[] = ["out-of-sync", "sync-unknown"];

/** Non-secret fields each channel type takes, beyond type, name and events. */
const CHANNEL_FIELDS: Readonly<Record<AlertChannelType, readonly string[]>> = {
    slack: ["channel"],
    email: ["to", "smtpHost", "smtpPort", "from", "username"],
    teams: [],
    webhook: ["headers", "hmac"],
    pagerduty: [],
};
const COMMON_FIELDS = ["type", "name", "events"];
const CREDENTIAL_FIELDS = ["token", "password", "url", "headers", "hmacKey", "routingKey"];

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * The events a channel gets when it lists none: the tier's Slack events, a reverted manual change everywhere, and,
 * in prod on Argo CD (manual sync), changes waiting in Git and a sync status Argo CD cannot determine.
 */
export function defaultAlertEvents(tier: Tier, operator: Operator, defaults: TierDefaults): AlertEvent[] {
    const events: AlertEvent[] = [...defaults.slackEvents, "drift-corrected"];
    if (operator === "argocd" && tier === "prod") events.push("out-of-sync", "sync-unknown");
    return events;
}

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
        if (!(ALERT_EVENTS as readonly string[]).includes(e))
            input.problem("slackTriggers", `${quote(e)} is not valid; expected any of ${ALERT_EVENTS.join(", ")}.`);
    }
    if (channel !== "") {
        const m = SLACK_CHANNEL.exec(channel);
        if (!m)
            input.problem(
                "slackChannel",
                `${quote(channel)} is not valid; expected a Slack channel name such as deploys-${tier}.`,
            );
        const events =
            eventsValue.length > 0 ? (eventsValue as AlertEvent[]) : defaultAlertEvents(tier, operator, defaults);
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

/** What one channel entry needs from `alertSecrets` (for the messages: the form, never a value). */
function expectedCredentials(type: AlertChannelType, username: boolean, headers: readonly string[], hmac: boolean) {
    switch (type) {
        case "slack":
            return `{ "token": "xoxb-..." }`;
        case "email":
            return username ? `{ "password": "<SMTP password>" }` : "no entry (no SMTP username is set)";
        case "teams":
            return `{ "url": "https://<Teams Workflows webhook URL>" }`;
        case "webhook": {
            const h =
                headers.length > 0 ? `, "headers": { ${headers.map((n) => `"${n}": "<value>"`).join(", ")} }` : "";
            return `{ "url": "https://..."${h}${hmac ? `, "hmacKey": "<key>"` : ""} }`;
        }
        case "pagerduty":
            return `{ "routingKey": "<Events API v2 integration key>" }`;
    }
}

/** Which credential fields a channel must have (and may have: no other). */
function requiredCredentials(
    type: AlertChannelType,
    username: boolean,
    headers: readonly string[],
    hmac: boolean,
): string[] {
    switch (type) {
        case "slack":
            return ["token"];
        case "email":
            return username ? ["password"] : [];
        case "teams":
            return ["url"];
        case "webhook":
            return ["url", ...(headers.length > 0 ? ["headers"] : []), ...(hmac ? ["hmacKey"] : [])];
        case "pagerduty":
            return ["routingKey"];
    }
}

/** Problems of one channel's credentials entry; messages name the channel and field, never a value. */
function credentialProblems(
    channel: { name: string; type: AlertChannelType; username: boolean; headers: readonly string[]; hmac: boolean },
    entry: unknown,
): string[] {
    const where = `entry ${quote(channel.name)}`;
    const required = requiredCredentials(channel.type, channel.username, channel.headers, channel.hmac);
    const expected = expectedCredentials(channel.type, channel.username, channel.headers, channel.hmac);
    if (entry === undefined)
        return required.length === 0
            ? []
            : [`has no ${where} for ${channel.type} channel ${quote(channel.name)}; expected ${expected}.`];
    if (!isObject(entry)) return [`${where} is not an object; expected ${expected}.`];
    const found: string[] = [];
    for (const field of Object.keys(entry)) {
        if (!CREDENTIAL_FIELDS.includes(field))
            found.push(`${where} has unknown field ${quote(field)}; expected only ${CREDENTIAL_FIELDS.join(", ")}.`);
        else if (!required.includes(field))
            found.push(
                `${where} sets ${field}, which a ${channel.type} channel${channel.type === "email" ? " without username" : ""}${channel.type === "webhook" ? ` with headers ${quote(channel.headers)} and hmac ${channel.hmac}` : ""} does not use; expected ${expected}.`,
            );
    }
    for (const field of required) {
        if (field === "headers") {
            const headers = entry.headers;
            if (!isObject(headers) || !Object.values(headers).every(nonEmpty)) {
                found.push(`${where}.headers is not a map of header name to non-empty value; expected ${expected}.`);
                continue;
            }
            // A CR or LF in a header value would end the header and start another one (header injection).
            for (const [header, value] of Object.entries(headers)) {
                const control = controlCharacterProblem(value as string, false);
                if (control)
                    found.push(
                        `${where}.headers ${quote(header)} ${control} (its value is not shown: it is a secret); expected one line.`,
                    );
            }
            const names = Object.keys(headers);
            const missing = channel.headers.filter((h) => !names.includes(h));
            const extra = names.filter((h) => !channel.headers.includes(h));
            if (missing.length > 0) found.push(`${where}.headers has no value for ${missing.join(", ")}.`);
            if (extra.length > 0)
                found.push(
                    `${where}.headers has ${extra.join(", ")}, which channel ${quote(channel.name)} does not list in headers; expected exactly ${channel.headers.join(", ")}.`,
                );
            continue;
        }
        const value = entry[field];
        if (!nonEmpty(value)) {
            found.push(`${where} has no ${field}; expected ${expected}.`);
            continue;
        }
        if (field === "url") {
            // The one URL parser: a CR/LF, a control character or a bad host is refused, and the reason says which
            // (never the value). User information is allowed: the whole URL is a secret.
            const url = parseUrl(value.trim(), { schemes: ["https"], query: true, userinfo: true });
            if (typeof url === "string")
                found.push(
                    `${where}.url is not an https:// URL (its value is not shown: it is a secret): it ${url.replace(/"[^"]*"/g, "(...)")}; expected ${expected}.`,
                );
        } else if (field === "hmacKey") {
            const problem = hmacKeyProblem(value);
            if (problem)
                found.push(
                    `${where}.hmacKey ${problem} (its value is not shown: it is a secret); expected ${expected}.`,
                );
        } else {
            const problem =
                field === "token"
                    ? slackTokenProblem(value.trim())
                    : field === "routingKey"
                      ? routingKeyProblem(value.trim())
                      : passwordProblem(value);
            if (problem)
                found.push(
                    `${where}.${field} is not valid: it ${problem} (its value is not shown: it is a secret); expected ${expected}.`,
                );
        }
    }
    return found;
}

/** Reads one channel's entry into its typed form (only ever called inside a secret apply, on a checked map). */
function credentialsOf(entry: Record<string, unknown>): AlertCredentials {
    const str = (v: unknown) => (typeof v === "string" ? v.trim() : undefined);
    return {
        token: str(entry.token),
        password: typeof entry.password === "string" ? entry.password : undefined,
        url: str(entry.url),
        headers: isObject(entry.headers)
            ? Object.fromEntries(Object.entries(entry.headers).map(([k, v]) => [k, String(v)]))
            : undefined,
        hmacKey: typeof entry.hmacKey === "string" ? entry.hmacKey : undefined,
        routingKey: str(entry.routingKey),
    };
}

interface ParsedChannel extends Omit<AlertChannel, "credentials"> {
    readonly username: boolean;
}

/**
 * The structured key `alertChannels` (issue 13): any number of channels per environment, each with its own events,
 * and the secret `alertSecrets` with their credentials (a JSON map of channel name to fields).
 *
 * A channel the operator cannot deliver is refused with the alternative, never dropped: Flux has no email provider
 * and no manual sync (so no out-of-sync or sync-unknown event); Argo CD's webhook service cannot sign requests.
 * The secret's shape is checked here, before anything is registered; no message contains one of its values.
 */
export function validateAlertChannels(
    input: ConfigInput,
    tier: Tier,
    operator: Operator,
    defaults: TierDefaults,
    argocdUrl: string | undefined,
    slack: SlackConfig | undefined,
): AlertChannel[] {
    const raw = input.raw("alertChannels");
    if (raw === undefined) return [];
    const example = `[{ type: slack, name: deploys, channel: deploys-${tier} }, { type: pagerduty, name: oncall, events: [sync-failed, health-degraded] }]`;
    const parsed = parseJson(raw);
    if (!Array.isArray(parsed)) {
        input.problem("alertChannels", `${quote(raw)} is not valid; expected a list of channels such as ${example}.`);
        return [];
    }
    const problem = (message: string) => input.problem("alertChannels", message);
    const channels: ParsedChannel[] = [];
    parsed.forEach((entry: unknown, i) => {
        const where = `alertChannels[${i}]`;
        if (!isObject(entry)) {
            problem(`${where} is ${quote(entry)}; expected an object with type, name and the type's settings.`);
            return;
        }
        const type = entry.type as AlertChannelType;
        if (!ALERT_CHANNEL_TYPES.includes(type)) {
            problem(
                `${where}.type ${quote(entry.type)} is not valid; expected one of ${ALERT_CHANNEL_TYPES.join(", ")}.`,
            );
            return;
        }
        const name = entry.name;
        // Flux objects are <tier>-<name>; Argo CD secret keys <name>-<type>-<field>: keep both within 63 characters.
        if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > 40) {
            problem(
                `${where}.name ${quote(name)} is not valid; expected a lowercase DNS label of at most 40 characters, e.g. oncall.`,
            );
            return;
        }
        const label = `channel ${quote(name)}`;
        if (channels.some((c) => c.name === name)) {
            problem(`channel name ${quote(name)} is used twice; expected unique names.`);
            return;
        }
        if (slack && name === "slack") {
            problem(
                `${label}: the name "slack" is the Slack channel of slackChannel (Argo CD service "slack"); expected another name.`,
            );
            return;
        }
        const allowed = [...COMMON_FIELDS, ...CHANNEL_FIELDS[type]];
        for (const field of Object.keys(entry)) {
            if (!allowed.includes(field))
                problem(`${label} (${type}) has unknown field ${quote(field)}; expected only ${allowed.join(", ")}.`);
        }

        let events: AlertEvent[];
        if (entry.events === undefined) {
            events = defaultAlertEvents(tier, operator, defaults);
        } else if (
            !Array.isArray(entry.events) ||
            entry.events.length === 0 ||
            !entry.events.every((e) => (ALERT_EVENTS as readonly unknown[]).includes(e))
        ) {
            problem(
                `${label}.events ${quote(entry.events)} is not valid; expected a non-empty list of ${ALERT_EVENTS.join(", ")} (or no events for the tier default).`,
            );
            events = [];
        } else {
            events = [...new Set(entry.events as AlertEvent[])];
        }
        if (operator === "flux") {
            const argoOnly = events.filter((e) => ARGO_ONLY_EVENTS.includes(e));
            if (argoOnly.length > 0)
                problem(
                    `${label}.events ${quote(argoOnly)} is not available with operator flux: Flux has no manual sync, it applies every commit of the branch it tracks, so nothing waits in the cluster; changes waiting for a person are pull requests to that branch: use your Git host's pull request notifications, and drift-corrected for changes made in the cluster.`,
                );
        }

        const parsedChannel: Record<string, unknown> = { type, name, events };
        let username = false;
        if (type === "slack") {
            const m = typeof entry.channel === "string" ? SLACK_CHANNEL.exec(entry.channel.trim()) : null;
            if (!m)
                problem(
                    `${label}.channel ${quote(entry.channel)} is not valid; expected a Slack channel name such as deploys-${tier}.`,
                );
            else parsedChannel.channel = m[1];
        } else if (type === "email") {
            if (operator === "flux") {
                problem(
                    `${label}: type email is not available with operator flux: Flux has no email provider; expected a webhook channel to your mail gateway (it receives each event as JSON), or a slack or teams channel.`,
                );
            }
            const to = entry.to;
            if (
                !Array.isArray(to) ||
                to.length === 0 ||
                !to.every((a) => typeof a === "string" && EMAIL.test(a.trim()))
            )
                problem(
                    `${label}.to ${quote(to)} is not valid; expected a list of e-mail addresses, e.g. [oncall@acme.example].`,
                );
            else parsedChannel.to = to.map((a: string) => a.trim());
            const host = entry.smtpHost;
            const port = entry.smtpPort;
            const from = entry.from;
            const bad: string[] = [];
            if (typeof host !== "string" || !HOSTNAME.test(host))
                bad.push(
                    `${label}.smtpHost ${quote(host)} is not valid; expected the SMTP server's host name, e.g. smtp.acme.example.`,
                );
            if (
                !Number.isInteger(Number(port)) ||
                Number(port) < 1 ||
                Number(port) > 65535 ||
                typeof port === "boolean"
            )
                bad.push(`${label}.smtpPort ${quote(port)} is not valid; expected a port from 1 to 65535, e.g. 587.`);
            if (typeof from !== "string" || !EMAIL.test(from))
                bad.push(`${label}.from ${quote(from)} is not valid; expected the sender's e-mail address.`);
            if (entry.username !== undefined && !nonEmpty(entry.username))
                bad.push(
                    `${label}.username ${quote(entry.username)} is not valid; expected the SMTP user name, or no username.`,
                );
            bad.forEach(problem);
            username = nonEmpty(entry.username);
            if (bad.length === 0)
                parsedChannel.smtp = {
                    host,
                    port: Number(port),
                    from,
                    ...(username ? { username: (entry.username as string).trim() } : {}),
                };
        } else if (type === "webhook") {
            let headers: string[] = [];
            if (entry.headers !== undefined) {
                if (
                    !Array.isArray(entry.headers) ||
                    !entry.headers.every((h) => typeof h === "string" && HEADER_NAME.test(h))
                )
                    problem(
                        `${label}.headers ${quote(entry.headers)} is not valid; expected a list of header names (their values go in alertSecrets), e.g. [Authorization].`,
                    );
                else headers = [...new Set(entry.headers as string[])];
            }
            if (entry.hmac !== undefined && typeof entry.hmac !== "boolean")
                problem(`${label}.hmac ${quote(entry.hmac)} is not valid; expected true or false.`);
            const hmac = entry.hmac === true;
            if (hmac && operator === "argocd")
                problem(
                    `${label}.hmac is not available with operator argocd: Argo CD's webhook service cannot sign requests; expected a shared token in a header instead (headers: [Authorization], its value in alertSecrets).`,
                );
            parsedChannel.headerNames = headers;
            parsedChannel.hmac = hmac;
        } else if (type === "pagerduty" && operator === "flux") {
            input.warn(
                "alertChannels",
                `${label}: Flux's pagerduty Provider takes the routing key in spec.channel (it reads no Secret for it): the key stays a Pulumi secret in state and previews, but whoever may read Providers in the Flux namespace can read it in the cluster.`,
            );
        }
        channels.push({ ...(parsedChannel as unknown as Omit<AlertChannel, "credentials">), username });
    });

    if (channels.length > 0) {
        const all = new Set([...channels.flatMap((c) => c.events), ...(slack?.events ?? [])]);
        if (tier === "prod" && !(all.has("sync-failed") && all.has("health-degraded")))
            problem(
                `no channel of stack ${quote(input.stack)} notifies sync-failed and health-degraded; prod must notify at least those.`,
            );
        if (argocdUrl === undefined && operator === "argocd")
            input.problem(
                "argocdUrl",
                "is empty but alertChannels is set; expected the https:// URL of the Argo CD UI, so notifications can link to the application.",
            );
    }

    const needing = channels.filter(
        (c) => requiredCredentials(c.type, c.username, c.headerNames ?? [], c.hmac ?? false).length > 0,
    );
    let secret: pulumi.Output<string> | undefined;
    let usable = needing.length === 0;
    if (needing.length > 0) {
        ({ secret, usable } = checkSecretMap(
            input,
            "alertSecrets",
            "when alertChannels lists a channel with credentials",
            { what: "channel name to credentials", example: `{ "oncall": { "routingKey": "<key>" } }` },
            (map) =>
                channels.flatMap((c) =>
                    credentialProblems(
                        {
                            name: c.name,
                            type: c.type,
                            username: c.username,
                            headers: c.headerNames ?? [],
                            hmac: c.hmac ?? false,
                        },
                        map[c.name],
                    ),
                ),
        ));
    }
    // Built only from a map that passed the checks above (with problems the ConfigError stops the program first), so
    // the apply cannot fail, and no error of JSON.parse (which would quote the value) is ever thrown.
    return channels.map(({ username: _username, ...c }) => ({
        ...c,
        credentials: pulumi.secret(
            secret === undefined || !usable
                ? pulumi.output<AlertCredentials>({})
                : secret.apply((text) => credentialsOf(secretMapEntry(text, c.name))),
        ),
    }));
}
