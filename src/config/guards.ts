/**
 * Pure checks shared by config validation (src/config) and the policy pack (policy/): what Argo CD would read as a
 * wide pattern, which group names hand access to everyone, which namespaces belong to the cluster, and which tier a
 * stack name implies. No imports: both sides must apply exactly the same rule (issue 8 §1, §3, §4, §5).
 */

/**
 * What a pattern is matched against: AppProject sourceRepos, destination namespaces, an Argo CD RBAC object, or a
 * destination cluster (its server URL or name).
 */
export type PatternKind = "repo" | "namespace" | "rbacObject" | "cluster";

const NOUN: Record<PatternKind, string> = {
    repo: "repository",
    namespace: "namespace",
    rbacObject: "object",
    cluster: "cluster",
};
const WHERE: Record<PatternKind, string> = {
    repo: "sourceRepos",
    namespace: "destinations",
    rbacObject: "RBAC policy objects",
    cluster: "destinations",
};

/** Options of {@link patternWidth}. */
export interface PatternWidthOptions {
    /**
     * The environment's own AppProject. For kind rbacObject, `<project>/*` (every application of that project) is
     * accepted: the project already scopes what its applications may touch, and it is what the program writes for
     * the deployer and read-only roles. Any other wildcard object is reported.
     */
    readonly project?: string;
}

type Token =
    | { readonly t: "literal" }
    | { readonly t: "any"; readonly text: string }
    | { readonly t: "single" }
    | { readonly t: "class"; readonly text: string }
    | { readonly t: "alternatives"; readonly text: string };

/**
 * Splits a pattern the way github.com/gobwas/glob compiles it (the library behind Argo CD's util/glob): `*` and `**`
 * match any run of characters (Argo CD compiles without separators, so `*` also crosses `/`), `?` one character,
 * `[...]` / `[!...]` a character class or range, `{a,b}` alternatives, `\` escapes the next character.
 * Returns undefined when the pattern does not compile; Argo CD then logs a warning and matches nothing.
 */
function tokenize(pattern: string): Token[] | undefined {
    const tokens: Token[] = [];
    let depth = 0; // inside {...}: commas separate alternatives, nested groups are allowed
    let groupStart = -1;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "\\") {
            if (i + 1 >= pattern.length) return undefined; // a trailing escape does not compile
            i++;
            if (depth === 0) tokens.push({ t: "literal" });
        } else if (c === "[") {
            const end = pattern.indexOf("]", i + 1);
            if (end < 0 || end === i + 1) return undefined;
            if (depth === 0) tokens.push({ t: "class", text: pattern.slice(i, end + 1) });
            i = end;
        } else if (c === "{") {
            if (depth === 0) groupStart = i;
            depth++;
        } else if (c === "}") {
            if (depth === 0) return undefined;
            depth--;
            if (depth === 0) tokens.push({ t: "alternatives", text: pattern.slice(groupStart, i + 1) });
        } else if (depth > 0) {
            continue;
        } else if (c === "*") {
            const double = pattern[i + 1] === "*";
            tokens.push({ t: "any", text: double ? "**" : "*" });
            if (double) i++;
        } else if (c === "?") {
            tokens.push({ t: "single" });
        } else {
            tokens.push({ t: "literal" });
        }
    }
    return depth === 0 ? tokens : undefined;
}

/**
 * Why a pattern, read as Argo CD reads it, can match more than one repository / namespace / object, or undefined
 * when it names exactly one.
 *
 * Argo CD matches AppProject `sourceRepos` and `destinations` with its `globMatch` (gobwas/glob, a leading `!` is a
 * deny pattern: everything except the rest) and RBAC policy objects with `globMatchFunc` (gobwas/glob, no separators,
 * no negation: a leading `!` is a literal character there, so it names no real object and is reported too).
 * An empty pattern matches only the empty string and is not reported here; callers check emptiness themselves.
 */
export function patternWidth(
    pattern: string,
    kind: PatternKind,
    options: PatternWidthOptions = {},
): string | undefined {
    const noun = NOUN[kind];
    const expected = {
        repo: "one exact repository URL",
        namespace: "one exact namespace name",
        cluster: "one exact cluster server URL or name",
        rbacObject: `one exact object such as <project>/<application>${options.project ? ` (or ${options.project}/* for the environment's own project)` : ""}`,
    }[kind];
    const reason = (why: string) =>
        `${JSON.stringify(pattern)} ${why} (Argo CD matches ${WHERE[kind]} as globs); expected ${expected}.`;

    if (pattern.startsWith("!")) {
        return kind === "rbacObject"
            ? reason("starts with '!', which Argo CD RBAC reads literally, not as a negation: it names no real object")
            : reason(`is a deny pattern: it stands for every ${noun} except ${JSON.stringify(pattern.slice(1))}`);
    }
    if (
        kind === "rbacObject" &&
        options.project !== undefined &&
        patternWidth(options.project, "rbacObject") === undefined &&
        !options.project.includes("/") &&
        pattern === `${options.project}/*`
    ) {
        return undefined;
    }
    const tokens = tokenize(pattern);
    if (tokens === undefined) {
        return reason(
            "is not a valid glob (unbalanced [ ] or { }, or a trailing \\): Argo CD would match nothing and log a warning",
        );
    }
    const wide = tokens.find((t) => t.t !== "literal");
    if (wide === undefined) return undefined;
    if (tokens.every((t) => t.t === "any")) return reason(`matches every ${noun}`);
    switch (wide.t) {
        case "any":
            return reason(
                `contains ${JSON.stringify(wide.text)}, which matches any run of characters including '/', so it matches every ${noun} that fits the rest`,
            );
        case "single":
            return reason(`contains "?", which matches any one character`);
        case "class":
            return reason(
                `contains the character class ${JSON.stringify(wide.text)}, which matches several characters`,
            );
        case "alternatives":
            return reason(`contains the alternatives ${JSON.stringify(wide.text)}, each of which it matches`);
        default:
            return undefined;
    }
}

/**
 * Groups that Kubernetes (and so any SSO or Kubernetes RBAC binding naming them) fills with identities the stack does
 * not choose. The `system:` prefix is reserved for Kubernetes' own identities; an SSO group of that name either is one
 * of these or impersonates one.
 */
const EVERYONE_GROUPS: Readonly<Record<string, string>> = {
    "system:authenticated": "holds every identity that authenticates to the cluster",
    "system:unauthenticated": "holds every anonymous request",
    "system:anonymous": "is the identity of anonymous requests",
    "system:serviceaccounts": "holds every ServiceAccount in every namespace, so any pod can use it",
    "system:masters":
        "is Kubernetes' superuser group: its members bypass RBAC, so binding it hands this access to every cluster-admin credential",
    "system:nodes": "holds every kubelet, so a compromised node gets this access",
    "system:bootstrappers": "holds every bootstrap token, used to join nodes",
    "system:monitoring": "is a Kubernetes group for metrics scrapers",
};

/**
 * Why a group name hands access to everyone (or to every cluster-admin, node or workload) instead of to a chosen set
 * of people, or undefined when it is an ordinary group. Compared case-insensitively: no legitimate SSO group differs
 * from these only in case, and some identity providers fold case.
 */
export function everyoneGroupReason(group: string): string | undefined {
    const name = group.trim();
    const lower = name.toLowerCase();
    const give = (why: string) =>
        `group ${JSON.stringify(group)} ${why}; granting it access gives every such identity write access to GitOps objects (which is cluster-admin through the operator). Expected an SSO group of named people.`;
    if (name === "") return undefined;
    if (name.includes("*")) return give("is a wildcard that Argo CD and Kubernetes tooling may read as every group");
    if (lower in EVERYONE_GROUPS) return give(EVERYONE_GROUPS[lower]);
    if (lower.startsWith("system:serviceaccounts:")) {
        return give(
            `holds every ServiceAccount of namespace ${JSON.stringify(name.slice("system:serviceaccounts:".length))}, so any pod there can use it`,
        );
    }
    if (lower.startsWith("system:")) {
        return give("uses the system: prefix Kubernetes reserves for its own identities (nodes, controllers, tokens)");
    }
    return undefined;
}

/**
 * The cluster's own namespaces: `default`, `kube-system`, `kube-public`, `kube-node-lease` and every other `kube-*`
 * (kube-flannel, kube-proxy add-ons and other distribution components live there). A program-owned namespace must
 * never be one of them: `pulumi destroy` would try to delete it, and anything deployed there mixes with the cluster.
 */
export function isSystemNamespace(ns: string): boolean {
    return ns === "default" || ns.startsWith("kube-");
}

/**
 * The tier a namespace's name says it belongs to: its last `-` part, read as a stack name's part is (`shop-dev` is
 * dev, `shop-production` prod; `dev-tools` names none). Shared by the config invariant and the policy pack.
 */
export function namespaceTier(namespace: string): StackTier | undefined {
    return stackTier(namespace.split("-").pop() ?? "");
}

/** The environment tiers, lowest to highest. */
export type StackTier = "dev" | "staging" | "prod";

const TIER_NAMES: ReadonlyArray<readonly [StackTier, readonly string[]]> = [
    ["prod", ["prod", "production"]],
    ["staging", ["staging", "stage"]],
    ["dev", ["dev", "development"]],
];

/**
 * The tier a stack name implies: a name, or a `-`, `_` or `.` separated token of it, equal (case-insensitively) to
 * dev|development, staging|stage or prod|production. `acme-prod`, `prod.eu` and `Production` are prod. When tokens of
 * several tiers appear (`prod-to-dev`), the highest wins, so a name can never lower the protection it suggests.
 * Undefined when no token names a tier.
 */
export function stackTier(stack: string): StackTier | undefined {
    // A fully-qualified stack name (org/project/stack) is tiered by its last part.
    const names = (stack.toLowerCase().split("/").pop() ?? "").split(/[-_.]/);
    for (const [tier, words] of TIER_NAMES) if (names.some((t) => words.includes(t))) return tier;
    return undefined;
}

/**
 * The user information of a URL token (what stands between `scheme://` and its last `@`), or undefined. A password
 * may contain "/", so an `@` after a "/" still counts when a ":" comes before it (`https://u:p/w@host`); an `@` only
 * in the path (`https://host/@scope/pkg`) does not.
 */
export function userinfoOf(token: string): string | undefined {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(.*)@/.exec(token);
    if (!m) return undefined;
    const info = m[1];
    return info.includes("/") && !info.split("/")[0].includes(":") ? undefined : info;
}

/**
 * Replaces the user information of every URL in a text (`https://user:token@host`, `oci://token@host`,
 * `ssh://git:pw@host`) with `[redacted]`, so no message, warning or report repeats a password or token (issue 19
 * §6). An ssh:// login name alone (`git@`) is not a credential and stays.
 */
export function redactUserinfo(text: string): string {
    // Without a scheme (the scp-like Git form, an image reference): user:password@host.
    const schemeless = text.replace(
        /(^|[\s"'`(,[])([^\s"'`@/:]+):([^\s"'`@]+)@(?=[A-Za-z0-9[])/g,
        (whole, before: string, user: string) =>
            /^[a-z][a-z0-9+.-]*$/i.test(user) && whole.includes("://") ? whole : `${before}[redacted]@`,
    );
    return schemeless.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s"'`<>]*)/g, (token: string, scheme: string) => {
        const info = userinfoOf(token);
        if (info === undefined) return token;
        if (scheme.toLowerCase() === "ssh://" && /^[A-Za-z0-9._-]+$/.test(info)) return token;
        return `${scheme}[redacted]@${token.slice(scheme.length + info.length + 1)}`;
    });
}

/** PEM armour of private material (PKCS#1, PKCS#8, SEC1, OpenSSH, encrypted, PuTTY-exported OpenSSH...). */
const PEM_PRIVATE = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/;
/** An age identity (X25519 secret key, Bech32, either case). */
const AGE_IDENTITY = /AGE-SECRET-KEY-1[0-9A-Z]{20,}/i;

/**
 * What private material a text holds, or undefined: a PEM private key of any kind, an age identity, or a PuTTY key
 * file. Used wherever a field is public by design (a certificate, a CA bundle, any non-secret key), so a key pasted
 * into the wrong place is refused by name and never echoed (issue 19 §1).
 */
export function privateMaterialIn(text: string): string | undefined {
    const pem = PEM_PRIVATE.exec(text);
    if (pem) return `a PEM private key (${pem[1]})`;
    if (AGE_IDENTITY.test(text)) return "an age identity (AGE-SECRET-KEY-1...)";
    if (/PuTTY-User-Key-File-\d+:/.test(text)) return "a PuTTY private key";
    return undefined;
}

/**
 * A message with every credential taken out: URL user information, PEM private key blocks, age identities, and each
 * of `secrets` (the stack's secret values, raw and as JSON would quote them). Applied to every configuration
 * problem and warning and to the status report, so no input makes the program print a key or password.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
    let out = text;
    for (const secret of secrets) {
        if (secret.length < 6) continue;
        for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)]))
            out = out.split(form).join("[secret]");
    }
    out = out.replace(
        /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(-----END \1-----|(?=["'`]|$))/g,
        "[private key redacted]",
    );
    out = out.replace(new RegExp(AGE_IDENTITY.source, "gi"), "[age identity redacted]");
    return redactUserinfo(out);
}

/**
 * What `acknowledgeProdOverrides` says (issue 19): `true` acknowledges every prod safeguard (deprecated: it also
 * covers relaxations nobody has made yet), `false` or empty none, and a list names the ones acknowledged:
 * `[autoSync, adminEnabled]` in the stack file (the engine passes JSON), or the text `autoSync,adminEnabled` /
 * `[autoSync, adminEnabled]` from `pulumi config set`. Shared by the config rule and the policy pack, which must read
 * the same acknowledgement.
 */
export interface ProdAcknowledgement {
    /** `true`: every safeguard. */
    readonly all: boolean;
    /** The safeguards named (not checked against the known names here). */
    readonly names: readonly string[];
    /** Why the value cannot be read, when it cannot. */
    readonly problem?: string;
}

export function parseAcknowledgement(raw: string | undefined): ProdAcknowledgement {
    const text = (raw ?? "").trim();
    if (text === "" || text === "false") return { all: false, names: [] };
    if (text === "true") return { all: true, names: [] };
    let items: unknown;
    try {
        items = JSON.parse(text);
    } catch {
        items = text.replace(/^\[/, "").replace(/\]$/, "").split(",");
    }
    if (!Array.isArray(items) || !items.every((i) => typeof i === "string"))
        return { all: false, names: [], problem: "is neither true, false nor a list of safeguard names" };
    const names = [...new Set(items.map((i) => i.trim().replace(/^["']|["']$/g, "")).filter((i) => i !== ""))];
    const bad = names.find((n) => !/^[A-Za-z][A-Za-z0-9]*$/.test(n));
    if (bad !== undefined)
        return { all: false, names: [], problem: `names ${JSON.stringify(bad)}, which is not a key name` };
    return { all: false, names };
}
