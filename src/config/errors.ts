import * as pulumi from "@pulumi/pulumi";
import { redactSecrets } from "./guards";

/** One bad configuration value: the key, what was given (never a secret's value) and what is expected. */
export interface ConfigProblem {
    readonly key: string;
    readonly message: string;
}

/**
 * Thrown before any resource is registered when a stack's configuration is invalid. It lists every problem at once.
 * A RunError, so the CLI prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly stack: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        super(
            [
                `Invalid configuration for stack "${stack}" (${count}); nothing was created:`,
                // The rules redact each message (ConfigInput); this catches what any other caller passes.
                ...problems.map((p) => `  - ${p.key}: ${redactSecrets(p.message)}`),
            ].join("\n"),
        );
        this.name = "ConfigError";
    }
}
