/**
 * GitOpsStackArgs is the stack configuration key for key. Pulumi's analyzer turns it into the component package's
 * schema (tests/component/schema.test.ts checks every field's type, description and secretness there); here: the
 * names match (checked by the compiler), and a stack's configuration read into arguments (the program's path) is
 * validated exactly as the configuration itself.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
    DECLARED_KEYS,
    PROJECT,
    SECRET_KEYS,
    STRUCTURED_KEYS,
    argsConfigSource,
    loadConfig,
    loadStackArgs,
    parseStackConfig,
    resolveArgs,
    type GitOpsStackArgs,
} from "../../src/config";
import { TIER_SWITCH_KEYS } from "../../src/config/args";
import { stackConfig } from "../support/stacks";
import { VARIANTS } from "../support/variants";

type ConfigKey = keyof typeof DECLARED_KEYS | keyof typeof SECRET_KEYS | keyof typeof STRUCTURED_KEYS;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * Fails to compile when a key of src/config/keys.ts has no field of the same name in GitOpsStackArgs, or a field has
 * no key: add the field (or the key) with the same name, description and default.
 */
const EVERY_KEY_IS_AN_ARGUMENT: Same<keyof GitOpsStackArgs, ConfigKey> = true;

/** A parsed configuration with its Outputs (secrets) left out, to compare two parses. */
function comparable(value: unknown): unknown {
    if (pulumi.Output.isInstance(value)) return "<Output>";
    if (Array.isArray(value)) return value.map(comparable);
    if (value !== null && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
    return value;
}

async function withStack<T>(name: string, options: Parameters<typeof stackConfig>[1], run: () => T): Promise<T> {
    const config = stackConfig(name, options);
    await pulumi.runtime.setMocks(
        {
            newResource: () => {
                throw new Error("nothing may be registered");
            },
            call: () => ({}),
        },
        PROJECT,
        name,
        false,
    );
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    return run();
}

describe("GitOpsStackArgs", () => {
    it("has a field for every configuration key and no other (a compile-time check)", () => {
        expect(EVERY_KEY_IS_AN_ARGUMENT).toBe(true);
    });

    it.each(VARIANTS)("$name: the configuration read into arguments validates to the same configuration", async (v) => {
        const { fromConfig, args } = await withStack(v.stack, v.options, () => ({
            fromConfig: loadConfig(),
            args: loadStackArgs(),
        }));
        const fromArgs = parseStackConfig(argsConfigSource(v.stack, await resolveArgs(args, v.stack)));
        expect(comparable(fromArgs)).toEqual(comparable(fromConfig));
        expect(fromArgs.warnings).toEqual(fromConfig.warnings);
    });

    it("types each argument as the component declares it: switches as booleans, numbers, lists and objects parsed", async () => {
        const args = (await withStack(
            "prod",
            {
                config: ["autoSync=true", 'acknowledgeProdOverrides=["autoSync"]', "retryLimit=3", "cascadeDelete="],
            },
            loadStackArgs,
        )) as unknown as Record<string, unknown>;
        expect(args.autoSync).toBe(true);
        expect("cascadeDelete" in args).toBe(false);
        expect(args.acknowledgeProdOverrides).toEqual(["autoSync"]);
        expect(args.retryLimit).toBe(3);
        expect(Array.isArray(args.deployerGroups)).toBe(true);
        expect((args.apps as Array<{ name: string }>).map((a) => a.name)).toEqual(["platform", "guestbook", "podinfo"]);
        expect(pulumi.Output.isInstance(args.githubAppPrivateKey)).toBe(true);
        expect(await pulumi.isSecret(args.githubAppPrivateKey as pulumi.Output<string>)).toBe(true);
        for (const key of TIER_SWITCH_KEYS) expect(DECLARED_KEYS[key].type).toBe("string");
    });

    it.each([false, true])(
        "passes an SSO config on as a secret when the stack stores it encrypted (%s)",
        async (encrypted) => {
            const config = stackConfig("staging");
            expect(config.values[`${PROJECT}:ssoOidcConfig`]).toBeDefined();
            if (encrypted) config.secretKeys.push(`${PROJECT}:ssoOidcConfig`);
            await pulumi.runtime.setMocks(
                { newResource: () => ({ id: "", state: {} }), call: () => ({}) },
                PROJECT,
                "staging",
            );
            pulumi.runtime.setAllConfig(config.values, config.secretKeys);
            const args = loadStackArgs();
            expect(pulumi.Output.isInstance(args.ssoOidcConfig)).toBe(encrypted);
            const parsed = parseStackConfig(argsConfigSource("staging", await resolveArgs(args, "staging")));
            expect(parsed.argocd.ssoConfigIsSecret).toBe(encrypted);
        },
    );
});
