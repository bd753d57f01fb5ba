/**
 * The component package's provider, as the engine uses it for a program in another language: GetSchema, then
 * Construct with the caller's arguments (plain values, secrets as secrets). Constructed under the offline engine, the
 * component registers exactly what the program registers for the same configuration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { describe, expect, it } from "vitest";
import { COMPONENTS } from "../../src/component/components";
import { GITOPS_STACK_TYPE } from "../../src/component/gitOpsStack";
import { GitOpsStackProvider } from "../../src/component/provider";
import { finishSchema, type PackageSchema } from "../../src/component/schema";
import { ConfigError, PROJECT } from "../../src/config";
import { runProgram, type RecordedResource } from "../../src/offline/mockRun";
import { argsFromEngine } from "../support/args";
import { ROOT, configErrorOf, runStack, stackConfig, type StackOptions } from "../support/stacks";
import { COMMITTED } from "../support/variants";

/** What the engine records of a resource (everything but the order of registration). */
const recorded = (resources: RecordedResource[]) => [...resources].sort((a, b) => a.urn.localeCompare(b.urn));

/** Constructs GitOpsStack through a provider under the offline engine, as the engine's Construct call would. */
function construct(
    provider: { construct: GitOpsStackProvider["construct"] },
    stack: string,
    options: StackOptions,
    type = GITOPS_STACK_TYPE,
) {
    const inputs = argsFromEngine(stackConfig(stack, options)) as unknown as Record<string, unknown>;
    return runProgram(stack, { values: {}, secretKeys: [] }, async () => {
        const result = await provider.construct(PROJECT, type, inputs, {});
        return { urn: result.urn, state: result.state };
    });
}

describe("GitOpsStackProvider", () => {
    it("serves schema.json, versioned as package.json", async () => {
        const provider = new GitOpsStackProvider();
        const served = JSON.parse(await provider.getSchema()) as PackageSchema;
        expect(served).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8")));
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
        expect(provider.version).toBe(pkg.version);
    });

    it.each(COMMITTED)(
        "$name: a construct registers what the program registers, and returns its outputs",
        async (v) => {
            const program = await runStack(v.stack, v.options);
            const constructed = await construct(new GitOpsStackProvider(), v.stack, v.options);
            expect(recorded(constructed.resources)).toEqual(recorded(program.resources));
            expect(constructed.outputs.urn).toBe(`urn:pulumi:${v.stack}::${PROJECT}::${GITOPS_STACK_TYPE}::${PROJECT}`);
            const state = constructed.outputs.state as Record<string, unknown>;
            const schema = JSON.parse(await new GitOpsStackProvider().getSchema()) as PackageSchema;
            expect(Object.keys(state).sort()).toEqual(
                Object.keys(schema.resources[GITOPS_STACK_TYPE].properties!).sort(),
            );
            // The stack outputs are the component's outputs that have a value.
            const present = Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined));
            expect(present).toEqual(program.outputs);
        },
    );

    it("constructs as Pulumi's own ComponentProvider does (what its componentProviderHost would serve)", async () => {
        const own = new ComponentProvider({
            name: "gitops-stack",
            dirname: ROOT,
            components: Object.values(COMPONENTS),
        });
        const theirs = await construct(own, "dev", {});
        const ours = await construct(new GitOpsStackProvider(), "dev", {});
        expect(recorded(ours.resources)).toEqual(recorded(theirs.resources));
        expect(ours.outputs).toEqual(theirs.outputs);
        // And it serves the same schema, but for what src/component/schema.ts finishes.
        expect(finishSchema(JSON.parse(await own.getSchema()) as PackageSchema)).toEqual(
            JSON.parse(await new GitOpsStackProvider().getSchema()),
        );
    }, 180_000);

    it("refuses bad arguments with the message the same bad configuration gets", async () => {
        const options = { config: ["operator=spinnaker", "retryLimit=99"] };
        const expected = await configErrorOf("prod", options);
        const error = await construct(new GitOpsStackProvider(), "prod", options).then(
            () => undefined,
            (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toBe(expected);
    });

    it("refuses a type it does not have, naming the ones it has", async () => {
        await expect(construct(new GitOpsStackProvider(), "dev", {}, "gitops-stack:index:ArgoCd")).rejects.toThrow(
            "unknown resource type gitops-stack:index:ArgoCd; this package has gitops-stack:index:GitOpsStack",
        );
    });
});
