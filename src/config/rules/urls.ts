/**
 * The one URL and host canonicaliser (issue 19 §2): every rule that compares two URLs or judges one goes through
 * {@link parseUrl} (or {@link canonicalHost} for a bare host), so an equivalent spelling can neither slip past a
 * duplicate check nor make a safety check miss it, and a value it cannot parse is an error, never "no problem".
 *
 * It is stricter than "a URL parses": the value must name a real host (DNS labels, IPv4, or a bracketed IPv6
 * literal), a port from 1 to 65535, no user information (credentials in a URL are stored in clear in the stack file
 * and in the cluster), no control character or whitespace (a CR/LF would split a request line or header), and no
 * `.`, `..` or empty path segment, spelt out or percent-encoded (a server may resolve it to another repository or
 * API than the one reviewed).
 *
 * Canonical form: scheme and host in lower case, the host without its trailing dot, the scheme's default port
 * dropped, the in-cluster API server's aliases folded into the name Argo CD gives it, the path without trailing
 * slashes.
 */

import { userinfoOf } from "../guards";

export { redactUserinfo } from "../guards";

/** The longest URL accepted in any key (git and most servers reject longer request lines anyway). */
export const MAX_URL_LENGTH = 2048;

/** The operator's own cluster, as Argo CD names it (and kubectl inside a pod reaches it). */
export const IN_CLUSTER_SERVER = "https://kubernetes.default.svc";
/** Names that reach the same API server from inside the cluster (default cluster domain), folded into IN_CLUSTER_SERVER's host. */
export const IN_CLUSTER_ALIASES: readonly string[] = [
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
];
const IN_CLUSTER_HOST = "kubernetes.default.svc";

/** Ports a scheme uses when the URL names none: the canonical form drops them. */
export const DEFAULT_PORTS: Readonly<Record<string, string>> = { https: "443", http: "80", oci: "443", ssh: "22" };

const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Why a value holds a character no URL, host, path or header may carry, or undefined: a line break (CR or LF splits
 * an HTTP request line or header, so a value could inject one, issue 19 §5), another control character, or (with
 * `spaces`) whitespace.
 */
export function controlCharacterProblem(value: string, spaces = true): string | undefined {
    if (/[\r\n]/.test(value)) return "contains a line break (CR or LF), which would split a request line or header";
    // eslint-disable-next-line no-control-regex
    const control = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0085\u2028\u2029]/.exec(value);
    if (control) return `contains the control character U+${control[0].codePointAt(0)!.toString(16).padStart(4, "0")}`;
    if (/\t/.test(value)) return "contains a tab";
    if (spaces && /\s/.test(value)) return "contains whitespace";
    return undefined;
}

/** Why a host name is not a real host, or undefined when it is one. A trailing dot (the DNS root) is allowed. */
export function hostProblem(host: string): string | undefined {
    if (host === "") return "has no host";
    if (/[^\x21-\x7e]/.test(host)) return `host ${JSON.stringify(host)} is not ASCII (expected its xn-- punycode form)`;
    if (/^\[[0-9A-Fa-f:.]+\]$/.test(host))
        return host.includes("::") || host.split(":").length >= 3
            ? undefined
            : `host ${JSON.stringify(host)} is not an IPv6 address`;
    if (/^[\d.]+$/.test(host.replace(/\.$/, "")))
        return IPV4.test(host.replace(/\.$/, ""))
            ? undefined
            : `host ${JSON.stringify(host)} is not a valid IPv4 address`;
    if (host.length > 253) return `host ${JSON.stringify(host.slice(0, 40))}... is longer than 253 characters`;
    const labels = host.replace(/\.$/, "").split(".");
    if (labels.some((l) => !DNS_LABEL.test(l)))
        return `host ${JSON.stringify(host)} is not a DNS name (labels of letters, digits and '-', 1-63 characters, not starting or ending with '-')`;
    return undefined;
}

/**
 * A host as a comparable identity: lower case (DNS is case-insensitive), without the trailing root dot, and the
 * in-cluster API server's aliases folded into `kubernetes.default.svc`.
 */
export function canonicalHost(host: string): string {
    const lower = host.toLowerCase().replace(/\.$/, "");
    return IN_CLUSTER_ALIASES.includes(lower) ? IN_CLUSTER_HOST : lower;
}

/** Why a port is not usable, or undefined (an absent port is fine). */
export function portProblem(port: string | undefined): string | undefined {
    if (port === undefined) return undefined;
    const n = Number(port);
    return /^\d{1,5}$/.test(port) && n >= 1 && n <= 65535
        ? undefined
        : `port ${JSON.stringify(port)} is not from 1 to 65535`;
}

/** Why a URL path is unsafe, or undefined: a `.`/`..` or empty segment, spelt out or percent-encoded. */
export function pathProblem(path: string): string | undefined {
    if (/%(2e|2f|5c)/i.test(path))
        return `path ${JSON.stringify(path)} has a percent-encoded ".", "/" or "\\" (a server decodes it into another path)`;
    const segments = path.split("/");
    if (segments.includes("..") || segments.includes("."))
        return `path ${JSON.stringify(path)} has a "." or ".." segment`;
    if (path.includes("//")) return `path ${JSON.stringify(path)} has an empty segment ("//")`;
    return undefined;
}

/**
 * A URL in canonical form, for comparing and for writing out. `host` keeps IPv6 brackets; `port` is undefined when
 * it is the scheme's default; `path` is "" or starts with "/" and has no trailing slash.
 */
export interface CanonicalUrl {
    readonly scheme: string;
    /** The user name of an ssh:// URL (`git`); never a password (refused). */
    readonly user?: string;
    readonly host: string;
    readonly port?: string;
    readonly path: string;
    /** `scheme://[user@]host[:port]path`. */
    readonly canonical: string;
}

/** Options of {@link parseUrl}. */
export interface ParseUrlOptions {
    /** Schemes the key takes, lower case, e.g. ["https"]. */
    readonly schemes: readonly string[];
    /** ssh:// URLs name the login user (`ssh://git@host/...`): a user name without a password is allowed then. */
    readonly sshUser?: boolean;
    /** The URL may carry a query string (a webhook's own parameters); never a fragment. Default false. */
    readonly query?: boolean;
    /**
     * The URL is itself a secret (a webhook URL in alertSecrets), so user information in it is as secret as the rest
     * and allowed. Default false: every public URL key refuses it.
     */
    readonly userinfo?: boolean;
}

const USERINFO_WHY =
    "carries user information (user:password@ or a token before @): credentials in a URL are stored in clear in the stack file, in the cluster and in logs";

/**
 * Parses `scheme://[user@]host[:port][/path]` into its canonical form, or returns why it cannot (the reason reads
 * after the value: `"..." <reason>`). Never throws. The reason never repeats user information.
 */
export function parseUrl(value: string, options: ParseUrlOptions): CanonicalUrl | string {
    const control = controlCharacterProblem(value);
    if (control) return control;
    if (value.length > MAX_URL_LENGTH) return `is longer than ${MAX_URL_LENGTH} characters`;
    const expected = options.schemes.map((s) => `${s}://`).join(" or ");
    const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
    if (!schemeMatch) return `is not a URL of the form ${expected}host[:port]/path`;
    const scheme = schemeMatch[1].toLowerCase();
    if (!options.schemes.includes(scheme)) {
        const why =
            scheme === "http"
                ? "uses http://, which anyone on the path can read and alter"
                : `uses the scheme ${JSON.stringify(`${schemeMatch[1]}://`)}`;
        return why;
    }
    // A password may hold "/", "?" or "#", which would end the authority: user information is taken off the whole
    // value first (see userinfoOf), then the rest is parsed.
    const info = userinfoOf(value);
    let user: string | undefined;
    if (info !== undefined && !options.userinfo) {
        if (!(options.sshUser && scheme === "ssh" && /^[A-Za-z0-9._-]+$/.test(info))) return USERINFO_WHY;
        user = info;
    }
    const rest = value.slice(schemeMatch[0].length + (info === undefined ? 0 : info.length + 1));
    const m = /^([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(rest)!;
    const [, hostPort, path, query, fragment] = m;
    const [, host, port] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort)!;
    const problem = hostProblem(host) ?? portProblem(port) ?? pathProblem(path.replace(/\/+$/, ""));
    if (problem) return problem;
    if (query !== undefined && !options.query) return "has a query string (?...); expected none";
    if (fragment !== undefined) return "has a fragment (#...); expected none";
    const canonicalPort =
        port === undefined || String(Number(port)) === DEFAULT_PORTS[scheme] ? undefined : String(Number(port));
    const canonicalPath = path.replace(/\/+$/, "");
    const h = canonicalHost(host);
    return {
        scheme,
        user,
        host: h,
        port: canonicalPort,
        path: canonicalPath,
        canonical: `${scheme}://${user ? `${user}@` : ""}${h}${canonicalPort ? `:${canonicalPort}` : ""}${canonicalPath}${query ?? ""}`,
    };
}

/** The canonical form of a URL, or undefined when it does not parse (compare only values that passed their check). */
export function canonicalUrl(value: string, options: ParseUrlOptions): string | undefined {
    const url = parseUrl(value, options);
    return typeof url === "string" ? undefined : url.canonical;
}

/** Whether a URL names the operator's own cluster (IN_CLUSTER_SERVER or one of its aliases). */
export function isInClusterServer(value: string): boolean {
    return canonicalUrl(value, { schemes: ["https"] }) === IN_CLUSTER_SERVER;
}

export interface HttpsUrl {
    readonly host: string;
    readonly port?: string;
    readonly path: string;
}

/** Splits `scheme://host[:port][/path]` (no user info, query or fragment) or returns why it cannot. */
export function splitUrl(url: string, scheme: "https" | "oci"): HttpsUrl | string {
    const parsed = parseUrl(url, { schemes: [scheme] });
    if (typeof parsed === "string") return parsed;
    return { host: parsed.host, port: parsed.port, path: parsed.path };
}
