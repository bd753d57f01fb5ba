/**
 * `npm run gitops -- deploy-key --stack <name>`: the public half of a stack's SSH deploy key, before the first
 * `pulumi up` (issue 25 §1). The program derives the same line from the secret `sshPrivateKey` (Flux's
 * `identity.pub`, the `sshPublicKey` stack output), but a stack output exists only after a successful `up`, and a
 * first `up` cannot succeed while Argo CD cannot read the repository: so this command reads the key the way the
 * stack holds it, validates the stack's configuration as `pulumi up` would, and says where to register the key.
 *
 * The private key is read with the Pulumi CLI (`pulumi config get sshPrivateKey --stack <name>`, which decrypts it
 * with the stack's secrets provider) or from standard input (`--stdin`), kept in memory and never printed.
 */
import { spawn } from "node:child_process";
import type { StackConfig } from "../config";
import { parseRepoUrl } from "../config/parse";
import { sshFingerprint, sshPublicKey } from "../config/formats/sshPublicKey";
import { DeliveryError } from "./errors";
import { readStackConfig } from "./stack";

export interface DeployKeyOptions {
    readonly stack: string;
    /** Where Pulumi.<stack>.yaml lives (and the CLI runs). */
    readonly stackDir: string;
    /** `key=value` overrides, as for the render. */
    readonly config: readonly string[];
    /** Read the private key from standard input instead of the Pulumi CLI. */
    readonly stdin: boolean;
}

export interface DeployKeyIo {
    readonly env: NodeJS.ProcessEnv;
    readonly out: (text: string) => void;
    /** Guidance for the person (stderr), so stdout holds only the key line. */
    readonly err: (text: string) => void;
    /** All of standard input. */
    readonly readStdin: () => Promise<string>;
}

/** The secret key the deploy key comes from (a SECRET_KEYS name). */
const SECRET = "sshPrivateKey";

/**
 * Runs `pulumi config get sshPrivateKey --stack <stack>` in `stackDir`: the stack name was checked against the
 * committed stack files before (readStackConfig), so it is never read as an option.
 */
function pulumiConfigGet(stack: string, stackDir: string, env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        // --stack=<name> in one word: the name can never be read as an option of its own.
        const child = spawn("pulumi", ["config", "get", SECRET, `--stack=${stack}`], {
            cwd: stackDir,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", (err: NodeJS.ErrnoException) => {
            reject(
                new DeliveryError(
                    err.code === "ENOENT"
                        ? `the Pulumi CLI (pulumi) is not on PATH, so the key cannot be read from stack ${stack}; pipe it in instead: pulumi config get ${SECRET} --stack ${stack} | npm run -s gitops -- deploy-key --stack ${stack} --stdin (or --stdin < <private key file>).`
                        : `pulumi config get ${SECRET} --stack ${stack} could not run: ${err.message}`,
                ),
            );
        });
        child.on("close", (code) => {
            if (code === 0) resolve(stdout);
            // The CLI's own message (not logged in, no passphrase, key not set) says what is missing; it never
            // contains the value, which only a successful run prints.
            else
                reject(
                    new DeliveryError(
                        `pulumi config get ${SECRET} --stack ${stack} failed (exit ${code}): ${stderr.trim() || "no message"}; set the key first: pulumi config set --secret ${SECRET} --stack ${stack} < <private key file>.`,
                    ),
                );
        });
    });
}

/** Where a Git host keeps a repository's deploy keys, for the hosts whose settings pages we can name. */
export function registrationHint(host: string, repoPath: string): string {
    const repo = repoPath.replace(/\.git$/, "");
    if (host === "github.com" || host.startsWith("github."))
        return `on ${host}: ${repo} > Settings > Deploy keys > Add deploy key`;
    if (host === "gitlab.com" || host.startsWith("gitlab."))
        return `on ${host}: ${repo} > Settings > Repository > Deploy keys`;
    if (host === "bitbucket.org") return `on ${host}: ${repo} > Repository settings > Access keys`;
    return `as a deploy key (SSH key) of ${repo} on ${host}`;
}

/** Who pushes with the repository credential, if anyone: then the deploy key needs write access. */
export function writers(config: StackConfig): string | undefined {
    if (config.operator === "flux" && config.flux.imageAutomation)
        return "Flux image automation pushes new tags with it";
    if (
        config.operator === "argocd" &&
        config.argocd.imageUpdater &&
        config.argocd.imageUpdater.writeSecret === undefined
    )
        return "Argo CD Image Updater pushes new tags with it (imageUpdaterWriteSecret is not set)";
    return undefined;
}

/**
 * Prints the deploy key's public line (stdout: `<type> <base64> gitops-stack-<stack>`) and where to register it
 * (stderr). Exit status 0; a stack without an SSH deploy key, an unreadable key, or a CLI failure is a DeliveryError.
 */
export async function deployKey(options: DeployKeyOptions, io: DeployKeyIo): Promise<number> {
    const config = await readStackConfig(options.stackDir, options.stack, options.config);
    const auth = config.repo.auth;
    if (auth.kind !== "ssh") {
        throw new DeliveryError(
            `stack ${options.stack} authenticates to ${config.repo.url} with authKind ${auth.kind}, not an SSH deploy key; there is no key to register (${auth.kind === "https" ? "the token is the secret httpsToken" : "the GitHub App is installed on the repository instead"}).`,
        );
    }
    const privateKey = options.stdin
        ? await io.readStdin()
        : await pulumiConfigGet(options.stack, options.stackDir, io.env);
    const publicKey = privateKey.trim() === "" ? undefined : sshPublicKey(privateKey);
    const fingerprint = publicKey && sshFingerprint(publicKey);
    if (!publicKey || !fingerprint) {
        throw new DeliveryError(
            `the ${SECRET} of stack ${options.stack} ${privateKey.trim() === "" ? "is empty" : "is not a private key whose public half can be derived"}; expected an OpenSSH private key (ssh-keygen -t ed25519 -N "" -f deploy-key) or an unencrypted PEM key (RSA, EC, Ed25519), set with pulumi config set --secret ${SECRET} --stack ${options.stack} < deploy-key.`,
        );
    }
    const [type] = publicKey.split(" ");
    io.out(`${publicKey} gitops-stack-${options.stack}\n`);
    const pushes = writers(config);
    io.err(
        [
            `deploy-key: stack ${options.stack}: ${type} ${fingerprint}`,
            `Register it ${registrationHint(config.repo.host, parseRepoUrl(config.repo.url)?.path ?? config.repo.url)} (repository ${config.repo.url}),`,
            pushes
                ? `  with write access: ${pushes}.`
                : `  read-only: ${config.operator === "argocd" ? "Argo CD" : "Flux"} only reads the repository.`,
            `Then: pulumi up --stack ${options.stack}. Until the key is registered the first up stops after the repository wait (see docs/explanation/operators.md, the repository gate).`,
            "",
        ].join("\n"),
    );
    return 0;
}
