import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GITOPS_STACK_TYPE, GitOpsStack } from "../../src/component/gitOpsStack";
import { ConfigError, PROJECT, type GitOpsStackArgs } from "../../src/config";
import { isSecretValue } from "../../src/offline/mockRun";
import { argsFromEngine } from "../support/args";
import {
    configErrorOf,
    runComponents,
    runStack,
    stackConfig,
    TEST_SECRETS,
    type StackOptions,
} from "../support/stacks";

/** What a caller passes for the dev stack's configuration (secrets as Pulumi secrets). */
const devArgs = (options: StackOptions = {}): Record<string, unknown> =>
    argsFromEngine(stackConfig("dev", options)) as unknown as Record<string, unknown>;

const stackOf = (args: Record<string, unknown>, opts?: pulumi.ComponentResourceOptions) => () => {
    const stack = new GitOpsStack("platform", args as unknown as GitOpsStackArgs, opts);
    return { environment: stack.environment, applications: stack.applications, namespace: stack.namespace };
};

async function errorOf(run: Promise<unknown>): Promise<Error> {
    try {
        await run;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected the run to fail");
}

describe("GitOpsStack, constructed with arguments", () => {
    it("creates the same objects as the program for the same configuration, under the component", async () => {
        const program = await runStack("dev");
        const component = await runComponents(stackOf(devArgs()));
        const objects = (run: { resources: typeof program.resources }) =>
            run.resources
                .filter((r) => r.custom)
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        expect(objects(component)).toEqual(objects(program));
        expect(component.outputs).toEqual({
            environment: "dev",
            applications: ["dev-root", "dev-platform", "dev-guestbook", "dev-podinfo"],
            namespace: "argocd",
        });
        const top = component.resources.find((r) => r.type === GITOPS_STACK_TYPE)!;
        expect(top.urn).toBe(`urn:pulumi:dev::${PROJECT}::${GITOPS_STACK_TYPE}::platform`);
        // Every object is the component's descendant.
        const urns = new Set(component.resources.map((r) => r.urn));
        for (const r of component.resources) if (r !== top) expect(urns.has(r.parent), r.urn).toBe(true);
    });

    it.each([
        ["opts.provider", (p: k8s.Provider) => ({ provider: p })],
        ["opts.providers", (p: k8s.Provider) => ({ providers: [p] })],
    ])("puts every Kubernetes object on the caller's provider (%s)", async (_how, opts) => {
        const run = await runComponents(() => {
            const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
            return stackOf(devArgs(), opts(provider))();
        });
        const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        const objects = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        expect(objects.length).toBeGreaterThan(10);
        for (const r of objects) expect(r.provider, r.urn).toBe(`${provider.urn}::cluster-id`);
    });

    it("uses the default provider without one", async () => {
        const run = await runComponents(stackOf(devArgs()));
        for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) expect(r.provider).toBe("");
    });

    it("refuses a bad argument with the message the same bad configuration key gets, and creates nothing", async () => {
        const options = { config: ["repoUrl=github.com/acme/gitops", "retryLimit=99"] };
        const fromConfig = await configErrorOf("dev", options);
        const error = await errorOf(runComponents(stackOf(devArgs(options))));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toBe(fromConfig);
        expect(error.message).toContain('gitops-stack:repoUrl: "github.com/acme/gitops" is not valid');

        // The component is registered (the SDK does so in its constructor); nothing under it is.
        const registered: string[] = [];
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    registered.push(a.type);
                    return { id: a.name, state: a.inputs };
                },
                call: () => ({}),
            },
            PROJECT,
            "dev",
        );
        const outputs = stackOf(devArgs(options))();
        const valueOf = (o: pulumi.Output<unknown>) => (o as unknown as { promise(): Promise<unknown> }).promise();
        await expect(valueOf(outputs.environment)).rejects.toThrow(ConfigError);
        await expect(valueOf(outputs.namespace)).rejects.toThrow(ConfigError);
        await pulumi.runtime.disconnect().catch(() => undefined);
        expect(registered.filter((t) => t !== GITOPS_STACK_TYPE)).toEqual([]);
    });

    it("keeps a secret passed in clear a Pulumi secret", async () => {
        const args = { ...devArgs(), sshPrivateKey: TEST_SECRETS.sshPrivateKey };
        const run = await runComponents(stackOf(args));
        const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "repo")!;
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        expect(JSON.stringify(secret.inputs)).toContain(TEST_SECRETS.sshPrivateKey.split("\n")[1]);
    });

    it("takes a secret from another resource's output, with that resource as a dependency", async () => {
        const run = await runComponents(() => {
            const source = new k8s.core.v1.Secret("deploy-key", {
                metadata: { name: "deploy-key", namespace: "keys" },
                stringData: { key: pulumi.secret(TEST_SECRETS.sshPrivateKey) },
            });
            return stackOf({ ...devArgs(), sshPrivateKey: source.stringData.apply((d) => d!.key) })();
        });
        const source = run.resources.find((r) => r.name === "deploy-key")!;
        const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "repo")!;
        expect(secret.dependencies).toContain(source.urn);
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
    });

    it("refuses a setting not known at preview, by name", async () => {
        const error = await errorOf(runComponents(stackOf({ ...devArgs(), repoUrl: pulumi.output(pulumi.unknown) })));
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toContain(
            "gitops-stack:repoUrl: is not known until the deployment runs (it is computed from another resource)",
        );
    });
});
