/**
 * `rotate-key` (issue 24): rotates a stack's Git credential in an order that never leaves the operator without a
 * working one. The new credential is added beside the old one at the Git host, the stack is given it
 * (`pulumi config set --secret`, `pulumi up`), the cluster is checked to read the repository with it, and only then
 * is the old one revoked:
 *
 *   1. rotate-key --stack <s> --out <dir>     SSH: generates the new key pair; prints the public half and the steps
 *   2. add it at the Git host                 (both keys work from here on)
 *   3. pulumi config set --secret ...; pulumi up
 *   4. rotate-key --stack <s> --check <dir>/deploy-key.pub
 *                                              reads the cluster as `npm run status` does: the credential Secret
 *                                              holds the new key, and the operator fetched the repository with it
 *   5. revoke the old credential at the Git host
 *
 * Nothing secret is printed: the private key goes to a file only the user can read, and the check reads only key
 * names and the public half from the cluster.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    ClusterReadError,
    declaredStack,
    diagnose,
    loadStack,
    sshFingerprint,
    StatusUsageError,
    type StatusReport,
} from "../status";
import { collectSnapshot, resolveContext, type KubeTarget } from "../status/kube";
import { DeliveryError, UsageError } from "./errors";
import { parseRepoUrl } from "../config/parse";
import { registrationHint, writers } from "./deployKey";
import { githubRepository } from "./git";
import { shellCommand } from "./promote";
import type { Io } from "./setImage";

export interface RotateKeyOptions {
    readonly stack: string;
    readonly stackDir: string;
    readonly config: readonly string[];
    /** SSH: the new directory the key pair is written to. */
    readonly out?: string;
    /** Step 4: check the cluster instead of starting a rotation. */
    readonly check: boolean;
    /** SSH, step 4: the new public key the cluster must hold now. */
    readonly publicKey?: string;
    readonly kubeconfig?: string;
    readonly context?: string;
    /** How long step 4 waits for the operator to fetch with the new credential. */
    readonly timeoutSeconds: number;
}

/** The file names in --out. */
export const KEY_FILE = "deploy-key";

export async function rotateKey(options: RotateKeyOptions, io: Io): Promise<number> {
    let config;
    try {
        ({ config } = loadStack(options.stackDir, options.stack, options.config));
    } catch (err) {
        if (err instanceof StatusUsageError) throw new UsageError(`--stack: ${err.message}`);
        throw err;
    }
    const kind = config.repo.auth.kind;
    if (options.check) return check(options, io, kind);
    const github = githubRepository(config.repo.url);
    // The deploy key needs write access when image automation writes tags back with it (as deploy-key says).
    const pushes = writers(config);
    const writes = pushes !== undefined;
    const s = options.stack;
    const check4 = shellCommand([
        "npm",
        "run",
        "gitops",
        "--",
        "rotate-key",
        "--stack",
        s,
        "--check",
        ...(kind === "ssh"
            ? ["--public-key", path.join(path.resolve(io.cwd, options.out ?? "."), `${KEY_FILE}.pub`)]
            : []),
        ...options.config.flatMap((c) => ["--config", c]),
    ]);
    const access = pushes ? `with write access (${pushes})` : "read-only (nothing in this stack writes to Git)";
    if (kind === "ssh") {
        if (options.out === undefined) {
            throw new UsageError(
                "rotate-key for an SSH deploy key needs --out <new directory>: where the new key pair is written (the private key only readable by you; delete it once the stack holds it).",
            );
        }
        const dir = path.resolve(io.cwd, options.out);
        if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
            throw new UsageError(
                `--out ${options.out} exists and is not empty; expected a new directory for the key pair.`,
            );
        }
        const key = path.join(dir, KEY_FILE);
        const title = `gitops-stack ${s} ${new Date().toISOString().slice(0, 10)}`;
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fs.chmodSync(dir, 0o700);
        const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", title, "-f", key], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        if (made.error || made.status !== 0) {
            throw new DeliveryError(`ssh-keygen failed: ${(made.stderr || made.error?.message || "").trim()}`);
        }
        fs.chmodSync(key, 0o600);
        const publicKey = fs.readFileSync(`${key}.pub`, "utf8").trim();
        const fingerprint = sshFingerprint(publicKey);
        io.out(
            [
                `New deploy key for stack ${s} (${config.repo.url}), ${fingerprint}:`,
                "",
                `  ${publicKey}`,
                "",
                `Private key: ${key} (mode 0600; never printed). Rotate in this order; the current key keeps working until step 5:`,
                "",
                `1. Add the public key at the Git host as a deploy key of the repository, ${access}, beside the current one:`,
                github
                    ? `     ${shellCommand(["gh", "repo", "deploy-key", "add", `${key}.pub`, "--repo", github, "--title", title, ...(writes ? ["--allow-write"] : [])])}`
                    : `     add ${key}.pub ${registrationHint(config.repo.host, parseRepoUrl(config.repo.url)?.path ?? config.repo.url)} (${access}).`,
                "2. Give it to the stack (Pulumi encrypts it):",
                `     pulumi config set --secret sshPrivateKey --stack ${s} < ${shellCommand([key])}`,
                `3. ${shellCommand(["pulumi", "up", "--stack", s])}`,
                "4. Check that the cluster reads the repository with the new key (it asks the operator to fetch now):",
                `     ${check4}`,
                `5. Only when step 4 passes, revoke the old deploy key of stack ${s} at the Git host (not ${fingerprint}, and not the keys of other stacks):`,
                github
                    ? `     gh repo deploy-key list --repo ${github}; gh repo deploy-key delete <id of the old key> --repo ${github}`
                    : `     remove the old key from the deploy keys of ${config.repo.url}.`,
                `6. Delete the private key file: ${shellCommand(["shred", "-u", key])} (the stack keeps it, encrypted).`,
                "",
            ].join("\n"),
        );
        return 0;
    }
    const secretKey = kind === "https" ? "httpsToken" : "githubAppPrivateKey";
    const newCredential =
        kind === "https"
            ? `Create a new access token at the Git host for ${config.repo.url} (${writes ? "contents read and write" : "contents read"}), keeping the current one.`
            : `Generate a new private key in the GitHub App's settings (App ID ${config.repo.auth.kind === "githubApp" ? config.repo.auth.appId : "?"}); GitHub keeps the current key valid beside it.`;
    io.out(
        [
            `Rotating the ${kind === "https" ? "HTTPS token" : "GitHub App private key"} of stack ${s} (${config.repo.url}); the current one keeps working until step 5:`,
            "",
            `1. ${newCredential}`,
            "2. Give it to the stack (Pulumi encrypts it; the value is read from the prompt or the file, never typed on the command line):",
            kind === "https"
                ? `     pulumi config set --secret ${secretKey} --stack ${s}`
                : `     pulumi config set --secret ${secretKey} --stack ${s} < <new-key>.pem`,
            `3. ${shellCommand(["pulumi", "up", "--stack", s])}`,
            "4. Check that the cluster reads the repository with it (it asks the operator to fetch now):",
            `     ${check4}`,
            `5. Only when step 4 passes, revoke the old ${kind === "https" ? "token" : "private key"} at the Git host.`,
            "",
        ].join("\n"),
    );
    return 0;
}

/**
 * Step 4: asks the operator to fetch now, waits until it has, then reads the stack's state with the code of
 * `npm run status`. Passes when the credential Secret holds the new key (SSH) and nothing reports an authentication
 * failure; only then is revoking the old credential safe.
 */
async function check(options: RotateKeyOptions, io: Io, kind: string): Promise<number> {
    let expected: string | undefined;
    if (kind === "ssh") {
        if (options.publicKey === undefined) {
            throw new UsageError(
                `--check for an SSH deploy key needs --public-key <the new key's .pub file>, e.g. --public-key <dir>/${KEY_FILE}.pub.`,
            );
        }
        const file = path.resolve(io.cwd, options.publicKey);
        const line = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
        if (line.includes("PRIVATE KEY")) {
            // Never echoed or parsed further.
            throw new UsageError(
                `--public-key ${options.publicKey} is a private key; expected the public half (${KEY_FILE}.pub).`,
            );
        }
        expected = sshFingerprint(line);
        if (!expected) {
            throw new UsageError(
                `--public-key ${options.publicKey} is not an SSH public key; expected a file with one "ssh-ed25519 AAAA..." line.`,
            );
        }
    }
    let report: StatusReport;
    try {
        const { config, context } = loadStack(options.stackDir, options.stack, options.config);
        const declared = declaredStack(config);
        const target = resolveContext(
            { kubeconfig: options.kubeconfig, context: options.context },
            context,
            options.stack,
        );
        await fetchNow(
            target,
            declared.operator,
            declared.namespace,
            declared.gitRepository ?? `${declared.tier}-root`,
            options.timeoutSeconds,
        );
        const snapshot = collectSnapshot(declared, target, {});
        report = diagnose(declared, snapshot);
        const inCluster = snapshot.credentials?.fingerprint;
        const problems: string[] = [];
        if (expected && inCluster !== expected) {
            problems.push(
                `the Secret ${declared.credentials.namespace}/${declared.credentials.secretName} holds ${inCluster ?? "no readable SSH key"}, not the new key ${expected}: run pulumi config set --secret sshPrivateKey and pulumi up --stack ${options.stack} first.`,
            );
        }
        for (const o of report.objects) {
            for (const f of o.findings.filter((x) => x.class === "authentication")) {
                problems.push(`${o.kind} ${o.namespace}/${o.name}: ${f.cause}`);
            }
        }
        const source = report.objects.find((o) => o.kind === "GitRepository");
        if (source && !source.ok) {
            problems.push(
                `${source.kind} ${source.namespace}/${source.name} is not ready: ${source.findings.map((f) => f.cause).join(" ")}`,
            );
        }
        if (problems.length > 0) {
            io.out(
                `Do not revoke the old credential yet: the cluster does not read the repository with the new one.\n${problems.map((p) => `  ${p}\n`).join("")}`,
            );
            return 1;
        }
        io.out(
            `The cluster reads the repository with the new credential${expected ? ` (${expected})` : ""}: ${source ? `${source.kind} ${source.namespace}/${source.name} Ready at ${source.revision}` : `no authentication failure in ${report.objects.length} Applications`}.\n` +
                `Now revoke the old one at the Git host (step 5)${expected ? `: any deploy key of stack ${options.stack} other than ${expected}` : ""}.\n`,
        );
        return 0;
    } catch (err) {
        if (err instanceof StatusUsageError) throw new UsageError(err.message);
        if (err instanceof ClusterReadError) throw new DeliveryError(`the cluster could not be read: ${err.message}`);
        throw err;
    }
}

function kubectl(target: KubeTarget, args: string[]): { code: number; out: string } {
    const r = spawnSync(
        "kubectl",
        [
            ...(target.kubeconfig ? ["--kubeconfig", target.kubeconfig] : []),
            ...(target.context ? ["--context", target.context] : []),
            ...args,
        ],
        { encoding: "utf8", timeout: 60_000 },
    );
    if (r.error) throw new ClusterReadError(`kubectl ${args.join(" ")}: ${r.error.message}`);
    return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Asks the operator to read the repository now (the credential may have changed a moment ago) and waits until it
 * has: Flux handles `reconcile.fluxcd.io/requestedAt` (what `flux reconcile source git` sets) and records it in
 * `status.lastHandledReconcileAt`; Argo CD refreshes an Application annotated `argocd.argoproj.io/refresh: hard` and
 * removes the annotation when done. Both halves run against the real controllers in the key rotation scenario
 * (tests/cluster/support/keyRotation.ts): rotate-key-flux.test.ts and rotate-key-argocd.test.ts.
 */
async function fetchNow(
    target: KubeTarget,
    operator: "argocd" | "flux",
    namespace: string,
    name: string,
    timeoutSeconds: number,
): Promise<void> {
    const token = new Date().toISOString();
    const [resource, annotation, done] =
        operator === "flux"
            ? [
                  `gitrepositories.source.toolkit.fluxcd.io/${name}`,
                  `reconcile.fluxcd.io/requestedAt=${token}`,
                  "{.status.lastHandledReconcileAt}",
              ]
            : [
                  `applications.argoproj.io/${name}`,
                  "argocd.argoproj.io/refresh=hard",
                  "{.metadata.annotations.argocd\\.argoproj\\.io/refresh}",
              ];
    const set = kubectl(target, ["annotate", "-n", namespace, "--overwrite", resource, annotation]);
    if (set.code !== 0) throw new ClusterReadError(`kubectl annotate ${resource}: ${set.out}`);
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const got = kubectl(target, ["get", "-n", namespace, resource, "-o", `jsonpath=${done}`]);
        if (got.code === 0 && (operator === "flux" ? got.out === token : got.out === "")) return;
        if (Date.now() > deadline) {
            throw new DeliveryError(
                `${resource} in ${namespace} did not handle the fetch request within ${timeoutSeconds} s; is the ${operator === "flux" ? "source-controller" : "application controller"} running? (npm run status -- --stack <stack>)`,
            );
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}
