import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/*
 * scripts/workflows/kubeconfig.sh, the step that gives a preview or deploy job its cluster: `aws eks
 * update-kubeconfig` with the role the job assumed through OIDC, or the environment's KUBECONFIG secret. Each case
 * runs the script in a copy of the repository's layout (the script, a stack file, the root node_modules) with a
 * recording `aws` on PATH in place of the AWS CLI.
 */
const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "scripts/workflows/kubeconfig.sh");
const temps: string[] = [];
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    dir: string;
    out: string;
    awsArgs?: string[];
}

function run(stackFile: string | undefined, env: Record<string, string>, stack = "dev"): Run {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-kubeconfig-"));
    temps.push(dir);
    fs.mkdirSync(path.join(dir, "scripts/workflows"), { recursive: true });
    fs.copyFileSync(SCRIPT, path.join(dir, "scripts/workflows/kubeconfig.sh"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    if (stackFile !== undefined) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackFile);
    // The stand-in AWS CLI records its arguments and writes the file `aws eks update-kubeconfig` would.
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(
        path.join(bin, "aws"),
        [
            "#!/usr/bin/env bash",
            'printf "%s\\n" "$@" > "$AWS_ARGS_FILE"',
            'while [ "$#" -gt 0 ]; do [ "$1" = --kubeconfig ] && printf "kind: Config\\n" > "$2"; shift; done',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    const out = path.join(dir, "runner-temp/kubeconfig");
    const argsFile = path.join(dir, "aws-args");
    const result = spawnSync("bash", [path.join(dir, "scripts/workflows/kubeconfig.sh"), stack, out], {
        encoding: "utf8",
        env: {
            PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
            AWS_ARGS_FILE: argsFile,
            ...env,
        },
    });
    return {
        code: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        dir,
        out,
        awsArgs: fs.existsSync(argsFile) ? fs.readFileSync(argsFile, "utf8").trim().split("\n") : undefined,
    };
}

const STACK = "config:\n  kubernetes:context: acme-dev\n  gitops-stack:environment: dev\n";
const KUBECONFIG = "apiVersion: v1\nkind: Config\ncurrent-context: acme-dev";

describe("scripts/workflows/kubeconfig.sh", () => {
    it("EKS: writes the context named after the stack's kubernetes:context, through the assumed role", () => {
        const r = run(STACK, { EKS_CLUSTER: "acme-dev-eks", AWS_REGION: "eu-west-1" });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.awsArgs).toEqual([
            "eks",
            "update-kubeconfig",
            "--name",
            "acme-dev-eks",
            "--region",
            "eu-west-1",
            "--alias",
            "acme-dev",
            "--kubeconfig",
            r.out,
        ]);
        expect(r.stdout).toContain('context "acme-dev" for EKS cluster acme-dev-eks (eu-west-1), keyless');
        expect(fs.existsSync(r.out)).toBe(true);
    });

    it("fallback: writes the KUBECONFIG secret readable by its owner only, and prints none of it", () => {
        const r = run(STACK, { KUBECONFIG_DATA: KUBECONFIG });
        expect(r.code).toBe(0);
        expect(r.awsArgs).toBeUndefined();
        expect(fs.readFileSync(r.out, "utf8")).toBe(`${KUBECONFIG}\n`);
        expect(fs.statSync(r.out).mode & 0o777).toBe(0o600);
        expect(`${r.stdout}${r.stderr}`).not.toContain("apiVersion");
    });

    it("refuses a stack without a cluster credential, naming what to set", () => {
        const r = run(STACK, {});
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('no cluster credential for stack "dev"');
        expect(r.stderr).toContain("AWS_ROLE_ARN, AWS_REGION and EKS_CLUSTER");
        expect(r.stderr).toContain("the environment secret KUBECONFIG");
        expect(fs.existsSync(r.out)).toBe(false);
    });

    it("refuses both sources at once, and EKS without a region", () => {
        const both = run(STACK, { EKS_CLUSTER: "acme-dev-eks", AWS_REGION: "eu-west-1", KUBECONFIG_DATA: KUBECONFIG });
        expect(both.code).toBe(1);
        expect(both.stderr).toContain("has both EKS_CLUSTER (acme-dev-eks) and a KUBECONFIG secret; keep one");
        expect(both.stderr).not.toContain("apiVersion");
        const noRegion = run(STACK, { EKS_CLUSTER: "acme-dev-eks" });
        expect(noRegion.code).toBe(1);
        expect(noRegion.stderr).toContain("EKS_CLUSTER is set but AWS_REGION is not");
        expect(noRegion.awsArgs).toBeUndefined();
    });

    it("refuses a stack file without kubernetes:context, and a stack without a stack file", () => {
        const noContext = run("config:\n  gitops-stack:environment: dev\n", { KUBECONFIG_DATA: KUBECONFIG });
        expect(noContext.code).toBe(1);
        expect(noContext.stderr).toContain("Pulumi.dev.yaml sets no kubernetes:context");
        expect(noContext.stderr).toContain("pulumi config set kubernetes:context <name> --stack dev");
        const noFile = run(undefined, { KUBECONFIG_DATA: KUBECONFIG }, "qa");
        expect(noFile.code).toBe(1);
        expect(noFile.stderr).toContain('stack "qa" has no stack file Pulumi.qa.yaml');
    });

    it("exits 2 with its usage on bad arguments", () => {
        const result = spawnSync("bash", [SCRIPT, "dev"], { encoding: "utf8" });
        expect(result.status).toBe(2);
        expect(result.stderr).toContain("usage: scripts/workflows/kubeconfig.sh <stack> <output file>");
    });
});
