import type { TierDefaults } from "../tiers";
import { AUTH_KINDS, type FluxRef, type GitAuth, type Operator } from "../types";
import { quote, type ConfigInput } from "./context";
import { refNameProblem } from "./gitRefs";
import { isSemverRange, semverRangeProblem } from "./semver";

export { isSemverRange } from "./semver";
import { parseKnownHostLine } from "./knownHosts";
import {
    DEFAULT_PORTS,
    MAX_URL_LENGTH,
    canonicalHost,
    controlCharacterProblem,
    hostProblem,
    parseUrl,
    pathProblem,
    portProblem,
    splitUrl,
} from "./urls";

const GIT_REVISION = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;

export interface ParsedRepoUrl {
    readonly scheme: "ssh" | "https";
    readonly host: string;
    readonly port?: string;
    readonly path: string;
    /**
     * The repository as Argo CD compares repositories (util/git NormalizeGitURL): lower case, the scp form as ssh://,
     * no login user, default port or `.git` suffix. Two URLs of the same repository have the same identity.
     */
    readonly identity: string;
}

const REPO_PATH = /^[A-Za-z0-9._~/-]+$/;
const LOGIN = /^[A-Za-z0-9._-]+$/;
const FORMS = "git@host:org/repo.git, ssh://git@host[:port]/org/repo.git or https://host[:port]/org/repo.git";

const identityOf = (scheme: string, host: string, port: string | undefined, path: string): string =>
    `${scheme}://${canonicalHost(host)}${port && port !== DEFAULT_PORTS[scheme] ? `:${Number(port)}` : ""}/${path
        .replace(/\/+$/, "")
        .replace(/\.git$/i, "")}`.toLowerCase();

/**
 * Parses the Git URL forms Argo CD and Flux both accept, or says why the value is not one (the reason reads after the
 * value). http:// is refused: credentials would travel in clear; so is any password or token in the URL, a host that
 * is not a DNS name or address, a port outside 1-65535, and a `.`/`..` or empty path segment (a server may resolve it
 * to another repository than the one reviewed). Never "no problem" for a value it cannot read.
 */
export function repoUrlOrProblem(url: string): ParsedRepoUrl | string {
    const control = controlCharacterProblem(url);
    if (control) return control;
    if (url.length > MAX_URL_LENGTH) return `is ${url.length} characters long, more than ${MAX_URL_LENGTH}`;
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
        // The scp-like form user@host:path (no scheme, no port).
        if (/^[^@/]*:[^@/]*@/.test(url)) return "carries a password before @; expected only a login user (git@)";
        const scp = /^([^@/:]+)@([^:/]+):(.*)$/.exec(url);
        if (!scp) return `is none of the forms ${FORMS}`;
        const [, user, host, path] = scp;
        if (!LOGIN.test(user)) return `has the login user ${JSON.stringify(user)}; expected letters, digits and . _ -`;
        if (path.startsWith("/") || path === "") return "has no path relative to the login (git@host:org/repo.git)";
        const problem = hostProblem(host) ?? pathProblem(path) ?? pathCharacters(path);
        return problem ?? { scheme: "ssh", host, path, identity: identityOf("ssh", host, undefined, path) };
    }
    const parsed = parseUrl(url, { schemes: ["ssh", "https"], sshUser: true });
    if (typeof parsed === "string") return parsed;
    if (parsed.scheme === "ssh" && parsed.user === undefined) return "has no login user (ssh://git@host/...)";
    const path = parsed.path.replace(/^\//, "");
    if (path === "") return "has no repository path after the host";
    const problem = pathCharacters(path);
    if (problem) return problem;
    // The host as written (known_hosts lines are matched against it); the identity is the canonical one.
    const host = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)/.exec(url)![1];
    const port = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/.exec(url)?.[1];
    return {
        scheme: parsed.scheme as "ssh" | "https",
        host,
        port,
        path,
        identity: identityOf(parsed.scheme, host, port, path),
    };
}

function pathCharacters(path: string): string | undefined {
    return REPO_PATH.test(path)
        ? undefined
        : `path ${JSON.stringify(path)} has characters other than letters, digits and . _ ~ / -`;
}

/** Why a value is not a Git URL of the forms both operators accept, or undefined when it is one. */
export function repoUrlProblem(url: string): string | undefined {
    const parsed = repoUrlOrProblem(url);
    return typeof parsed === "string" ? parsed : undefined;
}

/** The Git URL, parsed, or undefined when it is not one (see repoUrlOrProblem for why). */
export function parseRepoUrl(url: string): ParsedRepoUrl | undefined {
    const parsed = repoUrlOrProblem(url);
    return typeof parsed === "string" ? undefined : parsed;
}

/** A branch, tag or commit name git accepts (`git check-ref-format`), in the characters we allow. */
export function isGitRevision(revision: string): boolean {
    return GIT_REVISION.test(revision) && refNameProblem(revision) === undefined;
}

/** Flux's ref forms. Argo CD's targetRevision is the same text without a prefix. */
export function parseFluxRef(revision: string): FluxRef | undefined {
    const [prefix, ...rest] = revision.split(":");
    const value = rest.join(":");
    if (rest.length === 0) return isGitRevision(revision) ? { branch: revision } : undefined;
    if (prefix === "tag") return isGitRevision(value) ? { tag: value } : undefined;
    if (prefix === "semver") return isSemverRange(value) ? { semver: value } : undefined;
    return undefined;
}

export interface RepositoryPart {
    readonly url?: string;
    readonly parsed?: ParsedRepoUrl;
    readonly auth?: GitAuth;
    readonly credentialScope: "repository" | "repo-creds";
    readonly credentialUrl: string;
}

/** repoUrl, the Git credentials for its host, and the credential Secret's scope. */
export function validateRepository(input: ConfigInput): RepositoryPart {
    const url = input.raw("repoUrl")?.trim();
    const parsed = url === undefined ? undefined : parseRepoUrl(url);
    if (url === undefined || url === "") {
        input.problem(
            "repoUrl",
            "is required; expected git@host:org/repo.git or https://host/org/repo.git (pulumi config set repoUrl <url>).",
        );
    } else if (!parsed) {
        input.problem(
            "repoUrl",
            `${quote(url.length > 80 ? `${url.slice(0, 60)}...` : url)} is not valid; expected ${FORMS} with a real host, a port from 1 to 65535, no user:password@ and no "." or ".." segments (it ${repoUrlProblem(url)}).`,
        );
    }
    const authKind = input.oneOf("authKind", AUTH_KINDS);
    if (parsed && authKind === "ssh" && parsed.scheme !== "ssh") {
        input.problem(
            "authKind",
            `"ssh" needs an SSH repoUrl, but repoUrl is ${quote(url)}; expected git@host:org/repo.git or authKind https/githubApp.`,
        );
    }
    if (parsed && authKind !== "ssh" && parsed.scheme !== "https") {
        input.problem(
            "authKind",
            `${quote(authKind)} needs an https:// repoUrl, but repoUrl is ${quote(url)}; expected https://host/org/repo.git or authKind ssh.`,
        );
    }
    let auth: GitAuth | undefined;
    if (authKind === "ssh") {
        const knownHosts = validateKnownHosts(input, parsed);
        const privateKey = input.secret("sshPrivateKey", "with authKind ssh");
        if (privateKey) auth = { kind: "ssh", knownHosts, privateKey };
    } else if (authKind === "https") {
        const username = input.pattern("httpsUsername", /^[^\s:]+$/, "a user name without spaces or colons");
        const token = input.secret("httpsToken", "with authKind https");
        if (token) auth = { kind: "https", username, token };
    } else {
        const appId = input.str("githubAppId");
        const installationId = input.str("githubAppInstallationId");
        input.pattern("githubAppId", /^\d+$/, "the numeric GitHub App ID (with authKind githubApp)", appId);
        input.pattern(
            "githubAppInstallationId",
            /^\d+$/,
            "the numeric installation ID (with authKind githubApp)",
            installationId,
        );
        const enterpriseBaseUrl = input.str("githubAppEnterpriseBaseUrl");
        if (enterpriseBaseUrl !== "")
            httpsUrl(
                input,
                "githubAppEnterpriseBaseUrl",
                enterpriseBaseUrl,
                "an https:// API base URL such as https://ghe.example.com/api/v3",
            );
        const privateKey = input.secret("githubAppPrivateKey", "with authKind githubApp");
        if (privateKey) {
            auth = {
                kind: "githubApp",
                appId,
                installationId,
                privateKey,
                enterpriseBaseUrl: enterpriseBaseUrl || undefined,
            };
        }
    }
    const credentialScope = input.oneOf("credentialScope", ["repository", "repo-creds"] as const);
    let credentialUrl = url ?? "";
    if (credentialScope === "repo-creds") {
        const prefix = input.str("credentialUrlPrefix");
        const owner = url?.replace(/[^/:]+$/, "") ?? "";
        credentialUrl = prefix === "" ? owner : prefix;
        const scope = credentialPrefixProblem(credentialUrl, url);
        // Argo CD matches the prefix against the normalised (lower-case) repository URL.
        if (scope?.startsWith("carries user information") || scope?.startsWith("contains")) {
            input.problem(
                "credentialUrlPrefix",
                `${quote(prefix)} ${scope}; expected a URL prefix such as ${quote(owner)}, with the credentials in the secret keys.`,
            );
        } else if (prefix !== "" && url && !url.toLowerCase().startsWith(prefix.toLowerCase())) {
            input.problem(
                "credentialUrlPrefix",
                `${quote(prefix)} is not a prefix of repoUrl ${quote(url)}; expected e.g. ${quote(owner)}.`,
            );
        } else if (scope && parsed) {
            input.problem(
                "credentialUrlPrefix",
                `${quote(credentialUrl)}${prefix === "" ? " (the owner prefix of repoUrl)" : ""} ${scope}: Argo CD would hand these credentials to every repository whose URL starts with it; expected at least scheme, host and owner ending in "/", e.g. ${quote(ownerExample(parsed))}.`,
            );
        }
    }
    return { url, parsed, auth, credentialScope, credentialUrl };
}

/** Reads an https:// URL key (no user info, query or fragment) with a real host, port and path. */
export function httpsUrl(
    input: ConfigInput,
    name: "githubAppEnterpriseBaseUrl" | "argocdUrl" | "destinationServer",
    value: string,
    expected: string,
): void {
    const url = splitUrl(value, "https");
    if (typeof url === "string") input.problem(name, `${quote(value)} is not valid; expected ${expected} (it ${url}).`);
}

const ownerExample = (p: ParsedRepoUrl): string => {
    const owner = p.path.split("/")[0] || "org";
    return p.scheme === "https"
        ? `https://${p.host}${p.port ? `:${p.port}` : ""}/${owner}/`
        : `git@${p.host}:${owner}/`;
};

/**
 * Why a repo-creds URL prefix reaches more than one owner's repositories, or undefined. Argo CD picks the
 * credential template by plain string prefix, so the prefix must run through the owner and its "/":
 * `https://github.com/acme/` (not `https://github.com/ac`, which also matches acme-evil), `git@github.com:acme/`.
 * The full repository URL itself is fine.
 */
export function credentialPrefixProblem(prefix: string, repoUrl: string | undefined): string | undefined {
    if (repoUrl !== undefined && prefix === repoUrl) return undefined;
    const control = controlCharacterProblem(prefix);
    if (control) return control;
    if (/^https:\/\/[^/]*@/.test(prefix) || /^ssh:\/\/[^/@]*:[^/@]*@/.test(prefix) || /^[^@/]*:[^@/]*@/.test(prefix))
        return "carries user information (user:password@ or a token): credentials in a URL are stored in clear";
    const https = /^https:\/\/([^/@]+)\/([^/]+)\/.*$/.exec(prefix);
    const ssh = /^ssh:\/\/[^/@]+@([^/]+)\/([^/]+)\/.*$/.exec(prefix);
    const scp = /^[^@/:]+@([^:/]+):([^/]+)\/.*$/.exec(prefix);
    const m = https ?? ssh ?? scp;
    if (!m) return "does not name an owner";
    const [host, port] = m[1].split(":");
    const problem = hostProblem(host) ?? (scp ? undefined : portProblem(port));
    return problem ? `has a bad host (${problem})` : undefined;
}

/** sshKnownHosts: host keys are pinned, never skipped; the repository host must have a line. */
function validateKnownHosts(input: ConfigInput, parsed: ParsedRepoUrl | undefined): string {
    const lines = input
        .str("sshKnownHosts")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    const bad = lines.find((l) => typeof parseKnownHostLine(l) === "string");
    // OpenSSH writes the default port 22 as the bare host, any other port as [host]:port.
    const hostPattern = parsed?.port && parsed.port !== "22" ? `[${parsed.host}]:${parsed.port}` : parsed?.host;
    if (lines.length === 0) {
        input.problem(
            "sshKnownHosts",
            `is required with authKind ssh (host keys are pinned, never skipped); expected known_hosts lines such as "${parsed?.host ?? "github.com"} ssh-ed25519 AAAA...", e.g. from ssh-keyscan ${parsed?.host ?? "<host>"}.`,
        );
    } else if (bad !== undefined) {
        input.problem(
            "sshKnownHosts",
            `line ${quote(bad.slice(0, 60))} is not valid; expected "<host> <key-type> <base64-key>" (the line ${parseKnownHostLine(bad) as string}).`,
        );
    } else if (
        hostPattern &&
        !lines.some((l) =>
            l
                .split(/\s+/)[0]
                .split(",")
                .some((h) => h === hostPattern || h.startsWith("|1|")),
        )
    ) {
        input.problem(
            "sshKnownHosts",
            `has no entry for the repository host ${quote(hostPattern)}; expected a line starting with ${hostPattern}.`,
        );
    }
    return lines.join("\n");
}

export interface RevisionPart {
    readonly argoRevision: string;
    readonly fluxRevision: string;
    readonly fluxRef?: FluxRef;
}

/** targetRevision in the form the chosen operator reads it. */
export function validateRevision(input: ConfigInput, operator: Operator, defaults: TierDefaults): RevisionPart {
    const value = input.str("targetRevision");
    const fluxRevision = value === "" ? defaults.fluxRevision : value;
    const argoRevision = value === "" ? defaults.argoRevision : value;
    const fluxRef = parseFluxRef(fluxRevision);
    const why = (ref: string): string => {
        const problem = refNameProblem(ref);
        return problem ? ` (git refuses it: it ${problem})` : "";
    };
    const semver = fluxRef && "semver" in fluxRef ? semverRangeProblem(fluxRef.semver) : undefined;
    if (operator === "flux" && semver) {
        input.problem(
            "targetRevision",
            `${quote(value)} is not valid for Flux: the range ${semver}; expected semver:<range> with the versions to follow, e.g. semver:>=1.0.0 <2.0.0.`,
        );
    } else if (operator === "flux" && !fluxRef) {
        const name = fluxRevision.replace(/^(tag):/, "");
        input.problem(
            "targetRevision",
            `${quote(value)} is not valid for Flux; expected a branch name, tag:<tag> or semver:<range> that git accepts${why(name)}.`,
        );
    }
    if (operator === "argocd" && !isGitRevision(argoRevision)) {
        input.problem(
            "targetRevision",
            `${quote(value)} is not valid for Argo CD; expected a branch, tag or commit that git accepts, with no tag:/semver: prefix${why(argoRevision)}.`,
        );
    }
    return { argoRevision, fluxRevision, fluxRef };
}
