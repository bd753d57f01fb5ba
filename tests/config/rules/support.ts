import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT, parseStackConfig, type ConfigSource, type StackConfig } from "../../../src/config";
import type { SecretKeyName } from "../../../src/config/keys";
import { stackConfig, type StackOptions } from "../../support/stacks";

/**
 * A committed stack's configuration (with overrides) as the engine would hand it to the config module, without
 * running the program: the rule tests need only validation, so they stay fast.
 */
export function sourceOf(stack: string, options: StackOptions = {}, asStack = stack): ConfigSource {
    const { values, secretKeys } = stackConfig(stack, options);
    const prefix = `${PROJECT}:`;
    return {
        stack: asStack,
        get: (key) => values[prefix + key],
        getSecret: (key: SecretKeyName) =>
            values[prefix + key] === undefined ? undefined : pulumi.secret(values[prefix + key]),
        isSecret: (full) => secretKeys.includes(full),
        keys: () =>
            Object.keys(values)
                .filter((k) => k.startsWith(prefix))
                .map((k) => k.slice(prefix.length)),
        allConfig: () => ({ ...values }),
    };
}

/** The validated configuration; fails the test with the message when it does not validate. */
export function parsed(stack: string, options: StackOptions = {}, asStack = stack): StackConfig {
    return parseStackConfig(sourceOf(stack, options, asStack));
}

/** The ConfigError message for a configuration, or a failure when it validates. */
export function errorOf(stack: string, options: StackOptions = {}, asStack = stack): string {
    try {
        parseStackConfig(sourceOf(stack, options, asStack));
    } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
    }
    throw new Error(`stack ${asStack} with ${JSON.stringify(options)} was expected to fail validation`);
}
