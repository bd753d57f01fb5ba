/**
 * Issue 19, done-when: no input makes the program print or output a private key or password. Canary values (fresh,
 * of the right shape, distinctive) go into every secret key; everything the program writes is searched for them:
 * the plain part of every resource (what is not carried as a Pulumi secret), the stack outputs, the offline render's
 * files, the warnings (the program's pulumi.log.warn lines, captured), and the messages of configurations made bad on
 * purpose, each holding a canary, including private keys put where a public value belongs.
 *
 * The one secret that is public by design is the Sealed Secrets certificate (the stack output kubeseal seals with):
 * it is not a canary, its private key is.
 */
import * as crypto from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError, SECRET_KEYS, parseStackConfig } from "../src/config";
import { generateAgeIdentity } from "../src/config/formats/age";
import { isSecretValue } from "../src/offline/mockRun";
import { renderConfig } from "../src/offline/render";
import { runStack, stackConfig, type StackOptions } from "./support/stacks";
import { sourceOf } from "./config/rules/support";
import { TEST_SEALED_CERTIFICATE, TEST_SEALED_PRIVATE_KEY } from "./support/testKeys";

type SecretKey = keyof typeof SECRET_KEYS;

const token = (what: string) => `canary${what}${crypto.randomBytes(12).toString("hex")}`;
const pkcs8 = (type: "ed25519" | "rsa") =>
    crypto
        .generateKeyPairSync(type as "rsa", { modulusLength: 2048 })
        .privateKey.export({ type: type === "rsa" ? "pkcs1" : "pkcs8", format: "pem" })
        .toString();

const CANARY = {
    sshPrivateKey: pkcs8("ed25519"),
    httpsToken: token("Https"),
    githubAppPrivateKey: pkcs8("rsa"),
    slackToken: `xoxb-${token("Slack")}`,
    ssoClientSecret: token("Sso"),
    alertSlack: `xoxb-${token("AlertSlack")}`,
    smtpPassword: token("Smtp"),
    teamsUrl: `https://api.powerautomate.com/${token("Teams")}`,
    webhookUrl: `https://hooks.acme.example/${token("Webhook")}`,
    webhookHeader: `Bearer ${token("Header")}`,
    hmacKey: token("Hmac"),
    routingKey: crypto.randomBytes(16).toString("hex"),
    bearerToken: token("Bearer"),
    execEnv: token("ExecEnv"),
    gitWebhookSecret: token("GitWebhook"),
    sopsAgeKey: generateAgeIdentity(),
    sealedSecretsPrivateKey: TEST_SEALED_PRIVATE_KEY,
};

/** What no output may contain: each token whole, each PEM key by every body line. */
const NEEDLES: string[] = Object.values(CANARY).flatMap((v) =>
    v.includes("-----BEGIN") ? v.split("\n").filter((l) => l.length >= 20 && !l.startsWith("-----")) : [v],
);
const webhookHeaderToken = CANARY.webhookHeader.split(" ")[1];
NEEDLES.push(webhookHeaderToken);

const CHANNELS = [
    { type: "slack", name: "deploys", channel: "deploys" },
    {
        type: "email",
        name: "mail",
        to: ["oncall@acme.example"],
        smtpHost: "smtp.acme.example",
        smtpPort: 587,
        from: "gitops@acme.example",
        username: "gitops",
    },
    { type: "teams", name: "teams" },
    { type: "webhook", name: "hook", headers: ["Authorization"] },
    { type: "pagerduty", name: "oncall", events: ["sync-failed", "health-degraded"] },
];
const FLUX_CHANNELS = [
    { type: "slack", name: "deploys", channel: "deploys" },
    { type: "webhook", name: "hook", headers: ["Authorization"], hmac: true },
    { type: "pagerduty", name: "oncall", events: ["sync-failed", "health-degraded"] },
];
const CLUSTERS = [
    { name: "eu-1", server: "https://eu-1.k8s.acme.example:6443", auth: "bearer" },
    { name: "us-1", server: "https://us-1.k8s.acme.example", auth: "exec" },
];

function secrets(flux: boolean): Record<SecretKey, string> {
    return {
        sshPrivateKey: CANARY.sshPrivateKey,
        httpsToken: CANARY.httpsToken,
        githubAppPrivateKey: CANARY.githubAppPrivateKey,
        slackToken: CANARY.slackToken,
        ssoClientSecret: CANARY.ssoClientSecret,
        alertSecrets: JSON.stringify({
            deploys: { token: CANARY.alertSlack },
            ...(flux ? {} : { mail: { password: CANARY.smtpPassword }, teams: { url: CANARY.teamsUrl } }),
            hook: {
                url: CANARY.webhookUrl,
                headers: { Authorization: CANARY.webhookHeader },
                ...(flux ? { hmacKey: CANARY.hmacKey } : {}),
            },
            oncall: { routingKey: CANARY.routingKey },
        }),
        clusterCredentials: JSON.stringify({
            "eu-1": { bearerToken: CANARY.bearerToken },
            ...(flux
                ? {}
                : {
                      "us-1": {
                          exec: { command: "aws", args: ["eks", "get-token"], env: { AWS_TOKEN: CANARY.execEnv } },
                      },
                  }),
        }),
        sopsAgeKey: CANARY.sopsAgeKey,
        sealedSecretsCertificate: TEST_SEALED_CERTIFICATE,
        sealedSecretsPrivateKey: CANARY.sealedSecretsPrivateKey,
        gitWebhookSecret: CANARY.gitWebhookSecret,
    };
}

interface Scenario {
    name: string;
    stack: string;
    options: StackOptions;
}

/** Between them, every secret key is read and used. */
const SCENARIOS: Scenario[] = [
    {
        name: "dev, Argo CD, SSH deploy key, every channel type, bearer and exec clusters, Sealed Secrets key pair",
        stack: "dev",
        options: {
            config: [
                "secretsInGit=sealed-secrets",
                "ssoOidcConfig=issuer: https://sso.acme.example\nclientID: argocd\nclientSecret: $argocd-sso:clientSecret\n",
            ],
            raw: {
                "gitops-stack:alertChannels": JSON.stringify(CHANNELS),
                "gitops-stack:clusters": JSON.stringify(CLUSTERS),
            },
            secrets: secrets(false),
        },
    },
    {
        name: "staging, Flux, HTTPS token, SOPS, signed webhook and PagerDuty, a bearer cluster",
        stack: "staging",
        options: {
            config: [
                "operator=flux",
                "repoUrl=https://github.com/acme/gitops.git",
                "authKind=https",
                "secretsInGit=sops",
            ],
            raw: {
                "gitops-stack:alertChannels": JSON.stringify(FLUX_CHANNELS),
                "gitops-stack:clusters": JSON.stringify(CLUSTERS.slice(0, 1)),
            },
            secrets: secrets(true),
        },
    },
    {
        name: "prod, Argo CD, GitHub App, SSO client secret, Slack",
        stack: "prod",
        options: { secrets: secrets(false) },
    },
    {
        name: "prod, Flux, GitHub App, SOPS",
        stack: "prod",
        options: { config: ["operator=flux", "secretsInGit=sops"], secrets: secrets(true) },
    },
];

/** The parts of a value that are not carried as a Pulumi secret, as JSON text. */
function plainParts(value: unknown): string {
    const strip = (v: unknown): unknown => {
        if (isSecretValue(v)) return "[secret]";
        if (Array.isArray(v)) return v.map(strip);
        if (v !== null && typeof v === "object")
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
        return v;
    };
    return JSON.stringify(strip(value));
}

function expectNoCanary(text: string, where: string): void {
    const found = NEEDLES.filter((n) => text.includes(n) || text.includes(JSON.stringify(n).slice(1, -1)));
    expect(found, `${where} holds a secret`).toEqual([]);
    // An age identity, in either case.
    expect(text.toUpperCase().includes(CANARY.sopsAgeKey), `${where} holds the age identity`).toBe(false);
}

describe("canaries in every secret key never appear in anything the program writes", () => {
    let warnings: string[] = [];
    beforeEach(() => {
        warnings = [];
        vi.spyOn(console, "warn").mockImplementation(
            (...args: unknown[]) => void warnings.push(args.map(String).join(" ")),
        );
        vi.spyOn(console, "log").mockImplementation(
            (...args: unknown[]) => void warnings.push(args.map(String).join(" ")),
        );
        vi.spyOn(console, "error").mockImplementation(
            (...args: unknown[]) => void warnings.push(args.map(String).join(" ")),
        );
    });
    afterEach(() => vi.restoreAllMocks());

    it("uses every secret key across the scenarios", () => {
        const used = new Set<string>();
        for (const s of SCENARIOS) {
            const c = parseStackConfig(sourceOf(s.stack, s.options));
            if (c.repo.auth.kind === "ssh") used.add("sshPrivateKey");
            if (c.repo.auth.kind === "https") used.add("httpsToken");
            if (c.repo.auth.kind === "githubApp") used.add("githubAppPrivateKey");
            if (c.slack) used.add("slackToken");
            if (c.argocd.ssoClientSecret) used.add("ssoClientSecret");
            if (c.alertChannels.length > 0) used.add("alertSecrets");
            if (c.clusters.some((cl) => cl.credentials)) used.add("clusterCredentials");
            if (c.delivery.sopsAgeKey) used.add("sopsAgeKey");
            if (c.delivery.sealedSecrets?.keyPair) used.add("sealedSecretsCertificate").add("sealedSecretsPrivateKey");
            if (c.gitWebhook) used.add("gitWebhookSecret");
        }
        expect([...used].sort()).toEqual(Object.keys(SECRET_KEYS).sort());
    });

    it.each(SCENARIOS.map((s) => [s.name, s] as const))(
        "%s: plain resource inputs, stack outputs, render files and warnings",
        async (_name, s) => {
            const run = await runStack(s.stack, s.options);
            for (const r of run.resources) expectNoCanary(plainParts(r.inputs), `${r.type} ${r.name} (plain inputs)`);
            expectNoCanary(JSON.stringify(run.outputs), "the stack outputs");
            const render = await renderConfig(s.stack, stackConfig(s.stack, s.options));
            for (const [file, text] of render.files) expectNoCanary(text, `render ${file}`);
            expectNoCanary(JSON.stringify(render.summary), "the render summary");
            expectNoCanary(warnings.join("\n"), "the warnings");
        },
    );

    /** A scenario with some of its secrets, config overrides or raw values changed. */
    const variant = (
        base: Scenario,
        change: { secrets?: Partial<Record<SecretKey, string>>; config?: string[]; raw?: Record<string, string> },
    ): Scenario => {
        const flux = (base.options.config ?? []).includes("operator=flux");
        return {
            ...base,
            options: {
                ...base.options,
                config: [...(base.options.config ?? []), ...(change.config ?? [])],
                raw: { ...base.options.raw, ...change.raw },
                secrets: { ...secrets(flux), ...change.secrets },
            },
        };
    };
    const [argoDev, fluxStaging, argoProd] = SCENARIOS;
    const twice = (pem: string) => pem + pem;

    /** Each secret made invalid in a way that still holds its canary, and private material where it is public. */
    const BROKEN: Array<[string, Scenario]> = [
        ["sshPrivateKey, two keys", variant(argoDev, { secrets: { sshPrivateKey: twice(CANARY.sshPrivateKey) } })],
        [
            "httpsToken on two lines",
            variant(fluxStaging, { secrets: { httpsToken: `${CANARY.httpsToken}\n${CANARY.httpsToken}` } }),
        ],
        [
            "githubAppPrivateKey with a certificate",
            variant(argoProd, {
                secrets: { githubAppPrivateKey: CANARY.githubAppPrivateKey + TEST_SEALED_CERTIFICATE },
            }),
        ],
        ["slackToken with a space", variant(argoProd, { secrets: { slackToken: `${CANARY.slackToken} x` } })],
        [
            "ssoClientSecret as a header",
            variant(argoProd, { secrets: { ssoClientSecret: `Bearer ${CANARY.ssoClientSecret}` } }),
        ],
        [
            "sopsAgeKey in lower case",
            variant(fluxStaging, { secrets: { sopsAgeKey: CANARY.sopsAgeKey.toLowerCase() } }),
        ],
        [
            "sealedSecretsCertificate holding the private key",
            variant(argoDev, {
                secrets: { sealedSecretsCertificate: TEST_SEALED_CERTIFICATE + CANARY.sealedSecretsPrivateKey },
            }),
        ],
        [
            "sealedSecretsPrivateKey twice",
            variant(argoDev, { secrets: { sealedSecretsPrivateKey: twice(CANARY.sealedSecretsPrivateKey) } }),
        ],
        [
            "gitWebhookSecret on two lines",
            variant(argoDev, {
                secrets: { gitWebhookSecret: `${CANARY.gitWebhookSecret}\n${CANARY.gitWebhookSecret}` },
            }),
        ],
        [
            "alertSecrets with bad fields",
            variant(fluxStaging, {
                secrets: {
                    alertSecrets: JSON.stringify({
                        deploys: { token: `x${CANARY.alertSlack}` },
                        hook: {
                            url: `http://${CANARY.webhookUrl.slice(8)}`,
                            headers: { Authorization: `${CANARY.webhookHeader}\r\n` },
                            hmacKey: CANARY.hmacKey.slice(0, 20),
                        },
                        oncall: { routingKey: `${CANARY.routingKey}!` },
                    }),
                },
            }),
        ],
        [
            "clusterCredentials with bad fields",
            variant(argoDev, {
                secrets: {
                    clusterCredentials: JSON.stringify({
                        "eu-1": { bearerToken: `Bearer ${CANARY.bearerToken}`, caData: CANARY.sealedSecretsPrivateKey },
                        "us-1": {
                            exec: { command: "aws", env: { AWS_TOKEN: `${CANARY.execEnv}\n` } },
                            password: CANARY.execEnv,
                        },
                    }),
                },
            }),
        ],
        [
            "a private key in a public key (argocdUrl)",
            variant(argoDev, { config: [`argocdUrl=${CANARY.githubAppPrivateKey}`] }),
        ],
        [
            "an age identity in a public key (apps[].image)",
            variant(fluxStaging, {
                raw: {
                    "gitops-stack:apps": JSON.stringify([
                        { name: "a", namespace: "a-staging", image: CANARY.sopsAgeKey },
                    ]),
                },
            }),
        ],
        [
            "a token in a URL's user information",
            variant(fluxStaging, { config: [`repoUrl=https://x:${CANARY.httpsToken}@github.com/acme/gitops.git`] }),
        ],
    ];

    it.each(BROKEN)("%s: refused, and the message holds no secret", (_what, s) => {
        let message: string | undefined;
        try {
            parseStackConfig(sourceOf(s.stack, s.options));
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            message = err.message;
        }
        expect(message, "the configuration was accepted").toBeDefined();
        expectNoCanary(message!, "the message");
    });
});
