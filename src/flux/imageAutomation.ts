import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../shared/metadata";
import { describeRef, FLUX_API_VERSIONS, type GitRef } from "./constants";

export interface AutomatedImage {
    /**
     * Name of the ImageRepository and ImagePolicy. Setter markers in the repository name the policy:
     * `# {"$imagepolicy": "<namespace>:<name>:tag"}`.
     */
    name: string;
    /** Image repository without tag, e.g. ghcr.io/org/app. */
    image: string;
    /** Semver range of tags the policy may select, e.g. ">=1.0.0 <2.0.0". */
    semverRange: string;
}

export interface ImageAutomationArgs {
    /** Namespace Flux runs in; the image objects live there, beside the GitRepository they write to. */
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the ImageUpdateAutomation. */
    automationName: string;
    /** Name of the GitRepository (same namespace) whose credentials are used to push. */
    sourceName: pulumi.Input<string>;
    /**
     * The ref the GitRepository tracks. It must be a branch: the automation checks it out and pushes its commits
     * back to it, so the environment deploys what the automation wrote.
     */
    sourceRef: GitRef;
    /** The images to keep up to date (at least one): an ImageRepository and an ImagePolicy each. */
    images: readonly AutomatedImage[];
    /** How often the automation looks for new tags to write to Git. */
    interval: string;
    /** How often registries are scanned for tags. @default "5m": registries rate-limit tag listing. */
    scanInterval?: string;
    /** Directory (in the repository) whose manifests' setter markers are updated. @default "./apps" */
    updatePath?: string;
    /** Commit author. @default fluxcdbot <fluxcdbot@users.noreply.github.com> */
    author?: { name: string; email: string };
    /** Environment named in the commit message (`{{ .Values.environment }}`). */
    environment: string;
    /**
     * Labels for every object. The automation only applies ImagePolicies carrying them (`policySelector`), so a
     * policy someone else creates in the namespace never writes to this environment's manifests.
     */
    labels?: Record<string, string>;
}

/**
 * Commit message of the automation: one line per changed file with the old and new values. A Go template over the
 * v1 template data (`.Changed`; the old `.Updated` was removed and now stalls the automation).
 */
export const COMMIT_MESSAGE_TEMPLATE = [
    "chore({{ .Values.environment }}): update images",
    "",
    "Automated by Flux ImageUpdateAutomation {{ .AutomationObject.Namespace }}/{{ .AutomationObject.Name }}.",
    "",
    "{{ range $file, $objects := .Changed.FileChanges -}}",
    "- {{ $file }}:",
    "{{- range $_, $changes := $objects }}{{ range $_, $change := $changes }} {{ $change.OldValue }} -> {{ $change.NewValue }}{{ end }}{{ end }}",
    "{{ end -}}",
    "",
].join("\n");

const DEFAULT_AUTHOR = { name: "fluxcdbot", email: "fluxcdbot@users.noreply.github.com" };

/** The `spec` of the ImageUpdateAutomation (exported for the tests and the render). */
export function imageUpdateAutomationSpec(args: ImageAutomationArgs, branch: string): Record<string, unknown> {
    const commit = {
        author: { ...(args.author ?? DEFAULT_AUTHOR) },
        messageTemplate: COMMIT_MESSAGE_TEMPLATE,
        messageTemplateValues: { environment: args.environment },
    };
    return {
        interval: args.interval,
        sourceRef: { kind: "GitRepository", name: args.sourceName },
        git: { checkout: { ref: { branch } }, commit, push: { branch } },
        update: { path: args.updatePath ?? "./apps", strategy: "Setters" },
        policySelector: { matchLabels: { ...args.labels } },
    };
}

/**
 * The branch image automation checks out and pushes to: the one the GitRepository tracks. A tag or a semver range
 * has no branch to push to, so it is refused.
 */
export function automationBranch(ref: GitRef): string {
    if (ref.branch && ref.tag === undefined && ref.semver === undefined) return ref.branch;
    throw new Error(`image automation pushes commits to a branch, but the GitRepository tracks ${describeRef(ref)}`);
}

/**
 * Flux image update automation for one environment: per image an ImageRepository (tag scan) and an ImagePolicy
 * (newest tag in the semver range), and one ImageUpdateAutomation that commits the selected tags to the setter
 * markers in Git and pushes to the branch the environment reconciles. It writes to the repository: the
 * credentials must allow pushing (a deploy key with write access, or a GitHub App with contents: write).
 */
export class ImageAutomation extends pulumi.ComponentResource {
    /** ImagePolicy names, in the order of `images`. */
    public readonly policyNames: pulumi.Output<string[]>;
    public readonly automationName: pulumi.Output<string>;

    constructor(name: string, args: ImageAutomationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:ImageAutomation", name, {}, opts);
        let branch: string;
        try {
            branch = automationBranch(args.sourceRef);
        } catch (err) {
            throw new pulumi.ResourceError(
                `ImageAutomation ${name}: ${(err as Error).message}; expected sourceRef.branch.`,
                this,
            );
        }
        if (args.images.length === 0) {
            throw new pulumi.ResourceError(
                `ImageAutomation ${name}: images is empty; expected at least one app with image and semverRange.`,
                this,
            );
        }
        const child = childOptions(this, opts);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: args.labels });

        const policies = args.images.map((image) => {
            const repository = new k8s.apiextensions.CustomResource(
                `${name}-${image.name}-repository`,
                {
                    apiVersion: FLUX_API_VERSIONS.ImageRepository,
                    kind: "ImageRepository",
                    metadata: metadata(image.name),
                    spec: { image: image.image, interval: args.scanInterval ?? "5m" },
                },
                child,
            );
            return new k8s.apiextensions.CustomResource(
                `${name}-${image.name}-policy`,
                {
                    apiVersion: FLUX_API_VERSIONS.ImagePolicy,
                    kind: "ImagePolicy",
                    metadata: metadata(image.name),
                    spec: {
                        imageRepositoryRef: { name: repository.metadata.name },
                        policy: { semver: { range: image.semverRange } },
                    },
                },
                child,
            );
        });

        const automation = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: FLUX_API_VERSIONS.ImageUpdateAutomation,
                kind: "ImageUpdateAutomation",
                metadata: metadata(args.automationName),
                spec: imageUpdateAutomationSpec(args, branch),
            },
            // The automation applies whichever policies exist when it runs; created last, it sees them all.
            { ...child, dependsOn: [...toArray(child.dependsOn), ...policies] },
        );

        this.policyNames = pulumi.all(policies.map((p) => p.metadata.name));
        this.automationName = automation.metadata.name;
        this.registerOutputs({ policyNames: this.policyNames, automationName: this.automationName });
    }
}

function toArray(deps: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (deps === undefined) return [];
    return Array.isArray(deps) ? deps : [deps as pulumi.Input<pulumi.Resource>];
}
