/**
 * The cluster tests' view of the Kubernetes control plane that ./globalSetup.ts starts once per run
 * (`npm run test:cluster`, vitest.cluster.config.mts). The whole API:
 *
 *   cluster()                    → ClusterInfo: kubeconfig path, whether it is the local control plane, the CRDs
 *   kubectl(args, {input, ok})   → { code, stdout, stderr } of `kubectl --kubeconfig <cluster> ...`; throws on a
 *                                  non-zero exit unless `ok: false` (then the caller asserts on the failure)
 *   kubectlJson(args)            → the parsed JSON of `kubectl ... -o json`
 *   canI(who, accesses)          → the apiserver's own answers (SubjectAccessReviews, one request) for a user
 *                                  with groups or a ServiceAccount, each access namespaced or cluster-wide
 *
 * Environment (read by globalSetup): GITOPS_STACK_EXISTING_CLUSTER=1 uses $KUBECONFIG's cluster instead of a local
 * one; CLUSTER_PORT_BASE moves the local one's ports; GITOPS_STACK_KEEP_CLUSTER=1 leaves it running after the run.
 * Processes a test starts against the cluster (controllers) get the kubeconfig from `cluster().kubeconfig`.
 *
 * The test files share the cluster and run one at a time, in file-name order: a file must stop what it starts
 * (controllers, servers) in its afterAll, or later files (e.g. stacks.test.ts, which asserts that a re-apply leaves
 * every resourceVersion alone) see its writes.
 */
import { spawn } from "node:child_process";
import { inject } from "vitest";

export interface ClusterInfo {
    /** Path of a kubeconfig whose current context is cluster-admin on the test cluster. */
    kubeconfig: string;
    /** true: the local control plane scripts/cluster/start.sh started for this run (thrown away after it). */
    local: boolean;
    /** The local control plane's directory (logs, pki, pids). */
    dir?: string;
    /** The local control plane's etcd (for tests that read what the apiserver stored). */
    etcdUrl?: string;
    /** Names of the pinned CRDs installed (or found, on an existing cluster). */
    crds: string[];
    /** Cache directories of the pinned CRD files (one per API module and version). */
    crdDirs?: string[];
    /** A scratch directory for this run (removed after it); renders are cached there across test files. */
    runDir: string;
}

declare module "vitest" {
    export interface ProvidedContext {
        cluster: ClusterInfo;
    }
}

export function cluster(): ClusterInfo {
    return inject("cluster");
}

export interface KubectlResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs kubectl against the test cluster. Throws (with stderr) on failure unless `ok: false`. */
export function kubectl(args: string[], options: { input?: string; ok?: boolean } = {}): Promise<KubectlResult> {
    const { kubeconfig } = cluster();
    return new Promise((resolve, reject) => {
        const child = spawn("kubectl", ["--kubeconfig", kubeconfig, ...args], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            const result = { code: code ?? -1, stdout, stderr };
            if (result.code !== 0 && options.ok !== false) {
                reject(new Error(`kubectl ${args.join(" ")} failed (exit ${result.code}): ${stderr.trim()}`));
            } else {
                resolve(result);
            }
        });
        child.stdin.end(options.input ?? "");
    });
}

export async function kubectlJson<T = unknown>(args: string[]): Promise<T> {
    return JSON.parse((await kubectl([...args, "-o", "json"])).stdout) as T;
}

/** Who asks: a user with groups, or a ServiceAccount (namespace/name). */
export type Subject = { user: string; groups?: string[] } | { serviceAccount: string };

/** What is asked: `verb` on `resource` (`deployments.apps`, `secrets`, `clusterroles.rbac.authorization.k8s.io/<name>`)
 * in `namespace` (omit: cluster-wide). */
export interface Access {
    verb: string;
    resource: string;
    namespace?: string;
}

/** The user and groups the apiserver gives a subject (a ServiceAccount's are what its token authenticates as). */
function identity(who: Subject): { user: string; groups: string[] } {
    if ("serviceAccount" in who) {
        const [namespace, name] = who.serviceAccount.split("/");
        return {
            user: `system:serviceaccount:${namespace}:${name}`,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
        };
    }
    return { user: who.user, groups: [...(who.groups ?? []), "system:authenticated"] };
}

/**
 * Asks the apiserver's authorizer (SubjectAccessReviews, all in one request) whether the subject may do each
 * access; answers in the same order.
 */
export async function canI(who: Subject, accesses: readonly Access[]): Promise<boolean[]> {
    if (accesses.length === 0) return [];
    const { user, groups } = identity(who);
    const reviews = accesses.map(({ verb, resource, namespace }) => {
        const [typeAndGroup, name] = resource.split("/");
        const dot = typeAndGroup.indexOf(".");
        return {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: {
                user,
                groups,
                resourceAttributes: {
                    verb,
                    resource: dot < 0 ? typeAndGroup : typeAndGroup.slice(0, dot),
                    group: dot < 0 ? "" : typeAndGroup.slice(dot + 1),
                    ...(name === undefined ? {} : { name }),
                    ...(namespace === undefined ? {} : { namespace }),
                },
            },
        };
    });
    // kubectl prints each created review on its own; one line per answer keeps them in order.
    const result = await kubectl(["create", "-f", "-", "-o", 'jsonpath={.status.allowed}{"\\n"}'], {
        input: JSON.stringify({ apiVersion: "v1", kind: "List", items: reviews }),
    });
    const answers = result.stdout.split("\n").filter((line) => line !== "");
    if (answers.length !== accesses.length || answers.some((a) => a !== "true" && a !== "false")) {
        throw new Error(
            `expected ${accesses.length} SubjectAccessReview answers, got ${JSON.stringify(result.stdout)}`,
        );
    }
    return answers.map((answer) => answer === "true");
}
