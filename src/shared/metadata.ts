import type * as pulumi from "@pulumi/pulumi";
import type { Tier } from "../config/types";

/** Labels on every object the program creates, so `kubectl get -l app.kubernetes.io/managed-by=gitops-stack` finds them. */
export function commonLabels(tier: Tier): Record<string, string> {
    return {
        "app.kubernetes.io/managed-by": "gitops-stack",
        "gitops-stack.io/environment": tier,
    };
}

/**
 * Marks prod objects whose stack relaxed safety defaults with acknowledgeProdOverrides (read by the policy pack): the
 * acknowledged safeguards' names, comma-separated (`autoSync,cascadeDelete`); the pack still reads `true` as all.
 */
export const PROD_ACK_ANNOTATION = "gitops-stack.io/prod-overrides-acknowledged";

/**
 * Pulumi resource options for objects with a fixed metadata.name: Kubernetes refuses a second object of the same
 * name, so a replacement must delete the old one first.
 */
export const FIXED_NAME = { deleteBeforeReplace: true } as const;

/**
 * Options for a component's Kubernetes children: parented, and depending on what the component was told to
 * depend on. Children do not inherit a parent's dependsOn in the engine's state, and destroy orders deletes by
 * the recorded dependencies: without this, a destroy could remove Argo CD before the Applications whose
 * finalizers it must process (argo-cd #7860).
 */
export function childOptions(
    parent: pulumi.Resource,
    opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.CustomResourceOptions {
    return { parent, dependsOn: opts?.dependsOn, ...FIXED_NAME };
}

/**
 * Resource options plus what one child alone must wait for (and outlive on destroy), beside the dependencies the
 * options already carry (a single resource or a list).
 */
export function withDependencies(
    options: pulumi.CustomResourceOptions,
    after: readonly pulumi.Input<pulumi.Resource>[] | undefined,
): pulumi.CustomResourceOptions {
    if (!after || after.length === 0) return options;
    const base = options.dependsOn;
    const list: pulumi.Input<pulumi.Resource>[] =
        base === undefined ? [] : Array.isArray(base) ? [...base] : [base as pulumi.Input<pulumi.Resource>];
    return { ...options, dependsOn: [...list, ...after] };
}
