/**
 * The status command's I/O: reads the cluster with `kubectl get -o json` (no client library, no dependency) and,
 * with --repo, a local checkout with `git cat-file`. Everything it gathers goes into a ClusterSnapshot for the pure
 * diagnosis. Secrets: only key names and the SSH public key (and its fingerprint) leave this file; a private key
 * read to derive the public half stays in memory.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
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

/** The cluster could not be read (unreachable, forbidden): a person must look (exit code 1). */
export class ClusterReadError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ClusterReadError";
    }
}

export interface KubeTarget {
    kubeconfig?: string;
    context?: string;
    /** kubectl binary. @default "kubectl" */
    kubectl?: string;
}

function run(target: KubeTarget, args: string[]): { code: number; stdout: string; stderr: string } {
    const global = [
        ...(target.kubeconfig ? ["--kubeconfig", target.kubeconfig] : []),
        ...(target.context ? ["--context", target.context] : []),
    ];
    const result = spawnSync(target.kubectl ?? "kubectl", [...global, ...args], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        timeout: 60_000,
        env: process.env,
    });
    if (result.error) {
        const err = result.error as NodeJS.ErrnoException;
        if (err.code === "ENOENT") {
            throw new StatusUsageError(`kubectl was not found on PATH; the status command reads the cluster with it.`);
        }
        throw new ClusterReadError(`kubectl ${args.join(" ")} failed: ${err.message}`);
    }
    return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr.trim() };
}

/**
 * The context to use: --context, else the stack's `kubernetes:context`, else the kubeconfig's only context.
 * A kubeconfig that cannot be read or a context it does not have is a usage error naming the contexts it has.
 */
export function resolveContext(target: KubeTarget, stackContext: string | undefined, stack: string): KubeTarget {
    if (target.kubeconfig) {
        try {
            fs.accessSync(target.kubeconfig, fs.constants.R_OK);
        } catch {
            throw new StatusUsageError(`--kubeconfig ${target.kubeconfig}: the file cannot be read.`);
        }
    }
    const { kubeconfig, kubectl } = target;
    const list = run({ kubeconfig, kubectl }, ["config", "get-contexts", "-o", "name"]);
    if (list.code !== 0) {
        throw new StatusUsageError(`The kubeconfig cannot be read: ${list.stderr}`);
    }
    const contexts = list.stdout
        .split("\n")
        .map((c) => c.trim())
        .filter(Boolean);
    const wanted = target.context ?? stackContext;
    if (wanted === undefined) {
        // As pulumi up does, never fall back to whatever context is current: that may be another environment's
        // cluster. A kubeconfig with a single context is unambiguous.
        if (contexts.length === 1) return { ...target, context: contexts[0] };
        throw new StatusUsageError(
            `Stack ${stack} sets no kubernetes:context and --context was not given; the kubeconfig${kubeconfig ? ` ${kubeconfig}` : ""} has ${contexts.length === 0 ? "no contexts" : `several: ${contexts.join(", ")}`}. Pass --context <name> (or pulumi config set kubernetes:context <name>).`,
        );
    }
    if (!contexts.includes(wanted)) {
        const from = target.context ? "--context" : `stack ${stack}'s kubernetes:context`;
        throw new StatusUsageError(
            `Context "${wanted}" (${from}) is not in the kubeconfig${kubeconfig ? ` ${kubeconfig}` : ""}; it has: ${contexts.join(", ") || "none"}. Pass --context <name>.`,
        );
    }
    return { ...target, context: wanted };
}

/** The current context's name (for the report when none was named). */
export function currentContext(target: KubeTarget): string | undefined {
    if (target.context) return target.context;
    const r = run(target, ["config", "current-context"]);
    return r.code === 0 ? r.stdout.trim() : undefined;
}

const NOT_SERVED = /the server doesn't have a resource type|no matches for kind|could not find the requested resource/i;

/** Objects of a kind in a namespace, by name; undefined when the cluster does not serve the kind (no CRD). */
export function listByName(
    target: KubeTarget,
    resource: string,
    namespace: string,
): Record<string, KubeObject> | undefined {
    const r = run(target, ["get", resource, "-n", namespace, "-o", "json", "--request-timeout=30s"]);
    if (r.code !== 0) {
        if (NOT_SERVED.test(r.stderr)) return undefined;
        throw new ClusterReadError(`kubectl get ${resource} -n ${namespace}: ${r.stderr}`);
    }
    const list = JSON.parse(r.stdout) as { items?: KubeObject[] };
    return Object.fromEntries((list.items ?? []).map((o) => [o.metadata.name, o]));
}

/**
 * What the credential Secret holds: key names, and for SSH the public key and its fingerprint (from identity.pub,
 * or derived from the private key, which is never kept or printed).
 */
export function readCredentials(target: KubeTarget, declared: DeclaredStack): CredentialState {
    const { secretName, namespace, kind } = declared.credentials;
    const r = run(target, ["get", "secret", secretName, "-n", namespace, "-o", "json", "--request-timeout=30s"]);
    if (r.code !== 0) {
        if (/NotFound|not found/i.test(r.stderr)) return { found: false, readable: false, keys: [] };
        if (/Forbidden|forbidden/.test(r.stderr)) return { found: true, readable: false, keys: [] };
        throw new ClusterReadError(`kubectl get secret ${secretName} -n ${namespace}: ${r.stderr}`);
    }
    const data = ((JSON.parse(r.stdout) as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
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
    for (const namespace of namespacesToInspect(declared, snapshot)) {
        const r = run(target, ["get", "pods", "-n", namespace, "-o", "json", "--request-timeout=30s"]);
        snapshot.pods[namespace] = r.code === 0 ? ((JSON.parse(r.stdout) as { items?: KubeObject[] }).items ?? []) : [];
    }
    if (options.repoDir) {
        for (const { revision, path } of pathsToCheck(declared, snapshot)) {
            snapshot.pathChecks.push(checkPath(options.repoDir, revision, path));
        }
    }
    return snapshot;
}
