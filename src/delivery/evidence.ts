/**
 * Promotion with evidence (issue 21): before `promote` copies the source environment's pins, it reads that
 * environment's live state with the code of `npm run status` (src/status: the stack's declared objects, the
 * cluster's Applications or Kustomizations and GitRepository, the same diagnosis) and checks, per app:
 * - the operator reports it fine: Argo CD Synced and Healthy; Flux Ready, with a readable GitRepository;
 * - the revision it applied pins exactly the images being promoted (read from that commit in the checkout);
 * - the workloads in the app's namespace are available and run those images, and each Argo Rollout is Healthy
 *   with its newest AnalysisRun Successful (dev and staging Flux Kustomizations do not `wait`, so Ready alone would
 *   only mean "applied").
 * The PR body carries what was found (revision, health, when it was checked).
 */
import {
    ClusterReadError,
    declaredStack,
    diagnose,
    loadStack,
    StatusUsageError,
    type KubeObject,
    type ObjectReport,
} from "../status";
import type { DeclaredApplication } from "../status/declared";
import { collectSnapshot, listByName, resolveContext, type KubeTarget } from "../status/kube";
import { DeliveryError, UsageError } from "./errors";
import type { Git } from "./git";
import { fullPin, type Pin } from "./oci";
import { readImages } from "./overlay";

/** One app to verify: where its source overlay is and what is being promoted from it. */
export interface AppToVerify {
    readonly app: string;
    readonly sourceFile: string;
    readonly pins: ReadonlyArray<{ readonly name: string; readonly newName?: string; readonly pin: Pin }>;
}

export interface AppEvidence {
    readonly app: string;
    /** `Kustomization flux-system/staging-guestbook`, `Application argocd/staging-guestbook`. */
    readonly objects: string[];
    /** What the operator reports: `Ready True (ReconciliationSucceeded)`, `Synced, Healthy`. */
    readonly state: string;
    /** The revision the operator applied (`main@sha1:<sha>` or a commit SHA). */
    readonly revision: string;
    /** Workloads found in the app's namespace with their availability and images. */
    readonly workloads: string[];
    /** What is not as promised; empty when the app runs healthy at the promoted images. */
    readonly problems: string[];
}

export interface Evidence {
    readonly stack: string;
    readonly env: string;
    readonly operator: "argocd" | "flux";
    readonly context?: string;
    readonly checkedAt: Date;
    readonly apps: AppEvidence[];
}

export interface EvidenceOptions {
    /** Directory of the Pulumi.<stack>.yaml files. */
    readonly stackDir: string;
    /** The source environment's stack. */
    readonly stack: string;
    readonly config: readonly string[];
    readonly kubeconfig?: string;
    readonly context?: string;
    readonly now?: Date;
}

/** The image reference Kustomize renders for a pin: `newName:tag@digest`. */
export function renderedReference(name: string, newName: string | undefined, pin: Pin): string {
    return `${newName ?? name}${pin.tag !== undefined ? `:${pin.tag}` : ""}${pin.digest !== undefined ? `@${pin.digest}` : ""}`;
}

/** A commit SHA in an operator's revision: `main@sha1:<sha>` (Flux) or the SHA itself (Argo CD). */
export function commitOfRevision(revision: string | undefined): string | undefined {
    if (!revision) return undefined;
    return /(?:^|sha1:)([0-9a-f]{40})$/.exec(revision)?.[1];
}

/** Reads the source environment's live state and checks every app (the cluster I/O happens here). */
export function gatherEvidence(git: Git, apps: readonly AppToVerify[], options: EvidenceOptions): Evidence {
    let config;
    let context;
    try {
        ({ config, context } = loadStack(options.stackDir, options.stack, options.config));
    } catch (err) {
        if (err instanceof StatusUsageError) throw new UsageError(`--from-stack: ${err.message}`);
        throw err;
    }
    const declared = declaredStack(config);
    try {
        const target = resolveContext(
            { kubeconfig: options.kubeconfig, context: options.context },
            context,
            options.stack,
        );
        const snapshot = collectSnapshot(declared, target, { now: options.now });
        const report = diagnose(declared, snapshot);
        const workloads = (namespace: string) => readWorkloads(target, namespace);
        return {
            stack: options.stack,
            env: declared.tier,
            operator: declared.operator,
            context: report.context,
            checkedAt: snapshot.now,
            apps: apps.map((a) => appEvidence(git, a, declared.tier, declared.applications, report.objects, workloads)),
        };
    } catch (err) {
        if (err instanceof StatusUsageError) throw new UsageError(err.message);
        if (err instanceof ClusterReadError) {
            throw new DeliveryError(
                `cannot verify ${declared.tier} (stack ${options.stack}): the cluster could not be read: ${err.message}. Pass --skip-verification to promote without evidence (the PR says so).`,
            );
        }
        throw err;
    }
}

/** The workloads of a namespace, as `kubectl get` returns them (undefined: the kind is not served). */
export interface Workloads {
    readonly deployments?: Record<string, KubeObject>;
    readonly statefulSets?: Record<string, KubeObject>;
    readonly rollouts?: Record<string, KubeObject>;
    readonly analysisRuns?: Record<string, KubeObject>;
}

function readWorkloads(target: KubeTarget, namespace: string): Workloads {
    const rollouts = listByName(target, "rollouts.argoproj.io", namespace);
    return {
        deployments: listByName(target, "deployments.apps", namespace),
        statefulSets: listByName(target, "statefulsets.apps", namespace),
        rollouts,
        analysisRuns: rollouts ? listByName(target, "analysisruns.argoproj.io", namespace) : undefined,
    };
}

/** The evidence for one app, from the status report's objects and the app namespace's workloads (pure but for git). */
export function appEvidence(
    git: Git,
    app: AppToVerify,
    tier: string,
    declared: readonly DeclaredApplication[],
    reports: readonly ObjectReport[],
    workloadsOf: (namespace: string) => Workloads,
): AppEvidence {
    const problems: string[] = [];
    const names = declared.filter((d) => d.role === "app" && isObjectOf(d, tier, app.app)).map((d) => d.name);
    const objects = reports.filter((o) => names.includes(o.name));
    const source = reports.find((o) => o.kind === "GitRepository");
    if (objects.length === 0) {
        problems.push(`the stack declares no Application or Kustomization for ${app.app}.`);
    }
    if (source && !source.ok) {
        problems.push(
            `GitRepository ${source.namespace}/${source.name} is not ready: ${source.findings.map((f) => f.cause).join(" ")}`,
        );
    }
    const states = new Set<string>();
    const revisions = new Set<string>();
    for (const o of objects) {
        const state = o.kind === "Kustomization" ? `Ready ${o.ready ?? "Unknown"}` : `${o.sync}, ${o.health}`;
        states.add(state);
        if (o.revision) revisions.add(o.revision);
        const fine =
            (o.found &&
                o.ok &&
                (o.kind === "Kustomization"
                    ? (o.ready ?? "").startsWith("True")
                    : o.sync === "Synced" && o.health === "Healthy")) ||
            waitsOnlyForHealthyDependencies(o, reports);
        if (!fine) {
            const causes = o.findings.map((f) => f.cause).join(" ");
            problems.push(`${o.kind} ${o.namespace}/${o.name} is ${state}${causes ? `: ${causes}` : ""}`);
        }
    }
    const revision = [...revisions].join(", ");
    // What the operator applied must be what is being promoted.
    for (const rev of revisions) {
        const commit = commitOfRevision(rev);
        if (!commit) {
            problems.push(`the applied revision ${rev} names no commit, so its images cannot be compared.`);
            continue;
        }
        if (!git.commitOf(commit)) {
            problems.push(
                `the applied revision ${commit} is not in the checkout ${git.dir}; fetch it (git fetch) and run promote again.`,
            );
            continue;
        }
        const text = git.show(commit, app.sourceFile);
        const applied = text === undefined ? [] : readImages(text, app.sourceFile);
        for (const p of app.pins) {
            const there = applied.find((e) => e.name === p.name);
            if (!there || fullPin(there.pin) !== fullPin(p.pin)) {
                problems.push(
                    `it runs revision ${commit.slice(0, 12)}, whose ${app.sourceFile} pins ${p.name} ${there ? fullPin(there.pin) : "(no entry)"}; the promotion carries ${fullPin(p.pin)}, which has not been applied there yet.`,
                );
            }
        }
    }
    const workloads: string[] = [];
    for (const d of declared.filter((x) => names.includes(x.name))) {
        if (d.cluster !== undefined) {
            workloads.push(`(workloads on cluster ${d.cluster} not read: the check reads this cluster only)`);
            continue;
        }
        workloads.push(...checkWorkloads(workloadsOf(d.destinationNamespace), d.destinationNamespace, app, problems));
    }
    return {
        app: app.app,
        objects: objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`),
        state: [...states].join("; "),
        revision,
        workloads,
        problems,
    };
}

/**
 * A Kustomization that Flux skipped this round only because a dependency was mid-reconciliation (DependencyNotReady
 * while the dependency itself reports nothing wrong). Flux applies nothing in that round, so what runs is what it
 * applied last: the revision and workload checks decide, as for a Ready one. Every Kustomization of a tier depends on
 * the platform one, whose every reconciliation briefly makes the apps wait; refusing then would refuse a healthy
 * environment at random. A dependency that is failing, or missing, still refuses.
 */
function waitsOnlyForHealthyDependencies(o: ObjectReport, reports: readonly ObjectReport[]): boolean {
    if (o.kind !== "Kustomization" || !o.found || o.findings.length === 0) return false;
    return o.findings.every((f) => {
        const deps = f.facts.dependsOn;
        if (f.class !== "dependency" || !Array.isArray(deps) || deps.length === 0) return false;
        return deps.every((name) => {
            const dep = reports.find((r) => r.kind === "Kustomization" && r.name === name);
            return dep !== undefined && dep.found && dep.ok && !(dep.ready ?? "").startsWith("False");
        });
    });
}

/** `<tier>-<app>`, or `<tier>-<app>-<cluster>` with clusters: the names the program gives an app's objects. */
const isObjectOf = (d: DeclaredApplication, tier: string, app: string): boolean =>
    d.name === (d.cluster === undefined ? `${tier}-${app}` : `${tier}-${app}-${d.cluster}`);

const images = (obj: KubeObject): string[] =>
    [
        ...((obj.spec?.template?.spec?.containers ?? []) as Array<{ image?: string }>),
        ...((obj.spec?.template?.spec?.initContainers ?? []) as Array<{ image?: string }>),
    ]
        .map((c) => c.image)
        .filter((i): i is string => typeof i === "string");

function checkWorkloads(found: Workloads, namespace: string, app: AppToVerify, problems: string[]): string[] {
    const lines: string[] = [];
    const all: Array<{ kind: string; obj: KubeObject; available: boolean; state: string }> = [];
    for (const [kind, objects] of [
        ["Deployment", found.deployments],
        ["StatefulSet", found.statefulSets],
    ] as const) {
        for (const obj of Object.values(objects ?? {})) {
            const want = obj.spec?.replicas ?? 1;
            const s = obj.status ?? {};
            const ready = kind === "Deployment" ? (s.availableReplicas ?? 0) : (s.readyReplicas ?? 0);
            const updated = s.updatedReplicas ?? 0;
            // As kstatus reads a rollout: replicas of an older spec do not count, and none may be left (a new
            // ReplicaSet whose pods cannot start leaves the old one serving: available, but not what was applied).
            const current =
                (s.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0) &&
                updated >= want &&
                (s.replicas ?? 0) <= updated;
            all.push({
                kind,
                obj,
                available: current && ready >= want,
                state: `${updated}/${want} updated, ${ready}/${want} available${(s.replicas ?? 0) > updated ? `, ${s.replicas - updated} of an older spec still running` : ""}`,
            });
        }
    }
    for (const obj of Object.values(found.rollouts ?? {})) {
        const phase: string = obj.status?.phase ?? "(no status)";
        const runs = Object.values(found.analysisRuns ?? {})
            .filter((r) =>
                (r.metadata.ownerReferences ?? []).some((o) => o.kind === "Rollout" && o.name === obj.metadata.name),
            )
            .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
        const last = runs.at(-1);
        const analysis = last ? `, last analysis ${last.metadata.name} ${last.status?.phase ?? "(no status)"}` : "";
        const analysisOk = !last || last.status?.phase === "Successful";
        all.push({ kind: "Rollout", obj, available: phase === "Healthy" && analysisOk, state: `${phase}${analysis}` });
    }
    const expected = app.pins.map((p) => renderedReference(p.name, p.newName, p.pin));
    for (const w of all) {
        const line = `${w.kind} ${namespace}/${w.obj.metadata.name}: ${w.state}, ${images(w.obj).join(", ") || "no images"}`;
        lines.push(line);
        if (!w.available) problems.push(`${w.kind} ${namespace}/${w.obj.metadata.name} is not healthy (${w.state}).`);
    }
    for (const ref of expected) {
        if (!all.some((w) => images(w.obj).includes(ref))) {
            problems.push(`no workload in ${namespace} runs ${ref}.`);
        }
    }
    return lines;
}

const code = (s: string) => `\`${s}\``;

/** The PR body's evidence section. */
export function evidenceMarkdown(evidence: Evidence | undefined, from: string, skipped: boolean): string[] {
    if (!evidence) {
        return [
            `### Not verified`,
            "",
            skipped
                ? `Promoted with \`--skip-verification\`: nobody checked that this runs healthy in **${from}**.`
                : `No source stack was given, so nothing checked that this runs healthy in **${from}**.`,
        ];
    }
    const rows = evidence.apps.map(
        (a) =>
            `| ${a.app} | ${a.objects.join("<br>")} | ${a.state} | ${a.revision ? code(a.revision) : "(none)"} | ${a.workloads.join("<br>") || "(none)"} |`,
    );
    return [
        `### Evidence from ${from}`,
        "",
        `Checked ${evidence.checkedAt.toISOString()} in stack ${code(evidence.stack)}${evidence.context ? ` (kube context ${code(evidence.context)})` : ""} with the checks of \`npm run status\`: each app runs healthy in ${from} at the images this pull request promotes.`,
        "",
        "| app | object | state | applied revision | workloads |",
        "|---|---|---|---|---|",
        ...rows,
    ];
}
