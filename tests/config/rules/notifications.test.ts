import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { AlertChannel, AlertCredentials } from "../../../src/config/types";
import { TEST_SECRETS } from "../../support/stacks";
import { expectRefused } from "./expectations";
import { errorOf, parsed } from "./support";

const SLACK = { type: "slack", name: "deploys", channel: "#deploys-team" };
const MAIL = {
    type: "email",
    name: "mail",
    to: ["oncall@acme.example", "platform@acme.example"],
    smtpHost: "smtp.acme.example",
    smtpPort: 587,
    from: "argocd@acme.example",
    username: "argocd",
};
const TEAMS = { type: "teams", name: "teams", events: ["sync-failed"] };
const HOOK = { type: "webhook", name: "hook", headers: ["Authorization"], events: ["sync-failed", "deployed"] };
const PAGER = { type: "pagerduty", name: "oncall", events: ["sync-failed", "health-degraded"] };
const channels = (...list: unknown[]) => ({ "gitops-stack:alertChannels": JSON.stringify(list) });
const secrets = (map: unknown) => ({ alertSecrets: JSON.stringify(map) });
const FLUX = "operator=flux";
const SECRET_VALUES = Object.values(JSON.parse(TEST_SECRETS.alertSecrets) as Record<string, Record<string, unknown>>)
    .flatMap((e) => Object.values(e))
    .flatMap((v) => (typeof v === "string" ? [v] : Object.values(v as Record<string, string>)));

const unwrap = <T>(output: pulumi.Output<T>): Promise<T> =>
    new Promise((resolve) => output.apply((v) => (resolve(v), v)));

describe("alertChannels: valid", () => {
    it("reads every channel type; the non-secret settings are plain, the credentials a secret Output", async () => {
        const c = parsed("dev", { raw: channels(SLACK, MAIL, TEAMS, HOOK, PAGER) });
        const plainParts = c.alertChannels.map(({ credentials: _c, ...rest }) => rest);
        expect(plainParts).toEqual([
            {
                type: "slack",
                name: "deploys",
                channel: "deploys-team",
                events: ["sync-failed", "health-degraded", "drift-corrected"],
            },
            {
                type: "email",
                name: "mail",
                to: MAIL.to,
                smtp: { host: "smtp.acme.example", port: 587, from: "argocd@acme.example", username: "argocd" },
                events: ["sync-failed", "health-degraded", "drift-corrected"],
            },
            { type: "teams", name: "teams", events: ["sync-failed"] },
            {
                type: "webhook",
                name: "hook",
                headerNames: ["Authorization"],
                hmac: false,
                events: ["sync-failed", "deployed"],
            },
            { type: "pagerduty", name: "oncall", events: ["sync-failed", "health-degraded"] },
        ]);
        const byName = (n: string) => c.alertChannels.find((ch) => ch.name === n)! as AlertChannel;
        for (const ch of c.alertChannels) expect(await pulumi.isSecret(ch.credentials)).toBe(true);
        const creds = (n: string): Promise<AlertCredentials> => unwrap(byName(n).credentials);
        expect((await creds("deploys")).token).toBe("xoxb-test-alert-slack-4f1c");
        expect((await creds("mail")).password).toBe("test-smtp-password-4f1c");
        expect((await creds("hook")).headers).toEqual({ Authorization: "Bearer test-header-4f1c" });
        expect((await creds("oncall")).routingKey).toBe("testpagerdutykey4f1c000000000000");
        // Nothing secret in the plain parts.
        for (const v of SECRET_VALUES) expect(JSON.stringify(plainParts)).not.toContain(v);
    });

    it("defaults events per tier: prod on Argo CD adds changes waiting in Git and an unknown sync status", () => {
        const events = (stack: string, config: string[] = []) =>
            parsed(stack, { raw: channels(SLACK), config }).alertChannels[0].events;
        expect(events("dev")).toEqual(["sync-failed", "health-degraded", "drift-corrected"]);
        expect(events("staging")).toEqual(["sync-failed", "health-degraded", "deployed", "drift-corrected"]);
        expect(events("prod")).toEqual([
            "sync-failed",
            "health-degraded",
            "deployed",
            "sync-succeeded",
            "drift-corrected",
            "out-of-sync",
            "sync-unknown",
        ]);
        // Flux has no manual sync: no such events by default.
        expect(events("prod", [FLUX])).toEqual([
            "sync-failed",
            "health-degraded",
            "deployed",
            "sync-succeeded",
            "drift-corrected",
        ]);
    });

    it("needs no alertSecrets entry for an email channel without SMTP username, and no channels without the key", () => {
        const anonymous: Record<string, unknown> = { ...MAIL };
        delete anonymous.username;
        const c = parsed("dev", { raw: channels(anonymous), secrets: { alertSecrets: null } });
        expect(c.alertChannels[0].smtp).toEqual({ host: "smtp.acme.example", port: 587, from: "argocd@acme.example" });
        expect(parsed("prod", { secrets: { alertSecrets: null } }).alertChannels).toEqual([]);
    });

    it("keeps the Slack keys working beside alertChannels, and slackTriggers takes the new events", () => {
        const c = parsed("prod", {
            raw: channels(PAGER),
            config: ['slackTriggers=["sync-failed","health-degraded","out-of-sync","drift-corrected"]'],
        });
        expect(c.slack?.events).toEqual(["sync-failed", "health-degraded", "out-of-sync", "drift-corrected"]);
        expect(c.alertChannels.map((ch) => ch.name)).toEqual(["oncall"]);
    });
});

describe("alertChannels: refused, with the alternative where the operator has no equivalent", () => {
    it("refuses email with Flux and names the alternative", () => {
        expectRefused(
            "dev",
            { raw: channels(MAIL), config: [FLUX] },
            "alertChannels",
            "mail",
            /type email is not available with operator flux: Flux has no email provider; expected a webhook channel to your mail gateway/,
        );
    });

    it("refuses out-of-sync and sync-unknown with Flux, pointing at pull request notifications", () => {
        expectRefused(
            "prod",
            {
                raw: channels({ ...SLACK, events: ["sync-failed", "health-degraded", "out-of-sync", "sync-unknown"] }),
                config: [FLUX],
            },
            "alertChannels",
            null,
            /\["out-of-sync","sync-unknown"\] is not available with operator flux: Flux has no manual sync.*pull request notifications/,
        );
    });

    it("refuses HMAC signing with Argo CD and suggests a header", () => {
        expectRefused(
            "dev",
            {
                raw: channels({ ...HOOK, hmac: true }),
                secrets: secrets({
                    hook: { url: "https://h.example/x", headers: { Authorization: "t" }, hmacKey: "k" },
                }),
            },
            "alertChannels",
            "hook",
            /hmac is not available with operator argocd: Argo CD's webhook service cannot sign requests; expected a shared token in a header/,
        );
    });

    it("accepts HMAC signing with Flux (generic-hmac)", () => {
        const c = parsed("dev", {
            raw: channels({ ...HOOK, hmac: true }),
            config: [FLUX],
            secrets: secrets({
                hook: {
                    url: "https://h.example/x",
                    headers: { Authorization: "t" },
                    hmacKey: "k".repeat(16) + "x".repeat(16),
                },
            }),
        });
        expect(c.alertChannels[0].hmac).toBe(true);
    });

    it("warns that Flux's PagerDuty Provider holds the routing key in its spec", () => {
        const c = parsed("dev", { raw: channels(PAGER), config: [FLUX] });
        expect(c.warnings.join("\n")).toMatch(
            /stack "dev": gitops-stack:alertChannels: channel "oncall": Flux's pagerduty Provider takes the routing key in spec.channel/,
        );
    });

    it("refuses bad entries, naming the channel, the field, the value and the expected form", () => {
        const cases: Array<[unknown, string | null, RegExp]> = [
            [
                { type: "sms", name: "x" },
                "sms",
                /type "sms" is not valid; expected one of slack, email, teams, webhook, pagerduty/,
            ],
            [{ ...SLACK, name: "Deploys" }, "Deploys", /name "Deploys" is not valid; expected a lowercase DNS label/],
            [
                { ...SLACK, channel: "no spaces" },
                "no spaces",
                /channel "no spaces" is not valid; expected a Slack channel name/,
            ],
            [
                { ...SLACK, events: ["sync-started"] },
                null,
                /events \["sync-started"\] is not valid; expected a non-empty list of sync-succeeded/,
            ],
            [{ ...SLACK, events: [] }, null, /events \[\] is not valid/],
            [
                { ...SLACK, webhook: "x" },
                "webhook",
                /\(slack\) has unknown field "webhook"; expected only type, name, events, channel/,
            ],
            [
                { ...MAIL, to: ["not-an-address"] },
                null,
                /to \["not-an-address"\] is not valid; expected a list of e-mail addresses/,
            ],
            [{ ...MAIL, smtpPort: 70000 }, null, /smtpPort 70000 is not valid; expected a port from 1 to 65535/],
            [{ ...MAIL, from: "argocd" }, "argocd", /from "argocd" is not valid; expected the sender's e-mail address/],
            [
                { ...HOOK, headers: ["Bad Header"] },
                null,
                /headers \["Bad Header"\] is not valid; expected a list of header names/,
            ],
        ];
        for (const [entry, value, expected] of cases) {
            expectRefused("dev", { raw: channels(entry) }, "alertChannels", value, expected);
        }
        expectRefused(
            "dev",
            { raw: channels(SLACK, { ...TEAMS, name: "deploys" }) },
            "alertChannels",
            "deploys",
            /is used twice/,
        );
        expectRefused(
            "dev",
            { raw: { "gitops-stack:alertChannels": '{"type":"slack"}' } },
            "alertChannels",
            null,
            /expected a list of channels/,
        );
        // The Slack keys' channel is Argo CD's service "slack".
        expectRefused(
            "dev",
            { raw: channels({ ...SLACK, name: "slack" }) },
            "alertChannels",
            "slack",
            /name "slack" is the Slack channel of slackChannel/,
        );
    });

    it("refuses a prod whose channels leave out sync-failed or health-degraded", () => {
        expectRefused(
            "prod",
            { raw: channels({ ...TEAMS, events: ["deployed"] }), config: ["slackChannel="] },
            "alertChannels",
            "prod",
            /no channel of stack "prod" notifies sync-failed and health-degraded; prod must notify at least those/,
        );
    });
});

describe("alertSecrets: shape checked before anything runs, values never shown", () => {
    it("requires the secret when a channel has credentials", () => {
        expectRefused(
            "dev",
            { raw: channels(SLACK), secrets: { alertSecrets: null } },
            "alertSecrets",
            null,
            /is required when alertChannels lists a channel with credentials; set it with: pulumi config set --secret alertSecrets/,
        );
    });

    it("names the missing entry or field and the expected form", () => {
        const cases: Array<[unknown[], unknown, RegExp]> = [
            [[SLACK], {}, /has no entry "deploys" for slack channel "deploys"; expected \{ "token": "xoxb-..." \}/],
            [
                [PAGER],
                { oncall: { token: "x" } },
                /entry "oncall" sets token, which a pagerduty channel does not use; expected \{ "routingKey"/,
            ],
            [
                [HOOK],
                { hook: { url: "https://h.example/x" } },
                /entry "hook".headers is not a map of header name to non-empty value/,
            ],
            [
                [HOOK],
                { hook: { url: "https://h.example/x", headers: { Authorization: "a", "X-Extra": "b" } } },
                /entry "hook".headers has X-Extra, which channel "hook" does not list/,
            ],
            [[MAIL], { mail: {} }, /entry "mail" has no password; expected \{ "password": "<SMTP password>" \}/],
            [[SLACK], { deploys: { token: "xoxb-1", colour: "x" } }, /entry "deploys" has unknown field "colour"/],
        ];
        for (const [list, map, expected] of cases) {
            expectRefused("dev", { raw: channels(...list), secrets: secrets(map) }, "alertSecrets", null, expected);
        }
    });

    it("refuses a URL that is not https without showing it", () => {
        const url = "http://hooks.acme.example/secret-path-9z";
        const hit = expectRefused(
            "dev",
            { raw: channels(TEAMS), secrets: secrets({ teams: { url } }) },
            "alertSecrets",
            null,
            /entry "teams".url is not an https:\/\/ URL \(its value is not shown: it is a secret\)/,
        );
        expect(hit).not.toContain("secret-path-9z");
        const message = errorOf("dev", { raw: channels(TEAMS), secrets: { alertSecrets: "{not json secret-9z" } });
        expect(message).toContain("is not a JSON map of channel name to credentials (its value is not shown");
        expect(message).not.toContain("secret-9z");
    });
});
