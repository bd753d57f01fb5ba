/**
 * vitest globalSetup of the cluster tests (vitest.cluster.config.mts): one Kubernetes control plane for the run.
 *
 * - Default: builds what the cache lacks (scripts/cluster/build.sh; a warm cache builds nothing), starts a local
 *   control plane (scripts/cluster/start.sh) in a new /tmp/gitops-stack-cluster-* directory on the ports from
 *   CLUSTER_PORT_BASE (default 26000), and stops it by PID after the run (scripts/cluster/stop.sh). Set
 *   GITOPS_STACK_KEEP_CLUSTER=1 to leave it running (its directory is printed) for a look afterwards.
 * - GITOPS_STACK_EXISTING_CLUSTER=1: the tests use the cluster of $KUBECONFIG's current context (kind, k3d, a real
 *   test cluster) and build or start nothing. It must be a throwaway cluster: the tests create namespaces, RBAC and
 *   the stacks' objects there.
 *
 * Either way the pinned Flux and Argo CD CRDs are then installed server-side (a CRD the existing cluster already has
 * is left as it is), and the tests get the kubeconfig path through `inject("cluster")` (see ./cluster.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import YAML from "yaml";
import type { ClusterInfo } from "./cluster";

const ROOT = path.resolve(__dirname, "../../..");
const SCRIPTS = path.join(ROOT, "scripts/cluster");

/** The CRD directories build.sh fills (keyed by module and version), as versions.sh names them. */
function crdDirs(): string[] {
    const out = execFileSync(
        "bash",
        [
            "-c",
            `. "${SCRIPTS}/versions.sh"; for m in $CRD_FLUX_MODULES $CRD_ARGOCD_MODULE $CRD_IMAGE_UPDATER_MODULE $CRD_ARGO_ROLLOUTS_MODULE $CRD_EXTERNAL_SECRETS_MODULE $CRD_SEALED_SECRETS_MODULE; do ` +
                `p="\${m%@*}"; echo "$CLUSTER_CACHE/crds/\${p//\\//_}-\${m##*@}"; done`,
        ],
        { encoding: "utf8" },
    );
    return out.split("\n").filter((line) => line !== "");
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
    const result = spawnSync(command, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (result.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    }
    return result.stdout;
}

function kubectl(kubeconfig: string, args: string[], input?: string): string {
    return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
    });
}

/** Applies the pinned CRDs (only those the cluster lacks when it is an existing one) and waits until established. */
function installCrds(kubeconfig: string, existing: boolean): string[] {
    const names: string[] = [];
    for (const dir of crdDirs()) {
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
            const content = fs.readFileSync(path.join(dir, file), "utf8");
            const name = (YAML.parse(content) as { metadata: { name: string } }).metadata.name;
            if (existing) {
                const found = spawnSync("kubectl", ["--kubeconfig", kubeconfig, "get", "crd", name], {
                    stdio: "ignore",
                });
                if (found.status === 0) {
                    names.push(name);
                    continue;
                }
            }
            // The charts install their CRDs with Helm; server-side apply keeps large CRDs (Argo CD's Application)
            // clear of the client-side last-applied annotation's size limit.
            kubectl(
                kubeconfig,
                ["apply", "--server-side", "--field-manager", "gitops-stack-tests", "-f", "-"],
                content,
            );
            names.push(name);
        }
    }
    kubectl(kubeconfig, [
        "wait",
        "--for",
        "condition=Established",
        "--timeout",
        "120s",
        ...names.map((n) => `crd/${n}`),
    ]);
    return names;
}

/** An existing cluster: $KUBECONFIG's current context; only missing CRD files are generated. */
function useExisting(runDir: string): ClusterInfo {
    const kubeconfig = process.env.KUBECONFIG ?? path.join(os.homedir(), ".kube/config");
    if (!fs.existsSync(kubeconfig)) {
        throw new Error(`GITOPS_STACK_EXISTING_CLUSTER=1 but no kubeconfig at ${kubeconfig} (set KUBECONFIG)`);
    }
    if (crdDirs().some((dir) => !fs.existsSync(dir))) run("bash", [path.join(SCRIPTS, "build.sh"), "crds"]);
    return { kubeconfig, local: false, crds: [], runDir };
}

/** The local control plane: build what the cache lacks, start it; `onStop` receives how to stop it. */
function startLocal(runDir: string, onStop: (stop: () => void) => void): ClusterInfo {
    const started = Date.now();
    run("bash", [path.join(SCRIPTS, "build.sh")]);
    const built = Date.now();
    const dir = run("bash", [path.join(SCRIPTS, "start.sh")]).trim();
    onStop(() => {
        if (process.env.GITOPS_STACK_KEEP_CLUSTER === "1") {
            console.log(`cluster left running: KUBECONFIG=${dir}/kubeconfig; stop: scripts/cluster/stop.sh ${dir}`);
        } else {
            run("bash", [path.join(SCRIPTS, "stop.sh"), dir]);
        }
    });
    const seconds = (ms: number): string => (ms / 1000).toFixed(1);
    console.log(`cluster: build ${seconds(built - started)} s, start ${seconds(Date.now() - built)} s (${dir})`);
    return {
        kubeconfig: path.join(dir, "kubeconfig"),
        local: true,
        dir,
        etcdUrl: `http://127.0.0.1:${Number(process.env.CLUSTER_PORT_BASE ?? 26000)}`,
        crds: [],
        runDir,
    };
}

export default function setup(project: TestProject): () => void {
    const existing = process.env.GITOPS_STACK_EXISTING_CLUSTER === "1";
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-cluster-run-"));
    let stopCluster = (): void => {};
    const stop = (): void => {
        fs.rmSync(runDir, { recursive: true, force: true });
        stopCluster();
    };
    try {
        const info = existing ? useExisting(runDir) : startLocal(runDir, (fn) => (stopCluster = fn));
        info.crds = installCrds(info.kubeconfig, existing);
        info.crdDirs = crdDirs();
        project.provide("cluster", info);
    } catch (err) {
        stop();
        throw err;
    }
    return stop;
}
