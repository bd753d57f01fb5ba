import type * as pulumi from "@pulumi/pulumi";
import type { SecretKeyName } from "./keys";

/** Where configuration comes from: the Pulumi engine in a real run, the stack file in tests and the render. */
export interface ConfigSource {
    readonly stack: string;
    /** The raw value of a project key as the engine stores it (JSON text for arrays and objects). */
    get(key: string): string | undefined;
    /** A secret project key as a secret Output, or undefined when the stack does not set it. */
    getSecret(key: SecretKeyName): pulumi.Output<string> | undefined;
    /** Whether the stack stores the key encrypted (`pulumi config set --secret`). */
    isSecret(key: string): boolean;
    /** Names (without the project prefix) of every project key the stack sets. */
    keys(): string[];
    /**
     * Every key the engine passes, by full name (`gitops-stack:repoUrl`, `kubernetes:context`), with its raw value
     * (secret values need not be real: only names and non-secret values are read). Used to catch keys under a
     * mistyped namespace. Optional so older callers keep working; without it only our own namespace is checked.
     */
    allConfig?(): Record<string, string>;
    /**
     * Check that `kubernetes:context` names a context of the kubeconfig the provider will read. Real engine runs
     * only: the offline render and the mocked tests need no cluster. Default false.
     */
    readonly checkKubeContext?: boolean;
}
