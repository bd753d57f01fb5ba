import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { githubCommitUrl } from "../../src/delivery/git";
import {
    argv,
    cleanTemps,
    exampleRepo,
    git,
    GIT_ENV,
    gitops,
    kustomize,
    overlay,
    read,
    renderedImages,
    ROOT,
    tempDir,
    withRemote,
} from "./support";

afterAll(cleanTemps);

const GUESTBOOK = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend";
const DIGEST = `sha256:${"fedcba9876543210".repeat(4)}`;
const branches = (dir: string) => git(dir, "branch", "--format=%(refname:short)").split("\n").sort();
const show = (dir: string, rev: string, file: string) => git(dir, "show", `${rev}:${file}`) + "\n";
const bodyFile = (dir: string, branch: string) =>
    fs.readFileSync(path.join(dir, ".git", "gitops-promote", `${branch.replaceAll("/", "_")}.md`), "utf8");

/** Builds an overlay as it is on a branch, in a separate work tree, with kubectl kustomize. */
function buildAt(repo: string, branch: string, dir: string): string[] {
    const tree = path.join(tempDir("worktree"), "tree");
    git(repo, "worktree", "add", "--quiet", "--detach", tree, branch);
    try {
        return renderedImages(kustomize(path.join(tree, dir)));
    } finally {
        git(repo, "worktree", "remove", "--force", tree);
    }
}

describe("promote into prod (Argo CD: a pull request into main, manual sync)", () => {
    it("creates a branch with the staging pins, a commit and a PR body, and leaves main and the work tree alone", async () => {
        const repo = exampleRepo();
        withRemote(repo, "git@github.com:acme/gitops.git");
        const main = git(repo, "rev-parse", "main");
        const prodBefore = read(repo, overlay("guestbook", "prod"));
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod`,
        );
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(result.out).toContain(
            "Argo CD prod (stack prod) tracks branch main with manual sync: pull request into main.",
        );
        const branch = "promote/prod/guestbook-5.1.0";
        expect(branches(repo)).toEqual(["main", branch]);
        expect(git(repo, "rev-parse", "main")).toBe(main);
        expect(git(repo, "rev-parse", "HEAD")).toBe(main);
        expect(git(repo, "status", "--porcelain")).toBe("");
        expect(git(repo, "rev-parse", `${branch}^`)).toBe(main);

        // Only the tag changed; the prod overlay's header comment and everything else stay byte for byte.
        expect(show(repo, branch, overlay("guestbook", "prod"))).toBe(
            prodBefore.replace("newTag: 5.0.1", "newTag: 5.1.0"),
        );
        expect(git(repo, "diff", "--name-only", "main", branch)).toBe(overlay("guestbook", "prod"));
        expect(git(repo, "log", "-1", "--format=%B", branch).trimEnd()).toBe(
            [
                "Promote guestbook 5.1.0 to prod",
                "",
                "From staging to prod.",
                `guestbook: ${GUESTBOOK} 5.0.1 -> 5.1.0`,
                "",
                "Source:",
                `guestbook: ${overlay("guestbook", "staging")} at ${main}`,
                "",
                "Verified-In: none (--skip-verification)",
            ].join("\n"),
        );
        expect(buildAt(repo, branch, "apps/guestbook/overlays/prod")).toEqual([`${GUESTBOOK}:5.1.0`]);

        const body = bodyFile(repo, branch);
        expect(body).toContain(`| guestbook | \`${GUESTBOOK}\` | \`5.0.1\` | \`5.1.0\` |`);
        expect(body).toContain(`[${main.slice(0, 12)}](https://github.com/acme/gitops/commit/${main})`);
        expect(body).toContain(
            "**Branch model:** Argo CD prod (stack prod) tracks branch main with manual sync; this pull request goes into `main`.",
        );
        expect(body).toContain("`argocd app sync prod-guestbook`");
        // Without --push, the exact commands to open the PR.
        expect(result.out).toContain(`git -C ${repo} push origin ${branch}`);
        expect(result.out).toContain(
            `gh pr create --base main --head ${branch} --title 'Promote guestbook 5.1.0 to prod' --body-file ${path.join(repo, ".git", "gitops-promote", "promote_prod_guestbook-5.1.0.md")}`,
        );
    });

    it("names the source commit that last changed the source overlay, as a SHA when the remote is not GitHub", async () => {
        const repo = exampleRepo();
        withRemote(repo);
        expect((await gitops(argv`set-image --repo ${repo} --env staging --app podinfo --tag 6.8.0`)).code).toBe(0);
        const changedStaging = git(repo, "rev-parse", "HEAD");
        fs.appendFileSync(path.join(repo, "README.md"), "\nlater, unrelated\n");
        git(repo, "commit", "--quiet", "-am", "unrelated");
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app podinfo --from staging --to prod --stack prod`,
        );
        expect(result.code).toBe(0);
        const body = bodyFile(repo, "promote/prod/podinfo-6.8.0");
        expect(body).toContain(`\`${overlay("podinfo", "staging")}\` as of \`${changedStaging}\``);
        expect(body).not.toContain("https://");
    });

    it("carries digests over, and adds an image entry the target overlay lacks", async () => {
        const repo = exampleRepo();
        expect(
            (await gitops(argv`set-image --repo ${repo} --env staging --app podinfo --tag 6.8.0 --digest ${DIGEST}`))
                .code,
        ).toBe(0);
        // prod without an images entry for podinfo: the promotion appends one.
        const prodFile = overlay("podinfo", "prod");
        fs.writeFileSync(path.join(repo, prodFile), read(repo, prodFile).replace(/images:\n(.*\n)*/, ""));
        git(repo, "commit", "--quiet", "-am", "prod runs the base tag");
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app podinfo --from staging --to prod --stack prod`,
        );
        expect(result.code).toBe(0);
        const branch = "promote/prod/podinfo-6.8.0";
        expect(show(repo, branch, prodFile)).toContain(
            `images:\n  - name: ghcr.io/stefanprodan/podinfo\n    newName: ghcr.io/stefanprodan/podinfo\n    newTag: 6.8.0\n    digest: ${DIGEST}\n`,
        );
        expect(bodyFile(repo, branch)).toContain(
            `| podinfo | \`ghcr.io/stefanprodan/podinfo\` | (no entry) | \`6.8.0@${DIGEST}\` |`,
        );
        expect(buildAt(repo, branch, "apps/podinfo/overlays/prod")).toEqual([
            `ghcr.io/stefanprodan/podinfo:6.8.0@${DIGEST}`,
        ]);
    });

    it("promotes every app with --all-apps in one branch", async () => {
        const repo = exampleRepo();
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --all-apps --from staging --to prod --stack prod`,
        );
        expect(result.code).toBe(0);
        const branch = "promote/prod/guestbook-5.1.0_podinfo-6.7.0";
        expect(branches(repo)).toContain(branch);
        expect(git(repo, "diff", "--name-only", "main", branch).split("\n")).toEqual([
            overlay("guestbook", "prod"),
            overlay("podinfo", "prod"),
        ]);
        expect(git(repo, "log", "-1", "--format=%s", branch)).toBe("Promote guestbook 5.1.0, podinfo 6.7.0 to prod");
    });

    it("says when there is nothing to promote, exits 0 and creates no branch", async () => {
        const repo = exampleRepo();
        const noImages = await gitops(
            argv`promote --skip-verification --repo ${repo} --app platform --from staging --to prod --stack prod`,
        );
        expect(noImages.code).toBe(0);
        expect(noImages.out).toContain(
            "Nothing to promote: prod already pins what staging pins for platform (main). No branch created.",
        );

        expect((await gitops(argv`set-image --repo ${repo} --env prod --app guestbook --tag 5.1.0`)).code).toBe(0);
        const same = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod`,
        );
        expect(same.code).toBe(0);
        expect(same.out).toContain("Nothing to promote");
        expect(branches(repo)).toEqual(["main"]);
    });

    it("reuses the branch of the same promotion, and refuses a branch of that name holding something else", async () => {
        const repo = exampleRepo();
        const args = argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod`;
        expect((await gitops(args)).code).toBe(0);
        const branch = "promote/prod/guestbook-5.1.0";
        const tip = git(repo, "rev-parse", branch);
        const again = await gitops(args);
        expect(again.err).toBe("");
        expect(again.code).toBe(0);
        expect(again.out).toContain(`Branch ${branch} already holds this promotion (${tip.slice(0, 7)}); reusing it.`);
        expect(git(repo, "rev-parse", branch)).toBe(tip);

        // The same name, other content (someone amended the branch by hand): never reused, never overwritten.
        git(repo, "checkout", "--quiet", branch);
        fs.appendFileSync(path.join(repo, overlay("guestbook", "prod")), "# hand edit\n");
        git(repo, "commit", "--quiet", "--amend", "-a", "--no-edit");
        git(repo, "checkout", "--quiet", "main");
        const amended = git(repo, "rev-parse", branch);
        const refused = await gitops(args);
        expect(refused.code).toBe(1);
        expect(refused.err).toContain(
            `branch ${branch} already exists with other changes than this promotion (different image pins).`,
        );
        expect(git(repo, "rev-parse", branch)).toBe(amended);
    });

    it("never commits straight into prod, and needs the prod stack to know where the PR goes", async () => {
        const repo = exampleRepo();
        const direct = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod --direct`,
        );
        expect(direct.code).toBe(1);
        expect(direct.err).toContain("prod changes only through a pull request: --direct is for dev and staging.");
        const noStack = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod`,
        );
        expect(noStack.code).toBe(2);
        expect(noStack.err).toContain("promoting into prod needs --stack <prod stack>");
        expect(branches(repo)).toEqual(["main"]);
        expect(git(repo, "rev-list", "--count", "HEAD")).toBe("1");
    });

    it.each([
        [
            ["--app", "billing", "--from", "staging", "--to", "prod", "--stack", "prod"],
            1,
            'app "billing" is not an app of stack prod',
        ],
        [["--app", "guestbook", "--from", "qa", "--to", "staging"], 1, 'env "qa" does not exist in'],
        [["--app", "guestbook", "--from", "staging", "--to", "staging"], 2, "--from and --to are both staging."],
        [
            ["--app", "guestbook", "--from", "staging", "--to", "prod", "--stack", "staging"],
            1,
            "stack staging deploys the staging environment, not --to prod.",
        ],
        [
            ["--app", "guestbook", "--all-apps", "--from", "staging", "--to", "prod"],
            2,
            "--app and --all-apps are exclusive.",
        ],
        [["--from", "staging", "--to", "prod"], 2, "missing --app <name> (repeatable) or --all-apps."],
        [
            ["--app", "guestbook", "--from", "dev", "--to", "staging", "--from-ref", "nope"],
            1,
            "--from-ref nope is not a commit",
        ],
        [
            ["--app", "guestbook", "--from", "dev", "--to", "staging", "--branch", "bad..name"],
            2,
            '--branch "bad..name" is not a valid branch name; expected a name git accepts',
        ],
    ])("refuses %j with exit %i", async (args, code, message) => {
        const repo = exampleRepo();
        const result = await gitops(["promote", "--skip-verification", "--repo", repo, ...args]);
        expect(result.err).toContain(message);
        expect(result.code).toBe(code);
        expect(branches(repo)).toEqual(["main"]);
    });
});

describe("promote into prod (Flux: the stack's ref decides the base)", () => {
    const flux = ["--stack", "prod", "--config", "operator=flux"];

    it("targets the prod branch Flux prod tracks, built on that branch", async () => {
        const repo = exampleRepo();
        const missing = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod ${flux}`,
        );
        expect(missing.code).toBe(1);
        expect(missing.err).toContain(
            "base branch prod does not exist locally or on origin; create it first (e.g. git push origin main:prod).",
        );

        git(repo, "branch", "prod", "main");
        // main moves on (staging gets a new tag); prod stays where it was.
        expect((await gitops(argv`set-image --repo ${repo} --env staging --app guestbook --tag 5.1.3`)).code).toBe(0);
        const prod = git(repo, "rev-parse", "prod");
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod ${flux}`,
        );
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(result.out).toContain("Flux prod (stack prod) tracks branch prod: pull request into prod.");
        expect(result.out).toContain("gh pr create --base prod --head promote/prod/guestbook-5.1.3");
        const branch = "promote/prod/guestbook-5.1.3";
        expect(git(repo, "rev-parse", `${branch}^`)).toBe(prod);
        expect(git(repo, "diff", "--name-only", "prod", branch)).toBe(overlay("guestbook", "prod"));
        expect(buildAt(repo, branch, "apps/guestbook/overlays/prod")).toEqual([`${GUESTBOOK}:5.1.3`]);
        const body = bodyFile(repo, branch);
        expect(body).toContain(
            "**Branch model:** Flux prod (stack prod) tracks branch prod; this pull request goes into `prod`.",
        );
        expect(body).toContain("`flux reconcile source git gitops-prod`");
    });

    it("prefers the remote's prod branch (what the PR merges into) over a stale local one", async () => {
        const repo = exampleRepo();
        withRemote(repo);
        git(repo, "push", "--quiet", "origin", "main:prod");
        git(repo, "fetch", "--quiet", "origin");
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app podinfo --from staging --to prod ${flux}`,
        );
        expect(result.code).toBe(0);
        expect(git(repo, "rev-parse", "promote/prod/podinfo-6.7.0^")).toBe(git(repo, "rev-parse", "origin/prod"));
    });

    it("with a semver ref, the PR goes into the default branch and the body says to tag the merge", async () => {
        const repo = exampleRepo();
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod ${flux} --config targetRevision=semver:>=1.0.0`,
        );
        expect(result.code).toBe(0);
        expect(result.out).toContain(
            "Flux prod (stack prod) tracks the newest tag in semver range >=1.0.0: pull request into main.",
        );
        expect(bodyFile(repo, "promote/prod/guestbook-5.1.0")).toContain(
            "tag the merge commit with a version in >=1.0.0",
        );
    });
});

describe("promote into dev or staging", () => {
    it("commits directly onto the checked-out branch with --direct", async () => {
        const repo = exampleRepo();
        const stagingBefore = read(repo, overlay("podinfo", "staging"));
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --all-apps --from dev --to staging --direct`,
        );
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(result.out).toContain("committing directly onto main");
        expect(branches(repo)).toEqual(["main"]);
        expect(git(repo, "log", "-1", "--format=%s")).toBe("Promote guestbook 5.2.0, podinfo 6.7.1 to staging");
        expect(read(repo, overlay("podinfo", "staging"))).toBe(
            stagingBefore.replace("newTag: 6.7.0 # {", "newTag: 6.7.1 # {"),
        );
        expect(git(repo, "status", "--porcelain")).toBe("");
        expect(renderedImages(kustomize(path.join(repo, "apps/podinfo/overlays/staging")))).toEqual([
            "ghcr.io/stefanprodan/podinfo:6.7.1",
        ]);
    });

    it("--direct refuses when the target branch is not checked out", async () => {
        const repo = exampleRepo();
        git(repo, "checkout", "--quiet", "-b", "feature");
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from dev --to staging --stack staging --direct`,
        );
        expect(result.code).toBe(1);
        expect(result.err).toContain("--direct commits onto main, but");
        expect(result.err).toContain("has feature checked out; check out main first.");
    });
});

describe("promote --push", () => {
    /**
     * A directory with a `gh` that records its arguments and prints a PR URL, as the real one does (a stand-in:
     * there is no GitHub here). With `exists`, it answers as gh does when the branch already has an open PR.
     */
    function fakeGh(exists = false): { dir: string; log: string } {
        const dir = tempDir("bin");
        const log = path.join(dir, "gh.log");
        const answer = exists
            ? `echo 'a pull request for branch "x" into branch "main" already exists:' >&2\necho https://github.com/acme/gitops/pull/41 >&2\nexit 1`
            : "echo https://github.com/acme/gitops/pull/42";
        fs.writeFileSync(path.join(dir, "gh"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\n${answer}\n`, {
            mode: 0o755,
        });
        return { dir, log };
    }
    const withGh = (dir: string) => ({ ...GIT_ENV, PATH: `${dir}${path.delimiter}${process.env.PATH}` });
    /** PATH with git but not gh. */
    const gitOnly = () => {
        const gitDir = path.dirname(
            (process.env.PATH ?? "")
                .split(path.delimiter)
                .map((d) => path.join(d, "git"))
                .find((p) => fs.existsSync(p))!,
        );
        return { ...GIT_ENV, PATH: gitDir };
    };
    const args = (repo: string) =>
        argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod --push`;
    const branch = "promote/prod/guestbook-5.1.0";

    it("pushes the branch and opens the PR with gh pr create", async () => {
        const repo = exampleRepo();
        const remote = withRemote(repo, "git@github.com:acme/gitops.git");
        const gh = fakeGh();
        const result = await gitops(args(repo), withGh(gh.dir));
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(git(remote, "rev-parse", branch)).toBe(git(repo, "rev-parse", branch));
        expect(result.out).toContain("Opened pull request: https://github.com/acme/gitops/pull/42");
        const ghArgs = fs.readFileSync(gh.log, "utf8").split("\n");
        expect(ghArgs.slice(0, 8)).toEqual([
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            branch,
            "--title",
            "Promote guestbook 5.1.0 to prod",
        ]);
        const body = fs.readFileSync(ghArgs[9], "utf8");
        expect(body).toContain("| guestbook |");
        expect(body).toContain("### Not verified");
        expect(body).toContain(
            "Promoted with `--skip-verification`: nobody checked that this runs healthy in **staging**.",
        );
    });

    it("after a run without --push, pushes the branch it prepared; an open PR is reported, not an error", async () => {
        const repo = exampleRepo();
        const remote = withRemote(repo, "git@github.com:acme/gitops.git");
        const prepared = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod`,
        );
        expect(prepared.code).toBe(0);
        const tip = git(repo, "rev-parse", branch);
        const pushed = await gitops(args(repo), withGh(fakeGh().dir));
        expect(pushed.err).toBe("");
        expect(pushed.code).toBe(0);
        expect(pushed.out).toContain(`Branch ${branch} already holds this promotion`);
        expect(git(remote, "rev-parse", branch)).toBe(tip);
        // Once more: the branch is on the remote and gh says the PR exists.
        const again = await gitops(args(repo), withGh(fakeGh(true).dir));
        expect(again.err).toBe("");
        expect(again.code).toBe(0);
        expect(again.out).toContain("Pull request already open: https://github.com/acme/gitops/pull/41");
    });

    it("exits 1 with the compare URL and the gh command when gh is not on PATH", async () => {
        const repo = exampleRepo();
        const remote = withRemote(repo, "git@github.com:acme/gitops.git");
        const result = await gitops(args(repo), gitOnly());
        expect(result.code).toBe(1);
        expect(git(remote, "rev-parse", branch)).toBe(git(repo, "rev-parse", branch));
        expect(result.err).toContain(
            `the branch is pushed, but no pull request was opened: gh is not on PATH. Open it at\n  https://github.com/acme/gitops/compare/main...promote/prod/guestbook-5.1.0?expand=1\nor run:\n  gh pr create --base main --head ${branch}`,
        );
    });

    it("exits 1 and names the branches when the remote is not on GitHub", async () => {
        const repo = exampleRepo();
        const remote = withRemote(repo);
        const result = await gitops(args(repo), withGh(fakeGh().dir));
        expect(result.code).toBe(1);
        expect(git(remote, "rev-parse", branch)).toBe(git(repo, "rev-parse", branch));
        expect(result.err).toContain(
            `is not a GitHub repository, and gh opens pull requests on GitHub only. Open one from ${branch} into main on your Git host`,
        );
    });
});

describe("promote details", () => {
    it("carries the audit trailers and says in the body which build it came from", async () => {
        const repo = exampleRepo();
        const url = "https://github.com/acme/guestbook/actions/runs/7";
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod --source-commit 0a1b2c3d --build-url ${url}`,
        );
        expect(result.code).toBe(0);
        const branch = "promote/prod/guestbook-5.1.0";
        const trailer = (key: string) =>
            git(repo, "log", "-1", `--format=%(trailers:key=${key},valueonly)`, branch).trim();
        expect(trailer("Source-Commit")).toBe("0a1b2c3d");
        expect(trailer("Build-URL")).toBe(url);
        expect(trailer("Verified-In")).toBe("none (--skip-verification)");
        expect(bodyFile(repo, branch)).toContain(`Build: source commit \`0a1b2c3d\`, [CI run](${url}).`);
    });

    it("Argo CD tracking a tag: the PR goes into the default branch and the body says how to release it", async () => {
        const repo = exampleRepo();
        git(repo, "tag", "v1.0.0");
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod --config targetRevision=v1.0.0`,
        );
        expect(result.code).toBe(0);
        expect(result.out).toContain(
            "Argo CD prod (stack prod) tracks v1.0.0, which is not a branch here (a tag or commit): pull request into main.",
        );
        expect(bodyFile(repo, "promote/prod/guestbook-5.1.0")).toContain(
            "tag the merge commit, set targetRevision to that tag",
        );
    });

    it("names the branch after the change's content when a tag cannot be part of a branch name", async () => {
        const repo = exampleRepo();
        // "1..2" is a valid OCI tag but git refuses ".." in ref names.
        expect((await gitops(argv`set-image --repo ${repo} --env staging --app podinfo --tag 1..2`)).code).toBe(0);
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app podinfo --from staging --to prod --stack prod`,
        );
        expect(result.code).toBe(0);
        expect(branches(repo).find((b) => b !== "main")).toMatch(/^promote\/prod\/from-staging-[0-9a-f]{10}$/);
    });

    it("reads the source overlays where the source stack puts them (--from-stack)", async () => {
        const repo = exampleRepo();
        // staging's guestbook lives elsewhere: an app path the staging stack sets without {env}.
        fs.cpSync(path.join(repo, "apps/guestbook/overlays/staging"), path.join(repo, "staging-guestbook"), {
            recursive: true,
        });
        const moved = path.join(repo, "staging-guestbook/kustomization.yaml");
        fs.writeFileSync(
            moved,
            fs
                .readFileSync(moved, "utf8")
                .replace("- ../../base", "- ../apps/guestbook/base")
                .replace("newTag: 5.1.0", "newTag: 5.1.9"),
        );
        git(repo, "add", "--all");
        git(repo, "commit", "--quiet", "-m", "staging guestbook moved");
        // Stack files of their own: the staging stack gives guestbook that path; prod keeps the default layout.
        const stacks = tempDir("stacks");
        fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), path.join(stacks, "Pulumi.prod.yaml"));
        const staging = fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");
        const withPath = staging.replace(
            "      namespace: guestbook-staging\n",
            "      namespace: guestbook-staging\n      path: staging-guestbook\n",
        );
        expect(withPath).not.toBe(staging);
        fs.writeFileSync(path.join(stacks, "Pulumi.staging.yaml"), withPath);
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod --from-stack staging --stack-dir ${stacks}`,
        );
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(result.out).toContain(`guestbook: ${GUESTBOOK} 5.0.1 -> 5.1.9`);
        expect(bodyFile(repo, "promote/prod/guestbook-5.1.9")).toContain(
            "`staging-guestbook/kustomization.yaml` as of",
        );

        const mismatch = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod --from-stack dev`,
        );
        expect(mismatch.code).toBe(1);
        expect(mismatch.err).toContain("stack dev deploys the dev environment, not --from staging.");
    });

    it.each([
        ["git@github.com:acme/gitops.git", "https://github.com/acme/gitops/commit/abc"],
        ["https://github.com/acme/gitops.git", "https://github.com/acme/gitops/commit/abc"],
        ["https://x-access-token@github.com/acme/gitops", "https://github.com/acme/gitops/commit/abc"],
        ["ssh://git@github.com/acme/gitops.git", "https://github.com/acme/gitops/commit/abc"],
        ["git@gitlab.com:acme/gitops.git", undefined],
        ["/srv/git/gitops.git", undefined],
    ])("links commits of remote %s as %s", (url, link) => {
        expect(githubCommitUrl(url, "abc")).toBe(link);
    });
});
