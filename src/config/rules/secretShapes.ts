/**
 * A shape parser per kind of secret (issue 19 §1): each value is parsed for what it claims to be, not just checked
 * for presence. PEM certificates and keys with node:crypto, SSH keys in their OpenSSH or PEM form, age identities in
 * their Bech32 form, tokens as one line of printable text. Private material in a field that is public by design (a
 * certificate published as a stack output, a cluster's CA bundle) is refused, naming the key, never the value.
 *
 * Every parser returns why the value is not what it claims, or undefined. A reason never quotes the value (nor a part
 * of it), so callers may add it to a message as it is. SECRET_SHAPES maps every secret key to its parser; the
 * type keeps it complete, so a new secret key cannot be added without saying what shape it has.
 */
import * as crypto from "node:crypto";
import { privateMaterialIn } from "../guards";
import type { SecretKeyName } from "../keys";
import { bech32Decode } from "../formats/age";
import { sshPublicKey } from "../formats/sshPublicKey";
import { controlCharacterProblem } from "./urls";

export interface PemBlock {
    readonly label: string;
    /** The whole block, BEGIN to END line. */
    readonly text: string;
    /** The block's RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`), if any. */
    readonly headers: string;
    /** The decoded body. */
    readonly der: Buffer;
}

/** The PEM blocks of a text (RFC 7468), or why it is not PEM. Text outside the blocks is ignored, as openssl does. */
export function pemBlocks(text: string): PemBlock[] | string {
    const blocks: PemBlock[] = [];
    const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
        const [whole, label, inner, end] = m;
        if (end !== label) return `has a ${label} block that ends as ${end}`;
        const split = /^((?:[A-Za-z-]+:[^\n]*\r?\n)+)\r?\n/.exec(inner);
        const headers = split ? split[1] : "";
        const body = (split ? inner.slice(split[0].length) : inner).replace(/\s+/g, "");
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0)
            return `has a ${label} block whose body is not base64 (damaged in copying?)`;
        blocks.push({ label, text: whole, headers, der: Buffer.from(body, "base64") });
    }
    const begins = (text.match(/-----BEGIN [A-Z0-9 ]+-----/g) ?? []).length;
    if (begins !== blocks.length) return "has a -----BEGIN line without its -----END line (truncated?)";
    return blocks;
}

const isPrivateLabel = (label: string): boolean => /PRIVATE KEY$/.test(label);

/**
 * PEM certificates only, each an X.509 certificate node:crypto parses (a CA bundle, a Sealed Secrets certificate).
 * Refuses any private material beside or instead of them: the value is published (a stack output, a cluster's CA
 * bundle). `single`: exactly one certificate.
 */
export function certificatesProblem(
    text: string,
    options: { single?: boolean; rsa?: boolean } = {},
): string | undefined {
    const secret = privateMaterialIn(text);
    if (secret)
        return `holds ${secret}, beside or instead of the certificate; the certificate is published (it is public by design), so private material must never be in it`;
    const blocks = pemBlocks(text);
    if (typeof blocks === "string") return blocks;
    if (blocks.length === 0) return "is not PEM: it has no -----BEGIN CERTIFICATE----- block";
    const other = blocks.find((b) => b.label !== "CERTIFICATE");
    if (other) return `holds a ${other.label} block; expected CERTIFICATE blocks only`;
    if (options.single && blocks.length > 1) return `holds ${blocks.length} certificates; expected exactly one`;
    for (const [i, block] of blocks.entries()) {
        let cert: crypto.X509Certificate;
        try {
            cert = new crypto.X509Certificate(block.der);
        } catch {
            return `has a CERTIFICATE block${blocks.length > 1 ? ` (the ${ordinal(i + 1)})` : ""} that is not an X.509 certificate`;
        }
        if (options.rsa && cert.publicKey.asymmetricKeyType !== "rsa")
            return `is a certificate for a ${cert.publicKey.asymmetricKeyType} key; expected an RSA key (what the controller encrypts with)`;
    }
    return undefined;
}

/** Options of {@link privateKeyProblem}. */
export interface PrivateKeyOptions {
    /** Key types accepted (node:crypto's asymmetricKeyType): e.g. ["rsa"]. */
    readonly types: readonly string[];
    /** The least RSA modulus size accepted. @default 2048 */
    readonly minRsaBits?: number;
}

/** One unencrypted PEM private key that node:crypto parses, of one of the accepted types, and nothing else. */
export function privateKeyProblem(text: string, options: PrivateKeyOptions): string | undefined {
    if (/^\s*(ssh-|ecdsa-sha2-|sk-)\S+ AAAA/.test(text)) return "is an SSH public key line, not a private key";
    const blocks = pemBlocks(text);
    if (typeof blocks === "string") return blocks;
    const keys = blocks.filter((b) => isPrivateLabel(b.label));
    if (keys.length === 0) {
        const found = blocks[0]?.label;
        return found
            ? `holds a ${found} block, not a private key (are the two halves of a pair swapped?)`
            : "is not a PEM private key: it has no -----BEGIN ... PRIVATE KEY----- block";
    }
    if (keys.length > 1) return `holds ${keys.length} private keys; expected exactly one`;
    if (blocks.length > 1)
        return `also holds a ${blocks.find((b) => b !== keys[0])!.label} block; expected the private key alone`;
    const [block] = keys;
    if (block.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/.test(block.headers))
        return "is encrypted with a passphrase, which the controller cannot supply; expected an unencrypted key";
    if (block.label === "OPENSSH PRIVATE KEY")
        return "is an OpenSSH private key; expected a PEM (PKCS#1 or PKCS#8) key";
    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(block.text);
    } catch {
        return `has a ${block.label} block that does not parse as a private key (damaged in copying?)`;
    }
    const type = key.asymmetricKeyType ?? "unknown";
    if (!options.types.includes(type)) return `is a ${type} key; expected ${options.types.join(" or ")}`;
    const bits = key.asymmetricKeyDetails?.modulusLength;
    const min = options.minRsaBits ?? 2048;
    if (type === "rsa" && bits !== undefined && bits < min)
        return `is an RSA key of ${bits} bits; expected at least ${min}`;
    return undefined;
}

/**
 * An SSH private key the operators' SSH client (golang.org/x/crypto/ssh) reads without a passphrase: the OpenSSH
 * format ssh-keygen writes, or a PEM RSA, EC or Ed25519 key; and one whose public half can be derived (the deploy
 * key the Git host holds).
 */
export function sshPrivateKeyProblem(text: string): string | undefined {
    const t = text.trim();
    if (/^(ssh-|ecdsa-sha2-|sk-)\S+ AAAA/.test(t))
        return "is an SSH public key line (what the Git host gets), not the private key (the file without .pub)";
    if (/PuTTY-User-Key-File-\d+:/.test(t))
        return "is a PuTTY key; expected the OpenSSH format (puttygen key.ppk -O private-openssh -o key)";
    if (t.includes("-----BEGIN OPENSSH PRIVATE KEY-----")) {
        const blocks = pemBlocks(t);
        if (typeof blocks === "string") return blocks;
        if (blocks.length !== 1) return `holds ${blocks.length} PEM blocks; expected the one OpenSSH private key`;
        const magic = Buffer.from("openssh-key-v1\0", "latin1");
        const der = blocks[0].der;
        if (!der.subarray(0, magic.length).equals(magic)) return "is not an OpenSSH private key (bad magic)";
        // openssh-key-v1: cipher, KDF, KDF options, the number of keys, each public key, then the private section;
        // every field length-prefixed, and nothing after the private section (PROTOCOL.key in OpenSSH's sources).
        const fields: Buffer[] = [];
        let at = magic.length;
        const read = (): Buffer | undefined => {
            if (at + 4 > der.length) return undefined;
            const length = der.readUInt32BE(at);
            if (at + 4 + length > der.length) return undefined;
            const field = der.subarray(at + 4, at + 4 + length);
            at += 4 + length;
            return field;
        };
        for (let i = 0; i < 3; i++) fields.push(read() ?? Buffer.alloc(0));
        const cipher = fields[0].toString("latin1");
        if (cipher !== "none")
            return "is encrypted with a passphrase, which Argo CD and Flux cannot supply; expected an unencrypted key (ssh-keygen -p -N '' -f <key>)";
        const count = at + 4 <= der.length ? der.readUInt32BE(at) : 0;
        at += 4;
        if (count !== 1) return `holds ${count} keys; expected one`;
        const publicBlob = read();
        const privateSection = read();
        if (!publicBlob || !privateSection || at !== der.length || privateSection.length % 8 !== 0)
            return "is a truncated or malformed OpenSSH private key";
        return sshPublicKey(t) === undefined ? "is a truncated or malformed OpenSSH private key" : undefined;
    }
    const pem = privateKeyProblem(t, { types: ["rsa", "ec", "ed25519"], minRsaBits: 2048 });
    if (pem)
        return /^is not a PEM private key/.test(pem)
            ? "is not an SSH private key (expected -----BEGIN OPENSSH PRIVATE KEY-----, as ssh-keygen writes it)"
            : pem;
    return sshPublicKey(t) === undefined ? "is a private key whose SSH public key cannot be derived" : undefined;
}

/**
 * One age X25519 identity as age and SOPS read it: `AGE-SECRET-KEY-1` and 32 bytes of key in Bech32, upper case
 * (age refuses a lower-case identity), optionally inside an age-keygen key file (comment lines are skipped).
 */
export function ageIdentityProblem(text: string): string | undefined {
    const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    if (lines.length === 0) return "is empty (an age key file's comment lines only?)";
    if (lines.length > 1)
        return `holds ${lines.length} lines that are not comments; expected one age identity (AGE-SECRET-KEY-1...)`;
    const line = lines[0];
    if (/^age1/i.test(line))
        return "is an age recipient (age1..., the public key teams encrypt to), not the identity; expected the AGE-SECRET-KEY-1... line age-keygen writes";
    if (/^AGE-PLUGIN-/i.test(line))
        return "is an age plugin identity; kustomize-controller decrypts with X25519 identities only (AGE-SECRET-KEY-1...)";
    if (!/^AGE-SECRET-KEY-1/i.test(line)) return "is not an age identity; expected AGE-SECRET-KEY-1... (age-keygen)";
    if (line !== line.toUpperCase())
        return "is not in upper case; age reads identities only as age-keygen writes them (AGE-SECRET-KEY-1..., upper case)";
    const decoded = bech32Decode(line);
    if (!decoded)
        return "is not a valid age identity: its Bech32 checksum or characters are wrong (truncated or mistyped?)";
    if (decoded.hrp !== "age-secret-key-" || decoded.data.length !== 32)
        return `holds ${decoded.data.length} bytes of key; an age X25519 identity holds 32`;
    return undefined;
}

/**
 * A token or password sent as a credential: one line of printable characters without spaces, not a private key, a
 * URL or an authorization header. `prefix`: the prefix the issuer gives such tokens (Slack's xox?-).
 */
export function tokenProblem(text: string, options: { prefix?: RegExp; prefixText?: string } = {}): string | undefined {
    if (text.trim() === "") return "is empty";
    const secret = privateMaterialIn(text);
    if (secret) return `holds ${secret}, not a token`;
    if (/^(bearer|token|basic)\s/i.test(text.trim()))
        return `starts with the authorization scheme (${text.trim().split(/\s/)[0]} ...); expected the token alone`;
    const control = controlCharacterProblem(text);
    if (control) return `${control}; expected one line without spaces`;
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return "is a URL, not a token";
    if (options.prefix && !options.prefix.test(text))
        return `does not start with ${options.prefixText}, as such tokens do (a token of another kind?)`;
    return undefined;
}

/** A password: any one line, not empty, no private key (SMTP passwords may hold spaces). */
export function passwordProblem(text: string): string | undefined {
    if (text === "") return "is empty";
    const secret = privateMaterialIn(text);
    if (secret) return `holds ${secret}, not a password`;
    return controlCharacterProblem(text, false);
}

/** A Slack token: Argo CD and Flux post with a bot (xoxb-) or user (xoxp-) token. */
export const slackTokenProblem = (text: string): string | undefined =>
    tokenProblem(text, { prefix: /^xox[bp]-/, prefixText: "xoxb- (a bot token) or xoxp-" });

/** A PagerDuty Events API v2 routing (integration) key: 32 letters and digits. */
export function routingKeyProblem(text: string): string | undefined {
    return (
        tokenProblem(text) ??
        (/^[A-Za-z0-9]{32}$/.test(text)
            ? undefined
            : "is not 32 letters and digits, the form of a PagerDuty Events API v2 integration key")
    );
}

/** A cluster's CA bundle: base64 of PEM CA certificates (kubeconfig certificate-authority-data), never a key. */
export function caDataProblem(caData: unknown): string | undefined {
    if (typeof caData !== "string") return "is not text";
    const compact = caData.replace(/\s+/g, "");
    if (compact.includes("-----BEGIN")) {
        const secret = privateMaterialIn(caData);
        return secret
            ? `holds ${secret}; a CA bundle is public and holds certificates only`
            : "is PEM text, not base64 of it (kubeconfig certificate-authority-data is base64: base64 -w0 ca.crt)";
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return "is not base64 text";
    const pem = Buffer.from(compact, "base64").toString("utf8");
    return certificatesProblem(pem) === undefined ? undefined : `decodes to text that ${certificatesProblem(pem)}`;
}

/**
 * A secret whose rule parses it itself: the JSON maps (alertSecrets, clusterCredentials: checkSecretMap and the field
 * parsers above) and gitWebhookSecret (webhookSecretProblems).
 */
const checkedByItsRule = (): undefined => undefined;

/**
 * The shape of every secret key. A new secret key needs a row (the type makes it so): presence alone is never the
 * check. Applied by ConfigInput.secret whenever a rule reads a secret.
 */
export const SECRET_SHAPES: Readonly<Record<SecretKeyName, (value: string) => string | undefined>> = {
    sshPrivateKey: sshPrivateKeyProblem,
    httpsToken: (v) => tokenProblem(v),
    githubAppPrivateKey: (v) => privateKeyProblem(v, { types: ["rsa"] }),
    slackToken: slackTokenProblem,
    ssoClientSecret: (v) => tokenProblem(v),
    alertSecrets: checkedByItsRule,
    clusterCredentials: checkedByItsRule,
    sopsAgeKey: ageIdentityProblem,
    sealedSecretsCertificate: (v) => certificatesProblem(v, { single: true, rsa: true }),
    sealedSecretsPrivateKey: (v) => privateKeyProblem(v, { types: ["rsa"] }),
    // Checked by its rule with webhookSecretProblems (rules/gitWebhook.ts: visible ASCII, at least 32 characters).
    gitWebhookSecret: checkedByItsRule,
};

/** What each secret key holds, for the "expected" part of a message. */
export const SECRET_FORMS: Readonly<Record<SecretKeyName, string>> = {
    sshPrivateKey:
        "an unencrypted SSH private key (ssh-keygen -t ed25519 -N '' -f deploy-key; set the file without .pub)",
    httpsToken: "the access token alone, one line",
    githubAppPrivateKey: "the GitHub App's PEM private key (-----BEGIN RSA PRIVATE KEY-----, as GitHub issues it)",
    slackToken: "a Slack bot token (xoxb-...)",
    ssoClientSecret: "the SSO application's client secret, one line",
    alertSecrets: "a JSON map of channel name to credentials",
    clusterCredentials: "a JSON map of cluster name to credentials",
    sopsAgeKey: "one age identity (AGE-SECRET-KEY-1..., from age-keygen)",
    sealedSecretsCertificate:
        "the PEM certificate of the Sealed Secrets key pair (tls.crt), an RSA certificate and nothing else",
    sealedSecretsPrivateKey: "the PEM RSA private key of the Sealed Secrets key pair (tls.key)",
    gitWebhookSecret: "the webhook's shared secret, one line of visible characters (e.g. openssl rand -hex 32)",
};

/** Whether a certificate and a private key are the two halves of one pair (the key signs what the certificate verifies). */
export function keyPairProblem(certificate: string, privateKey: string): string | undefined {
    try {
        const cert = new crypto.X509Certificate(certificate);
        return cert.checkPrivateKey(crypto.createPrivateKey(privateKey))
            ? undefined
            : "are not one key pair: the private key does not belong to the certificate";
    } catch {
        return undefined; // each half's own shape problem is reported on its key
    }
}

const ordinal = (n: number): string => `${n}${n === 1 ? "st" : n === 2 ? "nd" : n === 3 ? "rd" : "th"}`;
