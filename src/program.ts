import * as pulumi from "@pulumi/pulumi";
import { deployArgoCd } from "./argocd";
import { loadConfig } from "./config";
import type { StackConfig } from "./config/types";
import { deployFlux } from "./flux";
import { sshPublicKey } from "./shared/sshPublicKey";

/** What `pulumi stack output` shows. */
export interface StackOutputs {
    environment: string;
    operator: string;
    namespace: pulumi.Output<string>;
    chartVersion: pulumi.Output<string>;
    repoUrl: string;
    targetRevision: string;
    /** Argo CD AppProjects (empty for Flux). */
    projects: pulumi.Output<string>[];
    /** Argo CD Applications or Flux Kustomizations. */
    applications: pulumi.Output<string[]>;
    /**
     * authKind ssh: the public half of the deploy key (`<type> <base64>`), to register on the Git host. Public by
     * nature, so not a secret output, although it is derived from one. Undefined when the key cannot be read.
     */
    sshPublicKey?: pulumi.Output<string | undefined>;
    /** secretsInGit sops (Flux): the age recipient (age1...) to encrypt to. Public, not a secret output. */
    sopsAgeRecipient?: pulumi.Output<string | undefined>;
    /** secretsInGit sealed-secrets with a supplied key pair: the certificate to seal with (`kubeseal --cert`). */
    sealedSecretsCertificate?: pulumi.Output<string>;
}

/** Composes the stack for a validated configuration: the operator chosen in config does the GitOps. */
export function deploy(config: StackConfig): StackOutputs {
    const result = config.operator === "argocd" ? deployArgoCd(config) : deployFlux(config);
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
        ...(config.repo.auth.kind === "ssh"
            ? { sshPublicKey: pulumi.unsecret(config.repo.auth.privateKey.apply(sshPublicKey)) }
            : {}),
    };
}

/** The program: read and validate all configuration first (nothing is registered if it is wrong), then deploy. */
export function main(): StackOutputs {
    const config = loadConfig();
    const notice = ignoredKeysNotice(config);
    if (notice) void pulumi.log.warn(notice);
    // Accepted but risky settings (e.g. a glob in sourceRepos outside prod): each names the stack, key and value.
    for (const warning of config.warnings) void pulumi.log.warn(warning);
    return deploy(config);
}

/** The warning for keys the chosen operator does not use (undefined when there are none). */
export function ignoredKeysNotice(config: StackConfig): string | undefined {
    if (config.ignoredKeys.length === 0) return undefined;
    const other = config.operator === "argocd" ? "flux" : "argocd";
    return `stack "${config.stack}" uses operator ${config.operator}; these keys apply to ${other} only and have no effect: ${config.ignoredKeys.join(", ")}.`;
}
