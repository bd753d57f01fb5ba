import * as fs from "node:fs";
import * as path from "node:path";
import { KUSTOMIZE_CONTROLLER_ARGS } from "../../../src/flux/flux";
import { binaryPath, clusterVersions, startLogged, stopProcess, waitForHttp, type Started } from "./processes";

/** Loopback ports of the three controllers (all in the cluster tests' range). */
export interface FluxPorts {
    /** source-controller's artifact server (kustomize-controller downloads the Git artifacts from it). */
    storage: number;
    /** notification-controller's event receiver (the other controllers post their events to it). */
    events: number;
    /** notification-controller's webhook receiver (Receiver objects; unused, but it must bind somewhere). */
    webhooks: number;
    /** First of six ports: metrics and health for each controller. */
    probesBase: number;
}

export interface FluxControllers {
    processes: Started[];
    /** The last lines of every controller's log, for failure messages. */
    logs(lines?: number): string;
    stop(): Promise<void>;
}

/**
 * Runs source-controller, kustomize-controller and notification-controller out of cluster against the apiserver in
 * `kubeconfig`, with the flags the flux2 chart sets for `multitenancy.enabled` (no cross-namespace references; a
 * Kustomization without serviceAccountName impersonates `default`), watching the Flux objects in `namespace`. They
 * authenticate with the kubeconfig's admin credentials, which may impersonate, as the chart's cluster-admin
 * ServiceAccounts may.
 */
export async function startFluxControllers(
    dir: string,
    kubeconfig: string,
    namespace: string,
    ports: FluxPorts,
): Promise<FluxControllers> {
    const v = clusterVersions();
    const env = { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: namespace };
    const events = `http://127.0.0.1:${ports.events}/`;
    const probes = (i: number) => [
        `--metrics-addr=127.0.0.1:${ports.probesBase + 2 * i}`,
        `--health-addr=127.0.0.1:${ports.probesBase + 2 * i + 1}`,
    ];
    // Only `namespace` (RUNTIME_NAMESPACE) is watched: the test cluster is shared, and Flux objects other tests apply
    // (pointing at github.com) must not be reconciled from here.
    const common = ["--log-level=debug", "--log-encoding=console", "--watch-all-namespaces=false"];
    const storage = path.join(dir, "artifacts");
    fs.mkdirSync(storage, { recursive: true });

    const processes: Started[] = [];
    const stop = async () => {
        await Promise.all(processes.map((p) => stopProcess(p.child)));
    };
    const logs = (lines = 40) => processes.map((p) => `--- ${p.name} (${p.logFile})\n${p.tail(lines)}`).join("\n");
    try {
        // notification-controller first: the others post their events to it from their first reconciliation.
        processes.push(
            startLogged(
                dir,
                "notification-controller",
                binaryPath("notification-controller", v.FLUX_NOTIFICATION_CONTROLLER_VERSION),
                [
                    ...common,
                    ...probes(0),
                    `--events-addr=127.0.0.1:${ports.events}`,
                    `--receiverAddr=127.0.0.1:${ports.webhooks}`,
                    "--no-cross-namespace-refs=true",
                ],
                env,
            ),
        );
        processes.push(
            startLogged(
                dir,
                "source-controller",
                binaryPath("source-controller", v.FLUX_SOURCE_CONTROLLER_VERSION),
                [
                    ...common,
                    ...probes(1),
                    `--events-addr=${events}`,
                    `--storage-path=${storage}`,
                    `--storage-addr=127.0.0.1:${ports.storage}`,
                    `--storage-adv-addr=127.0.0.1:${ports.storage}`,
                ],
                env,
            ),
        );
        processes.push(
            startLogged(
                dir,
                "kustomize-controller",
                binaryPath("kustomize-controller", v.FLUX_KUSTOMIZE_CONTROLLER_VERSION),
                [
                    ...common,
                    ...probes(2),
                    `--events-addr=${events}`,
                    "--no-cross-namespace-refs=true",
                    "--default-service-account=default",
                    // What the program adds to the chart's flags (src/flux/flux.ts), so the tests run it as stacks do.
                    ...KUSTOMIZE_CONTROLLER_ARGS,
                ],
                env,
            ),
        );
        // Each serves /readyz on its health port once its manager runs.
        for (const [i, p] of processes.entries()) {
            await waitForHttp(ports.probesBase + 2 * i + 1, "/readyz", 30_000, () => `${p.name}:\n${p.tail()}`);
        }
    } catch (err) {
        await stop();
        throw err;
    }
    return { processes, logs, stop };
}
