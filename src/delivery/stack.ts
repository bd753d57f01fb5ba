import { loadConfig, PROJECT, type FluxRef, type Operator, type StackConfig, type Tier } from "../config";
import { runProgram } from "../offline/mockRun";
import { applyOverrides, readStackFile, withSecretPlaceholders } from "../offline/stackFile";
import { DeliveryError } from "./errors";

/** What the delivery commands need to know about a stack: where its overlays are and which Git ref it deploys. */
export interface StackInfo {
    readonly stack: string;
    readonly tier: Tier;
    readonly operator: Operator;
    /** The revision Argo CD Applications track (branch, tag or commit). */
    readonly argoRevision: string;
    /** The same revision in Flux's form (branch, tag or semver range). */
    readonly fluxRef: FluxRef;
    /** Argo CD automated sync (off in prod unless acknowledged). */
    readonly autoSync: boolean;
    /** Flux reconcile interval. */
    readonly fluxInterval: string;
    /** The stack's appPathTemplate as written ({app} and {env} not filled in). */
    readonly appPathTemplate: string;
    /** Image automation (Flux image automation or Argo CD Image Updater) for apps with image and semverRange. */
    readonly imageAutomation: boolean;
    /** Flux's namespace (its ImagePolicies, named <app>-<tier>, live there). */
    readonly fluxNamespace: string;
    /** Each app with its overlay path, {env} not filled in (so other environments' overlays can be found). */
    readonly apps: ReadonlyArray<StackApp>;
}

export interface StackApp {
    readonly name: string;
    readonly namespace: string;
    readonly pathTemplate: string;
    /** The image repository image automation watches, and the range of tags it may move to. */
    readonly image?: string;
    readonly semverRange?: string;
}

/**
 * Reads a committed stack (`Pulumi.<stack>.yaml` in `stackDir`) through the same stack-file reader and config
 * validation as `pulumi up` and the render: defaults per tier (Flux prod tracks the `prod` branch), every rule
 * checked. `overrides` are `key=value` as for the render's --config. Secrets are placeholders; none is needed or read.
 */
export async function readStack(
    stackDir: string,
    stack: string,
    overrides: readonly string[] = [],
): Promise<StackInfo> {
    const { engine, parsed } = await loadStack(stackDir, stack, overrides);
    const key = (name: string) => `${PROJECT}:${name}`;
    const template = engine.values[key("appPathTemplate")] ?? "apps/{app}/overlays/{env}";
    let rawApps: Array<{ name?: unknown; path?: unknown }> = [];
    try {
        rawApps = JSON.parse(engine.values[key("apps")] ?? "[]") as typeof rawApps;
    } catch {
        // The parser above has already accepted the apps, so this is unreachable for a stack that loaded.
    }
    return {
        stack,
        tier: parsed.tier,
        operator: parsed.operator,
        argoRevision: parsed.repo.revision,
        fluxRef: parsed.repo.fluxRef,
        autoSync: parsed.argocd.autoSync,
        fluxInterval: parsed.flux.interval,
        imageAutomation: parsed.flux.imageAutomation,
        fluxNamespace: parsed.flux.namespace,
        appPathTemplate: template,
        apps: parsed.apps.map((app) => {
            const raw = rawApps.find((r) => r.name === app.name)?.path;
            // The parser fills {env} in an app's own path but not {app}; the template gets both.
            const pathTemplate = typeof raw === "string" ? raw : template.replaceAll("{app}", app.name);
            return {
                name: app.name,
                namespace: app.namespace,
                pathTemplate,
                ...(app.image !== undefined ? { image: app.image } : {}),
                ...(app.semverRange !== undefined ? { semverRange: app.semverRange } : {}),
            };
        }),
    };
}

/** The stack file's engine values and the validated configuration (secrets as placeholders). */
async function loadStack(stackDir: string, stack: string, overrides: readonly string[]) {
    try {
        const engine = withSecretPlaceholders(applyOverrides(readStackFile(stackDir, stack), overrides));
        const parsed = (await runProgram(stack, engine, () => loadConfig())).outputs;
        return { engine, parsed };
    } catch (err) {
        throw new DeliveryError(`cannot read stack ${stack}: ${(err as Error).message}`);
    }
}

/**
 * A committed stack's whole validated configuration, read as {@link readStack} reads it (secrets are placeholders:
 * none is read here). For commands that need more of the stack than its layout (deploy-key: auth, host, operator).
 */
export async function readStackConfig(
    stackDir: string,
    stack: string,
    overrides: readonly string[] = [],
): Promise<StackConfig> {
    return (await loadStack(stackDir, stack, overrides)).parsed;
}
