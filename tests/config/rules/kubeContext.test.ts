import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../../../src/config";
import { ConfigInput } from "../../../src/config/rules/context";
import { kubeconfigContexts, validateKubeContext } from "../../../src/config/rules/kubeContext";
import { sourceOf } from "./support";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-kube-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const kubeconfig = (contexts: string[], current = contexts[0]) =>
    [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${current ?? '""'}`,
        "contexts:",
        ...contexts.map((c) => `  - name: ${c}\n    context: { cluster: c, user: u }`),
    ].join("\n");
const write = (name: string, contexts: string[]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, kubeconfig(contexts));
    return file;
};
const A = write("a.yaml", ["kind-dev", "ops"]);
const B = write("b.yaml", ["prod-eu"]);
const HOME = path.join(dir, "home");
fs.mkdirSync(path.join(HOME, ".kube"), { recursive: true });
fs.writeFileSync(path.join(HOME, ".kube", "config"), kubeconfig(["home-ctx"]));

function problems(all: Record<string, string>, env: NodeJS.ProcessEnv = {}, home = HOME): string[] {
    const input = new ConfigInput(sourceOf("dev"));
    validateKubeContext(input, all, env, home);
    return input.problems.map((p) => `${p.key}: ${p.message}`);
}

describe("kube context (real engine runs)", () => {
    it("reads contexts from kubernetes:kubeconfig (path or inline), then $KUBECONFIG (merged), then ~/.kube/config", () => {
        expect(kubeconfigContexts(A, {}, HOME).contexts).toEqual(["kind-dev", "ops"]);
        expect(kubeconfigContexts(kubeconfig(["inline-ctx"]), {}, HOME)).toMatchObject({
            contexts: ["inline-ctx"],
            source: "kubernetes:kubeconfig (inline)",
        });
        expect(kubeconfigContexts(undefined, { KUBECONFIG: `${A}${path.delimiter}${B}` }, HOME)).toMatchObject({
            contexts: ["kind-dev", "ops", "prod-eu"],
            current: "kind-dev",
        });
        expect(kubeconfigContexts(undefined, {}, HOME).contexts).toEqual(["home-ctx"]);
    });

    it("accepts a context that exists", () => {
        expect(problems({ "kubernetes:context": "ops", "kubernetes:kubeconfig": A })).toEqual([]);
        expect(problems({ "kubernetes:context": "prod-eu" }, { KUBECONFIG: `${A}${path.delimiter}${B}` })).toEqual([]);
    });

    it("refuses a context that does not exist, naming it and the contexts that do", () => {
        expect(problems({ "kubernetes:context": "kind-prod", "kubernetes:kubeconfig": A })).toEqual([
            `kubernetes:context: "kind-prod" is not a context of kubernetes:kubeconfig (${A}); expected one of: kind-dev, ops (pulumi config set kubernetes:context <context>).`,
        ]);
    });

    it("refuses a missing context: the provider would use whatever context is current", () => {
        const [p] = problems({}, { KUBECONFIG: A });
        expect(p).toMatch(
            /^kubernetes:context: is not set, so the provider would deploy to the kubeconfig's current context \(now "kind-dev"\)/,
        );
        expect(p).toContain("expected one of: kind-dev, ops");
    });

    it("refuses when no kubeconfig can be read", () => {
        expect(problems({ "kubernetes:context": "x" }, {}, path.join(dir, "nohome"))[0]).toMatch(
            /^kubernetes:context: no kubeconfig could be read from .*config does not exist/,
        );
        expect(
            problems({ "kubernetes:context": "x", "kubernetes:kubeconfig": path.join(dir, "missing.yaml") })[0],
        ).toMatch(/^kubernetes:kubeconfig: no kubeconfig could be read/);
    });

    it("accepts no kubeconfig and no context inside a pod (the provider's in-cluster config)", () => {
        expect(problems({}, { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, path.join(dir, "nohome"))).toEqual([]);
        expect(
            problems({ "kubernetes:context": "x" }, { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, path.join(dir, "nohome")),
        ).toHaveLength(1);
    });

    it("runs only when the source asks for it (real engine runs), and reports in the one ConfigError", () => {
        const base = sourceOf("prod", { raw: { "kubernetes:context": "prod", "kubernetes:kubeconfig": A } });
        expect(() => parseStackConfig(base)).not.toThrow();
        let error: unknown;
        try {
            parseStackConfig({ ...base, checkKubeContext: true });
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain('Invalid configuration for stack "prod"');
        expect((error as Error).message).toContain('kubernetes:context: "prod" is not a context of');
    });
});

describe("a kubeconfig that is not a file (issue 19 §7)", () => {
    it("refuses a FIFO, a directory and a missing file without reading them (a FIFO would block forever)", async () => {
        const { execFileSync } = await import("node:child_process");
        const fifo = path.join(dir, "fifo");
        execFileSync("mkfifo", [fifo]);
        const start = Date.now();
        expect(kubeconfigContexts(fifo, {}, HOME).problem).toMatch(/fifo is a FIFO \(named pipe\), not a file/);
        expect(kubeconfigContexts(undefined, { KUBECONFIG: `${A}${path.delimiter}${fifo}` }, HOME).problem).toMatch(
            /is a FIFO/,
        );
        expect(kubeconfigContexts(dir, {}, HOME).problem).toMatch(/is a directory/);
        expect(Date.now() - start).toBeLessThan(2000);
        expect(problems({ "kubernetes:kubeconfig": fifo, "kubernetes:context": "x" }).join("\n")).toMatch(
            /kubernetes:kubeconfig: no kubeconfig could be read from .*: .*is a FIFO/,
        );
    });

    it("reads each context's server and credential plugin (names only, for messages)", () => {
        const file = path.join(dir, "details.yaml");
        fs.writeFileSync(
            file,
            JSON.stringify({
                clusters: [{ name: "c", cluster: { server: "https://k8s.example.com:6443" } }],
                users: [{ name: "u", user: { exec: { command: "/usr/local/bin/aws-iam-authenticator" } } }],
                contexts: [{ name: "eks", context: { cluster: "c", user: "u" } }],
            }),
        );
        expect(kubeconfigContexts(file, {}, HOME).details).toEqual({
            eks: { server: "https://k8s.example.com:6443", execCommand: "/usr/local/bin/aws-iam-authenticator" },
        });
    });
});
