import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../../support/stacks";
import { cluster, kubectl } from "../support/cluster";
import { startFluxControllers, type FluxControllers, type FluxPorts } from "./controllers";
import { startGitServer, type GitServer } from "./gitServer";

export interface FluxTestbedOptions {
    /** Prefix of the run's temp directory under the OS temp dir (keys, repository, controller logs, artifacts). */
    name: string;
    /** The Flux namespace: the controllers watch only it, and stop() deletes it. */
    namespace: string;
    /** The git server's port and the controllers' (each test file has its own range). */
    ports: FluxPorts & { git: number };
    /** The namespaces besides the Flux one that stop() deletes: names, or a test of every namespace's name. */
    appNamespaces: readonly string[] | ((namespace: string) => boolean);
    /** Create the Flux namespace before the controllers start (default: the stack's own objects create it). */
    createNamespace?: boolean;
}

export interface FluxTestbed {
    /** The run's temp directory: the git server under `git/`, the controllers under `flux/`. */
    tmp: string;
    git: GitServer;
    flux: FluxControllers;
    /** The controllers' last `lines` log lines and the git server's last ten, for failure messages. */
    logs(lines?: number): string;
    /**
     * Deletes the Kustomizations, then the sources and notification objects, while the controllers still run to
     * clear their finalizers; then the namespaces (without waiting: nothing in them holds a finalizer any more),
     * stops the controllers and the git server, and removes the temp directory, which holds the generated deploy
     * key. Nothing is left Terminating, which matters on an existing cluster (GITOPS_STACK_EXISTING_CLUSTER=1).
     */
    stop(): Promise<void>;
}

/**
 * A loopback SSH git server serving a copy of gitops-repo/ (./gitServer.ts) and the Flux controllers watching
 * `namespace` (./controllers.ts), for a cluster test file's beforeAll; its afterAll calls stop(). If a step fails,
 * what was started is stopped and the namespaces are deleted before the error is thrown.
 */
export async function startFluxTestbed(options: FluxTestbedOptions): Promise<FluxTestbed> {
    const { namespace, ports } = options;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
    let git: GitServer | undefined;
    let flux: FluxControllers | undefined;

    const stop = async (): Promise<void> => {
        if (flux) {
            // Kustomizations first: they prune what they applied, and their sources must outlive them.
            for (const kinds of [
                "kustomizations.kustomize.toolkit.fluxcd.io",
                "gitrepositories.source.toolkit.fluxcd.io,alerts.notification.toolkit.fluxcd.io,providers.notification.toolkit.fluxcd.io,receivers.notification.toolkit.fluxcd.io",
            ]) {
                await kubectl(["delete", kinds, "--all", "-n", namespace, "--wait", "--timeout=90s"], { ok: false });
            }
        }
        const { appNamespaces } = options;
        const others =
            typeof appNamespaces === "function"
                ? (await kubectl(["get", "namespaces", "-o", "name"], { ok: false })).stdout
                      .split("\n")
                      .map((n) => n.replace(/^namespace\//, ""))
                      .filter((n) => n !== "" && n !== namespace && appNamespaces(n))
                : appNamespaces;
        await kubectl(["delete", "namespace", namespace, ...others, "--ignore-not-found", "--wait=false"], {
            ok: false,
        });
        await flux?.stop();
        await git?.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    };

    try {
        git = await startGitServer(path.join(tmp, "git"), path.join(ROOT, "gitops-repo"), ports.git);
        if (options.createNamespace) await kubectl(["create", "namespace", namespace]);
        flux = await startFluxControllers(path.join(tmp, "flux"), cluster().kubeconfig, namespace, ports);
    } catch (err) {
        await stop();
        throw err;
    }
    const started = { git, flux };
    return {
        tmp,
        ...started,
        logs: (lines = 25) =>
            `${started.flux.logs(lines)}\n--- gitserver\n${started.git.log().split("\n").slice(-10).join("\n")}`,
        stop,
    };
}
