import * as crypto from "node:crypto";

/** `SHA256:<base64>` of an OpenSSH public key line, as `ssh-keygen -lf` and GitHub show it. */
export function sshFingerprint(publicKeyLine: string): string | undefined {
    const [type, blob] = publicKeyLine.trim().split(/\s+/);
    if (!type || !blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) return undefined;
    const bytes = Buffer.from(blob, "base64");
    // The blob starts with its own key type (RFC 4253 string): anything else is not a public key.
    if (bytes.length < 4 || bytes.subarray(4, 4 + bytes.readUInt32BE(0)).toString("latin1") !== type) return undefined;
    const digest = crypto.createHash("sha256").update(bytes).digest("base64");
    return `SHA256:${digest.replace(/=+$/, "")}`;
}

/**
 * The OpenSSH public key line (`<type> <base64>`) of a private key, or undefined when the key is not one we can read
 * (a malformed value, or an encrypted PEM key). Supports the OpenSSH format `ssh-keygen` writes by default (the
 * public key is stored in clear inside it, even when the private part is encrypted) and unencrypted PEM keys
 * (PKCS#1 RSA, SEC1 EC, PKCS#8 RSA/EC/Ed25519).
 *
 * Used for Flux's `identity.pub` and the deploy-key stack output: whoever registers the deploy key on the Git host
 * needs the public half, and it is derived from the secret so the two never disagree.
 */
export function sshPublicKey(privateKey: string): string | undefined {
    try {
        return privateKey.includes("-----BEGIN OPENSSH PRIVATE KEY-----")
            ? fromOpenSsh(privateKey)
            : fromPem(privateKey);
    } catch {
        return undefined;
    }
}

function fromOpenSsh(text: string): string | undefined {
    const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
    if (!body) return undefined;
    const buf = Buffer.from(body.replace(/\s+/g, ""), "base64");
    const magic = Buffer.from("openssh-key-v1\0", "latin1");
    if (!buf.subarray(0, magic.length).equals(magic)) return undefined;
    const reader = new WireReader(buf, magic.length);
    reader.string(); // cipher name
    reader.string(); // KDF name
    reader.string(); // KDF options
    if (reader.uint32() !== 1) return undefined; // ssh-keygen writes exactly one key
    const blob = reader.string();
    const type = new WireReader(blob, 0).string().toString("latin1");
    if (!/^[a-z0-9@.-]+$/.test(type)) return undefined;
    return `${type} ${blob.toString("base64")}`;
}

const EC_CURVES: Record<string, string> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

function fromPem(text: string): string | undefined {
    if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text)) return undefined;
    const jwk = crypto.createPublicKey(text).export({ format: "jwk" });
    const b64 = (v: string | undefined) => Buffer.from(v ?? "", "base64url");
    let type: string;
    let parts: Buffer[];
    if (jwk.kty === "RSA") {
        type = "ssh-rsa";
        parts = [wireString(type), mpint(b64(jwk.e)), mpint(b64(jwk.n))];
    } else if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
        type = "ssh-ed25519";
        parts = [wireString(type), wireString(b64(jwk.x))];
    } else if (jwk.kty === "EC" && jwk.crv && EC_CURVES[jwk.crv]) {
        const curve = EC_CURVES[jwk.crv];
        type = `ecdsa-sha2-${curve}`;
        const point = Buffer.concat([Buffer.from([4]), b64(jwk.x), b64(jwk.y)]);
        parts = [wireString(type), wireString(curve), wireString(point)];
    } else {
        return undefined;
    }
    return `${type} ${Buffer.concat(parts).toString("base64")}`;
}

/** SSH wire format (RFC 4251): a string is a uint32 length and the bytes. */
function wireString(value: string | Buffer): Buffer {
    const bytes = typeof value === "string" ? Buffer.from(value, "latin1") : value;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
}

/** An mpint: big-endian two's complement without leading zero bytes, with one 0x00 when the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
    let start = 0;
    while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
    const bytes = unsigned.subarray(start);
    return wireString(bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

class WireReader {
    constructor(
        private readonly buf: Buffer,
        private offset: number,
    ) {}

    uint32(): number {
        const value = this.buf.readUInt32BE(this.offset);
        this.offset += 4;
        return value;
    }

    string(): Buffer {
        const length = this.uint32();
        if (this.offset + length > this.buf.length) throw new RangeError("truncated SSH key");
        const value = this.buf.subarray(this.offset, this.offset + length);
        this.offset += length;
        return value;
    }
}
