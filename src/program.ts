import type * as pulumi from "@pulumi/pulumi";
import { GitOpsStack } from "./component/gitOpsStack";
import { loadStackArgs, PROJECT } from "./config";

/** What `pulumi stack output` shows. */
export interface StackOutputs {
    environment: pulumi.Output<string>;
    operator: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
    chartVersion: pulumi.Output<string>;
    repoUrl: pulumi.Output<string>;
    targetRevision: pulumi.Output<string>;
    /** Argo CD AppProjects (empty for Flux). */
    projects: pulumi.Output<string[]>;
    /** Argo CD Applications or Flux Kustomizations. */
    applications: pulumi.Output<string[]>;
    /** authKind ssh, when the deploy key's public half can be derived (see GitOpsStack.sshPublicKey). */
    sshPublicKey?: pulumi.Output<string>;
    /** secretsInGit sops (Flux): the age recipient (age1...) to encrypt to. */
    sopsAgeRecipient?: pulumi.Output<string>;
    /** secretsInGit sealed-secrets with a supplied key pair: the certificate to seal with (`kubeseal --cert`). */
    sealedSecretsCertificate?: pulumi.Output<string>;
    /** gitWebhook: the path to register at the Git host (see GitOpsStack.gitWebhookPath; Flux's is a secret). */
    gitWebhookPath?: pulumi.Output<string>;
}

/** What `pulumi stack output` can show, in order (docs/reference/outputs.md lists the same, tests/docs/outputs.test.ts). */
export const STACK_OUTPUTS = [
    "environment",
    "operator",
    "namespace",
    "chartVersion",
    "repoUrl",
    "targetRevision",
    "projects",
    "applications",
    "sshPublicKey",
    "sopsAgeRecipient",
    "sealedSecretsCertificate",
    "gitWebhookPath",
] as const satisfies ReadonlyArray<keyof StackOutputs>;

/** The outputs only some stacks have. */
export const OPTIONAL_OUTPUTS = [
    "sshPublicKey",
    "sopsAgeRecipient",
    "sealedSecretsCertificate",
    "gitWebhookPath",
] as const;

/**
 * The stack outputs of a GitOpsStack: every output the stack has, and none it has not. An output left undefined
 * would make every preview and update warn `Undefined value (sopsAgeRecipient) will not show as a stack output`
 * (issue 25 §6), so the optional ones are exported only when they have a value (or will have one: a value not known
 * during a preview counts as one).
 */
export async function stackOutputs(stack: GitOpsStack): Promise<StackOutputs> {
    const outputs: StackOutputs = {
        environment: stack.environment,
        operator: stack.operator,
        namespace: stack.namespace,
        chartVersion: stack.chartVersion,
        repoUrl: stack.repoUrl,
        targetRevision: stack.targetRevision,
        projects: stack.projects,
        applications: stack.applications,
    };
    for (const name of OPTIONAL_OUTPUTS) {
        const output = stack[name];
        // The Output's own promise, with unknowns: an unknown value is the SDK's marker, not undefined.
        const value = await (output as unknown as { promise(withUnknowns: boolean): Promise<unknown> }).promise(true);
        if (value !== undefined) outputs[name] = output as pulumi.Output<string>;
    }
    return outputs;
}

/**
 * The program: read and validate all of this stack's configuration (nothing is registered if it is wrong: the
 * ConfigError is thrown, not returned), then one GitOpsStack with it as its arguments.
 */
export function main(): Promise<StackOutputs> {
    const args = loadStackArgs();
    return stackOutputs(new GitOpsStack(PROJECT, args));
}
