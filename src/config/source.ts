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
}
