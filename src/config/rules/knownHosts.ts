/** Key types OpenSSH and Go's x/crypto/ssh (Argo CD, Flux) read in known_hosts. */
export const KNOWN_HOST_KEY_TYPES = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/**
 * The SSH wire layout of each key type (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4, OpenSSH PROTOCOL.u2f): how many
 * length-prefixed strings the blob holds, and what must hold for them.
 */
const WIRE_LAYOUT: Readonly<Record<string, { fields: number; check?: (f: Buffer[]) => boolean }>> = {
    "ssh-ed25519": { fields: 2, check: (f) => f[1].length === 32 },
    "ssh-rsa": { fields: 3, check: (f) => f[1].length > 0 && f[2].length >= 128 },
    "ecdsa-sha2-nistp256": { fields: 3, check: (f) => f[1].toString() === "nistp256" && f[2].length === 65 },
    "ecdsa-sha2-nistp384": { fields: 3, check: (f) => f[1].toString() === "nistp384" && f[2].length === 97 },
    "ecdsa-sha2-nistp521": { fields: 3, check: (f) => f[1].toString() === "nistp521" && f[2].length === 133 },
    "sk-ssh-ed25519@openssh.com": { fields: 3, check: (f) => f[1].length === 32 },
    "sk-ecdsa-sha2-nistp256@openssh.com": {
        fields: 4,
        check: (f) => f[1].toString() === "nistp256" && f[2].length === 65,
    },
};

/** Splits an SSH wire blob into its length-prefixed strings; undefined when the lengths do not add up exactly. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
    const out: Buffer[] = [];
    let at = 0;
    while (at < blob.length) {
        if (at + 4 > blob.length) return undefined;
        const length = blob.readUInt32BE(at);
        if (at + 4 + length > blob.length) return undefined;
        out.push(blob.subarray(at + 4, at + 4 + length));
        at += 4 + length;
    }
    return out;
}

export interface KnownHostLine {
    /** Host patterns (comma-separated in the file), or one hashed `|1|salt|hash` entry. */
    readonly hosts: string[];
    readonly keyType: string;
}

/**
 * Parses one known_hosts line `host[,host...] keytype base64-key [comment]` (an `@cert-authority`/`@revoked` marker is
 * refused: neither operator reads them). The key must decode to an SSH wire-format blob whose embedded type string
 * equals the key type, which catches truncated, mistyped and swapped keys. Returns the line or why it is not one.
 */
export function parseKnownHostLine(line: string): KnownHostLine | string {
    const fields = line.trim().split(/\s+/);
    if (fields[0]?.startsWith("@"))
        return `has the marker ${JSON.stringify(fields[0])}, which Argo CD and Flux do not read`;
    if (fields.length < 3) return "has fewer than three fields";
    const [hosts, keyType, key] = fields;
    if (!KNOWN_HOST_KEY_TYPES.includes(keyType))
        return `has the key type ${JSON.stringify(keyType)}; known types are ${KNOWN_HOST_KEY_TYPES.join(", ")}`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) return "has a key that is not base64";
    const parts = wireStrings(Buffer.from(key, "base64"));
    if (parts === undefined || parts.length === 0) return "has a key that does not decode to an SSH public key";
    const embedded = parts[0].toString("latin1");
    if (embedded !== keyType)
        return `has a ${keyType} label but its key decodes to a ${JSON.stringify(embedded.slice(0, 40))} key`;
    const layout = WIRE_LAYOUT[keyType];
    if (parts.length !== layout.fields || (layout.check && !layout.check(parts)))
        return `has a ${keyType} key that is truncated or malformed`;
    if (hosts.split(",").some((h) => h === "")) return "has an empty host pattern";
    return { hosts: hosts.split(","), keyType };
}
