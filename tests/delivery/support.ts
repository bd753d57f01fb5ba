import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runGitops } from "../../src/delivery/cli";

export const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "gitops-repo");

/** A fixed identity and no user or system git configuration, so the tests behave alike on every machine. */
export const GIT_ENV: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_AUTHOR_NAME: "Release Bot",
    GIT_AUTHOR_EMAIL: "release-bot@example.test",
    GIT_COMMITTER_NAME: "Release Bot",
    GIT_COMMITTER_EMAIL: "release-bot@example.test",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
};

const temps: string[] = [];

export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gitops-${prefix}-`));
    temps.push(dir);
    return dir;
}

export function cleanTemps(): void {
    for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function git(dir: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).replace(/\n$/, "");
}

/** A real git repository holding a copy of gitops-repo/, one commit on main. */
export function exampleRepo(): string {
    const dir = tempDir("repo");
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    git(dir, "init", "--quiet", "--initial-branch=main");
    git(dir, "add", "--all");
    git(dir, "commit", "--quiet", "-m", "Example GitOps repository");
    return dir;
}

/** A bare repository as `origin`, with main pushed to it. */
export function withRemote(dir: string, url?: string): string {
    const bare = tempDir("remote");
    git(bare, "init", "--quiet", "--bare", "--initial-branch=main");
    git(dir, "remote", "add", "origin", bare);
    git(dir, "push", "--quiet", "origin", "main");
    if (url) git(dir, "remote", "set-url", "--push", "origin", bare);
    if (url) git(dir, "config", "remote.origin.url", url);
    return bare;
}

export const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), "utf8");
export const overlay = (app: string, env: string) => `apps/${app}/overlays/${env}/kustomization.yaml`;

export interface Result {
    code: number;
    out: string;
    err: string;
}

/**
 * A command line as it is typed, for {@link gitops}: the literal text is split on white space, each interpolated
 * string stays one argument (a temporary path with a space in it too), and an interpolated list adds its elements as
 * arguments. `argv\`promote --repo ${repo} --to prod ${flux}\``.
 */
export function argv(strings: TemplateStringsArray, ...values: Array<string | readonly string[]>): string[] {
    const words: string[] = [];
    let word: string | undefined;
    strings.forEach((text, i) => {
        text.split(/\s+/).forEach((part, j) => {
            if (j > 0 && word !== undefined) {
                words.push(word);
                word = undefined;
            }
            if (part !== "") word = (word ?? "") + part;
        });
        if (i >= values.length) return;
        const value = values[i];
        if (typeof value === "string") {
            word = (word ?? "") + value;
            return;
        }
        if (word !== undefined) words.push(word);
        words.push(...value);
        word = undefined;
    });
    if (word !== undefined) words.push(word);
    return words;
}

/** Runs the gitops command line in-process, as scripts/gitops.ts does, and captures its output. */
export async function gitops(argv: string[], env: NodeJS.ProcessEnv = GIT_ENV): Promise<Result> {
    let out = "";
    let err = "";
    const code = await runGitops(argv, { cwd: ROOT, env, out: (t) => (out += t) }, (t) => (err += t));
    return { code, out, err };
}

/** `kubectl kustomize` of a directory: what Argo CD and Flux would apply. */
export function kustomize(dir: string): string {
    return execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
}

/** The container images a kustomize build renders. */
export const renderedImages = (manifests: string): string[] =>
    [...manifests.matchAll(/^\s*(?:-\s+)?image: (\S+)$/gm)].map((m) => m[1]);

/**
 * The image automation setter markers of a file as Flux's setters read them: a field with the line comment
 * `# {"$imagepolicy": "<namespace>:<policy>[:tag|:name|:digest]"}` (written independently of src/delivery/overlay.ts,
 * from https://fluxcd.io/flux/guides/image-update/#configure-image-updates).
 */
export function fluxSetters(text: string): Array<{ field: string; value: string; policy: string }> {
    return [
        ...text.matchAll(/^\s*(?:-\s+)?([A-Za-z]+):\s*("?)([^\s"#]+)\2\s+#\s*\{"\$imagepolicy":\s*"([^"]+)"\}\s*$/gm),
    ].map((m) => ({ field: m[1], value: m[3], policy: m[4] }));
}

/** Every comment line of a file (`# ...` alone or after a value), trimmed. */
export const commentsOf = (text: string): string[] =>
    [...text.matchAll(/(?:^|\s)#(.*)$/gm)].map((m) => m[1].trim()).sort();

/** A copy of `repo` cloned from `bare` (another CI runner's checkout of the same GitOps repository). */
export function cloneOf(bare: string): string {
    const dir = path.join(tempDir("clone"), "gitops");
    git(path.dirname(dir), "clone", "--quiet", bare, dir);
    return dir;
}
