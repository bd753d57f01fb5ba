import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, type StackOptions } from "../../support/stacks";
import { cluster, kubectl } from "../support/cluster";
import { startGitServer, type GitServer } from "../flux/gitServer";
import { clusterVersions } from "../flux/processes";
import { applyObjects, getObject, waitFor, type KubeObject } from "../flux/kube";
import { renderChartConfig, type ChartConfig, type KubeConfigObject } from "./chartConfig";
import { startArgoCdControllers, type ArgoCdControllers, type ArgoCdPorts } from "./controllers";
import { argoServerConfig, argoStackObjects, creationWaves, type ArgoStackRun, type StackObject } from "./stackObjects";

export const ARGO_API = "argoproj.io/v1alpha1";
export const APPLICATIONS = "applications.argoproj.io";

export interface ArgoCdTestbedOptions {
    /** Prefix of the run's temp directory under the OS temp dir. */
    name: string;
    /** The committed stack whose program output the testbed runs. */
    stack: "dev" | "staging" | "prod";
    /** The Argo CD namespace (argocdNamespace): the controllers watch only it; stop() deletes it. */
    namespace: string;
    ports: ArgoCdPorts & { git: number };
    /** Further `key=value` overrides of the stack's configuration. */
    config?: string[];
    /** Secrets besides the deploy key (default: the test suite's TEST_SECRETS for the others). */
    secrets?: StackOptions["secrets"];
    /** An already running git server to read from (default: a new one serving a copy of gitops-repo/). */
    git?: GitServer;
    /**
     * Extra environment for the notifications controller (e.g. HTTPS_PROXY and SSL_CERT_FILE of a loopback
     * interceptor standing in for the internet's Slack or PagerDuty endpoints).
     */
    notificationsEnv?: NodeJS.ProcessEnv;
}

export interface ArgoCdTestbed {
    tmp: string;
    git: GitServer;
    namespace: string;
    /** The program's objects for the stack (the engine's view), the chart's values among them. */
    run: ArgoStackRun;
    /** The `key=value` overrides the stack ran with (no secret among them), e.g. for `npm run status --config`. */
    overrides: string[];
    /** The ConfigMaps and Secrets the chart renders from the stack's values, as applied. */
    chart: ChartConfig;
    argocd: ArgoCdControllers;
    /**
     * Creates the stack's objects as `pulumi up` would: in the order of the engine's recorded dependencies, each
     * object waiting for what it depends on, and for an object carrying `pulumi.com/waitFor`, until its conditions
     * hold as pulumi-kubernetes' own JSONPath package decides (scripts/waitfor). Only the engine's ordering is
     * emulated; the objects, their conditions and what Argo CD does are the real ones.
     */
    deploy(objects?: readonly StackObject[]): Promise<void>;
    /**
     * A later `pulumi up` of the stack with these overrides added to the first run's (each list replaces the
     * previous update's): the program runs again, the chart's ConfigMaps are re-applied (the controllers restart
     * when argocd-cmd-params-cm changed, as the chart's checksum annotations roll them), objects are created and
     * updated in the engine's dependency order, an object whose name changed under the same URN is replaced
     * (created, then the old one deleted: pulumi's default), and objects that left the program are deleted last, in
     * reverse dependency order, each waited for (finalizers included), unless retained. `secrets` replace the
     * stack's secrets of those names from this update on (`pulumi config set --secret`, e.g. a rotated
     * sshPrivateKey); the others keep their values.
     */
    update(config: string[], secrets?: StackOptions["secrets"], options?: UpdateOptions): Promise<StackUpdate>;
    /** An Argo CD object of the stack's namespace, or undefined. */
    get(kind: string, name: string): Promise<KubeObject | undefined>;
    /** Runs the `argocd` CLI role of the multi-call binary (e.g. `admin settings rbac can ...`). */
    cli(args: string[], options?: { cwd?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
    /** Asks Argo CD to refresh an Application now (the annotation `argocd app get --refresh` and webhooks set). */
    refresh(app: string, kind?: "normal" | "hard"): Promise<void>;
    logs(lines?: number): string;
    stop(): Promise<void>;
}

export interface UpdateOptions {
    /**
     * API servers of `clusters` entries that do not exist in the test (nothing answers there). The engine would wait
     * on their Applications' `pulumi.com/waitFor` until `pulumi.com/timeoutSeconds`; the update applies them and
     * does not wait, and only for Applications bound to these servers.
     */
    absentServers?: string[];
}

/** What an update did, as `kind/namespace/name` of each object. */
export interface StackUpdate {
    created: string[];
    updated: string[];
    replaced: string[];
    deleted: string[];
}

const identity = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** Applies one wave of objects; patches (Argo CD's default project) take over the fields they name, as patchForce. */
async function applyWave(objects: readonly StackObject[]): Promise<void> {
    const plainObjects = objects.filter((o) => !o.patch).map((o) => o.object);
    if (plainObjects.length > 0) await applyObjects(plainObjects, "pulumi-kubernetes");
    for (const p of objects.filter((o) => o.patch)) {
        // patchForce is the engine's instruction to the provider, not part of the patch.
        const metadata = { ...p.object.metadata };
        delete metadata.annotations;
        await kubectl(
            ["apply", "--server-side", "--force-conflicts", "--field-manager", "pulumi-kubernetes-patch", "-f", "-"],
            { input: JSON.stringify({ ...p.object, metadata }) },
        );
    }
}

/** scripts/waitfor's binary (build-argocd.sh keys it by a hash of its sources). */
function waitForBinary(): string {
    const src = path.join(ROOT, "scripts/waitfor");
    const key = createHash("sha256")
        .update(Buffer.concat(["main.go", "go.mod", "go.sum"].map((f) => fs.readFileSync(path.join(src, f)))))
        .digest("hex")
        .slice(0, 12);
    const file = path.join(clusterVersions().CLUSTER_BIN, `waitfor-${key}`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/cluster/build-argocd.sh waitfor`);
    return file;
}

interface WaitForAnswer {
    matched: boolean;
    results: Array<{ condition: string; matched: boolean; found?: string; message?: string }>;
}

/**
 * pulumi-kubernetes' await for `pulumi.com/waitFor`: polls the object until every condition holds, as the provider's
 * own JSONPath package decides (scripts/waitfor), within `pulumi.com/timeoutSeconds`; fails as `pulumi up` would.
 */
async function awaitConditions(o: KubeObject, explain: () => string): Promise<void> {
    const annotations = (o.metadata.annotations ?? {}) as Record<string, string>;
    const raw = annotations["pulumi.com/waitFor"];
    if (!raw) return;
    const timeout = Number(annotations["pulumi.com/timeoutSeconds"] ?? 600);
    const resource = `${o.kind.toLowerCase()}.${o.apiVersion.split("/")[0]}`;
    const binary = waitForBinary();
    let last: WaitForAnswer | undefined;
    await waitFor(
        `${o.kind} ${o.metadata.name}: ${raw}`,
        timeout * 1000,
        async () => {
            const live = await getObject(resource, o.metadata.name, String(o.metadata.namespace));
            if (!live) return undefined;
            last = JSON.parse(execFileSync(binary, [raw], { input: JSON.stringify(live), encoding: "utf8" }));
            return last!.matched ? true : undefined;
        },
        () => `(as \`pulumi up\` would fail) last answer: ${JSON.stringify(last?.results)}\n${explain()}`,
        1000,
    );
}

/**
 * The Argo CD testbed: a loopback SSH git server serving a copy of gitops-repo/, the stack's Argo CD configuration
 * rendered from its Helm values as the pinned chart renders it (./chartConfig.ts), and Argo CD v3.2.11's own
 * controllers watching `namespace` (./controllers.ts). The stack's program runs under the offline engine with its
 * repository pointed at the git server (deploy key made for the run, host key pinned through sshKnownHosts), its Argo
 * CD namespace its own; nothing else differs from the committed stack. The apps deploy into their committed
 * namespaces (guestbook-dev, ...), which stop() deletes and waits for.
 * The argo-cd Helm release itself is not installed (its ConfigMaps are applied and its controllers run), nor are the
 * cluster-wide ClusterRole and ClusterRoleBinding of the people's read access (the same names other cluster tests
 * apply; accessControl.test.ts checks them).
 */
export async function startArgoCdTestbed(options: ArgoCdTestbedOptions): Promise<ArgoCdTestbed> {
    const { namespace, ports, stack } = options;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
    const ownGit = options.git === undefined;
    let git: GitServer | undefined = options.git;
    let argocd: ArgoCdControllers | undefined;
    const appNamespaces = new Set<string>();
    /** Every Application the stack's program declared in this testbed's life (update() adds its new ones). */
    const declaredApplications: KubeObject[] = [];

    const stop = async (): Promise<void> => {
        // The namespaces the Applications deployed into (Argo CD creates them: CreateNamespace=true): those of the
        // stack's Applications (a prod Application deleted by a test leaves its workloads) and of any live one.
        for (const o of declaredApplications) {
            const target = o.spec?.destination?.namespace as string | undefined;
            if (target && target !== namespace) appNamespaces.add(target);
        }
        const apps = await kubectl(["get", APPLICATIONS, "-n", namespace, "-o", "json"], { ok: false });
        if (apps.code === 0) {
            for (const a of JSON.parse(apps.stdout).items as KubeObject[]) {
                const target = a.spec?.destination?.namespace as string | undefined;
                if (target && target !== namespace) appNamespaces.add(target);
            }
        }
        if (argocd) {
            // Applications first, while the controllers run to process their finalizers (dev and staging cascade;
            // prod's carry none and leave their workloads), then ApplicationSets and projects.
            for (const kinds of ["applicationsets.argoproj.io", APPLICATIONS, "appprojects.argoproj.io"]) {
                await kubectl(["delete", kinds, "--all", "-n", namespace, "--wait", "--timeout=90s"], { ok: false });
            }
        }
        // Anything still holding a finalizer (a controller that died) must not keep a namespace Terminating.
        const left = await kubectl(["get", APPLICATIONS, "-n", namespace, "-o", "name"], { ok: false });
        for (const name of left.stdout.split("\n").filter(Boolean)) {
            await kubectl(["patch", name, "-n", namespace, "--type=merge", "-p", '{"metadata":{"finalizers":null}}'], {
                ok: false,
            });
        }
        // The apps' namespaces are the committed stack's own (guestbook-dev, ...): the overlays in Git name them, and
        // Argo CD, unlike Flux's targetNamespace, cannot move them. So they are deleted and waited for, leaving the
        // shared cluster as the next test file expects it.
        await kubectl(["delete", "namespace", ...appNamespaces, "--ignore-not-found", "--wait", "--timeout=120s"], {
            ok: false,
        });
        await kubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=false"], { ok: false });
        await argocd?.stop();
        if (ownGit) await git?.stop();
        // GITOPS_STACK_KEEP_LOGS=1 keeps the controllers' logs (and the generated deploy key) for a look.
        if (process.env.GITOPS_STACK_KEEP_LOGS === "1") console.log(`Argo CD testbed files kept in ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    };

    try {
        git ??= await startGitServer(path.join(tmp, "git"), path.join(ROOT, "gitops-repo"), ports.git);
        const baseOverrides = [...argoServerConfig(git, namespace), ...(options.config ?? [])];
        let secrets: StackOptions["secrets"] = { sshPrivateKey: git.deployKey, ...options.secrets };
        const runProgram = async (overrides: string[]) => {
            const run = await argoStackObjects(stack, { config: overrides, secrets });
            // The cluster-wide people's RBAC is shared with other tests (see above).
            run.objects = run.objects.filter(
                (o) => o.object.kind !== "ClusterRole" && o.object.kind !== "ClusterRoleBinding",
            );
            const ns = run.objects.find((o) => o.object.kind === "Namespace" && o.object.metadata.name === namespace);
            if (!ns) throw new Error(`stack ${stack} declares no Namespace ${namespace}`);
            return { run: { ...run, objects: run.objects.filter((o) => o !== ns) }, ns };
        };
        const startControllers = (chart: ChartConfig) =>
            startArgoCdControllers({
                dir: path.join(tmp, "argocd"),
                kubeconfig: cluster().kubeconfig,
                namespace,
                ports,
                config: chart.objects,
                notifications: chart.objects.some((o) => o.metadata.name === "argocd-notifications-cm"),
                notificationsEnv: options.notificationsEnv,
            });

        let overrides = baseOverrides;
        const first = await runProgram(overrides);
        let run = first.run;
        const remember = (objects: readonly StackObject[]) =>
            declaredApplications.push(...objects.filter((o) => o.object.kind === "Application").map((o) => o.object));
        remember(run.objects);
        let chart = renderChartConfig(run.argoCdValues, namespace);

        // The Helm release's part: the namespace, then what the chart renders into it, then its controllers.
        await applyWave([first.ns]);
        await applyObjects(chart.objects as unknown as KubeObject[], "helm");
        argocd = await startControllers(chart);
        // argocd-server creates the built-in `default` project at start; the program's patch needs it.
        await waitFor(
            "argocd-server to create the default AppProject",
            60_000,
            async () => (await getObject("appprojects.argoproj.io", "default", namespace)) ?? undefined,
            () => argocd!.logs(),
        );

        const gitServer = git;
        const logs = (lines = 30) =>
            `${argocd!.logs(lines)}\n--- gitserver\n${gitServer.log().split("\n").slice(-10).join("\n")}`;
        const deployObjects = async (objects: readonly StackObject[], absentServers: readonly string[] = []) => {
            const absent = (o: KubeObject) =>
                o.kind === "Application" && absentServers.includes(String(o.spec?.destination?.server));
            for (const wave of creationWaves(objects)) {
                await applyWave(wave);
                for (const o of wave) if (!absent(o.object)) await awaitConditions(o.object, () => logs());
            }
        };
        const deleteObject = async (o: KubeObject) => {
            const resource = `${o.kind.toLowerCase()}${o.apiVersion.includes("/") ? `.${o.apiVersion.split("/")[0]}` : ""}`;
            const scope = o.metadata.namespace ? ["-n", String(o.metadata.namespace)] : [];
            await kubectl([
                "delete",
                resource,
                o.metadata.name,
                ...scope,
                "--ignore-not-found",
                "--wait",
                "--timeout=600s",
            ]);
        };
        const testbed: ArgoCdTestbed = {
            tmp,
            git,
            namespace,
            get run() {
                return run;
            },
            get overrides() {
                return overrides;
            },
            get chart() {
                return chart;
            },
            get argocd() {
                return argocd!;
            },
            deploy: (objects = run.objects) => deployObjects(objects),
            async update(config, changedSecrets, options = {}) {
                const before = run;
                const beforeChart = chart;
                overrides = [...baseOverrides, ...config];
                if (changedSecrets) secrets = { ...secrets, ...changedSecrets };
                run = (await runProgram(overrides)).run;
                remember(run.objects);
                chart = renderChartConfig(run.argoCdValues, namespace);
                // The Helm release's update: its ConfigMaps, and a rollout of the controllers if their flags changed.
                await applyObjects(chart.objects as unknown as KubeObject[], "helm");
                const params = (c: ChartConfig) =>
                    JSON.stringify(c.objects.find((o) => o.metadata.name === "argocd-cmd-params-cm")?.data);
                const notifications = (c: ChartConfig) =>
                    c.objects.some((o) => o.metadata.name === "argocd-notifications-cm");
                if (params(chart) !== params(beforeChart) || notifications(chart) !== notifications(beforeChart)) {
                    await argocd!.stop();
                    argocd = await startControllers(chart);
                }
                const old = new Map(before.objects.map((o) => [o.urn, o]));
                const now = new Map(run.objects.map((o) => [o.urn, o]));
                const result: StackUpdate = { created: [], updated: [], replaced: [], deleted: [] };
                const replacedOld: StackObject[] = [];
                for (const o of run.objects) {
                    const prior = old.get(o.urn);
                    if (!prior) result.created.push(identity(o.object));
                    else if (identity(prior.object) !== identity(o.object)) {
                        result.replaced.push(`${identity(prior.object)} -> ${identity(o.object)}`);
                        replacedOld.push(prior);
                    } else result.updated.push(identity(o.object));
                }
                await deployObjects(run.objects, options.absentServers);
                // Then what left the program or was replaced, dependents first (reverse creation order).
                const gone = [...replacedOld, ...before.objects.filter((o) => !now.has(o.urn))];
                const order = creationWaves(before.objects).flat().reverse();
                for (const o of order.filter((x) => gone.includes(x))) {
                    if (o.retain || o.patch) continue;
                    await deleteObject(o.object);
                    if (!now.has(o.urn)) result.deleted.push(identity(o.object));
                }
                return result;
            },
            get: (kind, name) => getObject(kind, name, namespace),
            cli: (args, opts = {}) =>
                new Promise((resolve) => {
                    execFile(
                        argocd!.binary,
                        args,
                        { env: { ...process.env, ...argocd!.cliEnv }, cwd: opts.cwd, timeout: 60_000 },
                        (err, stdout, stderr) =>
                            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
                    );
                }),
            refresh: async (app, kind = "normal") => {
                await kubectl([
                    "annotate",
                    "--overwrite",
                    `${APPLICATIONS}/${app}`,
                    "-n",
                    namespace,
                    `argocd.argoproj.io/refresh=${kind}`,
                ]);
            },
            logs,
            stop,
        };
        return testbed;
    } catch (err) {
        await stop();
        throw err;
    }
}

export type { KubeConfigObject };

/**
 * The testbed's loopback ports from `base` (before GITOPS_STACK_TEST_PORT_OFFSET): base..base+10, and base+11..+19
 * for the file's receivers (Slack/PagerDuty interceptor, SMTP sink, ...).
 */
export function argoPortTable(base: number): ArgoCdPorts & { git: number } {
    return {
        git: base,
        redis: base + 1,
        repoServer: base + 2,
        repoServerMetrics: base + 3,
        controllerMetrics: base + 4,
        appsetMetrics: base + 5,
        appsetProbe: base + 6,
        appsetWebhook: base + 7,
        notificationsMetrics: base + 8,
        server: base + 9,
        serverMetrics: base + 10,
    };
}
