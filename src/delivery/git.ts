import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DeliveryError } from "./errors";

/** A file's new content for {@link Git.commitFiles}. */
export interface FileChange {
    readonly path: string;
    readonly text: string;
}

/** What one `git push` did to the one ref it pushed. */
export interface PushResult {
    readonly ok: boolean;
    /** git's own words (the porcelain status line and stderr) when it failed. */
    readonly detail: string;
}

/** A git checkout the commands work in. Every call runs the real git binary; nothing is reimplemented. */
export class Git {
    constructor(
        readonly dir: string,
        private readonly env: NodeJS.ProcessEnv,
    ) {}

    /** Runs git; a non-zero exit becomes a DeliveryError with git's own message. */
    run(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
        const result = this.spawn(args, options);
        if (result.status !== 0) {
            const detail = (result.stderr || result.stdout).trim();
            throw new DeliveryError(`git ${args.join(" ")} failed${detail ? `: ${detail}` : ""}`);
        }
        return result.stdout.replace(/\n$/, "");
    }

    /** Runs git and returns whether it succeeded (for questions such as "does this ref exist"). */
    ok(args: readonly string[]): boolean {
        return this.spawn(args, {}).status === 0;
    }

    private spawn(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv }) {
        const result = spawnSync("git", args, {
            cwd: this.dir,
            env: { ...this.env, ...options.env, GIT_TERMINAL_PROMPT: "0" },
            input: options.input,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        if (result.error) throw new DeliveryError(`cannot run git: ${result.error.message}`);
        return result;
    }

    /** The file at a revision, or undefined when it does not exist there. */
    show(rev: string, file: string): string | undefined {
        const result = this.spawn(["show", `${rev}:${file}`], {});
        return result.status === 0 ? result.stdout : undefined;
    }

    commitOf(rev: string): string | undefined {
        const result = this.spawn(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], {});
        return result.status === 0 ? result.stdout.trim() : undefined;
    }

    /** The checked-out branch, or undefined on a detached HEAD. */
    currentBranch(): string | undefined {
        const result = this.spawn(["symbolic-ref", "--quiet", "--short", "HEAD"], {});
        return result.status === 0 ? result.stdout.trim() : undefined;
    }

    /** Uncommitted changes (staged or not) to these paths, as `git status --porcelain` lines. */
    dirty(paths: readonly string[]): string[] {
        const out = this.run(["status", "--porcelain", "--untracked-files=no", "--", ...paths]);
        return out === "" ? [] : out.split("\n");
    }

    remoteUrl(remote: string): string | undefined {
        const result = this.spawn(["remote", "get-url", remote], {});
        return result.status === 0 ? result.stdout.trim() : undefined;
    }

    /** Pushes a local branch to the same name on the remote. Never forced: a diverged remote is an error. */
    push(remote: string, branch: string): void {
        const result = this.tryPush(remote, branch);
        if (!result.ok) throw new DeliveryError(`git push ${remote} ${branch} failed: ${result.detail}`);
    }

    /** Pushes a local branch to the same name on the remote, never forced; says whether the remote took it. */
    tryPush(remote: string, branch: string): PushResult {
        const result = this.spawn(
            ["push", "--porcelain", "--", remote, `refs/heads/${branch}:refs/heads/${branch}`],
            {},
        );
        return {
            ok: result.status === 0,
            detail: [result.stdout, result.stderr]
                .join("\n")
                .split("\n")
                .filter((l) => l.trim() !== "" && l.trim() !== "Done" && !l.startsWith("To "))
                .join("\n"),
        };
    }

    /** Fetches one branch of the remote into its remote-tracking ref; returns its commit. */
    fetchBranch(remote: string, branch: string): string {
        const tracking = `refs/remotes/${remote}/${branch}`;
        this.run(["fetch", "--quiet", "--no-tags", "--", remote, `+refs/heads/${branch}:${tracking}`]);
        return this.run(["rev-parse", "--verify", `${tracking}^{commit}`]);
    }

    isAncestor(ancestor: string, descendant: string): boolean {
        return this.ok(["merge-base", "--is-ancestor", ancestor, descendant]);
    }

    /** Whether commits are to be signed here (`commit.gpgSign`, as `git commit` reads it). */
    signs(): boolean {
        const result = this.spawn(["config", "--bool", "commit.gpgSign"], {});
        return result.status === 0 && result.stdout.trim() === "true";
    }

    /**
     * A commit of `files` on top of `parent`, built without touching the work tree, the index or any branch. Signed
     * when the repository's git is configured to sign: `git commit` reads commit.gpgSign itself, commit-tree does not.
     */
    commitFiles(parent: string, files: readonly FileChange[], message: readonly string[]): string {
        const indexFile = path.join(this.run(["rev-parse", "--absolute-git-dir"]), `gitops-index-${process.pid}`);
        const env = { GIT_INDEX_FILE: indexFile };
        try {
            this.run(["read-tree", parent], { env });
            for (const f of files) {
                const listed = this.run(["ls-tree", parent, "--", f.path]).split(/\s/)[0];
                if (listed === "120000") {
                    throw new DeliveryError(
                        `${f.path} is a symlink at ${parent.slice(0, 12)}; only regular files are edited.`,
                    );
                }
                const blob = this.run(["hash-object", "-w", "--stdin"], { input: f.text });
                this.run(["update-index", "--cacheinfo", `${listed || "100644"},${blob},${f.path}`], { env });
            }
            const tree = this.run(["write-tree"], { env });
            return this.run([
                "commit-tree",
                ...(this.signs() ? ["-S"] : []),
                tree,
                "-p",
                parent,
                ...message.flatMap((m) => ["-m", m]),
            ]);
        } finally {
            fs.rmSync(indexFile, { force: true });
        }
    }
}

/** `owner/name` when the remote is on GitHub (scp, ssh:// or https:// form), else undefined. */
export function githubRepository(remoteUrl: string | undefined): string | undefined {
    if (!remoteUrl) return undefined;
    const match =
        /^(?:git@github\.com:|ssh:\/\/git@github\.com(?::\d+)?\/|https:\/\/(?:[^@/]+@)?github\.com\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
            remoteUrl,
        );
    return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * The web link of a commit when the remote is on GitHub, else undefined: the PR body then names the SHA alone.
 */
export function githubCommitUrl(remoteUrl: string | undefined, sha: string): string | undefined {
    const repo = githubRepository(remoteUrl);
    return repo ? `https://github.com/${repo}/commit/${sha}` : undefined;
}
