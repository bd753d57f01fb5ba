import * as fs from "node:fs";
import * as path from "node:path";
import { binaryPath, clusterVersions, startLogged, stopProcess, waitForHttp, type Started } from "../flux/processes";
import { componentEnv, type ArgoComponent, type KubeConfigObject } from "./chartConfig";

/**
 * Loopback ports of the Argo CD testbed's processes. Two of them bind every address: Argo CD's application
 * controller and notifications controller serve their metrics on `:<port>` and have no flag to choose the address
 * (v3.2.11: `--metrics-port` only). They answer /metrics and /healthz there and nothing else.
 */
export interface ArgoCdPorts {
    redis: number;
    /** repo-server gRPC (TLS with a generated certificate, as in the chart) and its metrics/health. */
    repoServer: number;
    repoServerMetrics: number;
    /** application controller metrics and /healthz (all addresses, see above). */
    controllerMetrics: number;
    /** applicationset controller: metrics, health probes and its Git webhook, all on 127.0.0.1. */
    appsetMetrics: number;
    appsetProbe: number;
    appsetWebhook: number;
    /** notifications controller metrics (all addresses, see above). */
    notificationsMetrics: number;
    /** argocd-server (the API server: /api/webhook, the CLI's gRPC; TLS with a generated certificate) and its metrics. */
    server: number;
    serverMetrics: number;
}

export interface ArgoCdControllerOptions {
    /** Working directory: logs, TMPDIR (the repo-server's clones), the files the chart mounts. */
    dir: string;
    kubeconfig: string;
    /** The Argo CD namespace: the controllers manage the Applications, projects and settings in it only. */
    namespace: string;
    ports: ArgoCdPorts;
    /** The ConfigMaps and Secrets the chart renders for the stack (./chartConfig.ts), already applied. */
    config: readonly KubeConfigObject[];
    /** Run the notifications controller (the stack has notification channels). */
    notifications: boolean;
    /** Extra environment of the notifications controller (a loopback stand-in for the internet's endpoints). */
    notificationsEnv?: NodeJS.ProcessEnv;
}

export interface ArgoCdControllers {
    processes: Started[];
    /** The Argo CD multi-call binary, for `argocd admin ...` commands (the `argocd` CLI role). */
    binary: string;
    /** The environment the CLI role needs (PATH with kustomize/helm, KUBECONFIG). */
    cliEnv: NodeJS.ProcessEnv;
    logs(lines?: number): string;
    stop(): Promise<void>;
}

/** The versions of what the testbed runs (scripts/cluster/versions.sh). */
export function argoVersions(): { argocd: string; kustomize: string; helm: string } {
    const v = clusterVersions();
    return { argocd: v.ARGOCD_VERSION, kustomize: v.KUSTOMIZE_VERSION, helm: v.HELM_VERSION };
}

const BUILD = "scripts/cluster/build-argocd.sh";

/**
 * Runs Argo CD v3.2.11's components out of cluster against the apiserver in `kubeconfig`, as the argo-cd chart runs
 * them in pods: Redis (Debian's redis-server, as the chart's argocd-redis), the repo-server, the application
 * controller, the ApplicationSet controller and, when asked, the notifications controller and the API server. Each
 * is the multi-call binary with ARGOCD_BINARY_NAME naming its role, the chart's arguments, and the environment the
 * chart's pod template fills from argocd-cm and argocd-cmd-params-cm (componentEnv), the in-cluster Services
 * replaced by loopback addresses. `ARGOCD_FAKE_IN_CLUSTER=true` with KUBECONFIG makes the destination
 * https://kubernetes.default.svc mean the test cluster, reached with the kubeconfig's admin credentials (the chart's
 * application controller is cluster-admin through its ServiceAccount). The files the chart mounts from ConfigMaps
 * (known hosts, TLS certificates, GnuPG keys) are written from the same rendered ConfigMaps.
 */
export async function startArgoCdControllers(options: ArgoCdControllerOptions): Promise<ArgoCdControllers> {
    const { dir, ports, namespace, config } = options;
    const v = argoVersions();
    const binary = binaryPath("argocd", v.argocd, BUILD);
    // The repo-server finds kustomize, helm and (for HTTPS credentials) `argocd` as git's askpass on PATH.
    const tools = path.join(dir, "bin");
    fs.mkdirSync(tools, { recursive: true });
    // The image's helper scripts (gpg-wrapper.sh: GnuPG is on, as in the chart), from the same release module.
    const scripts = path.join(clusterVersions().CLUSTER_BIN, "..", `argocd-scripts-${v.argocd}`);
    if (!fs.existsSync(path.join(scripts, "gpg-wrapper.sh")))
        throw new Error(`${scripts} is missing: run ${BUILD} first`);
    for (const [name, target] of [
        ["kustomize", binaryPath("kustomize", v.kustomize, BUILD)],
        ["helm", binaryPath("helm", v.helm, BUILD)],
        ["argocd", binary],
        ["gpg-wrapper.sh", path.join(scripts, "gpg-wrapper.sh")],
        ["git-verify-wrapper.sh", path.join(scripts, "git-verify-wrapper.sh")],
    ]) {
        fs.rmSync(path.join(tools, name), { force: true });
        fs.symlinkSync(target, path.join(tools, name));
    }
    // What the chart mounts into the repo-server from ConfigMaps.
    const cm = (name: string) => config.find((o) => o.kind === "ConfigMap" && o.metadata.name === name)?.data ?? {};
    const mounted = (name: string, files: Record<string, string>) => {
        const d = path.join(dir, name);
        fs.mkdirSync(d, { recursive: true });
        for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(d, file), content);
        return d;
    };
    const sshData = mounted("ssh", cm("argocd-ssh-known-hosts-cm"));
    const tlsData = mounted("tls", cm("argocd-tls-certs-cm"));
    const gpgSource = mounted("gpg-source", cm("argocd-gpg-keys-cm"));
    const gnupgHome = mounted("gnupg", {});
    fs.chmodSync(gnupgHome, 0o700);
    const tmp = mounted("tmp", {});

    const loopback = { repoServer: `127.0.0.1:${ports.repoServer}`, redis: `127.0.0.1:${ports.redis}` };
    const base: NodeJS.ProcessEnv = {
        KUBECONFIG: options.kubeconfig,
        ARGOCD_FAKE_IN_CLUSTER: "true",
        PATH: `${tools}:${process.env.PATH}`,
        TMPDIR: tmp,
        HOME: tmp,
        ARGOCD_SSH_DATA_PATH: sshData,
        ARGOCD_TLS_DATA_PATH: tlsData,
        ARGOCD_GPG_DATA_PATH: gpgSource,
        ARGOCD_GNUPGHOME: gnupgHome,
        // One askpass socket per testbed (the default /tmp path would be shared by two testbeds on one machine).
        ARGOCD_ASK_PASS_SOCK: path.join(tmp, "reposerver-ask-pass.sock"),
    };
    const env = (component: ArgoComponent, role: string): NodeJS.ProcessEnv => ({
        ...base,
        ...componentEnv(component, config, loopback),
        ARGOCD_BINARY_NAME: role,
    });

    const processes: Started[] = [];
    const stop = async () => {
        await Promise.all([...processes].reverse().map((p) => stopProcess(p.child)));
    };
    const logs = (lines = 40) => processes.map((p) => `--- ${p.name} (${p.logFile})\n${p.tail(lines)}`).join("\n");
    try {
        // The chart's argocd-redis runs with persistence off (`--save "" --appendonly no`).
        const redis = startLogged(dir, "redis", "redis-server", [
            "--bind",
            "127.0.0.1",
            "--port",
            String(ports.redis),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tmp,
        ]);
        processes.push(redis);
        processes.push(
            startLogged(
                dir,
                "repo-server",
                binary,
                [
                    "--address=127.0.0.1",
                    `--port=${ports.repoServer}`,
                    "--metrics-address=127.0.0.1",
                    `--metrics-port=${ports.repoServerMetrics}`,
                ],
                env("repo-server", "argocd-repo-server"),
            ),
        );
        await waitForHttp(ports.repoServerMetrics, "/healthz", 60_000, logs);
        // argocd-server (the chart always installs it): the API and the Git webhook. At its first start it creates the
        // `default` project and writes argocd-secret's server.secretkey, which the ApplicationSet controller needs for
        // its webhook handler, so it starts first (in the chart, a controller that started earlier restarts).
        processes.push(
            startLogged(
                dir,
                "server",
                binary,
                [
                    "--address=127.0.0.1",
                    `--port=${ports.server}`,
                    `--metrics-port=${ports.serverMetrics}`,
                    `--namespace=${namespace}`,
                ],
                env("server", "argocd-server"),
            ),
        );
        await waitForHttp(ports.serverMetrics, "/metrics", 60_000, logs);
        processes.push(
            startLogged(
                dir,
                "application-controller",
                binary,
                [`--metrics-port=${ports.controllerMetrics}`, `--namespace=${namespace}`],
                env("application-controller", "argocd-application-controller"),
            ),
        );
        processes.push(
            startLogged(
                dir,
                "applicationset-controller",
                binary,
                [
                    `--metrics-addr=127.0.0.1:${ports.appsetMetrics}`,
                    `--probe-addr=127.0.0.1:${ports.appsetProbe}`,
                    `--webhook-addr=127.0.0.1:${ports.appsetWebhook}`,
                    `--namespace=${namespace}`,
                ],
                {
                    ...env("applicationset-controller", "argocd-applicationset-controller"),
                    // HA stacks run two replicas with leader election (the chart's preset). The testbed runs one, and
                    // out of cluster controller-runtime cannot find the election's namespace (it reads the pod's
                    // service account mount): "unable to find leader election namespace".
                    ARGOCD_APPLICATIONSET_CONTROLLER_ENABLE_LEADER_ELECTION: "false",
                },
            ),
        );
        if (options.notifications) {
            processes.push(
                startLogged(
                    dir,
                    "notifications-controller",
                    binary,
                    [
                        `--metrics-port=${ports.notificationsMetrics}`,
                        `--namespace=${namespace}`,
                        `--argocd-repo-server=${loopback.repoServer}`,
                        "--secret-name=argocd-notifications-secret",
                    ],
                    { ...env("notifications", "argocd-notifications"), ...options.notificationsEnv },
                ),
            );
        }
        await waitForHttp(ports.controllerMetrics, "/healthz", 60_000, logs);
        // It registers no health checks on its probe address; its metrics server answers once the manager runs.
        await waitForHttp(ports.appsetMetrics, "/metrics", 60_000, logs);
        if (options.notifications) await waitForHttp(ports.notificationsMetrics, "/metrics", 60_000, logs);
        // A component that fails its own start-up checks exits after opening its ports (the repo-server's GnuPG).
        await new Promise((r) => setTimeout(r, 1_000));
        const exited = processes.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null);
        if (exited.length > 0) throw new Error(`${exited.map((p) => p.name).join(", ")} exited at start-up\n${logs()}`);
    } catch (err) {
        await stop();
        throw err;
    }
    return { processes, binary, cliEnv: { ...base, ARGOCD_BINARY_NAME: "argocd" }, logs, stop };
}
