/**
 * The bridge from the GitOpsStack component's arguments to the configuration rules: one set of rules, two sources.
 *
 * Every rule of ./rules reads the stack through ConfigInput, which reads a ConfigSource: the raw value of a key as the
 * Pulumi engine stores it (text; JSON for lists and objects), whether a key is set, its secret Output. The engine's
 * configuration is one such source (./index.ts); the component's arguments are the other (here). Each argument is
 * turned back into exactly the text the same configuration key would hold, so every rule, present and future, runs
 * on the arguments unchanged and gives the same message for the same bad value (tests/config/badConfigs.test.ts runs
 * its whole table on both sources).
 *
 * Inputs are resolved first, asynchronously (the component creates its children in `initialize`): a secret may be
 * another resource's output, and the shape of the JSON secrets (alertSecrets, clusterCredentials) is checked from its
 * value before anything is created.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GitOpsStackArgs } from "./args";
import { PROJECT } from "./constants";
import { ConfigError, type ConfigProblem } from "./errors";
import { SECRET_KEYS } from "./keys";
import { RENDER_SECRET_PLACEHOLDER } from "./rules/secretMap";
import type { ConfigSource } from "./source";

/** The arguments with every Input resolved to its value. */
export interface ResolvedArgs {
    /** Argument name to its value, for every argument that is set (not undefined). */
    readonly values: ReadonlyMap<string, unknown>;
    /** Arguments whose value arrived as a Pulumi secret. */
    readonly secret: ReadonlySet<string>;
    /**
     * Secret arguments whose value is not known yet (a preview before the resource that computes it exists). Their
     * presence counts; their content is checked when the deployment runs.
     */
    readonly unknown: ReadonlySet<string>;
    /** The arguments as given: secrets are handed on from here, with the dependencies their Outputs carry. */
    readonly args: GitOpsStackArgs;
}

const isSecretKey = (name: string): name is keyof typeof SECRET_KEYS => Object.hasOwn(SECRET_KEYS, name);

/** Whether a value holds an Output or a promise anywhere (plain arguments, the usual case, are taken as they are). */
function hasInputs(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
    if (Array.isArray(value)) return value.some(hasInputs);
    if (value !== null && typeof value === "object") return Object.values(value).some(hasInputs);
    return false;
}

/** What the SDK's Output carries beyond its public type (every Output has these; the SDK awaits Outputs through them). */
interface OutputState {
    promise(withUnknowns?: boolean): Promise<unknown>;
    readonly isKnown: Promise<boolean>;
    readonly isSecret: Promise<boolean>;
}

/**
 * Resolves every argument. A setting (anything but a secret or an SSO config) must be known at preview: it decides
 * which objects exist. One that is not is refused, by name, before anything is created.
 */
export async function resolveArgs(args: GitOpsStackArgs, stack: string): Promise<ResolvedArgs> {
    const values = new Map<string, unknown>();
    const secret = new Set<string>();
    const unknown = new Set<string>();
    const problems: ConfigProblem[] = [];
    await Promise.all(
        Object.entries(args).map(async ([name, value]) => {
            if (value === undefined) return;
            if (!hasInputs(value)) {
                values.set(name, value);
                return;
            }
            // pulumi.output unwraps Outputs and promises at any depth, keeping secretness and knownness.
            const output = pulumi.output(value) as unknown as OutputState;
            const [resolved, known, isSecret] = await Promise.all([output.promise(), output.isKnown, output.isSecret]);
            if (isSecret) secret.add(name);
            if (known) values.set(name, resolved);
            else if (isSecretKey(name) || name === "ssoDexConfig" || name === "ssoOidcConfig") unknown.add(name);
            else
                problems.push({
                    key: `${PROJECT}:${name}`,
                    message:
                        "is not known until the deployment runs (it is computed from another resource); expected a value known at preview: settings decide which objects exist and are validated before any is created.",
                });
        }),
    );
    if (problems.length > 0) throw new ConfigError(stack, problems);
    return { values, secret, unknown, args };
}

/** A value as the engine stores a configuration key: text as it is, numbers and booleans as text, the rest as JSON. */
function engineText(value: unknown): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(value);
}

/**
 * The component's resolved arguments as a configuration source: the key names are the argument names, each value the
 * text the same key would hold in a stack's configuration. Every secret argument counts as stored encrypted: the
 * component keeps it a Pulumi secret whatever the caller passed. There is no kube context to check: the caller
 * chooses the Kubernetes provider.
 */
export function argsConfigSource(stack: string, resolved: ResolvedArgs): ConfigSource {
    const { values, secret, unknown, args } = resolved;
    const names = [...values.keys(), ...unknown];
    const get = (name: string): string | undefined => {
        // A secret not known yet (preview) is checked when it is: the rules take the placeholder as "no value to
        // check", as they do for the offline render's stand-in.
        if (unknown.has(name)) return RENDER_SECRET_PLACEHOLDER;
        const value = values.get(name);
        return value === undefined ? undefined : engineText(value);
    };
    return {
        stack,
        get,
        getSecret: (name) => {
            const value = (args as unknown as Record<string, pulumi.Input<string> | undefined>)[name];
            return value === undefined ? undefined : pulumi.secret(value);
        },
        isSecret: (fullKey) => {
            const name = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey;
            return isSecretKey(name) || secret.has(name);
        },
        keys: () => [...names],
        // Only the names matter to the key checks (and no secret value needs to be in this copy).
        allConfig: () =>
            Object.fromEntries(
                names.map((name) => [
                    `${PROJECT}:${name}`,
                    isSecretKey(name) ? RENDER_SECRET_PLACEHOLDER : (get(name) ?? ""),
                ]),
            ),
        checkKubeContext: false,
    };
}
