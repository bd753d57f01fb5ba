/**
 * The cluster tests' view of the Kubernetes control plane that ./globalSetup.ts starts once per run
 * (`npm run test:cluster`, vitest.cluster.config.mts). The whole API:
 *
 *   cluster()                    → ClusterInfo: kubeconfig path, whether it is the local control plane, the CRDs
 *   kubectl(args, {input, ok})   → { code, stdout, stderr } of `kubectl --kubeconfig <cluster> ...`; throws on a
 *                                  non-zero exit unless `ok: false` (then the caller asserts on the failure)
 *   kubectlJson(args)            → the parsed JSON of `kubectl ... -o json`
 *   canI(verb, resource, as)     → the apiserver's own answer (`kubectl auth can-i`) for a user, groups or a
 *                                  ServiceAccount, namespaced or cluster-wide
 *
 * Environment (read by globalSetup): GITOPS_STACK_EXISTING_CLUSTER=1 uses $KUBECONFIG's cluster instead of a local
 * one; CLUSTER_PORT_BASE moves the local one's ports; GITOPS_STACK_KEEP_CLUSTER=1 leaves it running after the run.
 * Processes a test starts against the cluster (controllers) get the kubeconfig from `cluster().kubeconfig`.
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

/**
 * Asks the apiserver (a SubjectAccessReview through `kubectl auth can-i`) whether the subject may do `verb` on
 * `resource` (`kustomizations.kustomize.toolkit.fluxcd.io`, `namespaces`, ...) in `namespace` (omit: cluster-wide).
 */
export async function canI(verb: string, resource: string, who: Subject, namespace?: string): Promise<boolean> {
    const as =
        "serviceAccount" in who
            ? [`--as=system:serviceaccount:${who.serviceAccount.replace("/", ":")}`]
            : [`--as=${who.user}`, ...(who.groups ?? []).map((g) => `--as-group=${g}`)];
    const scope = namespace === undefined ? [] : ["--namespace", namespace];
    const result = await kubectl(["auth", "can-i", verb, resource, ...scope, ...as], { ok: false });
    const answer = result.stdout.trim();
    if (answer !== "yes" && answer !== "no") {
        throw new Error(`kubectl auth can-i ${verb} ${resource}: unexpected answer ${JSON.stringify(result)}`);
    }
    return answer === "yes";
}
