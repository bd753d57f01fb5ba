import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../shared/metadata";
import { FLUX_API_VERSIONS, type GitRef } from "./constants";

export interface GitSourceArgs {
    /** Namespace Flux runs in; the GitRepository lives there. */
    namespace: pulumi.Input<string>;
    /** Kubernetes name of the GitRepository (what Kustomizations and the image automation reference). */
    repositoryName: string;
    /** Repository URL. The scp-like SSH form (git@host:org/repo.git) is rewritten to ssh://, the only form Flux takes. */
    url: string;
    /** What to check out: exactly one of branch, tag or semver (a range of tags). */
    ref: GitRef;
    /** Name of the credentials Secret in the same namespace (GitCredentials). */
    secretName: pulumi.Input<string>;
    /**
     * `github` for GitHub App credentials (source-controller then exchanges the App key for installation tokens);
     * otherwise the generic provider reads the Secret's keys as they are.
     * @default "generic" (https://fluxcd.io/flux/components/source/gitrepositories/#provider)
     */
    provider?: "generic" | "github";
    /** How often source-controller fetches the repository. */
    interval: string;
    /** Labels for every object the component creates (the environment's common labels). */
    labels?: Record<string, string>;
}

/**
 * The URL as Flux's GitRepository accepts it (the CRD only takes http, https and ssh URLs): scp-like
 * `git@host:org/repo.git` becomes `ssh://git@host/org/repo.git`; every other form is kept.
 */
export function fluxGitUrl(url: string): string {
    const scp = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/)(.+)$/.exec(url);
    return scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : url;
}

/** The `spec` of the GitRepository (exported for the tests and the render). */
export function gitRepositorySpec(args: GitSourceArgs): Record<string, unknown> {
    const refs = Object.entries(args.ref).filter(([, value]) => value !== undefined && value !== "");
    if (refs.length !== 1) {
        throw new Error(
            `GitSource ${args.repositoryName}: ref must name exactly one of branch, tag or semver; got ${JSON.stringify(args.ref)}.`,
        );
    }
    const spec: Record<string, unknown> = {
        url: fluxGitUrl(args.url),
        ref: Object.fromEntries(refs),
        secretRef: { name: args.secretName },
        interval: args.interval,
    };
    if (args.provider && args.provider !== "generic") spec.provider = args.provider;
    return spec;
}

/** The environment's Flux GitRepository: the GitOps repository at the revision this environment reconciles. */
export class GitSource extends pulumi.ComponentResource {
    public readonly repositoryName: pulumi.Output<string>;

    constructor(name: string, args: GitSourceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:GitSource", name, {}, opts);
        let spec: Record<string, unknown>;
        try {
            spec = gitRepositorySpec(args);
        } catch (err) {
            throw new pulumi.ResourceError((err as Error).message, this);
        }
        const repository = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: FLUX_API_VERSIONS.GitRepository,
                kind: "GitRepository",
                metadata: { name: args.repositoryName, namespace: args.namespace, labels: args.labels },
                spec,
            },
            childOptions(this, opts),
        );
        this.repositoryName = repository.metadata.name;
        this.registerOutputs({ repositoryName: this.repositoryName });
    }
}
