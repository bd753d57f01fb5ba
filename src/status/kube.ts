/**
 * The status command's I/O: reads the cluster with `kubectl get -o json` (no client library, no dependency) and,
 * with --repo, a local checkout with `git cat-file`. Everything it gathers goes into a ClusterSnapshot for the pure
 * diagnosis. Secrets: only key names and the SSH public key (and its fingerprint) leave this file; a private key
 * read to derive the public half stays in memory.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { redactSecrets, redactUserinfo } from "../config/guards";
import { kubeconfigContexts } from "../config/rules/kubeContext";
import { sshFingerprint, sshPublicKey } from "../config/formats/sshPublicKey";
import type { DeclaredStack } from "./declared";
import { namespacesToInspect, pathsToCheck } from "./diagnose";
import type { ClusterSnapshot, CredentialState, KubeObject, PathCheck } from "./types";

export { sshFingerprint };

/** Bad arguments: unknown stack, unreadable kubeconfig, unknown context (exit code 2). */
export class StatusUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StatusUsageError";
    }
}

/**
 * The cluster's state could not be read (exit code 3): it could not be reached, did not answer in time, refused the
 * credentials, is not a Kubernetes API server, or forbids reading what the command needs. The message says which,
 * starting with "cannot reach the cluster" or "reached the cluster ..., but".
 */
export class ClusterReadError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ClusterReadError";
    }
}

/** The default bound of each request to the cluster (kubectl's --request-timeout), well under a minute. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

export interface KubeTarget {
    kubeconfig?: string;
    context?: string;
    /** kubectl binary. @default "kubectl" */
    kubectl?: string;
    /**
     * How long any one kubectl call may take, exec credential plugin included: kubectl's --request-timeout, and a hard
     * limit after which kubectl and everything it started are killed. @default DEFAULT_REQUEST_TIMEOUT_MS
     */
    requestTimeoutMs?: number;
    /** The context's API server URL, from the kubeconfig (for messages). */
    server?: string;
    /** The command of the context's exec credential plugin, if it has one (for messages). */
    execPlugin?: string;
}

/**
 * Runs a command in a process group of its own and kills the whole group when it outlives its limit, or when it
 * exits (an exec credential plugin kubectl started must not outlive it). Run with `node -e`, so the status command
 * keeps a synchronous I/O layer: Node's spawnSync kills only the process it started, and a plugin that never
 * returns would be left behind. Exit 124 and "gitops-stack: timed out" on stderr when the limit was hit; 127 and
 * "gitops-stack: not found" when the command does not exist.
 */
const BOUNDED_RUN = `
const { spawn } = require("node:child_process");
const [command, limitText, ...args] = process.argv.slice(1);
const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
const killGroup = () => { try { process.kill(-child.pid, "SIGKILL"); } catch {} };
child.stdout.pipe(process.stdout);
child.stderr.pipe(process.stderr);
const timer = setTimeout(() => {
    killGroup();
    process.stderr.write("\\ngitops-stack: timed out\\n", () => process.exit(124));
}, Number(limitText));
child.on("error", (err) => {
    clearTimeout(timer);
    process.stderr.write(err.code === "ENOENT" ? "gitops-stack: not found\\n" : String(err.message) + "\\n", () =>
        process.exit(127),
    );
});
child.on("close", (code, signal) => {
    clearTimeout(timer);
    killGroup();
    process.exitCode = code ?? (signal ? 128 : 1);
});
`;

const TIMED_OUT = "gitops-stack: timed out";
const NOT_FOUND = "gitops-stack: not found";

interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
    /** The call outlived its limit and was killed. */
    timedOut: boolean;
}

/** The limit of a kubectl call that only reads the kubeconfig (no request, no credential plugin). */
const LOCAL_LIMIT_MS = 15_000;

function run(target: KubeTarget, args: string[], options: { network?: boolean } = {}): RunResult {
    const requestLimit = target.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // A FIFO or a file that is not one is refused before kubectl reads the kubeconfig (kubeconfigProblem).
    const limit = options.network === false ? Math.max(requestLimit, LOCAL_LIMIT_MS) : requestLimit;
    const global = [
        ...(target.kubeconfig ? ["--kubeconfig", target.kubeconfig] : []),
        ...(target.context ? ["--context", target.context] : []),
        // kubectl's own bound of a request to the server; the process limit below also covers an exec plugin.
        ...(options.network === false ? [] : [`--request-timeout=${Math.max(1, Math.ceil(requestLimit / 1000))}s`]),
    ];
    const command = target.kubectl ?? "kubectl";
    const result = spawnSync(process.execPath, ["-e", BOUNDED_RUN, command, String(limit), ...global, ...args], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        // A backstop: the runner kills the group at `limit` and exits right after.
        timeout: limit + 5_000,
        killSignal: "SIGKILL",
        env: process.env,
    });
    const stderr = (result.stderr ?? "").trim();
    if (result.status === 127 && stderr.includes(NOT_FOUND))
        throw new StatusUsageError(`kubectl was not found on PATH; the status command reads the cluster with it.`);
    const timedOut = result.status === 124 || stderr.includes(TIMED_OUT) || result.error !== undefined;
    return {
        code: result.status ?? 1,
        stdout: result.stdout ?? "",
        stderr: stderr.replace(TIMED_OUT, "").trim(),
        timedOut,
    };
}

/**
 * The context to use: --context, else the stack's `kubernetes:context`, else the kubeconfig's only context.
 * A kubeconfig that cannot be read or a context it does not have is a usage error naming the contexts it has.
 */
export function resolveContext(target: KubeTarget, stackContext: string | undefined, stack: string): KubeTarget {
    // Read by the program itself, not by kubectl: a FIFO or a directory is refused before anything would block on it,
    // and no kubectl call (which, through some kubectl builds' version dispatcher, may already contact the server)
    // is needed to list the contexts.
    const found = kubeconfigContexts(target.kubeconfig, process.env, os.homedir());
    const inPod = !target.kubeconfig && process.env.KUBERNETES_SERVICE_HOST !== undefined;
    if (found.problem && !inPod)
        throw new StatusUsageError(`cannot read the kubeconfig ${found.source}: ${found.problem}.`);
    const { contexts } = found;
    const wanted = target.context ?? stackContext;
    const describe = (context: string): KubeTarget => ({
        ...target,
        context,
        server: found.details?.[context]?.server,
        execPlugin: found.details?.[context]?.execCommand,
    });
    if (wanted === undefined) {
        // As pulumi up does, never fall back to whatever context is current: that may be another environment's
        // cluster. A kubeconfig with a single context is unambiguous; in a pod without one, kubectl uses the pod's
        // service account.
        if (contexts.length === 1) return describe(contexts[0]);
        if (contexts.length === 0 && inPod) return target;
        throw new StatusUsageError(
            contexts.length === 0
                ? `cannot read the kubeconfig ${found.source}: it has no contexts (is it the right file?). Pass --kubeconfig <file>, or add the cluster's context to it.`
                : `Stack ${stack} sets no kubernetes:context and --context was not given; the kubeconfig ${found.source} has several: ${contexts.join(", ")}. Pass --context <name> (or pulumi config set kubernetes:context <name>).`,
        );
    }
    if (!contexts.includes(wanted)) {
        const from = target.context ? "--context" : `stack ${stack}'s kubernetes:context`;
        throw new StatusUsageError(
            `Context "${wanted}" (${from}) is not in the kubeconfig ${found.source}; it has: ${contexts.join(", ") || "none"}. Pass --context <name>.`,
        );
    }
    return describe(wanted);
}
const firstLine = (text: string): string =>
    redactSecrets(
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l !== "" && !l.startsWith("I1") && !l.startsWith("E1")) ?? text.trim(),
    );

/**
 * What a failed kubectl call says about the cluster, as one message: "cannot reach the cluster at <server>: <cause>"
 * when no answer came (refused, DNS, timeout, TLS, a credential plugin that failed or never returned), "reached the
 * cluster at <server>, but <what>" when it answered (credentials refused, forbidden, not a Kubernetes API server).
 * `doing`: what the call was for ("list applications.argoproj.io in argocd").
 */
export function describeFailure(target: KubeTarget, result: RunResult, doing: string): string {
    const server = redactUserinfo(target.server ?? "(the context's server)");
    const context = target.context ? ` (context ${target.context})` : "";
    const stderr = result.stderr;
    const seconds = Math.ceil((target.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / 1000);
    const unreachable = (cause: string) => `cannot reach the cluster at ${server}${context}: ${cause}`;
    const reached = (what: string) => `reached the cluster at ${server}${context}, but ${what}`;
    if (result.timedOut) {
        const plugin = target.execPlugin && path.basename(target.execPlugin);
        return unreachable(
            `no answer within ${seconds}s while trying to ${doing} (${plugin ? `the context's credential plugin ${plugin} may never return, or ` : ""}the server accepts connections but does not answer); if the cluster is only slow, raise --request-timeout.`,
        );
    }
    if (/connection refused|was refused/i.test(stderr))
        return unreachable(
            "connection refused: nothing listens there (is the cluster running, is this the right context?).",
        );
    if (/no such host|server misbehaving|name resolution|lookup .* on /i.test(stderr))
        return unreachable("its host name does not resolve (DNS).");
    if (
        /i\/o timeout|deadline exceeded|Client\.Timeout|TLS handshake timeout|network is unreachable|no route to host/i.test(
            stderr,
        )
    )
        return unreachable(`the connection timed out (${firstLine(stderr)}).`);
    if (/x509|certificate/i.test(stderr))
        return unreachable(
            `TLS verification failed: the server's certificate is not one the kubeconfig's certificate-authority-data trusts, or was issued for another name (${firstLine(stderr)}).`,
        );
    if (/getting credentials|exec plugin|executable .* not found|exec: /i.test(stderr))
        return unreachable(`the kubeconfig's credential plugin failed (${firstLine(stderr)}).`);
    if (/Unauthorized|provide credentials/i.test(stderr))
        return reached(
            "it refused the credentials (401 Unauthorized): log in again or refresh the kubeconfig's token.",
        );
    if (/Forbidden|forbidden/.test(stderr))
        return reached(`these credentials may not ${doing} (403 Forbidden): ${firstLine(stderr)}.`);
    if (/could not find the requested resource|NotFound|404/i.test(stderr))
        return reached(
            `it is not a Kubernetes API server: asked to ${doing}, it answered 404 Not Found (does the kubeconfig point at an Ingress, a UI or a proxy instead of the API server?).`,
        );
    return unreachable(`${firstLine(stderr) || `kubectl exited with status ${result.code}`}.`);
}

/**
 * Asks the API server for its version first, so a cluster that cannot be asked is said to be so, once, with its cause,
 * before anything is read; and a server that answers something other than a Kubernetes version (an HTTP server that
 * answers 404 to everything) is never mistaken for a cluster without Argo CD or Flux.
 */
export function checkReachable(target: KubeTarget): void {
    const r = run(target, ["get", "--raw", "/version"]);
    if (r.code !== 0 || r.timedOut)
        throw new ClusterReadError(describeFailure(target, r, "read its version (GET /version)"));
    let version: unknown;
    try {
        version = (JSON.parse(r.stdout) as { gitVersion?: unknown }).gitVersion;
    } catch {
        version = undefined;
    }
    if (typeof version !== "string")
        throw new ClusterReadError(
            `reached the cluster at ${redactUserinfo(target.server ?? "(the context's server)")}${target.context ? ` (context ${target.context})` : ""}, but it is not a Kubernetes API server: GET /version did not answer a Kubernetes version.`,
        );
}

/** The current context's name (for the report when none was named). */
export function currentContext(target: KubeTarget): string | undefined {
    if (target.context) return target.context;
    const r = run(target, ["config", "current-context"], { network: false });
    return r.code === 0 ? r.stdout.trim() : undefined;
}

const NOT_SERVED = /the server doesn't have a resource type|no matches for kind|could not find the requested resource/i;

/** Objects of a kind in a namespace, by name; undefined when the cluster does not serve the kind (no CRD). */
export function listByName(
    target: KubeTarget,
    resource: string,
    namespace: string,
): Record<string, KubeObject> | undefined {
    const r = run(target, ["get", resource, "-n", namespace, "-o", "json"]);
    if (r.code !== 0 || r.timedOut) {
        if (!r.timedOut && NOT_SERVED.test(r.stderr)) return undefined;
        throw new ClusterReadError(describeFailure(target, r, `list ${resource} in namespace ${namespace}`));
    }
    const list = JSON.parse(r.stdout) as { items?: KubeObject[] };
    return Object.fromEntries((list.items ?? []).map((o) => [o.metadata.name, o]));
}

/**
 * A Secret's data, or why it could not be read. Values stay in this file: callers keep key names (and, for SSH, the
 * public half) only.
 */
function readSecretData(
    target: KubeTarget,
    name: string,
    namespace: string,
): { found: boolean; readable: boolean; data: Record<string, string> } {
    const r = run(target, ["get", "secret", name, "-n", namespace, "-o", "json"]);
    if (r.code !== 0 || r.timedOut) {
        if (!r.timedOut && /NotFound|not found/i.test(r.stderr)) return { found: false, readable: false, data: {} };
        if (!r.timedOut && /Forbidden|forbidden/.test(r.stderr)) return { found: true, readable: false, data: {} };
        throw new ClusterReadError(describeFailure(target, r, `read the Secret ${namespace}/${name}`));
    }
    const data = ((JSON.parse(r.stdout) as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
    return { found: true, readable: true, data };
}

/** A Secret's key names (never a value): the webhook secret's. */
export function readSecretKeys(target: KubeTarget, name: string, namespace: string): CredentialState {
    const { found, readable, data } = readSecretData(target, name, namespace);
    return { found, readable, keys: Object.keys(data).sort() };
}

/**
 * What the credential Secret holds: key names, and for SSH the public key and its fingerprint (from identity.pub,
 * or derived from the private key, which is never kept or printed).
 */
export function readCredentials(target: KubeTarget, declared: DeclaredStack): CredentialState {
    const { secretName, namespace, kind } = declared.credentials;
    const { found, readable, data } = readSecretData(target, secretName, namespace);
    if (!readable) return { found, readable, keys: [] };
    const state: CredentialState = { found: true, readable: true, keys: Object.keys(data).sort() };
    if (kind === "ssh") {
        const decode = (key: string) => (data[key] ? Buffer.from(data[key], "base64").toString("utf8") : undefined);
        const publicKey =
            decode("identity.pub")?.trim() || sshPublicKey(decode("identity") ?? decode("sshPrivateKey") ?? "");
        if (publicKey) {
            state.publicKey = publicKey;
            state.fingerprint = sshFingerprint(publicKey);
        }
    }
    return state;
}

/**
 * Whether `path` exists at `revision` in a local checkout: `origin/<revision>` first (what the operator fetches, as
 * of the user's last `git fetch`), then the revision as given (a commit, a tag, a local branch).
 */
export function checkPath(repoDir: string, revision: string, path: string): PathCheck {
    const clean = path.replace(/^\.\//, "").replace(/\/+$/, "");
    const git = (args: string[]) => spawnSync("git", ["-C", repoDir, ...args], { encoding: "utf8", timeout: 30_000 });
    for (const ref of [`origin/${revision}`, revision]) {
        if (git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).status !== 0) continue;
        const exists = git(["cat-file", "-e", `${ref}:${clean}`]).status === 0;
        return { revision, path, checkedRef: ref, exists, revisionExists: true };
    }
    return { revision, path, revisionExists: false };
}

export interface CollectOptions {
    now?: Date;
    /** A local checkout of the GitOps repository (--repo). */
    repoDir?: string;
}

/** Reads everything the diagnosis of a declared stack needs. */
export function collectSnapshot(
    declared: DeclaredStack,
    target: KubeTarget,
    options: CollectOptions = {},
): ClusterSnapshot {
    const ns = declared.namespace;
    const snapshot: ClusterSnapshot = {
        now: options.now ?? new Date(),
        context: currentContext(target),
        pods: {},
        pathChecks: [],
        repoDir: options.repoDir,
    };
    if (declared.operator === "argocd") {
        snapshot.applications = listByName(target, "applications.argoproj.io", ns);
        if (snapshot.applications) snapshot.appProjects = listByName(target, "appprojects.argoproj.io", ns);
        if (snapshot.applications && declared.applicationSet) {
            snapshot.applicationSets = listByName(target, "applicationsets.argoproj.io", ns);
        }
    } else {
        snapshot.gitRepositories = listByName(target, "gitrepositories.source.toolkit.fluxcd.io", ns);
        snapshot.kustomizations = listByName(target, "kustomizations.kustomize.toolkit.fluxcd.io", ns);
    }
    snapshot.credentials = readCredentials(target, declared);
    if (declared.gitWebhook) {
        if (declared.gitWebhook.receiver)
            snapshot.receivers = listByName(target, "receivers.notification.toolkit.fluxcd.io", ns);
        snapshot.webhookSecret = readSecretKeys(target, declared.gitWebhook.secretName, ns);
    }
    for (const namespace of namespacesToInspect(declared, snapshot)) {
        const r = run(target, ["get", "pods", "-n", namespace, "-o", "json"]);
        snapshot.pods[namespace] = r.code === 0 ? ((JSON.parse(r.stdout) as { items?: KubeObject[] }).items ?? []) : [];
    }
    if (options.repoDir) {
        for (const { revision, path } of pathsToCheck(declared, snapshot)) {
            snapshot.pathChecks.push(checkPath(options.repoDir, revision, path));
        }
    }
    return snapshot;
}
