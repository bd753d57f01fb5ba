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
            `. "${SCRIPTS}/versions.sh"; for m in $CRD_FLUX_MODULES $CRD_ARGOCD_MODULE $CRD_IMAGE_UPDATER_MODULE; do ` +
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

export default function setup(project: TestProject): () => void {
    const existing = process.env.GITOPS_STACK_EXISTING_CLUSTER === "1";
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-cluster-run-"));
    let info: ClusterInfo;
    let stopCluster = (): void => {};
    const stop = (): void => {
        fs.rmSync(runDir, { recursive: true, force: true });
        stopCluster();
    };
    if (existing) {
        const kubeconfig = process.env.KUBECONFIG ?? path.join(os.homedir(), ".kube/config");
        if (!fs.existsSync(kubeconfig)) {
            throw new Error(`GITOPS_STACK_EXISTING_CLUSTER=1 but no kubeconfig at ${kubeconfig} (set KUBECONFIG)`);
        }
        // Only the CRD generation may need controller-gen, and only for a CRD the cluster lacks.
        info = { kubeconfig, local: false, crds: [], runDir };
        if (crdDirs().some((dir) => !fs.existsSync(dir))) run("bash", [path.join(SCRIPTS, "build.sh"), "crds"]);
    } else {
        const started = Date.now();
        run("bash", [path.join(SCRIPTS, "build.sh")]);
        const built = Date.now();
        const dir = run("bash", [path.join(SCRIPTS, "start.sh")]).trim();
        const dirForStop = dir;
        stopCluster = () => {
            if (process.env.GITOPS_STACK_KEEP_CLUSTER === "1") {
                console.log(
                    `cluster left running: KUBECONFIG=${dirForStop}/kubeconfig; stop: scripts/cluster/stop.sh ${dirForStop}`,
                );
                return;
            }
            run("bash", [path.join(SCRIPTS, "stop.sh"), dirForStop]);
        };
        info = {
            kubeconfig: path.join(dir, "kubeconfig"),
            local: true,
            dir,
            etcdUrl: `http://127.0.0.1:${Number(process.env.CLUSTER_PORT_BASE ?? 26000)}`,
            crds: [],
            runDir,
        };
        console.log(
            `cluster: build check ${((built - started) / 1000).toFixed(1)} s, start ${((Date.now() - built) / 1000).toFixed(1)} s (${dir})`,
        );
    }
    try {
        info.crds = installCrds(info.kubeconfig, existing);
        info.crdDirs = crdDirs();
    } catch (err) {
        stop();
        throw err;
    }
    project.provide("cluster", info);
    return stop;
}
