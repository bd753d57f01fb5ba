/**
 * The compiled program and the component package, loaded as Pulumi's Node.js language host loads them: in a process of
 * their own, through @pulumi/pulumi's cmd/run (a program: `pulumi preview`/`up`) and cmd/run-plugin (a package: what a
 * C#, Python, Go or YAML program uses), talking gRPC to an engine (src/offline/engineServer.ts). They register what
 * the offline run registers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackage } from "../../src/build/build";
import { GITOPS_STACK_TYPE } from "../../src/component/gitOpsStack";
import { PROJECT } from "../../src/config";
import { runProgramAsHost, startPlugin, type PluginConnection } from "../../src/offline/languageHost";
import type { RecordedResource } from "../../src/offline/mockRun";
import { argsFromEngine } from "../support/args";
import { ROOT, runStack, stackConfig, type StackOptions } from "../support/stacks";

const HOST_TIMEOUT = 180_000;
let kubeconfig: string;

beforeAll(async () => {
    // What `pulumi up` runs (Pulumi.yaml main, package.json main): built as npm ci builds it.
    await buildPackage(ROOT);
    // A real run checks that kubernetes:context names a context of the kubeconfig (nothing connects to it here).
    kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-host-kube-")), "config");
    fs.writeFileSync(
        kubeconfig,
        [
            "apiVersion: v1",
            "kind: Config",
            "clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]",
            "users: [{ name: u, user: {} }]",
            "contexts: [{ name: test, context: { cluster: c, user: u } }]",
            "current-context: test",
            "",
        ].join("\n"),
    );
}, HOST_TIMEOUT);
afterAll(() => fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true }));

/** The engine's view of a run's objects, without the root Stack (the offline run has none) and in URN order. */
const objects = (resources: RecordedResource[]) =>
    resources
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map((r) => ({ ...r, parent: r.parent.includes("::pulumi:pulumi:Stack::") ? "" : r.parent }))
        .sort((a, b) => a.urn.localeCompare(b.urn));

function hostRun(stack: string, options: StackOptions = {}) {
    const config = stackConfig(stack, options);
    config.values["kubernetes:context"] = "test";
    return runProgramAsHost({
        root: ROOT,
        main: "bin/program.js",
        stack,
        config,
        dryRun: true,
        env: { KUBECONFIG: kubeconfig },
    });
}

describe("bin/program.js under the language host's cmd/run (Pulumi.yaml main, typescript: false)", () => {
    it.each<[string, StackOptions]>([
        ["dev", {}],
        ["prod", { config: ["operator=flux"] }],
    ])(
        "%s %j: registers what the offline run registers; the stack outputs are the program's",
        async (stack, options) => {
            const run = await hostRun(stack, options);
            expect(run.stderr).toBe("");
            expect(run.code).toBe(0);
            const offline = await runStack(stack, options);
            expect(objects(run.engine.resources)).toEqual(objects(offline.resources));
            const root = run.engine.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
            expect(root.urn).toBe(`urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`);
            expect(run.engine.outputs.get(root.urn)).toEqual(offline.outputs);
            const warnings = run.engine.logs.filter((l) => l.severity === "warning" || l.severity === "error");
            expect(warnings.filter((l) => !l.message.includes("have no effect"))).toEqual([]);
        },
        HOST_TIMEOUT,
    );

    it(
        "stops a bad configuration before registering anything, with the configuration's message and no stack trace",
        async () => {
            const run = await hostRun("dev", { config: ["retryLimit=99"] });
            expect(run.code).not.toBe(0);
            const errors = run.engine.logs.filter((l) => l.severity === "error").map((l) => l.message);
            expect(errors).toEqual([
                expect.stringMatching(
                    /^Invalid configuration for stack "dev" \(1 problem\); nothing was created:\n {2}- gitops-stack:retryLimit: "99" is not valid/,
                ),
            ]);
            expect(errors[0]).not.toMatch(/\n\s+at /);
            expect(run.engine.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
        },
        HOST_TIMEOUT,
    );
});

describe("the component package under the language host's cmd/run-plugin (PulumiPlugin.yaml, package.json main)", () => {
    let plugin: PluginConnection;
    beforeAll(async () => {
        plugin = await startPlugin(ROOT, "dev", PROJECT);
    }, HOST_TIMEOUT);
    afterAll(async () => {
        await plugin?.close();
    });

    it("serves schema.json at package.json's version", async () => {
        const schema = JSON.parse(await plugin.schema());
        expect(schema).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8")));
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
        expect(await plugin.version()).toBe(pkg.version);
    });

    it(
        "constructs GitOpsStack from a caller's arguments, registering what the program registers",
        async () => {
            const config = stackConfig("dev");
            const result = (await plugin.construct(
                GITOPS_STACK_TYPE,
                PROJECT,
                argsFromEngine(config) as unknown as Record<string, unknown>,
                { values: {}, secretKeys: [] },
            )) as { urn: string; state: Record<string, unknown> };
            const offline = await runStack("dev");
            expect(result.urn).toBe(`urn:pulumi:dev::${PROJECT}::${GITOPS_STACK_TYPE}::${PROJECT}`);
            expect(objects(plugin.engine.resources)).toEqual(objects(offline.resources));
            expect(result.state).toMatchObject({ environment: "dev", applications: offline.outputs.applications });
        },
        HOST_TIMEOUT,
    );
});
