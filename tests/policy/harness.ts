import type {
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { buildPolicies } from "../../policy/rules";
import type { EngineConfig } from "../../policy/context";

/** One object as the engine hands it to the pack: its type, plain props and the URN of the stack it runs in. */
export interface PackObject {
    readonly type: string;
    readonly props: Record<string, any>;
    readonly name?: string;
    /** The stack the engine runs; it is part of every URN. */
    readonly stack?: string;
}

export const urnOf = (o: PackObject, i = 0) =>
    `urn:pulumi:${o.stack ?? "prod"}::gitops-stack::${o.type}::${o.name ?? `r${i}`}`;

export interface RunOptions {
    /** The engine configuration the CLI would pass in PULUMI_CONFIG (`gitops-stack:<key>`); undefined: none. */
    readonly engineConfig?: EngineConfig;
    /** Policy configuration (`--policy-pack-config`), by policy name. */
    readonly policyConfig?: Record<string, Record<string, unknown>>;
    /** Also report advisory findings (the advisory twins of the prod rules). */
    readonly advisory?: boolean;
}

/**
 * Runs every policy of the pack over the objects the way @pulumi/policy's analyzer server does: each resource
 * policy's validateResource per object (Analyze), each stack policy's validateStack once over all (AnalyzeStack).
 * Returns `<policy>: <message>` for every violation of a mandatory policy (and advisory ones when asked).
 */
export function violations(objects: readonly PackObject[], options: RunOptions = {}): string[] {
    const policies: Policy[] = buildPolicies({ engineConfig: () => options.engineConfig });
    const found: string[] = [];
    const resources = objects.map(
        (o, i) =>
            ({
                type: o.type,
                props: o.props,
                urn: urnOf(o, i),
                name: o.name ?? `r${i}`,
                opts: {},
                dependencies: [],
                propertyDependencies: {},
                isType: () => false,
                asType: () => undefined,
            }) as unknown as PolicyResource,
    );
    for (const policy of policies) {
        if (policy.enforcementLevel === "advisory" && !options.advisory) continue;
        const report = (message: string) => found.push(`${policy.name}: ${message}`);
        const getConfig = <T>() => (options.policyConfig?.[policy.name] ?? {}) as T;
        const { validateResource } = policy as ResourceValidationPolicy;
        const { validateStack } = policy as StackValidationPolicy;
        if (validateResource) {
            for (const r of resources) {
                const args = { ...r, getConfig, stackTags: new Map() } as unknown as ResourceValidationArgs;
                for (const validate of [validateResource].flat()) void validate(args, report);
            }
        }
        if (validateStack) {
            const args = { resources, getConfig, stackTags: new Map() } as unknown as StackValidationArgs;
            void validateStack(args, report);
        }
    }
    return found;
}
