import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runGitops } from "../../src/delivery/cli";
import { ROOT, cleanTemps, tempDir } from "./support";

afterAll(cleanTemps);

/** A fresh key from the real ssh-keygen: the private key file's text, and its .pub line and fingerprint. */
function keygen(args: string[] = ["-t", "ed25519"]) {
    const file = path.join(tempDir("deploy-key"), "key");
    execFileSync("ssh-keygen", ["-q", "-N", "", "-C", "", "-f", file, ...args], { stdio: "pipe" });
    const publicKey = fs.readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    const fingerprint = execFileSync("ssh-keygen", ["-lf", `${file}.pub`], { encoding: "utf8" }).split(/\s+/)[1];
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey, fingerprint };
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

async function run(argv: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await runGitops(
        argv,
        {
            cwd: ROOT,
            env: options.env ?? process.env,
            out: (t) => (stdout += t),
            readStdin: async () => options.stdin ?? "",
        },
        (t) => (stderr += t),
    );
    return { code, stdout, stderr };
}

/**
 * A stand-in `pulumi` on PATH (not the CLI: none runs on these machines) that records its arguments and working
 * directory and prints what the real `pulumi config get` prints for a secret: its value.
 */
function standInPulumi(script: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const bin = tempDir("pulumi-bin");
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\nprintf '%s\\n' "$PWD" "$@" >> "${log}"\n${script}\n`, {
        mode: 0o755,
    });
    return {
        env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
    };
}

describe("gitops deploy-key (issue 25 §1: the deploy key before the first up)", () => {
    it.each<[string, string[]]>([
        ["an OpenSSH ed25519 key", ["-t", "ed25519"]],
        ["a PEM RSA key", ["-t", "rsa", "-b", "2048", "-m", "PEM"]],
    ])(
        "prints the public half of %s from standard input, as ssh-keygen wrote it, and never the key",
        async (_, args) => {
            const key = keygen(args);
            const result = await run(["deploy-key", "--stack", "dev", "--stdin"], { stdin: key.privateKey });
            expect(result.code).toBe(0);
            expect(result.stdout).toBe(`${key.publicKey} gitops-stack-dev\n`);
            expect(result.stderr).toContain(`deploy-key: stack dev: ${key.publicKey.split(" ")[0]} ${key.fingerprint}`);
            const body = key.privateKey.split("\n").slice(1, -2).join("");
            for (const line of key.privateKey.split("\n").slice(1, 3)) {
                expect(result.stdout + result.stderr).not.toContain(line);
            }
            expect(body.length).toBeGreaterThan(0);
        },
    );

    it("says where to register it and with which access, from the stack's configuration", async () => {
        const key = keygen();
        // dev: Argo CD with the Image Updater pushing through the repository credential.
        const dev = await run(["deploy-key", "--stack", "dev", "--stdin"], { stdin: key.privateKey });
        expect(dev.stderr).toContain(
            "Register it on github.com: acme/gitops > Settings > Deploy keys > Add deploy key (repository git@github.com:acme/gitops.git),\n  with write access: Argo CD Image Updater pushes new tags with it (imageUpdaterWriteSecret is not set).",
        );
        const readOnly = await run(
            ["deploy-key", "--stack", "dev", "--stdin", "--config", "imageUpdaterWriteSecret=argocd/gitops-write"],
            { stdin: key.privateKey },
        );
        expect(readOnly.stderr).toContain("  read-only: Argo CD only reads the repository.");
        const flux = await run(
            [
                "deploy-key",
                "--stack",
                "staging",
                "--stdin",
                "--config",
                "operator=flux",
                "--config",
                "repoUrl=ssh://git@gitlab.example.com:2222/platform/gitops.git",
                "--config",
                // Any valid key line serves as the pinned host key here.
                `sshKnownHosts=[gitlab.example.com]:2222 ${key.publicKey}`,
            ],
            { stdin: key.privateKey },
        );
        expect(flux.stderr).toContain(
            "Register it on gitlab.example.com: platform/gitops > Settings > Repository > Deploy keys (repository ssh://git@gitlab.example.com:2222/platform/gitops.git),\n  with write access: Flux image automation pushes new tags with it.",
        );
        expect(flux.stdout).toBe(`${key.publicKey} gitops-stack-staging\n`);
    });

    it("reads the key with the Pulumi CLI where the stack file is, passing the stack name only as --stack's value", async () => {
        const key = keygen();
        const keyFile = path.join(tempDir("key-file"), "key");
        fs.writeFileSync(keyFile, key.privateKey);
        const cli = standInPulumi(`cat "${keyFile}"`);
        const result = await run(["deploy-key", "--stack", "dev"], { env: cli.env });
        expect(result.code).toBe(0);
        expect(result.stdout).toBe(`${key.publicKey} gitops-stack-dev\n`);
        expect(cli.calls()).toEqual([ROOT, "config", "get", "sshPrivateKey", "--stack=dev"]);
    });

    it("passes the CLI's own failure on, and says how to set the key", async () => {
        const cli = standInPulumi(
            `echo "error: configuration key 'gitops-stack:sshPrivateKey' not found for stack 'dev'" >&2; exit 255`,
        );
        const result = await run(["deploy-key", "--stack", "dev"], { env: cli.env });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
            "gitops: pulumi config get sshPrivateKey --stack dev failed (exit 255): error: configuration key 'gitops-stack:sshPrivateKey' not found for stack 'dev'; set the key first: pulumi config set --secret sshPrivateKey --stack dev < <private key file>.",
        );
    });

    it("names --stdin when there is no Pulumi CLI", async () => {
        const result = await run(["deploy-key", "--stack", "dev"], {
            env: { ...process.env, PATH: tempDir("empty-path") },
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
            "the Pulumi CLI (pulumi) is not on PATH, so the key cannot be read from stack dev; pipe it in instead: pulumi config get sshPrivateKey --stack dev | npm run -s gitops -- deploy-key --stack dev --stdin",
        );
    });

    it.each([
        [
            "a public key",
            (k: ReturnType<typeof keygen>) => k.publicKey,
            "is not a private key whose public half can be derived",
        ],
        ["nothing", () => "", "is empty"],
    ])("refuses %s given as the private key, with the expected form", async (_, value, why) => {
        const result = await run(["deploy-key", "--stack", "dev", "--stdin"], { stdin: value(keygen()) });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain(
            `gitops: the sshPrivateKey of stack dev ${why}; expected an OpenSSH private key`,
        );
    });

    it("refuses a stack without a deploy key, and bad arguments (exit 2) before reading anything", async () => {
        const prod = await run(["deploy-key", "--stack", "prod", "--stdin"], { stdin: keygen().privateKey });
        expect(prod.code).toBe(1);
        expect(prod.stderr).toContain(
            "gitops: stack prod authenticates to https://github.com/acme/gitops.git with authKind githubApp, not an SSH deploy key; there is no key to register (the GitHub App is installed on the repository instead).",
        );
        expect((await run(["deploy-key"])).code).toBe(2);
        expect((await run(["deploy-key", "--stack", "dev", "--repo", "x"])).code).toBe(2);
        expect((await run(["deploy-key", "--stack=-C/tmp"])).code).toBe(2);
        const unknown = await run(["deploy-key", "--stack", "../Pulumi"]);
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain('cannot read stack ../Pulumi: Unknown stack "../Pulumi"');
    });
});
