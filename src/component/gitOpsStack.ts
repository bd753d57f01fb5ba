import * as pulumi from "@pulumi/pulumi";
import { deployArgoCd } from "../argocd";
import type { GitOpsStackArgs } from "../config/args";
import { argsConfigSource, resolveArgs } from "../config/argsSource";
import { parseStackConfig } from "../config/parse";
import type { StackConfig } from "../config/types";
import { deployFlux } from "../flux";
import { InitializeArgs, refuseUrn } from "../shared/batches";
import { sshPublicKey } from "../config/formats/sshPublicKey";

/** The component's type token: `<package>:index:<class>`, as Pulumi's component package analyzer names it. */
export const GITOPS_STACK_TYPE = "gitops-stack:index:GitOpsStack";

/** What the component computes for its outputs (the program's stack outputs before GitOpsStack, unchanged). */
export interface StackOutputValues {
    environment: string;
    operator: string;
    namespace: pulumi.Output<string>;
    chartVersion: pulumi.Output<string>;
    repoUrl: string;
    targetRevision: string;
    projects: pulumi.Output<string>[];
    applications: pulumi.Output<string[]>;
    sshPublicKey?: pulumi.Output<string | undefined>;
    sopsAgeRecipient?: pulumi.Output<string | undefined>;
    sealedSecretsCertificate?: pulumi.Output<string>;
    gitWebhookPath?: pulumi.Output<string>;
}

/**
 * Composes the stack for a validated configuration: the operator chosen in config does the GitOps. `scope`: the
 * options of every top-level object (parent and alias, see GitOpsStack).
 */
export function deploy(config: StackConfig, scope: pulumi.ComponentResourceOptions): StackOutputValues {
    const result = config.operator === "argocd" ? deployArgoCd(config, scope) : deployFlux(config, scope);
    return {
        environment: config.tier,
        operator: config.operator,
        namespace: result.namespace,
        chartVersion: result.chartVersion,
        repoUrl: config.repo.url,
        targetRevision: config.operator === "argocd" ? config.repo.revision : Object.values(config.repo.fluxRef)[0],
        projects: result.projects,
        applications: result.applications,
        ...result.delivery,
        ...(result.gitWebhookPath ? { gitWebhookPath: result.gitWebhookPath } : {}),
        ...(config.repo.auth.kind === "ssh"
            ? { sshPublicKey: pulumi.unsecret(config.repo.auth.privateKey.apply(sshPublicKey)) }
            : {}),
    };
}

/** The warning for keys the chosen operator does not use (undefined when there are none). */
export function ignoredKeysNotice(config: StackConfig): string | undefined {
    if (config.ignoredKeys.length === 0) return undefined;
    const other = config.operator === "argocd" ? "flux" : "argocd";
    return `stack "${config.stack}" uses operator ${config.operator}; these keys apply to ${other} only and have no effect: ${config.ignoredKeys.join(", ")}.`;
}

/**
 * Marks an Output's own bookkeeping promises as handled. When the component fails (bad arguments), every output
 * fails with the same error; whoever reads an output (the engine's construct, the program's stack outputs) gets it,
 * and the outputs nobody reads do not report it once more as an unhandled rejection.
 */
function quiet<T>(output: pulumi.Output<T>): pulumi.Output<T> {
    const state = output as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean> };
    state.isKnown.catch(() => undefined);
    state.isSecret.catch(() => undefined);
    return output;
}

const pending = new InitializeArgs<GitOpsStackArgs>();

/**
 * GitOps on a Kubernetes cluster for one environment: Argo CD or Flux from its Helm chart, the Git repository's
 * credentials, the environment's projects and applications (or Flux sources and Kustomizations), access control,
 * alerts, and the release path's add-ons. The arguments are the stack configuration of the gitops-stack program, key
 * for key; they are validated with the same rules and messages before any object is created. Kubernetes objects use
 * the provider the caller passes (opts.provider or opts.providers), else the default one.
 */
export class GitOpsStack extends pulumi.ComponentResource {
    // Pulumi's analyzer makes every property of this class an output of the package's schema (private ones too), and
    // its JSDoc the output's description: only the outputs are properties here.

    /** Environment tier: dev, staging or prod. */
    public readonly environment: pulumi.Output<string>;
    /** GitOps operator: argocd or flux. */
    public readonly operator: pulumi.Output<string>;
    /** Namespace Argo CD or Flux runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** Version of the operator's Helm chart (existing with operatorInstall existing). */
    public readonly chartVersion: pulumi.Output<string>;
    /** The GitOps repository URL. */
    public readonly repoUrl: pulumi.Output<string>;
    /** The Git revision deployed (Flux: the branch, tag or semver range). */
    public readonly targetRevision: pulumi.Output<string>;
    /** Argo CD AppProjects (empty for Flux). */
    public readonly projects: pulumi.Output<string[]>;
    /** Argo CD Applications or Flux Kustomizations. */
    public readonly applications: pulumi.Output<string[]>;
    /**
     * authKind ssh: the public half of the deploy key (`<type> <base64>`), to register on the Git host. Public by
     * nature, so not a secret, although it is derived from one. Unset when the key is neither OpenSSH nor unencrypted
     * PEM.
     */
    public readonly sshPublicKey: pulumi.Output<string | undefined>;
    /** secretsInGit sops (Flux): the age recipient (age1...) to encrypt to. Public, not a secret. */
    public readonly sopsAgeRecipient: pulumi.Output<string | undefined>;
    /** secretsInGit sealed-secrets with a supplied key pair: the certificate to seal with (`kubeseal --cert`). */
    public readonly sealedSecretsCertificate: pulumi.Output<string | undefined>;
    /**
     * gitWebhook: the path to register at the Git host after the address the webhook is exposed at. Flux: the
     * Receiver's `/hook/<sha256>`, a secret (it is derived from the webhook secret, and with the generic provider it is
     * the only check). Argo CD: `/api/webhook`. Unset while webhooks are off.
     */
    public readonly gitWebhookPath: pulumi.Output<string | undefined>;

    /**
     * @param name The component's name. Its children keep the names the gitops-stack program gives them (one
     * GitOpsStack per Pulumi stack: its objects have fixed names in the cluster too).
     * @param args The stack's configuration.
     * @param opts Resource options; `provider`/`providers` choose the Kubernetes provider of every object.
     */
    constructor(name: string, args: GitOpsStackArgs, opts?: pulumi.ComponentResourceOptions) {
        refuseUrn("GitOpsStack", name, opts);
        pending.set(args);
        super(GITOPS_STACK_TYPE, name, {}, opts);
        const data = this.getData() as Promise<StackOutputValues>;
        const output = <T>(pick: (values: StackOutputValues) => pulumi.Input<T> | undefined) =>
            quiet(pulumi.output(data.then(pick))) as pulumi.Output<T>;
        this.environment = output((v) => v.environment);
        this.operator = output((v) => v.operator);
        this.namespace = output((v) => v.namespace);
        this.chartVersion = output((v) => v.chartVersion);
        this.repoUrl = output((v) => v.repoUrl);
        this.targetRevision = output((v) => v.targetRevision);
        this.projects = output((v) => pulumi.all(v.projects));
        this.applications = output((v) => v.applications);
        this.sshPublicKey = output((v) => v.sshPublicKey);
        this.sopsAgeRecipient = output((v) => v.sopsAgeRecipient);
        this.sealedSecretsCertificate = output((v) => v.sealedSecretsCertificate);
        this.gitWebhookPath = output((v) => v.gitWebhookPath);
    }

    /**
     * Validates the arguments, then creates every object as a child. Asynchronous because a secret may be another
     * resource's output: the shape of the JSON secrets is checked from its value before anything is created.
     */
    protected async initialize(): Promise<StackOutputValues> {
        const args = pending.take();
        const stack = pulumi.getStack();
        const config = parseStackConfig(argsConfigSource(stack, await resolveArgs(args, stack)));
        const notice = ignoredKeysNotice(config);
        if (notice) void pulumi.log.warn(notice, this);
        // Accepted but risky settings (e.g. a glob in sourceRepos outside prod): each names the stack, key and value.
        for (const warning of config.warnings) void pulumi.log.warn(warning, this);
        // The objects were top-level resources of the program before GitOpsStack existed: the alias keeps their
        // identity (the engine maps each old URN to the new one, with no replacement), and their children's with them.
        return deploy(config, { parent: this, aliases: [{ parent: pulumi.rootStackResource }] });
    }
}
