import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";

// No import of the program: this file checks the workflows alone.
const ROOT = path.resolve(__dirname, "../..");
const temps: string[] = [];
const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gitops-${prefix}-`));
    temps.push(dir);
    return dir;
};
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const SCRIPT = path.join(ROOT, "scripts/tools/actionlint.sh");
const WORKFLOWS = path.join(ROOT, ".github/workflows");
const VERSION = /ACTIONLINT_VERSION:-(v[0-9.]+)/.exec(fs.readFileSync(SCRIPT, "utf8"))![1];
const CACHE = process.env.GITOPS_STACK_CACHE ?? path.join(process.env.HOME ?? os.tmpdir(), ".cache/gitops-stack");
const BINARY = path.join(CACHE, "bin", `actionlint-${VERSION}`);

/** Runs actionlint through the project's script (same flags as npm run lint:workflows); never builds it here. */
function actionlint(...files: string[]): { code: number | null; output: string } {
    if (!fs.existsSync(BINARY)) {
        throw new Error(
            `actionlint ${VERSION} is not installed (${BINARY} is missing). Build it from its Go module with ` +
                "`bash scripts/tools/actionlint.sh --install` (.ci/run does this before npm test).",
        );
    }
    const result = spawnSync("bash", [SCRIPT, ...files], { cwd: ROOT, encoding: "utf8" });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const workflowFiles = () =>
    fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();

interface Problem {
    file: string;
    message: string;
}

/**
 * Supply-chain and privilege rules actionlint does not check: every third-party action pinned to a full commit SHA
 * with its version in a comment, `permissions: {}` at the top and explicit permissions on every job, and secrets
 * reaching shell scripts only through `env:` (never expanded into the script text, where they could be echoed).
 */
export function pinningProblems(file: string, text: string): Problem[] {
    const problems: Problem[] = [];
    const doc = YAML.parse(text) as { permissions?: unknown; jobs?: Record<string, any> };
    const add = (message: string) => problems.push({ file, message });
    if (JSON.stringify(doc.permissions) !== "{}") add("top-level permissions must be {}");
    for (const [name, job] of Object.entries(doc.jobs ?? {})) {
        if (job.permissions === undefined) add(`job ${name} has no permissions`);
        const uses = [job.uses, ...(job.steps ?? []).map((s: { uses?: string }) => s.uses)].filter(
            (u): u is string => typeof u === "string",
        );
        for (const u of uses) {
            if (u.startsWith("./")) continue;
            if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(u)) {
                add(`job ${name}: ${u} is not pinned to a full commit SHA`);
                continue;
            }
            const line = text.split("\n").find((l) => l.includes(u));
            if (!line || !/#\s*v\d+\.\d+\.\d+\s*$/.test(line)) add(`job ${name}: ${u} has no # vX.Y.Z comment`);
        }
        for (const step of job.steps ?? []) {
            if (typeof step.run === "string" && /\$\{\{\s*secrets\./.test(step.run)) {
                add(`job ${name}: a run script expands a secret; pass it through env instead`);
            }
            // GitHub's default shell is `bash -e` without pipefail: `cmd | tee` would hide cmd's failure.
            if (typeof step.run === "string" && /\|\s*tee\b/.test(step.run) && !/set -o pipefail/.test(step.run)) {
                add(`job ${name}: a run script pipes into tee without set -o pipefail`);
            }
        }
    }
    return problems;
}

describe("GitHub Actions workflows", () => {
    it("ship the PR preview, deploy and release workflows", () => {
        expect(workflowFiles()).toEqual(["deploy.yml", "pr-preview.yml", "release.yml"]);
    });

    it("lint clean with actionlint", () => {
        const result = actionlint();
        expect(result.output).toBe("");
        expect(result.code).toBe(0);
    });

    it("actionlint reports a broken workflow (so the check above can fail)", () => {
        const dir = tempDir("broken");
        const file = path.join(dir, "broken.yml");
        fs.writeFileSync(
            file,
            [
                "on: push",
                "permissions: {}",
                "jobs:",
                "  build:",
                "    needs: missing",
                "    runs-on: ubuntu-24.04",
                "    permissions:",
                "      content: read",
                "    steps:",
                "      - run: echo ${{ matrix.stack }}",
                "",
            ].join("\n"),
        );
        const result = actionlint(file);
        expect(result.code).toBe(1);
        expect(result.output).toContain('job "build" needs job "missing" which does not exist');
        expect(result.output).toContain('unknown permission scope "content"');
        expect(result.output).toContain('property "stack" is not defined');
    });

    it.each(["deploy.yml", "pr-preview.yml", "release.yml"])(
        "%s pins every action to a commit SHA, scopes permissions per job and keeps secrets out of scripts",
        (name) => {
            expect(pinningProblems(name, fs.readFileSync(path.join(WORKFLOWS, name), "utf8"))).toEqual([]);
        },
    );

    it("the pinning check catches a tag reference, a missing job permission, a secret in a script and a masked failure", () => {
        const bad = [
            "on: push",
            "jobs:",
            "  a:",
            "    runs-on: ubuntu-24.04",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020",
            "      - run: echo ${{ secrets.TOKEN }}",
            "      - run: npm test | tee out.txt",
            "",
        ].join("\n");
        expect(pinningProblems("bad.yml", bad).map((p) => p.message)).toEqual([
            "top-level permissions must be {}",
            "job a has no permissions",
            "job a: actions/checkout@v4 is not pinned to a full commit SHA",
            "job a: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 has no # vX.Y.Z comment",
            "job a: a run script expands a secret; pass it through env instead",
            "job a: a run script pipes into tee without set -o pipefail",
        ]);
    });

    it("run Node 22 and only npm scripts that exist", () => {
        const scripts = Object.keys(
            (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: object }).scripts,
        );
        for (const name of workflowFiles()) {
            const text = fs.readFileSync(path.join(WORKFLOWS, name), "utf8");
            for (const match of text.matchAll(/node-version: (\S+)/g)) expect(match[1], name).toBe("22");
            for (const match of text.matchAll(/npm run (?:--silent )?([a-z:-]+)/g)) {
                expect(scripts, `${name} runs npm run ${match[1]}`).toContain(match[1]);
            }
        }
    });

    it("deploy goes dev, then staging, then prod, each in its own GitHub environment", () => {
        const deploy = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8"));
        expect(deploy.on).toEqual({ push: { branches: ["main"] } });
        expect(Object.keys(deploy.jobs)).toEqual(["dev", "staging", "prod"]);
        expect(deploy.jobs.staging.needs).toBe("dev");
        expect(deploy.jobs.prod.needs).toBe("staging");
        for (const env of ["dev", "staging", "prod"]) {
            expect(deploy.jobs[env].environment).toBe(env);
            const up = deploy.jobs[env].steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
            expect(up.with).toMatchObject({ command: "up", "stack-name": env });
        }
    });

    it("the PR preview renders every stack offline, and runs pulumi preview only when credentials are configured", () => {
        const preview = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "pr-preview.yml"), "utf8"));
        expect(preview.jobs["render-diff"].strategy.matrix.stack).toEqual(["dev", "staging", "prod"]);
        expect(preview.jobs["render-diff"].permissions).toEqual({ contents: "read" });
        expect(preview.jobs["render-diff-comment"].permissions).toEqual({ "pull-requests": "write" });
        const pulumi = preview.jobs["pulumi-preview"];
        expect(pulumi.if).toContain("vars.PULUMI_PREVIEW_ENABLED == 'true'");
        const step = pulumi.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
        expect(step.with).toMatchObject({ command: "preview", "comment-on-pr": true });
    });
});
