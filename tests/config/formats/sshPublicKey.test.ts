import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { isSecretValue, runProgram } from "../../../src/offline/mockRun";
import { main } from "../../../src/program";
import { sshPublicKey } from "../../../src/config/formats/sshPublicKey";
import { plain, runStack, stackConfig } from "../../support/stacks";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-keys-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fresh key from the real ssh-keygen, and the public key line ssh-keygen itself writes for it. */
function keygen(name: string, args: string[]): { privateKey: string; publicKey: string } {
    const file = path.join(dir, name);
    try {
        execFileSync("ssh-keygen", ["-q", "-N", "", "-C", "", "-f", file, ...args], { stdio: "pipe" });
    } catch (err) {
        throw new Error(`ssh-keygen (OpenSSH client) is needed for these tests: ${(err as Error).message}`, {
            cause: err,
        });
    }
    const publicKey = fs.readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey };
}

describe("sshPublicKey", () => {
    it.each<[string, string[]]>([
        ["OpenSSH ed25519", ["-t", "ed25519"]],
        ["OpenSSH RSA", ["-t", "rsa", "-b", "2048"]],
        ["OpenSSH ECDSA P-256", ["-t", "ecdsa", "-b", "256"]],
        ["OpenSSH ECDSA P-521", ["-t", "ecdsa", "-b", "521"]],
        ["PEM RSA (PKCS#1)", ["-t", "rsa", "-b", "2048", "-m", "PEM"]],
        ["PEM ECDSA (SEC1)", ["-t", "ecdsa", "-b", "384", "-m", "PEM"]],
        ["PKCS#8 RSA", ["-t", "rsa", "-b", "2048", "-m", "PKCS8"]],
    ])("derives what ssh-keygen writes for %s", (name, args) => {
        const key = keygen(name.replace(/\W+/g, "-"), args);
        expect(sshPublicKey(key.privateKey)).toBe(key.publicKey);
    });

    it("reads the public half of a passphrase-protected OpenSSH key (stored in clear)", () => {
        const file = path.join(dir, "protected");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "correct horse", "-C", "", "-f", file]);
        const expected = fs.readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
        expect(sshPublicKey(fs.readFileSync(file, "utf8"))).toBe(expected);
    });

    it.each([
        ["not a key", "hello"],
        [
            "a truncated OpenSSH key",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
        ],
        [
            "an OpenSSH header around garbage",
            "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----",
        ],
        ["a PEM header around garbage", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"],
    ])("returns undefined for %s", (_title, text) => {
        expect(sshPublicKey(text)).toBeUndefined();
    });
});

describe("deploy key of an SSH stack", () => {
    const key = keygen("deploy", ["-t", "ed25519"]);

    it.each(["argocd", "flux"])("is exported, not as a secret (operator %s)", async (operator) => {
        const config = stackConfig("dev", {
            config: [`operator=${operator}`],
            secrets: { sshPrivateKey: key.privateKey },
        });
        const run = await runProgram("dev", config, async () => {
            const outputs = await main();
            return { publicKey: outputs.sshPublicKey, secret: pulumi.output(pulumi.isSecret(outputs.sshPublicKey!)) };
        });
        expect(run.outputs).toEqual({ publicKey: key.publicKey, secret: false });
    });

    it("goes into Flux's Secret as identity.pub, inside the secret payload", async () => {
        const run = await runStack("dev", { config: ["operator=flux"], secrets: { sshPrivateKey: key.privateKey } });
        const secret = run.resources.find(
            (r) => r.type === "kubernetes:core/v1:Secret" && r.name === "git-credentials",
        )!;
        expect(isSecretValue(secret.inputs.stringData)).toBe(true);
        const data = plain(secret.inputs.stringData) as Record<string, string>;
        expect(data["identity.pub"]).toBe(`${key.publicKey}\n`);
        expect(data.identity).toBe(key.privateKey);
    });

    it("is left out when the key cannot be read: the render's placeholder (source-controller needs only identity)", async () => {
        // A real key that cannot be read is refused by validation (tests/config/rules/secretShapes.test.ts).
        const run = await runStack("dev", { config: ["operator=flux"], secrets: { sshPrivateKey: "[secret]" } });
        const secret = run.resources.find(
            (r) => r.type === "kubernetes:core/v1:Secret" && r.name === "git-credentials",
        )!;
        const data = plain(secret.inputs.stringData) as Record<string, string>;
        expect(Object.keys(data).sort()).toEqual(["identity", "known_hosts"]);
        expect(run.outputs.sshPublicKey).toBeUndefined();
    });
});
