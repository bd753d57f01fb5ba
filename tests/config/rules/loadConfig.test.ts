import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { stackConfig } from "../../support/stacks";

/**
 * loadConfig as a real `pulumi preview` runs it: the engine address is set (the SDK connects lazily, nothing is
 * dialled here), so the kube context is checked; under mocks it is not.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-load-"));
const KUBECONFIG = path.join(dir, "config");
fs.writeFileSync(
    KUBECONFIG,
    "apiVersion: v1\nkind: Config\ncurrent-context: kind-other\ncontexts:\n  - name: kind-other\n    context: { cluster: c, user: u }\n  - name: kind-dev\n    context: { cluster: c, user: u }\n",
);
const saved = process.env.KUBECONFIG;

afterEach(() => {
    process.env.KUBECONFIG = saved;
    if (saved === undefined) delete process.env.KUBECONFIG;
});

function run(engineAddr: string, context?: string): unknown {
    pulumi.runtime.resetOptions("gitops-stack", "dev", -1, engineAddr, "", true, "");
    const config = stackConfig("dev");
    if (context !== undefined) config.values["kubernetes:context"] = context;
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    process.env.KUBECONFIG = KUBECONFIG;
    try {
        return loadConfig();
    } catch (err) {
        return err;
    } finally {
        pulumi.runtime.resetOptions("gitops-stack", "dev", -1, "", "", false, "");
    }
}

describe("loadConfig checks the kube context in real engine runs only", () => {
    it("refuses a missing context in a real run, naming the stack and the contexts that exist", () => {
        const err = run("127.0.0.1:1") as Error;
        expect(err.message).toMatch(/^Invalid configuration for stack "dev"/);
        expect(err.message).toContain(
            `kubernetes:context: is not set, so the provider would deploy to the kubeconfig's current context (now "kind-other")`,
        );
        expect(err.message).toContain("expected one of: kind-other, kind-dev");
    });

    it("refuses a context the kubeconfig does not have", () => {
        expect((run("127.0.0.1:1", "prod") as Error).message).toContain(
            `kubernetes:context: "prod" is not a context of $KUBECONFIG (${KUBECONFIG}); expected one of: kind-other, kind-dev`,
        );
    });

    it("accepts a context that exists", () => {
        expect(run("127.0.0.1:1", "kind-dev")).toMatchObject({ stack: "dev", tier: "dev" });
    });

    it("does not check without an engine (mocks, offline render)", () => {
        expect(run("")).toMatchObject({ stack: "dev" });
    });
});
