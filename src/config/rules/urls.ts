/**
 * Host, port and URL checks shared by the repository, chart and registry rules. They are stricter than "a URL
 * parses": the value must name a real host (DNS labels, IPv4, or a bracketed IPv6 literal), a port from 1 to 65535,
 * and no `..` path segment (which a server may resolve to another repository than the one reviewed).
 */

/** The longest URL accepted in any key (git and most servers reject longer request lines anyway). */
export const MAX_URL_LENGTH = 2048;

const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Why a host name is not a real host, or undefined when it is one. */
export function hostProblem(host: string): string | undefined {
    if (host === "") return "has no host";
    if (/^\[[0-9A-Fa-f:.]+\]$/.test(host))
        return host.includes("::") || host.split(":").length >= 3
            ? undefined
            : `host ${JSON.stringify(host)} is not an IPv6 address`;
    if (/^[\d.]+$/.test(host))
        return IPV4.test(host) ? undefined : `host ${JSON.stringify(host)} is not a valid IPv4 address`;
    if (host.length > 253) return `host ${JSON.stringify(host.slice(0, 40))}... is longer than 253 characters`;
    const labels = host.replace(/\.$/, "").split(".");
    if (labels.some((l) => !DNS_LABEL.test(l)))
        return `host ${JSON.stringify(host)} is not a DNS name (labels of letters, digits and '-', 1-63 characters, not starting or ending with '-')`;
    return undefined;
}

/** Why a port is not usable, or undefined (an absent port is fine). */
export function portProblem(port: string | undefined): string | undefined {
    if (port === undefined) return undefined;
    const n = Number(port);
    return /^\d{1,5}$/.test(port) && n >= 1 && n <= 65535
        ? undefined
        : `port ${JSON.stringify(port)} is not from 1 to 65535`;
}

/** Why a URL path is unsafe, or undefined. */
export function pathProblem(path: string): string | undefined {
    const segments = path.split("/");
    if (segments.includes("..") || segments.includes("."))
        return `path ${JSON.stringify(path)} has a "." or ".." segment`;
    if (path.includes("//")) return `path ${JSON.stringify(path)} has an empty segment ("//")`;
    return undefined;
}

export interface HttpsUrl {
    readonly host: string;
    readonly port?: string;
    readonly path: string;
}

/** Splits `scheme://host[:port][/path]` (no user info, query or fragment) or returns why it cannot. */
export function splitUrl(url: string, scheme: "https" | "oci"): HttpsUrl | string {
    if (url.length > MAX_URL_LENGTH) return `is longer than ${MAX_URL_LENGTH} characters`;
    const m = new RegExp(`^${scheme}://([^/:?#@\\s]*)(?::([^/?#\\s]*))?(/[^?#\\s]*)?$`).exec(url);
    if (!m) return `is not of the form ${scheme}://host[:port]/path (no user, query, fragment or spaces)`;
    const [, host, port, path = ""] = m;
    const problem = hostProblem(host) ?? portProblem(port) ?? pathProblem(path.replace(/\/$/, ""));
    return problem ?? { host, port, path };
}
