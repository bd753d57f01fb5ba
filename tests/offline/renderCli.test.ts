import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RENDER_MARKER, formatSummary, renderStack } from "../../src/offline/render";
import { ROOT } from "../support/stacks";

const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const render = (...args: string[]) => spawnSync(TSX, ["scripts/render.ts", ...args], { cwd: ROOT, encoding: "utf8" });

let tmp: string;
beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-render-cli-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("npm run render", () => {
    it("renders a stack to --out and prints the summary", async () => {
        const out = path.join(tmp, "dev");
        // execFileSync throws on a non-zero exit.
        const stdout = execFileSync(TSX, ["scripts/render.ts", "--stack", "dev", "--out", out], {
            cwd: ROOT,
            encoding: "utf8",
        });
        // The same summary as the in-process render (whose counts tests/offline/render.test.ts pins).
        const summary = (await renderStack({ root: ROOT, stack: "dev" })).summary;
        expect(stdout).toBe(formatSummary(summary, out));
        expect(stdout).toMatch(/^Rendered stack "dev": \d+ Kubernetes objects, \d+ Helm releases?\.$/m);
        expect(stdout).toMatch(/^ {2}Application +4$/m);
        expect(stdout).toContain("Helm release argocd: chart argo-cd 10.1.1");
        expect(stdout).toContain(`Output: ${out}\n`);
        expect(fs.existsSync(path.join(out, RENDER_MARKER))).toBe(true);
        expect(fs.existsSync(path.join(out, "argocd", "application-dev-root.yaml"))).toBe(true);
        expect(fs.existsSync(path.join(out, "_helm", "argocd.yaml"))).toBe(true);
    });

    it("reports a bad value on stderr without a stack trace, exits 1 and writes nothing", () => {
        const out = path.join(tmp, "dev");
        const result = render("--stack", "dev", "--config", "autoSync=maybe", "--out", out);
        expect(result.status).toBe(1);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain('Invalid configuration for stack "dev"');
        expect(result.stderr).toContain('gitops-stack:autoSync: "maybe" is not valid');
        expect(result.stderr).not.toMatch(/^\s+at /m);
        expect(fs.existsSync(out)).toBe(false);
        expect(fs.readdirSync(tmp)).toEqual([]);
    });

    it.each([
        [["--stack", "dev", "--config", "slackChannel"], /--config "slackChannel" is not valid; expected key=value/],
        [["--stack", "dev", "--config", "slackToken=xoxb-cli-4f1c"], /secrets are not taken on the command line/],
    ])("exits 2 with the usage for bad arguments: %j", (args, message) => {
        const out = path.join(tmp, "out");
        const result = render(...args, "--out", out);
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).toContain("Usage: npm run render -- --stack <name>");
        expect(result.stderr).not.toContain("xoxb-cli-4f1c");
        expect(fs.existsSync(out)).toBe(false);
    });

    it("exits 1 for an unknown key, naming the stack and the nearest key only", () => {
        const result = render(
            "--stack",
            "prod",
            "--config",
            "acknowledgeProdOverride=true",
            "--out",
            path.join(tmp, "p"),
        );
        expect(result.status).toBe(1);
        expect(result.stderr).toBe(
            'render: --config "acknowledgeProdOverride": unknown key for stack "prod" (project gitops-stack); did you mean "acknowledgeProdOverrides"?\n',
        );
    });

    it("warns on stderr about a needed secret the stack file does not hold, and still renders", () => {
        const out = path.join(tmp, "dev");
        const result = render(
            "--stack",
            "dev",
            "--config",
            "repoUrl=https://github.com/acme/gitops.git",
            "--config",
            "authKind=https",
            "--out",
            out,
        );
        expect(result.status).toBe(0);
        expect(result.stderr).toContain(
            'render: warning: stack "dev" needs the secret gitops-stack:httpsToken (is required with authKind https)',
        );
        expect(result.stderr).toContain("Set it with: pulumi config set --secret httpsToken <value> --stack dev");
        expect(result.stdout).toContain('Rendered stack "dev"');
        expect(fs.existsSync(path.join(out, RENDER_MARKER))).toBe(true);
    });

    it("exits 2 with the usage when --stack is missing", () => {
        const result = render("--out", path.join(tmp, "x"));
        expect(result.status).toBe(2);
        expect(result.stderr).toContain("--stack is required");
        expect(result.stderr).toContain("Usage: npm run render -- --stack <name>");
        expect(fs.readdirSync(tmp)).toEqual([]);
    });
});

describe("the offline commands' compile cache (scripts/compileCache.ts)", () => {
    it("is switched on before the SDK loads: the SDK modules' compiled code lands in Node's cache directory", () => {
        // Without NODE_COMPILE_CACHE (which alone would switch the cache on), Node caches under the temp directory.
        const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
        delete env.NODE_COMPILE_CACHE;
        const result = spawnSync(
            TSX,
            ["-e", 'require("./scripts/compileCache"); require("@pulumi/pulumi"); require("@pulumi/kubernetes");'],
            { cwd: ROOT, encoding: "utf8", env },
        );
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        // One file per compiled module, in a directory per Node version.
        const cache = path.join(tmp, "node-compile-cache");
        const files = fs.readdirSync(cache, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
        expect(files.length).toBeGreaterThan(100);
    });
});
