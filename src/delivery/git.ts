import { spawnSync } from "node:child_process";
import { DeliveryError } from "./errors";

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
        this.run(["push", "--porcelain", remote, `refs/heads/${branch}:refs/heads/${branch}`]);
    }
}

/**
 * The web link of a commit when the remote is on GitHub (scp, ssh:// or https:// form), else undefined: the PR
 * body then names the SHA alone.
 */
export function githubCommitUrl(remoteUrl: string | undefined, sha: string): string | undefined {
    if (!remoteUrl) return undefined;
    const match =
        /^(?:git@github\.com:|ssh:\/\/git@github\.com(?::\d+)?\/|https:\/\/(?:[^@/]+@)?github\.com\/)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
            remoteUrl,
        );
    return match ? `https://github.com/${match[1]}/${match[2]}/commit/${sha}` : undefined;
}
