import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { runProgram } from "../src/offline/mockRun";
import { runStack, stackConfig, type StackOptions } from "./support/stacks";

// A readable deploy key, so the SSH stack has its sshPublicKey output too.
const options: StackOptions = {
    secrets: {
        sshPrivateKey: crypto
            .generateKeyPairSync("ed25519")
            .privateKey.export({ type: "pkcs8", format: "pem" })
            .toString(),
    },
};

/** What `pulumi stack output` shows: the exports of index.ts, evaluated as the engine does, under the mocks. */
async function exportsOf(stack: string): Promise<Record<string, unknown>> {
    vi.resetModules();
    const run = await runProgram(stack, stackConfig(stack, options), () =>
        pulumi.output(import("../index.js").then((module) => ({ ...module }))),
    );
    return run.outputs as unknown as Record<string, unknown>;
}

describe("index.ts", () => {
    it.each(["dev", "prod"])("exports every stack output the program returns (%s)", async (stack) => {
        const exported = await exportsOf(stack);
        const returned = (await runStack(stack, options)).outputs as unknown as Record<string, unknown>;
        // `default` is the CommonJS interop copy of the module, not a stack output.
        delete exported.default;
        expect(exported).toEqual(returned);
        expect(
            Object.keys(exported)
                .filter((k) => exported[k] !== undefined)
                .sort(),
        ).toEqual(Object.keys(returned).sort());
    });
});
