/**
 * Releases racing each other (issues 20 and 21): release.yml's concurrency group does not serialise workflows of
 * different repositories, so two services' set-image --push land at the same moment. The loser fetches, re-applies
 * the same edit on the new tip and pushes again (a bounded number of times); an edit to the same entry is refused.
 * Against local bare repositories, as a GitOps repository on a Git host behaves for git push.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PUSH_ATTEMPTS } from "../../src/delivery/setImage";
import {
    argv,
    cleanTemps,
    cloneOf,
    exampleRepo,
    git,
    GIT_ENV,
    gitops,
    overlay,
    read,
    ROOT,
    tempDir,
    withRemote,
} from "./support";

afterAll(cleanTemps);

const GUESTBOOK = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend";

/** A shared GitOps repository (bare) and two CI runners' checkouts of it, both at the same commit. */
function twoRunners(): { bare: string; a: string; b: string } {
    const seed = exampleRepo();
    const bare = withRemote(seed);
    return { bare, a: cloneOf(bare), b: cloneOf(bare) };
}

const showRemote = (bare: string, file: string) => git(bare, "show", `main:${file}`);

describe("set-image --push when another release pushed first", () => {
    it("re-applies the same change on the new tip and pushes it", async () => {
        const { bare, a, b } = twoRunners();
        const base = git(bare, "rev-parse", "main");
        expect((await gitops(argv`set-image --repo ${a} --env dev --app podinfo --tag 6.8.0 --push`)).code).toBe(0);
        const first = git(bare, "rev-parse", "main");

        const second = await gitops(
            argv`set-image --repo ${b} --env dev --app guestbook --tag 5.3.0 --push --source-commit abcdef1`,
        );
        expect(second.err).toBe("");
        expect(second.code).toBe(0);
        expect(second.out).toContain(
            `origin/main moved to ${first.slice(0, 12)} (Set podinfo image in dev: podinfo 6.7.1 -> 6.8.0); re-applied the change on it as`,
        );
        expect(second.out).toContain(`Pushed main to origin (attempt 2 of ${PUSH_ATTEMPTS}).`);
        // Both releases are on the remote, one after the other, each its own commit touching its own overlay.
        expect(git(bare, "log", "--format=%s", `${base}..main`).split("\n")).toEqual([
            "Set guestbook image in dev: gb-frontend 5.2.0 -> 5.3.0",
            "Set podinfo image in dev: podinfo 6.7.1 -> 6.8.0",
        ]);
        expect(git(bare, "rev-parse", "main^")).toBe(first);
        expect(git(bare, "show", "--name-only", "--format=", "main")).toBe(overlay("guestbook", "dev"));
        expect(showRemote(bare, overlay("podinfo", "dev"))).toContain("newTag: 6.8.0 #");
        expect(showRemote(bare, overlay("guestbook", "dev"))).toContain("newTag: 5.3.0 #");
        // The re-applied commit keeps the message and trailers; the runner's checkout is the remote's tip.
        expect(git(bare, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "main").trim()).toBe(
            "abcdef1",
        );
        expect(git(b, "rev-parse", "HEAD")).toBe(git(bare, "rev-parse", "main"));
        expect(git(b, "status", "--porcelain")).toBe("");
    });

    it("refuses a conflicting edit to the same entry, and accepts the same one as already done", async () => {
        const { bare, a, b } = twoRunners();
        expect((await gitops(argv`set-image --repo ${a} --env dev --app guestbook --tag 5.3.0 --push`)).code).toBe(0);
        const theirs = git(bare, "rev-parse", "main");
        const conflict = await gitops(argv`set-image --repo ${b} --env dev --app guestbook --tag 5.4.0 --push`);
        expect(conflict.code).toBe(1);
        expect(conflict.err).toContain(
            `conflicting release: origin/main changed ${GUESTBOOK} in ${overlay("guestbook", "dev")} from 5.2.0 to 5.3.0 (${theirs.slice(0, 7)} (Set guestbook image in dev: gb-frontend 5.2.0 -> 5.3.0)) while this release changed it to 5.4.0. Not overwriting it.`,
        );
        expect(git(bare, "rev-parse", "main")).toBe(theirs);

        const c = cloneOf(bare);
        git(c, "reset", "--quiet", "--hard", "HEAD^");
        // Another build of the same tag (its own trailer, so not byte-identical to the commit on the remote).
        const same = await gitops(
            argv`set-image --repo ${c} --env dev --app guestbook --tag 5.3.0 --push --source-commit abcdef2`,
        );
        expect(same.err).toBe("");
        expect(same.code).toBe(0);
        expect(same.out).toContain(`origin/main already pins ${GUESTBOOK} 5.3.0`);
        expect(git(bare, "rev-parse", "main")).toBe(theirs);
        expect(git(c, "rev-parse", "HEAD")).toBe(theirs);
    });

    it("two releases started at the same moment both land", async () => {
        const { bare, a, b } = twoRunners();
        // The Git host takes a moment to accept each push, so the two overlap.
        const hook = path.join(bare, "hooks", "pre-receive");
        fs.writeFileSync(hook, "#!/bin/sh\ncat >/dev/null\nsleep 1\n", { mode: 0o755 });
        const tsx = path.join(ROOT, "node_modules/.bin/tsx");
        const release = (repo: string, app: string, tag: string) =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
                const child = spawn(
                    tsx,
                    [
                        path.join(ROOT, "scripts/gitops.ts"),
                        ...argv`set-image --repo ${repo} --env dev --app ${app} --tag ${tag} --push`,
                    ],
                    { env: GIT_ENV },
                );
                let out = "";
                child.stdout.on("data", (d: Buffer) => (out += d.toString()));
                child.stderr.on("data", (d: Buffer) => (out += d.toString()));
                child.on("close", (code) => resolve({ code, out }));
            });
        const results = await Promise.all([release(a, "podinfo", "6.8.0"), release(b, "guestbook", "5.3.0")]);
        expect(
            results.map((r) => r.code),
            results.map((r) => r.out).join("\n---\n"),
        ).toEqual([0, 0]);
        // Whichever came second found the remote moved (rejected, or its ref update lost) and re-applied its change.
        expect(results.filter((r) => r.out.includes("re-applied the change on it")).length).toBe(1);
        expect(showRemote(bare, overlay("podinfo", "dev"))).toContain("newTag: 6.8.0 #");
        expect(showRemote(bare, overlay("guestbook", "dev"))).toContain("newTag: 5.3.0 #");
        expect(git(bare, "rev-list", "--count", "main")).toBe("3");
    }, 60_000);

    it(`gives up after ${PUSH_ATTEMPTS} attempts when the remote keeps moving`, async () => {
        const { bare, a } = twoRunners();
        const mover = cloneOf(bare);
        // A stand-in for a busy repository: a `git` first in PATH that lets another change land on the remote just
        // before each of this command's pushes, then runs the real git.
        const bin = tempDir("busy");
        const log = path.join(bin, "pushes");
        const realGit = (process.env.PATH ?? "")
            .split(path.delimiter)
            .map((d) => path.join(d, "git"))
            .find((p) => fs.existsSync(p))!;
        fs.writeFileSync(
            path.join(bin, "git"),
            [
                "#!/bin/sh",
                'if [ "$1" = push ]; then',
                `  echo push >> '${log}'`,
                `  ( cd '${mover}' && '${realGit}' pull --quiet --rebase origin main && echo x >> README.md && '${realGit}' commit --quiet -am busy && '${realGit}' push --quiet origin main ) >/dev/null 2>&1`,
                "fi",
                `exec '${realGit}' "$@"`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const result = await gitops(argv`set-image --repo ${a} --env dev --app guestbook --tag 5.3.0 --push`, {
            ...GIT_ENV,
            PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        });
        expect(result.code).toBe(1);
        expect(result.err).toContain(
            `git push origin main: origin/main moved before each of ${PUSH_ATTEMPTS} attempts; giving up`,
        );
        expect(fs.readFileSync(log, "utf8").trim().split("\n")).toHaveLength(PUSH_ATTEMPTS);
        expect(showRemote(bare, overlay("guestbook", "dev"))).toContain("newTag: 5.2.0 #");
    }, 60_000);

    it("does not retry a push the remote refuses for another reason, and never forces", async () => {
        const { bare, a } = twoRunners();
        fs.writeFileSync(path.join(bare, "hooks", "pre-receive"), "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", {
            mode: 0o755,
        });
        const before = git(bare, "rev-parse", "main");
        const result = await gitops(argv`set-image --repo ${a} --env dev --app guestbook --tag 5.3.0 --push`);
        expect(result.code).toBe(1);
        expect(result.err).toMatch(/git push origin main failed: .*main is protected/s);
        expect(result.err).not.toContain("re-applied");
        expect(git(bare, "rev-parse", "main")).toBe(before);
    });

    it("refuses to re-apply over local commits the remote lacks", async () => {
        const { bare, a, b } = twoRunners();
        fs.appendFileSync(path.join(b, "README.md"), "\nlocal, unpushed\n");
        git(b, "commit", "--quiet", "-am", "local work");
        expect((await gitops(argv`set-image --repo ${a} --env dev --app podinfo --tag 6.8.0 --push`)).code).toBe(0);
        const theirs = git(bare, "rev-parse", "main");
        const result = await gitops(argv`set-image --repo ${b} --env dev --app guestbook --tag 5.3.0 --push`);
        expect(result.code).toBe(1);
        expect(result.err).toContain(
            "main has local commits the remote lacks, or the remote was rewritten. Nothing was overwritten",
        );
        expect(git(bare, "rev-parse", "main")).toBe(theirs);
        expect(read(b, overlay("guestbook", "dev"))).toContain("newTag: 5.3.0 #");
    });
});
