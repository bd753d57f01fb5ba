/**
 * Argument hygiene of the delivery commands (issue 21): --from, --to, --env and --app stay one path segment inside
 * the checkout, a value that starts with '-' never reaches git as an option, symlinks leaving the checkout are
 * refused, and each refusal names the argument and the expected form, before anything is written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { argv, cleanTemps, exampleRepo, git, gitops, overlay, read, tempDir, withRemote } from "./support";

afterAll(cleanTemps);

/** The checkout is exactly as it was: same HEAD, same branches, nothing modified. */
function unchanged(repo: string): () => void {
    const head = git(repo, "rev-parse", "HEAD");
    const branches = git(repo, "branch", "--format=%(refname:short)");
    return () => {
        expect(git(repo, "rev-parse", "HEAD")).toBe(head);
        expect(git(repo, "branch", "--format=%(refname:short)")).toBe(branches);
        expect(git(repo, "status", "--porcelain")).toBe("");
    };
}

describe("paths stay inside the checkout", () => {
    it.each([
        [
            ["--env", "../../podinfo/overlays/dev"],
            '--env "../../podinfo/overlays/dev" is not valid; expected a name of letters',
        ],
        [["--env", "dev/../staging"], '--env "dev/../staging" is not valid'],
        [["--app", "../podinfo"], '--app "../podinfo" is not valid; expected a name of letters, digits'],
        [["--app", ".."], '--app ".." is not valid'],
        [["--app=-x"], '--app "-x" is not valid'],
    ])("set-image refuses %j (exit 2)", async (extra, message) => {
        const repo = exampleRepo();
        const same = unchanged(repo);
        const args = { "--env": "dev", "--app": "guestbook" } as Record<string, string>;
        const rest: string[] = [];
        for (let i = 0; i < extra.length; i++) {
            if (extra[i].includes("=")) rest.push(extra[i]);
            else args[extra[i]] = extra[++i];
        }
        if (rest.some((r) => r.startsWith("--app="))) delete args["--app"];
        const result = await gitops([
            "set-image",
            "--repo",
            repo,
            "--tag",
            "5.3.0",
            ...Object.entries(args).flat(),
            ...rest,
        ]);
        expect(result.code).toBe(2);
        expect(result.err).toContain(message);
        same();
    });

    it("promote refuses --from that leaves the environment's folder (podinfo's staging into guestbook's prod)", async () => {
        const repo = exampleRepo();
        const same = unchanged(repo);
        const result = await gitops(
            argv`promote --skip-verification --repo ${repo} --from ../../podinfo/overlays/staging --app guestbook --to prod --stack prod`,
        );
        expect(result.code).toBe(2);
        expect(result.err).toContain(
            "--from \"../../podinfo/overlays/staging\" is not valid; expected a name of letters, digits, '.', '_' and '-' that starts with a letter or digit (one directory name, no '/'), e.g. staging.",
        );
        same();
        const to = await gitops(
            argv`promote --skip-verification --repo ${repo} --from staging --app guestbook --to ../prod`,
        );
        expect(to.code).toBe(2);
        expect(to.err).toContain('--to "../prod" is not valid');
        same();
    });

    it("refuses an overlay that is a symlink to a file outside the checkout, and leaves that file alone", async () => {
        const repo = exampleRepo();
        const outside = path.join(tempDir("outside"), "kustomization.yaml");
        fs.copyFileSync(path.join(repo, overlay("guestbook", "dev")), outside);
        const original = fs.readFileSync(outside, "utf8");
        fs.rmSync(path.join(repo, overlay("guestbook", "dev")));
        fs.symlinkSync(outside, path.join(repo, overlay("guestbook", "dev")));
        git(repo, "add", "--all");
        git(repo, "commit", "--quiet", "-m", "overlay as a symlink");
        const same = unchanged(repo);
        const result = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`);
        expect(result.code).toBe(1);
        expect(result.err).toContain(
            `${overlay("guestbook", "dev")} (from --app/--env) resolves to ${fs.realpathSync(outside)}, outside the checkout`,
        );
        expect(fs.readFileSync(outside, "utf8")).toBe(original);
        same();

        // promote reads what git stores: the link, refused as well.
        const promote = await gitops(
            argv`promote --skip-verification --repo ${repo} --from dev --to staging --app guestbook`,
        );
        expect(promote.code).toBe(1);
        expect(promote.err).toContain(
            `${overlay("guestbook", "dev")} is a symlink at HEAD; promote reads and writes regular files only.`,
        );
        same();
    });

    it("refuses an overlay directory that is a symlink out of the checkout, and a symlink inside it", async () => {
        const repo = exampleRepo();
        const outside = path.join(tempDir("outside"), "dev");
        fs.cpSync(path.join(repo, "apps/guestbook/overlays/dev"), outside, { recursive: true });
        fs.rmSync(path.join(repo, "apps/guestbook/overlays/dev"), { recursive: true });
        fs.symlinkSync(outside, path.join(repo, "apps/guestbook/overlays/dev"));
        // The default layout is discovered without following symlinked directories; a stack's layout names the path.
        const discovered = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`);
        expect(discovered.code).toBe(1);
        expect(discovered.err).toContain('app "guestbook" has no dev overlay');
        const dir = await gitops(argv`set-image --repo ${repo} --stack dev --app guestbook --tag 5.3.0`);
        expect(dir.code).toBe(1);
        expect(dir.err).toContain(
            `${overlay("guestbook", "dev")} (from --app/--env) resolves to ${fs.realpathSync(outside)}/kustomization.yaml, outside the checkout`,
        );
        expect(fs.readFileSync(path.join(outside, "kustomization.yaml"), "utf8")).toContain("newTag: 5.2.0 #");

        const repo2 = exampleRepo();
        const file = path.join(repo2, overlay("podinfo", "dev"));
        fs.renameSync(file, path.join(repo2, "apps/podinfo/overlays/dev/real.yaml"));
        fs.symlinkSync("real.yaml", file);
        git(repo2, "add", "--all");
        git(repo2, "commit", "--quiet", "-m", "symlink inside");
        const inside = await gitops(argv`set-image --repo ${repo2} --env dev --app podinfo --tag 6.8.0`);
        expect(inside.code).toBe(1);
        expect(inside.err).toContain(
            `${overlay("podinfo", "dev")} (from --app/--env) is a symlink to apps/podinfo/overlays/dev/real.yaml; git would commit the link, not the edit.`,
        );
        expect(read(repo2, "apps/podinfo/overlays/dev/real.yaml")).toContain("newTag: 6.7.1 #");
    });
});

describe("no value reaches git as an option", () => {
    it("set-image --push --remote=<option> is refused, and so is a remote the checkout does not have", async () => {
        const repo = exampleRepo();
        const remote = withRemote(repo);
        const same = unchanged(repo);
        const before = git(remote, "rev-parse", "main");
        const option = await gitops(
            argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0 --push --remote=--upload-pack=touch`,
        );
        expect(option.code).toBe(2);
        expect(option.err).toContain(
            '--remote "--upload-pack=touch" is not valid; expected the name of a remote of the GitOps checkout, e.g. origin.',
        );
        const url = await gitops(
            argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0 --push --remote ${remote}`,
        );
        expect(url.code).toBe(1);
        expect(url.err).toContain(`is not a remote of ${repo}; expected one of: origin.`);
        same();
        expect(git(remote, "rev-parse", "main")).toBe(before);
    });

    it.each([
        [["--from-ref=--all"], '--from-ref "--all" is not valid; expected a commit, branch or tag of the checkout'],
        [["--base=-x"], '--base "-x" is not valid; expected a branch name, e.g. main.'],
        [["--branch=--orphan"], '--branch "--orphan" is not valid; expected a branch name'],
        [["--remote=-o"], '--remote "-o" is not valid'],
    ])("promote refuses %j (exit 2)", async (extra, message) => {
        const repo = exampleRepo();
        const same = unchanged(repo);
        const result = await gitops([
            ...argv`promote --skip-verification --repo ${repo} --app guestbook --from dev --to staging`,
            ...extra,
        ]);
        expect(result.code).toBe(2);
        expect(result.err).toContain(message);
        same();
    });

    it("promote without --from-stack needs --skip-verification, and says what each does", async () => {
        const repo = exampleRepo();
        const same = unchanged(repo);
        const result = await gitops(argv`promote --repo ${repo} --app guestbook --from staging --to prod --stack prod`);
        expect(result.code).toBe(2);
        expect(result.err).toContain(
            "promote checks that what it promotes runs healthy in staging first: name staging's stack with --from-stack <stack>",
        );
        same();
    });
});
