import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DECLARED_KEYS, SECRET_KEYS, STRUCTURED_KEYS } from "../../src/config";
import { CLI_SECRET_NAME_PATTERN, cliMayTakeForSecret } from "../../src/config/cliSecretHeuristic";
import { ROOT } from "../support/stacks";

/** Every file a user reads commands from: the docs, and the program's own messages (they name commands too). */
function commandSources(): string[] {
    const files: string[] = [];
    const walk = (dir: string, ext: RegExp) => {
        if (!fs.existsSync(dir)) return;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(file, ext);
            else if (ext.test(entry.name)) files.push(file);
        }
    };
    for (const file of ["README.md", "gitops-repo/README.md"]) files.push(path.join(ROOT, file));
    walk(path.join(ROOT, "docs"), /\.md$/);
    for (const dir of ["src", "scripts", "policy", ".github"]) walk(path.join(ROOT, dir), /\.(ts|md|ya?ml)$/);
    return files.filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`));
}

/** Options of `pulumi config set` that take a value (the key is the first other word). */
const OPTIONS_WITH_VALUE = new Set(["--stack", "-s", "--config-file", "--type", "--cwd", "-C"]);

interface ConfigSetCommand {
    file: string;
    line: number;
    text: string;
    key: string;
    options: string[];
}

/** Every `pulumi config set ...` in a text: its key (unquoted) and the options it passes. */
export function configSetCommands(file: string, text: string): ConfigSetCommand[] {
    const found: ConfigSetCommand[] = [];
    for (const match of text.matchAll(/pulumi config set((?:[ \t]+(?:'[^'\n]*'|"[^"\n]*"|[^\s`'"|;&<>)]+))*)/g)) {
        const words = [...match[1].matchAll(/'([^'\n]*)'|"([^"\n]*)"|(\S+)/g)].map((w) => w[1] ?? w[2] ?? w[3]);
        const options: string[] = [];
        let key: string | undefined;
        for (let i = 0; i < words.length && key === undefined; i++) {
            if (words[i].startsWith("-")) {
                options.push(words[i]);
                if (OPTIONS_WITH_VALUE.has(words[i])) i++;
            } else key = words[i];
        }
        if (key === undefined) continue;
        const line = text.slice(0, match.index).split("\n").length;
        // A --path key is rooted at its first segment: `applicationSetNamespaces[0]`, `alertChannels.0`.
        found.push({ file, line, text: match[0], key: key.split(/[[.]/)[0], options });
    }
    return found;
}

describe("the Pulumi CLI's secret heuristic on key names", () => {
    it("is the CLI's pattern: it flags token, apiToken, *Secret*, *Password*, but not context or repoUrl", () => {
        // pulumi/pulumi pkg/cmd/pulumi/config/io_test.go TestSecretDetection, and the names of this project.
        for (const key of ["token", "apiToken", "test:token", "smtpPassword", "pwd", "passwd", "clientSecret"]) {
            expect(cliMayTakeForSecret(key), key).toBe(true);
        }
        for (const key of ["okay", "kubernetes:context", "repoUrl", "gitops-stack:repoUrl", "githubAppId"]) {
            expect(cliMayTakeForSecret(key), key).toBe(false);
        }
        expect(CLI_SECRET_NAME_PATTERN.flags).toContain("i");
    });

    it("flags these declared keys, whose plain values need --plaintext", () => {
        const flagged = Object.keys(DECLARED_KEYS).filter(cliMayTakeForSecret);
        expect(flagged).toEqual([
            "imageUpdaterWriteSecret",
            "secretsInGit",
            "sealedSecretsChartVersion",
            "sealedSecretsChartRepository",
            "externalSecretsChartVersion",
            "externalSecretsChartRepository",
            "externalSecretsVaultServer",
            "externalSecretsVaultPath",
            "externalSecretsVaultRole",
        ]);
        // Structured keys are set with --path or in the stack file; the ones the CLI would flag:
        expect(Object.keys(STRUCTURED_KEYS).filter(cliMayTakeForSecret)).toEqual([]);
    });

    it("finds commands with their key and options, however they are quoted", () => {
        const text = [
            "pulumi config set --path 'applicationSetNamespaces[0]' shop-prod",
            "`pulumi config set secretsInGit sops && pulumi up`",
            'pulumi config set --plaintext --stack dev "externalSecretsVaultServer" https://vault:8200',
            "pulumi config set --secret sshPrivateKey < deploy-key",
        ].join("\n");
        expect(configSetCommands("x", text).map((c) => [c.line, c.key, c.options])).toEqual([
            [1, "applicationSetNamespaces", ["--path"]],
            [2, "secretsInGit", []],
            [3, "externalSecretsVaultServer", ["--plaintext", "--stack"]],
            [4, "sshPrivateKey", ["--secret"]],
        ]);
    });

    it("every pulumi config set the docs and messages give passes --secret or --plaintext where the CLI asks for it", () => {
        const commands = commandSources().flatMap((file) =>
            configSetCommands(path.relative(ROOT, file), fs.readFileSync(file, "utf8")),
        );
        // The docs set these keys, so the scan sees real commands (a broken parser would find none).
        expect(commands.filter((c) => c.key === "secretsInGit").length).toBeGreaterThan(0);
        const refused = commands.filter(
            (c) =>
                !c.key.includes("${") &&
                cliMayTakeForSecret(c.key) &&
                !c.options.includes("--secret") &&
                !c.options.includes("--plaintext"),
        );
        expect(refused.map((c) => `${c.file}:${c.line}: ${c.text}`)).toEqual([]);
        // A secret key never goes in plain text, whatever its name.
        const plainSecrets = commands.filter((c) => c.key in SECRET_KEYS && !c.options.includes("--secret"));
        expect(plainSecrets.map((c) => `${c.file}:${c.line}: ${c.text}`)).toEqual([]);
    });
});
