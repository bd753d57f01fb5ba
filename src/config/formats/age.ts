import * as crypto from "node:crypto";

/**
 * age keys (https://age-encryption.org/v1, "X25519 recipient type"): X25519 keys in Bech32 (BIP 173, not Bech32m).
 * The identity `AGE-SECRET-KEY-1...` (upper case) holds the 32-byte scalar, the recipient `age1...` the 32-byte
 * public point. Shared by the config rules (an identity's shape, issue 19 §1) and Flux's SOPS decryption.
 */

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
    let chk = 1;
    for (const v of values) {
        const top = chk >>> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i];
    }
    return chk >>> 0;
}

const hrpExpand = (hrp: string): number[] => [
    ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
    0,
    ...[...hrp].map((c) => c.charCodeAt(0) & 31),
];

/** Regroups bits (8 -> 5 to encode, 5 -> 8 to decode); undefined when the padding is not canonical. */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | undefined {
    let acc = 0;
    let bits = 0;
    const out: number[] = [];
    const max = (1 << to) - 1;
    for (let i = 0; i < data.length; i++) {
        acc = (acc << from) | data[i];
        bits += from;
        while (bits >= to) {
            bits -= to;
            out.push((acc >>> bits) & max);
        }
    }
    if (pad) {
        if (bits > 0) out.push((acc << (to - bits)) & max);
    } else if (bits >= from || ((acc << (to - bits)) & max) !== 0) return undefined;
    return out;
}

/** Bech32 encoding of `data` under `hrp` (lower case; age writes identities upper case). */
export function bech32Encode(hrp: string, data: Uint8Array): string {
    const words = convertBits(data, 8, 5, true)!;
    const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
    const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
    return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join("")}`;
}

/** Decodes a Bech32 string (either case, not mixed); undefined when it is not valid Bech32. */
export function bech32Decode(text: string): { hrp: string; data: Buffer } | undefined {
    if (text !== text.toLowerCase() && text !== text.toUpperCase()) return undefined;
    const lower = text.toLowerCase();
    const sep = lower.lastIndexOf("1");
    if (sep < 1 || sep + 7 > lower.length) return undefined;
    const hrp = lower.slice(0, sep);
    const words: number[] = [];
    for (const c of lower.slice(sep + 1)) {
        const w = CHARSET.indexOf(c);
        if (w < 0) return undefined;
        words.push(w);
    }
    if (polymod([...hrpExpand(hrp), ...words]) !== 1) return undefined;
    const bytes = convertBits(words.slice(0, -6), 5, 8, false);
    return bytes && { hrp, data: Buffer.from(bytes) };
}

const IDENTITY_HRP = "age-secret-key-";
/** DER of an RFC 8410 X25519 PrivateKeyInfo up to the 32 key bytes. */
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const RECIPIENT_HRP = "age";

/**
 * The age recipient (`age1...`) of an age identity (`AGE-SECRET-KEY-1...`), as `age-keygen -y` prints it.
 * The identity may come from a key file: comment lines (`# public key: ...`) are skipped. Throws for anything
 * that is not exactly one age X25519 identity, without repeating the key in the message.
 */
export function ageRecipient(identity: string): string {
    const lines = identity
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    if (lines.length !== 1) throw new Error(`expected one age identity (AGE-SECRET-KEY-1...), found ${lines.length}`);
    const decoded = bech32Decode(lines[0]);
    if (!decoded || decoded.hrp !== IDENTITY_HRP || decoded.data.length !== 32)
        throw new Error("not an age X25519 identity (AGE-SECRET-KEY-1... with 32 bytes of key)");
    // A JWK import would need the public half too: PKCS#8 takes the raw scalar alone (RFC 8410 fixed prefix).
    const privateKey = crypto.createPrivateKey({
        key: Buffer.concat([X25519_PKCS8_PREFIX, decoded.data]),
        format: "der",
        type: "pkcs8",
    });
    const x = crypto.createPublicKey(privateKey).export({ format: "jwk" }).x!;
    return bech32Encode(RECIPIENT_HRP, Buffer.from(x, "base64url"));
}

/** A new age identity, as `age-keygen` writes it without the comment lines (the tests use it for a wrong key). */
export function generateAgeIdentity(): string {
    const { privateKey } = crypto.generateKeyPairSync("x25519");
    const d = privateKey.export({ format: "jwk" }).d!;
    return bech32Encode(IDENTITY_HRP, Buffer.from(d, "base64url")).toUpperCase();
}

/** The recipient of a stack's key, or undefined when it cannot be read (e.g. the offline render's placeholder). */
export function ageRecipientOrUndefined(identity: string): string | undefined {
    try {
        return ageRecipient(identity);
    } catch {
        return undefined;
    }
}
