import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../shared/metadata";
import { ARGOCD_API_VERSION, CASCADE_FINALIZER } from "./constants";
import { applicationSpec, type EnvironmentApplicationsArgs } from "./environmentApplications";

/** What the environment's ApplicationSet shares with its per-app Applications (same sync policy, same rules). */
export type ApplicationSetArgs = Pick<
    EnvironmentApplicationsArgs,
    | "namespace"
    | "project"
    | "repoUrl"
    | "targetRevision"
    | "destinationServer"
    | "autoSync"
    | "cascadeDelete"
    | "retryLimit"
    | "revisionHistoryLimit"
    | "labels"
    | "annotations"
> & {
    /** Kubernetes name of the ApplicationSet. */
    applicationSetName: string;
    /** The environment (tier) the generated Applications belong to: their name prefix and namespace suffix. */
    environment: string;
    /** The layout, `{app}` a whole path segment: apps/{app}/overlays/{env}. `{env}` is replaced by `environment`. */
    appPathTemplate: string;
    /** Apps the stack declares one by one (their own Applications): the generator skips their folders. */
    excludeApps?: readonly string[];
    /**
     * What this stack can deploy beyond plain Kubernetes objects. A folder whose overlay requires something else
     * (see APP_REQUIREMENTS) is not generated. @default none
     */
    provides?: readonly AppRequirement[];
    /**
     * Production rules: the ApplicationSet never deletes the Applications it generated (`applicationsSync:
     * create-update`) and deleting it leaves their workloads (`preserveResourcesOnDeletion`).
     */
    preserveOnDeletion: boolean;
    /**
     * Deploy every app to each cluster whose Argo CD cluster Secret carries these labels (a matrix of the cluster
     * and git generators; Applications are named `<env>-<app>-<cluster>`, see homeCluster). @default the in-cluster destination only
     */
    clusterSelector?: Record<string, string>;
    /**
     * With `clusterSelector`: the home cluster's name (its cluster Secret's `name`), whose generated Applications keep
     * the names `<env>-<app>` they had without clusters (issue 25 §2). @default none: every name has the suffix
     */
    homeCluster?: string;
};

/**
 * What an app's overlay can require of the stack that deploys it, declared in Git as a label on the overlay's
 * `kustomization.yaml` (`metadata.labels`, which kustomize reads and does not emit):
 * `requires.gitops-stack.io/<requirement>: "true"`. An ApplicationSet generates no Application for a folder that
 * requires what its stack does not provide, instead of one that can only fail (Rollout kinds without the Argo Rollouts
 * controller; SOPS files, which Argo CD cannot decrypt).
 *   argo-rollouts     Rollout / AnalysisTemplate objects (argoRollouts=true)
 *   sops              SOPS-encrypted files (Flux's kustomize-controller decrypts them; Argo CD never does)
 *   sealed-secrets    SealedSecrets (secretsInGit=sealed-secrets)
 *   external-secrets  ExternalSecrets (secretsInGit=external-secrets)
 */
export const APP_REQUIREMENTS = ["argo-rollouts", "sops", "sealed-secrets", "external-secrets"] as const;
export type AppRequirement = (typeof APP_REQUIREMENTS)[number];
/** The label prefix of an overlay's requirements (see APP_REQUIREMENTS). */
export const REQUIREMENT_LABEL_PREFIX = "requires.gitops-stack.io/";
/** The file whose presence makes a folder an app (the layout's overlays are kustomizations). */
export const APP_FILE = "kustomization.yaml";

/**
 * The git files generator's post-selector: the generator's parameters are the kustomization file's fields
 * (flattened with dots, so its labels are `metadata.labels.<key>`); a folder passes unless it requires something
 * missing. undefined when the stack provides everything.
 */
export function requirementSelector(provides: readonly AppRequirement[]): Record<string, unknown> | undefined {
    const missing = APP_REQUIREMENTS.filter((r) => !provides.includes(r));
    if (missing.length === 0) return undefined;
    return {
        matchExpressions: missing.map((r) => ({
            key: `metadata.labels.${REQUIREMENT_LABEL_PREFIX}${r}`,
            operator: "NotIn",
            values: ["true"],
        })),
    };
}

/** The generator's glob and the index of the `{app}` segment in a path. */
export function appPathPattern(template: string, environment: string): { glob: string; appSegment: number } {
    const segments = template.replaceAll("{env}", environment).split("/");
    const appSegment = segments.indexOf("{app}");
    if (appSegment < 0 || segments.some((s, i) => i !== appSegment && s.includes("{app}"))) {
        throw new Error(
            `ApplicationSet: appPathTemplate ${JSON.stringify(template)} must have {app} as one whole path segment.`,
        );
    }
    return { glob: segments.map((s) => (s === "{app}" ? "*" : s)).join("/"), appSegment };
}

/**
 * The generated name's cluster part: `-<cluster>`, except on the home cluster (a Go template condition on the cluster
 * generator's `name`; the name is a DNS label, so it needs no escaping in the template's string).
 */
function clusterSuffix(homeCluster: string | undefined): string {
    return homeCluster === undefined ? "-{{ .name }}" : `{{ if ne .name "${homeCluster}" }}-{{ .name }}{{ end }}`;
}

/** The ApplicationSet `spec`: a git directory generator (matrixed with a cluster generator), one template. */
export function applicationSetSpec(args: ApplicationSetArgs): Record<string, unknown> {
    const { glob, appSegment } = appPathPattern(args.appPathTemplate, args.environment);
    const appParam = `{{ index .path.segments ${appSegment} }}`;
    const multiCluster = args.clusterSelector !== undefined;
    // A git files generator over each folder's kustomization.yaml rather than a directories generator: the same
    // folders and path parameters (.path.path is the file's folder), plus the file's fields for the selector.
    const app = (name: string) => args.appPathTemplate.replaceAll("{env}", args.environment).replaceAll("{app}", name);
    const selector = requirementSelector(args.provides ?? []);
    const git = {
        git: {
            repoURL: args.repoUrl,
            revision: args.targetRevision,
            files: [
                { path: `${glob}/${APP_FILE}` },
                ...(args.excludeApps ?? []).map((name) => ({ path: `${app(name)}/${APP_FILE}`, exclude: true })),
            ],
        },
        ...(selector ? { selector } : {}),
    };
    const generators = multiCluster
        ? [{ matrix: { generators: [{ clusters: { selector: { matchLabels: args.clusterSelector } } }, git] } }]
        : [git];

    const spec = applicationSpec(
        { ...args, destinationServer: multiCluster ? "{{ .server }}" : args.destinationServer },
        args.project,
        { path: "{{ .path.path }}", namespace: `${appParam}-${args.environment}` },
    );
    return {
        goTemplate: true,
        // A typo in the template fails the generation instead of producing an Application named "<no value>".
        goTemplateOptions: ["missingkey=error"],
        generators,
        template: {
            metadata: {
                name: `${args.environment}-${appParam}${multiCluster ? clusterSuffix(args.homeCluster) : ""}`,
                namespace: args.namespace,
                labels: args.labels,
                annotations: args.annotations,
                ...(args.cascadeDelete ? { finalizers: [CASCADE_FINALIZER] } : {}),
            },
            spec,
        },
        syncPolicy: args.preserveOnDeletion
            ? { applicationsSync: "create-update", preserveResourcesOnDeletion: true }
            : { preserveResourcesOnDeletion: !args.cascadeDelete },
    };
}

/**
 * The environment's apps as one ApplicationSet: onboarding an app is adding its folder to the GitOps repository,
 * no stack change. The generated Applications carry what per-app Applications carry (project, sync policy, retry,
 * sync options, ignoreDifferences, finalizer rule).
 */
export class EnvironmentApplicationSet extends pulumi.ComponentResource {
    public readonly applicationSetName: pulumi.Output<string>;

    constructor(name: string, args: ApplicationSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:argocd:EnvironmentApplicationSet", name, {}, opts);
        if (args.project === "default") {
            throw new pulumi.ResourceError(
                `EnvironmentApplicationSet: project "default" is not allowed; pass the environment's AppProject.`,
                this,
            );
        }
        const appSet = new k8s.apiextensions.CustomResource(
            `${name}-appset`,
            {
                apiVersion: ARGOCD_API_VERSION,
                kind: "ApplicationSet",
                metadata: {
                    name: args.applicationSetName,
                    namespace: args.namespace,
                    labels: args.labels,
                    annotations: args.annotations,
                },
                spec: applicationSetSpec(args),
            },
            childOptions(this, opts),
        );
        this.applicationSetName = appSet.metadata.name;
        this.registerOutputs({ applicationSetName: this.applicationSetName });
    }
}
