/**
 * rotate-key (issue 24), the parts that need no cluster: the new SSH key pair and the order of the steps, for each
 * authKind, and what is refused. tests/cluster/rotate-key-flux.test.ts runs the whole rotation against the real Flux
 * controllers and a Git server that accepts both keys, then only the new one.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { argv, cleanTemps, gitops, tempDir } from "./support";

afterAll(cleanTemps);

/** The position of each text in `out`, to assert the order of the steps. */
const positions = (out: string, texts: string[]) => texts.map((t) => out.indexOf(t));

describe("rotate-key", () => {
    it("generates an SSH key pair, prints the public half and the steps in an order that keeps a working key", async () => {
        const dir = path.join(tempDir("rotate"), "new-key");
        const result = await gitops(argv`rotate-key --stack dev --out ${dir}`);
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        const key = path.join(dir, "deploy-key");
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
        expect(fs.statSync(key).mode & 0o777).toBe(0o600);
        const publicKey = fs.readFileSync(`${key}.pub`, "utf8").trim();
        const pair = (line: string) => line.trim().split(" ").slice(0, 2).join(" ");
        expect(pair(execFileSync("ssh-keygen", ["-y", "-f", key], { encoding: "utf8" }))).toBe(pair(publicKey));
        const fingerprint = execFileSync("ssh-keygen", ["-l", "-f", `${key}.pub`], { encoding: "utf8" }).split(" ")[1];
        expect(result.out).toContain(`New deploy key for stack dev (git@github.com:acme/gitops.git), ${fingerprint}:`);
        expect(result.out).toContain(`  ${publicKey}\n`);
        // Never the private key.
        const secret = fs.readFileSync(key, "utf8");
        expect(result.out).not.toContain("PRIVATE KEY");
        for (const line of secret.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) {
            expect(result.out).not.toContain(line);
        }
        const steps = [
            `gh repo deploy-key add ${key}.pub --repo acme/gitops --title 'gitops-stack dev `,
            `pulumi config set --secret sshPrivateKey --stack dev < ${key}`,
            "3. pulumi up --stack dev",
            `npm run gitops -- rotate-key --stack dev --check --public-key ${key}.pub`,
            "5. Only when step 4 passes, revoke the old deploy key of stack dev",
            `gh repo deploy-key delete <id of the old key> --repo acme/gitops`,
            `shred -u ${key}`,
        ];
        const at = positions(result.out, steps);
        expect(
            at.every((p) => p >= 0),
            result.out,
        ).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
        // Dev runs image automation, which writes tags back with this key.
        expect(result.out).toContain("--allow-write");
    });

    it("asks for a read-only key where nothing writes to Git (no image automation)", async () => {
        const dir = path.join(tempDir("rotate"), "k");
        const result = await gitops(argv`rotate-key --stack staging --config imageAutomation=false --out ${dir}`);
        expect(result.code).toBe(0);
        expect(result.out).toContain("read-only (nothing in this stack writes to Git)");
        expect(result.out).not.toContain("--allow-write");
    });

    it.each([
        [
            "https",
            ["--config", "authKind=https", "--config", "repoUrl=https://github.com/acme/gitops.git"],
            [
                "1. Create a new access token",
                "pulumi config set --secret httpsToken --stack dev\n",
                "3. pulumi up",
                "--check",
                "5. Only when step 4 passes, revoke the old token",
            ],
        ],
        [
            "githubApp",
            [
                "--config",
                "authKind=githubApp",
                "--config",
                "repoUrl=https://github.com/acme/gitops.git",
                "--config",
                "githubAppId=12345",
                "--config",
                "githubAppInstallationId=678",
            ],
            [
                "1. Generate a new private key in the GitHub App's settings (App ID 12345)",
                "pulumi config set --secret githubAppPrivateKey --stack dev < <new-key>.pem",
                "3. pulumi up",
                "--check",
                "5. Only when step 4 passes, revoke the old private key",
            ],
        ],
    ])("prints the order for %s (nothing to generate)", async (_kind, config, steps) => {
        const result = await gitops(["rotate-key", "--stack", "dev", ...config]);
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        const at = positions(result.out, steps);
        expect(
            at.every((p) => p >= 0),
            result.out,
        ).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
    });

    it("refuses what would lose or leak a key", async () => {
        const used = tempDir("rotate");
        fs.writeFileSync(path.join(used, "deploy-key"), "old");
        const occupied = await gitops(argv`rotate-key --stack dev --out ${used}`);
        expect(occupied.code).toBe(2);
        expect(occupied.err).toContain("exists and is not empty; expected a new directory for the key pair.");
        expect(fs.readFileSync(path.join(used, "deploy-key"), "utf8")).toBe("old");

        const noOut = await gitops(argv`rotate-key --stack dev`);
        expect(noOut.code).toBe(2);
        expect(noOut.err).toContain("rotate-key for an SSH deploy key needs --out <new directory>");

        const noPub = await gitops(argv`rotate-key --stack dev --check`);
        expect(noPub.code).toBe(2);
        expect(noPub.err).toContain("--check for an SSH deploy key needs --public-key");

        const dir = path.join(tempDir("rotate"), "k");
        expect((await gitops(argv`rotate-key --stack dev --out ${dir}`)).code).toBe(0);
        const privateKey = path.join(dir, "deploy-key");
        const leaked = await gitops(argv`rotate-key --stack dev --check --public-key ${privateKey}`);
        expect(leaked.code).toBe(2);
        expect(leaked.err).toContain("is a private key; expected the public half (deploy-key.pub).");
        expect(leaked.err).not.toContain(fs.readFileSync(privateKey, "utf8").split("\n")[1]);

        const unknown = await gitops(argv`rotate-key --stack qa --out ${path.join(dir, "x")}`);
        expect(unknown.code).toBe(2);
        expect(unknown.err).toContain('Unknown stack "qa"');
    });
});
