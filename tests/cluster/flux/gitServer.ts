import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../support/stacks";
import { binaryPath, clusterVersions, stopProcess, waitForOutput } from "./processes";

/**
 * A copy of gitops-repo/ served over SSH on loopback by scripts/cluster/flux/gitserver (github.com/fluxcd/gitkit),
 * with real key authentication: only the deploy key generated here may read it, and the server presents a host key
 * generated here, which the stack pins through sshKnownHosts.
 */
export interface GitServer {
    /** The repository URL the stack's repoUrl is set to: ssh://git@127.0.0.1:<port>/gitops.git */
    url: string;
    /** known_hosts line for the server's host key, as the stack's sshKnownHosts takes it. */
    knownHosts: string;
    /** The deploy key's private half (OpenSSH format); kept in memory, passed to the program as a secret. */
    deployKey: string;
    /** The deploy key's SHA256 fingerprint, as the server logs the keys it accepts. */
    deployKeyFingerprint: string;
    /** The deploy key's public half (an authorized_keys line). */
    deployPublicKey: string;
    /** Accepts this public key from the next connection on, beside the ones accepted already (a deploy key added). */
    authorize(publicKey: string): void;
    /** No longer accepts this public key, from the next connection on (a deploy key revoked). */
    revoke(publicKey: string): void;
    /** Whether `git ls-remote` over SSH with this private key is accepted now. */
    readableWith(privateKey: string): boolean;
    /** Changes the working copy (a function of its path), commits and pushes to `branch`; returns the commit SHA. */
    commit(message: string, change: (workdir: string) => void, branch?: string): string;
    /** Creates `branch` at the current commit of main and pushes it. */
    branch(name: string): void;
    /** The commit SHA `branch` points at. */
    revision(branch?: string): string;
    /** A freshly generated key the server does not accept, and a known_hosts line for a host key it does not have. */
    strangers(): { key: string; knownHosts: string };
    /** The server's log (accepted and rejected keys), for failure messages. */
    log(): string;
    stop(): Promise<void>;
}

const git = (cwd: string, ...args: string[]): string =>
    execFileSync("git", args, {
        cwd,
        encoding: "utf8",
        env: {
            ...process.env,
            GIT_AUTHOR_NAME: "gitops-stack test",
            GIT_AUTHOR_EMAIL: "test@gitops-stack.invalid",
            GIT_COMMITTER_NAME: "gitops-stack test",
            GIT_COMMITTER_EMAIL: "test@gitops-stack.invalid",
            // The test's git must not read the user's configuration (signing, hooks, default branch).
            GIT_CONFIG_GLOBAL: "/dev/null",
            GIT_CONFIG_NOSYSTEM: "1",
        },
        stdio: ["ignore", "pipe", "pipe"],
    }).trim();

function keygen(file: string, comment: string): void {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], { stdio: "ignore" });
}

/**
 * Starts the server on 127.0.0.1:`port`, serving `gitops.git` initialised from `source` (the project's gitops-repo/)
 * on branch main. Keys, the bare repository and the working copy live under `dir` (a test temp directory).
 */
export async function startGitServer(dir: string, source: string, port: number): Promise<GitServer> {
    const keys = path.join(dir, "keys");
    const repos = path.join(dir, "repos");
    const work = path.join(dir, "work");
    fs.mkdirSync(keys, { recursive: true, mode: 0o700 });
    fs.mkdirSync(repos, { recursive: true });
    keygen(path.join(keys, "host"), "gitops-stack-test-host");
    keygen(path.join(keys, "deploy"), "gitops-stack-test-deploy-key");
    const authorizedKeys = path.join(keys, "authorized_keys");
    fs.copyFileSync(path.join(keys, "deploy.pub"), authorizedKeys);
    /** The key type and data of a public key line (its comment aside), as the server compares keys. */
    const keyOf = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ");

    const bare = path.join(repos, "gitops.git");
    git(repos, "init", "--quiet", "--bare", "--initial-branch=main", bare);
    fs.cpSync(source, work, { recursive: true });
    git(work, "init", "--quiet", "--initial-branch=main");
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", "Initial import of gitops-repo/");
    // Pushes go straight to the bare repository on disk; only Flux reads over SSH.
    git(work, "remote", "add", "origin", bare);
    git(work, "push", "--quiet", "origin", "main");

    const logFile = path.join(dir, "gitserver.log");
    const out = fs.openSync(logFile, "a");
    const child = spawn(
        gitServerBinary(),
        [
            "-root",
            repos,
            "-ssh-addr",
            `127.0.0.1:${port}`,
            "-host-key",
            path.join(keys, "host"),
            "-authorized-keys",
            path.join(keys, "authorized_keys"),
        ],
        { stdio: ["ignore", "pipe", out], detached: true },
    );
    try {
        await waitForOutput(child, /gitserver: serving .* over ssh:\/\//, 10_000, () =>
            fs.readFileSync(logFile, "utf8"),
        );
    } catch (err) {
        await stopProcess(child);
        throw err;
    }
    child.stdout!.resume();

    const hostPub = fs.readFileSync(path.join(keys, "host.pub"), "utf8").trim().split(/\s+/);
    return {
        url: `ssh://git@127.0.0.1:${port}/gitops.git`,
        knownHosts: `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}`,
        deployKey: fs.readFileSync(path.join(keys, "deploy"), "utf8"),
        deployKeyFingerprint: execFileSync("ssh-keygen", ["-l", "-f", path.join(keys, "deploy.pub")], {
            encoding: "utf8",
        }).split(/\s+/)[1],
        deployPublicKey: fs.readFileSync(path.join(keys, "deploy.pub"), "utf8").trim(),
        authorize(publicKey) {
            fs.appendFileSync(authorizedKeys, `${publicKey.trim()}\n`);
        },
        revoke(publicKey) {
            const kept = fs
                .readFileSync(authorizedKeys, "utf8")
                .split("\n")
                .filter((l) => l.trim() !== "" && keyOf(l) !== keyOf(publicKey));
            // Written whole and renamed, so the server never reads a half-written file.
            fs.writeFileSync(`${authorizedKeys}.new`, `${kept.join("\n")}\n`);
            fs.renameSync(`${authorizedKeys}.new`, authorizedKeys);
        },
        readableWith(privateKey) {
            const probe = fs.mkdtempSync(path.join(dir, "probe-"));
            try {
                fs.writeFileSync(path.join(probe, "key"), privateKey, { mode: 0o600 });
                fs.writeFileSync(path.join(probe, "known_hosts"), `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
                const ssh = `ssh -i ${path.join(probe, "key")} -o IdentitiesOnly=yes -o UserKnownHostsFile=${path.join(probe, "known_hosts")} -o StrictHostKeyChecking=yes`;
                const r = spawnSync("git", ["ls-remote", `ssh://git@127.0.0.1:${port}/gitops.git`, "main"], {
                    env: {
                        ...process.env,
                        GIT_SSH_COMMAND: ssh,
                        GIT_CONFIG_GLOBAL: "/dev/null",
                        GIT_CONFIG_NOSYSTEM: "1",
                    },
                    encoding: "utf8",
                    timeout: 30_000,
                });
                return r.status === 0 && /refs\/heads\/main/.test(r.stdout);
            } finally {
                fs.rmSync(probe, { recursive: true, force: true });
            }
        },
        commit(message, change, branch = "main") {
            git(work, "checkout", "--quiet", branch);
            change(work);
            git(work, "add", "-A");
            git(work, "commit", "--quiet", "-m", message);
            git(work, "push", "--quiet", "origin", branch);
            const sha = git(work, "rev-parse", "HEAD");
            git(work, "checkout", "--quiet", "main");
            return sha;
        },
        branch(name) {
            git(work, "branch", name, "main");
            git(work, "push", "--quiet", "origin", name);
        },
        strangers() {
            keygen(path.join(keys, "stranger"), "not-authorized");
            keygen(path.join(keys, "other-host"), "not-the-server");
            const otherHost = fs.readFileSync(path.join(keys, "other-host.pub"), "utf8").trim().split(/\s+/);
            return {
                key: fs.readFileSync(path.join(keys, "stranger"), "utf8"),
                knownHosts: `[127.0.0.1]:${port} ${otherHost[0]} ${otherHost[1]}`,
            };
        },
        revision: (branch = "main") => git(work, "rev-parse", branch),
        log: () => fs.readFileSync(logFile, "utf8"),
        stop: async () => {
            await stopProcess(child);
            fs.closeSync(out);
        },
    };
}

/**
 * The git server built from this checkout's scripts/cluster/flux/gitserver/main.go: build-flux.sh keys each build by
 * a hash of the main and its x/crypto version (and points the unhashed name at the newest build, which another
 * checkout's build may have moved).
 */
function gitServerBinary(): string {
    const version = clusterVersions().FLUX_GITKIT_VERSION;
    const script = fs.readFileSync(path.join(ROOT, "scripts/cluster/build-flux.sh"), "utf8");
    const crypto = /crypto="(golang\.org\/x\/crypto@[^"]+)"/.exec(script)?.[1];
    const main = fs.readFileSync(path.join(ROOT, "scripts/cluster/flux/gitserver/main.go"), "utf8");
    const hash = createHash("sha256").update(`${main}${crypto}\n`).digest("hex").slice(0, 12);
    return binaryPath("flux-gitserver", `${version}-${hash}`);
}
