import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICIES } from "../../policy/rules";
import { ROOT } from "../support/stacks";

/*
 * Loads the pack the way `pulumi preview --policy-pack policy` does: the CLI's `pulumi-analyzer-policy` shim runs
 * @pulumi/pulumi's `cmd/run-policy-pack` with node, in the policy directory, with the stack's name and config in
 * PULUMI_NODEJS_STACK / PULUMI_CONFIG; run-policy-pack compiles index.ts with ts-node and runs it; `new PolicyPack`
 * reads ./package.json's version and serves the Analyzer gRPC service on 127.0.0.1, printing its port. The test
 * then talks to it as the engine does (GetAnalyzerInfo, ConfigureStack, Analyze, AnalyzeStack).
 */

/* eslint-disable @typescript-eslint/no-require-imports -- the generated gRPC stubs are CommonJS only */
const grpc = require("@grpc/grpc-js");
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const POLICY_DIR = path.join(ROOT, "policy");
// The pack's own install (`npm ci --prefix policy`, README, Commands), which is what the CLI runs a pack directory with.
const RUN_POLICY_PACK = path.join(POLICY_DIR, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
if (!fs.existsSync(RUN_POLICY_PACK)) {
    throw new Error(
        `the policy pack is not installed (${RUN_POLICY_PACK} is missing): run \`npm ci --prefix policy\` (README, Commands)`,
    );
}

// The engine's view: the stack is prod; its config says environment=dev (what issue 8 §1 found fooling the pack).
const ENGINE_CONFIG = { "gitops-stack:environment": "dev", "gitops-stack:acknowledgeProdOverrides": "false" };

let child: ChildProcess;
let client: any;
let stderr = "";

const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
        client[method](request, (err: Error | null, response: T) => (err ? reject(err) : resolve(response))),
    );

function analyzeRequest(type: string, name: string, props: Record<string, unknown>) {
    const req = new analyzerProto.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:prod::gitops-stack::${type}::${name}`);
    req.setProperties(Struct.fromJavaScript(props));
    req.setOptions(new analyzerProto.AnalyzerResourceOptions());
    return req;
}

const diagnostics = (response: any) =>
    response.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname() as string,
        message: d.getMessage() as string,
        pack: `${d.getPolicypackname()}@${d.getPolicypackversion()}`,
        urn: d.getUrn() as string,
    }));

const PROD_APP_LABELLED_DEV = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "prod-guestbook", labels: { "gitops-stack.io/environment": "dev" } },
    spec: { project: "prod", syncPolicy: { automated: { prune: true, selfHeal: true } } },
};

describe("policy pack loaded through @pulumi/policy's analyzer entry point", () => {
    beforeAll(async () => {
        child = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], {
            cwd: POLICY_DIR,
            env: { ...process.env, PULUMI_NODEJS_STACK: "prod", PULUMI_CONFIG: JSON.stringify(ENGINE_CONFIG) },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                if (out.includes("\n")) resolve(out.trim());
            });
            child.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
        });
        expect(port).toMatch(/^\d+$/);
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    }, 120_000);

    afterAll(() => {
        client?.close();
        if (child?.pid !== undefined && child.exitCode === null) child.kill();
    });

    it("is installed on its own (policy/package-lock.json) with the root's @pulumi/policy and @pulumi/pulumi", () => {
        const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const packPkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
        const lock = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package-lock.json"), "utf8"));
        for (const name of ["@pulumi/policy", "@pulumi/pulumi"]) {
            expect(packPkg.dependencies[name], name).toBe(rootPkg.dependencies[name]);
            expect(lock.packages[`node_modules/${name}`].version, name).toBe(rootPkg.dependencies[name]);
            const installed = JSON.parse(
                fs.readFileSync(path.join(POLICY_DIR, "node_modules", name, "package.json"), "utf8"),
            );
            // @pulumi/policy's own package.json spells its version with a leading "v".
            expect(installed.version.replace(/^v/, ""), `${name} in policy/node_modules (npm ci --prefix policy)`).toBe(
                rootPkg.dependencies[name],
            );
        }
    });

    it("starts: package.json has the version PolicyPack requires", async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
        expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
        const info = await call<any>("getAnalyzerInfo", new analyzerRpc.AnalyzerService.getAnalyzerInfo.requestType());
        expect(info.getName()).toBe("gitops-stack-guardrails");
        expect(info.getVersion()).toBe(pkg.version);
        expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual(POLICIES.map((p) => p.name));
        expect(stderr).not.toMatch(/Version must be defined/);
    });

    it("finds the prod stack's Application relabelled dev, by the stack the engine runs", async () => {
        const configure = new analyzerProto.AnalyzerStackConfigureRequest();
        configure.setStack("prod");
        configure.setProject("gitops-stack");
        await call("configureStack", configure);
        const response = await call<any>(
            "analyze",
            analyzeRequest("kubernetes:argoproj.io/v1alpha1:Application", "apps-prod-guestbook", PROD_APP_LABELLED_DEV),
        );
        const found = diagnostics(response);
        expect(found).toHaveLength(1);
        expect(found[0].policy).toBe("argocd-prod-no-unacknowledged-automated-sync");
        expect(found[0].pack).toBe("gitops-stack-guardrails@0.2.0");
        expect(found[0].message).toMatch(
            /Application prod-guestbook syncs automatically in stack "prod" \(tier prod\)/,
        );
    });

    it("runs the stack policies (AnalyzeStack) over the whole stack", async () => {
        const resource = (type: string, name: string, props: Record<string, unknown>) => {
            const r = new analyzerProto.AnalyzerResource();
            r.setType(type);
            r.setName(name);
            r.setUrn(`urn:pulumi:prod::gitops-stack::${type}::${name}`);
            r.setProperties(Struct.fromJavaScript(props));
            r.setOptions(new analyzerProto.AnalyzerResourceOptions());
            return r;
        };
        const req = new analyzerProto.AnalyzeStackRequest();
        req.setResourcesList([
            resource("kubernetes:argoproj.io/v1alpha1:AppProject", "project", {
                metadata: { name: "prod", namespace: "argocd", labels: { "gitops-stack.io/environment": "dev" } },
                spec: {
                    sourceRepos: ["https://github.com/acme/gitops.git"],
                    destinations: [{ server: "https://kubernetes.default.svc", namespace: "guestbook-prod" }],
                    clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
                },
            }),
        ]);
        const found = diagnostics(await call<any>("analyzeStack", req));
        expect(found.map((d: { policy: string }) => d.policy)).toEqual(["prod-defaults-unless-acknowledged"]);
        expect(found[0].message).toMatch(/AppProject prod has no sync window/);
        expect(found[0].urn).toBe("urn:pulumi:prod::gitops-stack::kubernetes:argoproj.io/v1alpha1:AppProject::project");
    });
});
