/**
 * `npm run status -- --stack <name>`: the on-call view of a stack. Reads the committed stack file (never a secret),
 * derives what the stack declares, reads the cluster, and reports every Application / Kustomization with the cause
 * and fix of whatever is not fine.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, PROJECT, type StackConfig } from "../config";
import {
    applyOverrides,
    readStackFile,
    SECRET_PLACEHOLDER,
    StackFileError,
    withSecretPlaceholders,
} from "../offline/stackFile";
import { declaredStack } from "./declared";
import { diagnose } from "./diagnose";
import { checkReachable, collectSnapshot, resolveContext, StatusUsageError, type KubeTarget } from "./kube";
import type { StatusReport } from "./types";

export { declaredStack, type DeclaredStack, type DeclaredWebhook } from "./declared";
export { receiverCallTime, REQUESTED_AT } from "./webhooks";
export { diagnose, podProblems, conflictingObject, namespacesToInspect, pathsToCheck } from "./diagnose";
export { formatReport } from "./format";
export { ClusterReadError, DEFAULT_REQUEST_TIMEOUT_MS, StatusUsageError, sshFingerprint } from "./kube";
export * from "./types";

/** The stack's validated configuration and kube context, from its committed `Pulumi.<stack>.yaml`. */
export function loadStack(
    root: string,
    stack: string,
    overrides: readonly string[] = [],
): { config: StackConfig; context?: string } {
    let engine;
    try {
        engine = withSecretPlaceholders(applyOverrides(readStackFile(root, stack), overrides));
    } catch (err) {
        if (err instanceof StackFileError) throw new StatusUsageError(err.message);
        throw err;
    }
    const value = (key: string) => engine.values[`${PROJECT}:${key}`];
    // A secret is never decrypted here: its placeholder is present (getSecret) but has no value to read, so rules
    // that check a secret's shape (clusterCredentials) skip it, as they would for a value they cannot see. A secret
    // the stack file does not hold keeps its own placeholder, so what the stack turns on by a secret's presence
    // (gitWebhook) is what pulumi up turns on.
    const placeholder = (key: string) =>
        engine.secretKeys.includes(`${PROJECT}:${key}`) && value(key) === SECRET_PLACEHOLDER;
    try {
        const config = parseStackConfig({
            stack,
            get: (key) => (placeholder(key) ? undefined : value(key)),
            // Secrets are placeholders here (the status command never needs one); they stay marked secret.
            getSecret: (key) => (value(key) === undefined ? undefined : pulumi.secret(value(key))),
            isSecret: (key) => engine.secretKeys.includes(key),
            keys: () =>
                Object.keys(engine.values)
                    .filter((k) => k.startsWith(`${PROJECT}:`))
                    .map((k) => k.slice(PROJECT.length + 1)),
        });
        return { config, context: engine.values["kubernetes:context"] };
    } catch (err) {
        if (err instanceof ConfigError) throw new StatusUsageError(err.message);
        throw err;
    }
}

export interface StatusOptions {
    root: string;
    stack: string;
    config?: readonly string[];
    kubeconfig?: string;
    context?: string;
    repoDir?: string;
    now?: Date;
    kubectl?: string;
    /** Bound of each request to the cluster (--request-timeout). @default DEFAULT_REQUEST_TIMEOUT_MS */
    requestTimeoutMs?: number;
}

/**
 * Runs the whole command; throws StatusUsageError (exit 2: bad arguments, or the kubeconfig cannot be read) or
 * ClusterReadError (exit 3: the cluster could not be reached, or reached but not read). Every request to the cluster
 * is bounded by requestTimeoutMs, and the first one is a version check, so a cluster that cannot be asked costs one
 * timeout at most.
 */
export function runStatus(options: StatusOptions): StatusReport {
    const { config, context } = loadStack(options.root, options.stack, options.config);
    const declared = declaredStack(config);
    const target: KubeTarget = resolveContext(
        {
            kubeconfig: options.kubeconfig,
            context: options.context,
            kubectl: options.kubectl,
            requestTimeoutMs: options.requestTimeoutMs,
        },
        context,
        options.stack,
    );
    checkReachable(target);
    const snapshot = collectSnapshot(declared, target, { now: options.now, repoDir: options.repoDir });
    return diagnose(declared, snapshot);
}
