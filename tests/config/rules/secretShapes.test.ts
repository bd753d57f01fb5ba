/**
 * Issue 19 §1: every secret is parsed for what it claims to be, by one parser per kind (src/config/rules/
 * secretShapes.ts), applied whenever a rule reads a secret (ConfigInput.secret). Each table has the examples
 * and cases beyond them; every refusal names the key and never shows the value.
 */
import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../../src/config";
import {
    SECRET_SHAPES,
    ageIdentityProblem,
    caDataProblem,
    certificatesProblem,
    privateKeyProblem,
    sshPrivateKeyProblem,
    tokenProblem,
} from "../../../src/config/rules/secretShapes";
import { hmacKeyProblem } from "../../../src/config/rules/notifications";
import { generateAgeIdentity } from "../../../src/config/formats/age";
import { TEST_AGE_RECIPIENT, TEST_SECRETS } from "../../support/stacks";
import {
    TEST_CA_CERTIFICATE,
    TEST_CA_PRIVATE_KEY,
    TEST_GITHUB_APP_KEY,
    TEST_SEALED_CERTIFICATE,
    TEST_SEALED_PRIVATE_KEY,
    TEST_SSH_PRIVATE_KEY,
    TEST_SSH_PUBLIC_KEY,
} from "../../support/testKeys";
import { errorOf, parsed } from "./support";

const ED25519_PKCS8 = crypto
    .generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const RSA_1024 = crypto
    .generateKeyPairSync("rsa", { modulusLength: 1024 })
    .privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const RSA_PKCS8 = crypto.createPrivateKey(TEST_GITHUB_APP_KEY).export({ type: "pkcs8", format: "pem" }) as string;
const ENCRYPTED_PKCS8 = crypto
    .createPrivateKey(TEST_GITHUB_APP_KEY)
    .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;

/** The committed OpenSSH key with its cipher name set to aes256-ctr, as ssh-keygen -N <passphrase> marks it. */
function encryptedOpenSsh(): string {
    const body = TEST_SSH_PRIVATE_KEY.split("\n").slice(1, -2).join("");
    const der = Buffer.from(body, "base64");
    const magic = "openssh-key-v1\0".length;
    const cipher = Buffer.from("aes256-ctr", "latin1");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(cipher.length);
    const patched = Buffer.concat([der.subarray(0, magic), length, cipher, der.subarray(magic + 4 + 4)]);
    const lines = patched.toString("base64").match(/.{1,70}/g)!;
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** A distinctive piece of a value, which no message may show. */
const bodyOf = (pem: string): string => pem.split("\n")[1] ?? pem;

describe("SECRET_SHAPES: a parser for every secret key", () => {
    it("covers every secret key, and accepts the test values of each", () => {
        expect(Object.keys(SECRET_SHAPES).sort()).toEqual(Object.keys(SECRET_KEYS).sort());
        for (const [key, parse] of Object.entries(SECRET_SHAPES))
            expect(parse(TEST_SECRETS[key as keyof typeof SECRET_KEYS]), key).toBeUndefined();
    });
});

describe("SSH private keys", () => {
    it.each([
        ["the public key line instead (the .pub file)", TEST_SSH_PUBLIC_KEY, /is an SSH public key line/],
        ["a passphrase-protected OpenSSH key", encryptedOpenSsh(), /is encrypted with a passphrase/],
        ["a passphrase-protected PEM key", ENCRYPTED_PKCS8, /is encrypted with a passphrase/],
        ["a PuTTY key", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", /is a PuTTY key/],
        ["a truncated OpenSSH key", TEST_SSH_PRIVATE_KEY.split("\n").slice(0, 3).join("\n"), /-----END line/],
        [
            "an OpenSSH key cut in the middle",
            TEST_SSH_PRIVATE_KEY.replace(/\n[^\n]*\n-----END/, "\n-----END"),
            /truncated or malformed|not base64/,
        ],
        ["a certificate", TEST_CA_CERTIFICATE, /holds a CERTIFICATE block, not a private key/],
        ["an RSA key of 1024 bits", RSA_1024, /RSA key of 1024 bits; expected at least 2048/],
        ["an age identity", TEST_SECRETS.sopsAgeKey, /is not an SSH private key/],
        ["a token", "ghp_abc", /is not an SSH private key/],
    ])("refuses %s", (_what, value, why) => expect(sshPrivateKeyProblem(value)).toMatch(why));

    it.each([
        ["the OpenSSH ed25519 key ssh-keygen writes", TEST_SSH_PRIVATE_KEY],
        ["the same with Windows line ends", TEST_SSH_PRIVATE_KEY.replace(/\n/g, "\r\n")],
        ["a PKCS#1 RSA key", TEST_GITHUB_APP_KEY],
        ["a PKCS#8 Ed25519 key", ED25519_PKCS8],
    ])("accepts %s", (_what, value) => expect(sshPrivateKeyProblem(value)).toBeUndefined());

    it("refuses a stack whose deploy key is its public half, naming the key and not the value", () => {
        const message = errorOf("dev", { secrets: { sshPrivateKey: TEST_SSH_PUBLIC_KEY } });
        expect(message).toMatch(
            /gitops-stack:sshPrivateKey: is an SSH public key line .*\(the value is not shown: it is a secret\); expected an unencrypted SSH private key/,
        );
        expect(message).not.toContain("AAAAC3NzaC1lZDI1NTE5AAAAICD3");
    });
});

describe("PEM private keys (GitHub App, Sealed Secrets)", () => {
    const rsa = { types: ["rsa"] };
    it.each([
        ["an Ed25519 key", ED25519_PKCS8, /is a ed25519 key; expected rsa/],
        ["an RSA key of 1024 bits", RSA_1024, /1024 bits/],
        ["a certificate (the pair swapped)", TEST_SEALED_CERTIFICATE, /holds a CERTIFICATE block, not a private key/],
        [
            "key and certificate concatenated",
            TEST_SEALED_PRIVATE_KEY + TEST_SEALED_CERTIFICATE,
            /also holds a CERTIFICATE/,
        ],
        ["two keys", TEST_GITHUB_APP_KEY + TEST_SEALED_PRIVATE_KEY, /holds 2 private keys/],
        ["an encrypted key", ENCRYPTED_PKCS8, /encrypted with a passphrase/],
        ["an OpenSSH key", TEST_SSH_PRIVATE_KEY, /is an OpenSSH private key; expected a PEM/],
        ["a damaged body", TEST_GITHUB_APP_KEY.replace(/\n[A-Za-z0-9+/]{64}\n/, "\n!!!\n"), /not base64/],
        ["a BEGIN without END", TEST_GITHUB_APP_KEY.split("-----END")[0], /without its -----END line/],
        ["nothing PEM", "hello", /is not a PEM private key/],
    ])("refuses %s", (_what, value, why) => expect(privateKeyProblem(value, rsa)).toMatch(why));

    it.each([
        ["PKCS#1", TEST_GITHUB_APP_KEY],
        ["PKCS#8", RSA_PKCS8],
        ["with text before it", `Bag Attributes\n    localKeyID: 01\n${TEST_SEALED_PRIVATE_KEY}`],
    ])("accepts an RSA key in %s", (_what, value) => expect(privateKeyProblem(value, rsa)).toBeUndefined());

    it("refuses a GitHub App key that is not RSA, by name, without the value", () => {
        const message = errorOf("prod", { secrets: { githubAppPrivateKey: ED25519_PKCS8 } });
        expect(message).toMatch(/gitops-stack:githubAppPrivateKey: is a ed25519 key; expected rsa/);
        expect(message).not.toContain(bodyOf(ED25519_PKCS8));
    });
});

describe("certificates (sealedSecretsCertificate, a public stack output)", () => {
    const sealed = { single: true, rsa: true };
    it.each([
        [
            "the private key instead (the pair swapped)",
            TEST_SEALED_PRIVATE_KEY,
            /holds a PEM private key \(PRIVATE KEY\)/,
        ],
        [
            "key and certificate concatenated",
            TEST_SEALED_CERTIFICATE + TEST_SEALED_PRIVATE_KEY,
            /holds a PEM private key/,
        ],
        ["an RSA key in PKCS#1", TEST_GITHUB_APP_KEY, /holds a PEM private key \(RSA PRIVATE KEY\)/],
        [
            "an EC certificate (the controller encrypts with RSA)",
            TEST_CA_CERTIFICATE,
            /for a ec key; expected an RSA key/,
        ],
        [
            "two certificates",
            TEST_SEALED_CERTIFICATE + TEST_SEALED_CERTIFICATE,
            /holds 2 certificates; expected exactly one/,
        ],
        [
            "a certificate request",
            "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            /CERTIFICATE REQUEST block/,
        ],
        [
            "a CERTIFICATE block that is not X.509",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            /not an X\.509 certificate/,
        ],
        ["an age identity", TEST_SECRETS.sopsAgeKey, /holds an age identity/],
    ])("refuses %s", (_what, value, why) => expect(certificatesProblem(value, sealed)).toMatch(why));

    it("refuses the issue's case end to end: the private key never reaches a message or an output", () => {
        for (const certificate of [TEST_SEALED_PRIVATE_KEY, TEST_SEALED_CERTIFICATE + TEST_SEALED_PRIVATE_KEY]) {
            const message = errorOf("dev", {
                config: ["secretsInGit=sealed-secrets"],
                secrets: { sealedSecretsCertificate: certificate },
            });
            expect(message).toMatch(/gitops-stack:sealedSecretsCertificate: holds a PEM private key/);
            expect(message).not.toContain(bodyOf(TEST_SEALED_PRIVATE_KEY));
        }
    });

    it("refuses two halves of different pairs", () => {
        const other = crypto
            .generateKeyPairSync("rsa", { modulusLength: 2048 })
            .privateKey.export({ type: "pkcs8", format: "pem" }) as string;
        const message = errorOf("dev", {
            config: ["secretsInGit=sealed-secrets"],
            secrets: { sealedSecretsPrivateKey: other },
        });
        expect(message).toMatch(
            /gitops-stack:sealedSecretsPrivateKey: and sealedSecretsCertificate are not one key pair/,
        );
        expect(
            parsed("dev", { config: ["secretsInGit=sealed-secrets"] }).delivery.sealedSecrets?.keyPair,
        ).toBeDefined();
    });
});

describe("age identities (sopsAgeKey)", () => {
    const identity = TEST_SECRETS.sopsAgeKey;
    it.each([
        ["the recipient (public key) instead", TEST_AGE_RECIPIENT, /is an age recipient \(age1\.\.\., the public key/],
        ["a broken checksum", identity.slice(0, -1) + (identity.endsWith("Q") ? "P" : "Q"), /Bech32 checksum/],
        ["a truncated identity", identity.slice(0, 40), /Bech32 checksum/],
        ["lower case", identity.toLowerCase(), /not in upper case/],
        [
            "a plugin identity",
            "AGE-PLUGIN-YUBIKEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGP",
            /plugin identity/,
        ],
        ["two identities", `${identity}\n${generateAgeIdentity()}`, /holds 2 lines/],
        ["comments only", "# created: 2026-01-01\n# public key: age1...\n", /is empty/],
        ["an SSH key", TEST_SSH_PRIVATE_KEY, /holds \d+ lines|is not an age identity/],
        ["a 20-byte payload", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQSMV5NZ", /Bech32|bytes/],
    ])("refuses %s", (_what, value, why) => expect(ageIdentityProblem(value)).toMatch(why));

    it("accepts the key file age-keygen writes (comments skipped)", () => {
        expect(
            ageIdentityProblem(`# created: 2026-12-07\n# public key: ${TEST_AGE_RECIPIENT}\n${identity}\n`),
        ).toBeUndefined();
    });

    it("refuses a stack whose sopsAgeKey is the recipient (Flux could not decrypt), never showing it", () => {
        const message = errorOf("dev", {
            config: ["operator=flux", "secretsInGit=sops"],
            secrets: { sopsAgeKey: TEST_AGE_RECIPIENT },
        });
        expect(message).toMatch(/gitops-stack:sopsAgeKey: is an age recipient/);
        expect(message).not.toContain(TEST_AGE_RECIPIENT.slice(4, 30));
    });
});

describe("CA bundles (clusterCredentials caData)", () => {
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    it.each([
        [
            "a CA certificate and its private key",
            b64(TEST_CA_CERTIFICATE + TEST_CA_PRIVATE_KEY),
            /holds a PEM private key \(PRIVATE KEY\)/,
        ],
        ["the private key alone", b64(TEST_CA_PRIVATE_KEY), /holds a PEM private key/],
        ["PEM text instead of base64", TEST_CA_CERTIFICATE, /is PEM text, not base64 of it/],
        ["PEM text of a key", TEST_CA_PRIVATE_KEY, /holds a PEM private key/],
        ["base64 of nothing PEM", b64("hello"), /has no -----BEGIN CERTIFICATE----- block/],
        ["not base64", "not base64!", /is not base64 text/],
    ])("refuses %s", (_what, value, why) => expect(caDataProblem(value)).toMatch(why));

    it("accepts a bundle of several certificates", () => {
        expect(caDataProblem(b64(TEST_CA_CERTIFICATE + TEST_SEALED_CERTIFICATE))).toBeUndefined();
    });
});

describe("tokens and keys of the secret maps", () => {
    it.each([
        ["empty", "", /is empty/],
        ["an authorization header", "Bearer ghp_abc", /starts with the authorization scheme \(Bearer \.\.\.\)/],
        ["two lines", "ghp_abc\nghp_def", /line break/],
        ["a trailing CR", "ghp_abc\r", /line break/],
        ["spaces", "ghp abc", /whitespace/],
        ["a URL", "https://github.com/settings/tokens", /is a URL, not a token/],
        ["a private key", TEST_GITHUB_APP_KEY, /holds a PEM private key/],
    ])("httpsToken: refuses %s", (_what, value, why) => expect(tokenProblem(value)).toMatch(why));

    it.each([
        ["xapp-1-A0-1-abc", /does not start with xoxb-/],
        ["xoxb-", undefined],
        ["xoxp-123-456", undefined],
    ])("slackToken %s", (value, why) => {
        const problem = SECRET_SHAPES.slackToken(value);
        if (why) expect(problem).toMatch(why);
        else expect(problem).toBeUndefined();
    });

    it.each([
        ["k", /is 1 byte long, shorter than the 32/],
        ["0123456789abcdef0123456789abcde", /is 31 bytes long/],
        ["a".repeat(64), /one character repeated/],
        ["0123456789abcdef0123456789abcdef\n", /line break/],
    ])("webhook hmacKey %j is refused", (key, why) => expect(hmacKeyProblem(key)).toMatch(why));

    it("accepts a 32-byte hmacKey", () =>
        expect(hmacKeyProblem(crypto.randomBytes(32).toString("hex"))).toBeUndefined());

    it("refuses bad alert credentials by field, never by value", () => {
        const channels = [
            { type: "slack", name: "deploys", channel: "deploys-dev" },
            { type: "pagerduty", name: "oncall" },
            { type: "webhook", name: "hook", hmac: true },
        ];
        const message = errorOf("dev", {
            config: ["operator=flux"],
            raw: { "gitops-stack:alertChannels": JSON.stringify(channels) },
            secrets: {
                alertSecrets: JSON.stringify({
                    deploys: { token: "xapp-canary-4f1c" },
                    oncall: { routingKey: "short-canary-4f1c" },
                    hook: { url: "https://h.example/x", hmacKey: "k-4f1c" },
                }),
            },
        });
        expect(message).toMatch(/entry "deploys".token is not valid: it does not start with xoxb-/);
        expect(message).toMatch(/entry "oncall".routingKey is not valid: it is not 32 letters and digits/);
        expect(message).toMatch(/entry "hook".hmacKey is 6 bytes long/);
        expect(message).not.toContain("4f1c");
    });

    it("refuses a bearer token that is a header, and a line break in an exec plugin's arguments", () => {
        const clusters = [
            { name: "eu-1", server: "https://eu-1.example.com", auth: "bearer" },
            { name: "us-1", server: "https://us-1.example.com", auth: "exec" },
        ];
        const message = errorOf("dev", {
            raw: { "gitops-stack:clusters": JSON.stringify(clusters) },
            secrets: {
                clusterCredentials: JSON.stringify({
                    "eu-1": { bearerToken: "Bearer canary-4f1c" },
                    "us-1": { exec: { command: "aws", args: ["eks", "get-token\n--evil-4f1c"] } },
                }),
            },
        });
        expect(message).toMatch(/entry "eu-1".bearerToken starts with the authorization scheme/);
        expect(message).toMatch(/entry "us-1".exec.args\[1\] contains a line break/);
        expect(message).not.toContain("4f1c");
    });
});
