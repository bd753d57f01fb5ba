import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { readRenderDir, RenderError, renderStack, writeRender } from "./render";

export interface RenderDiffOptions {
    /** The working tree: the repository (or project directory inside it) to render as it is now. */
    root: string;
    stack: string;
    /** Git ref to compare with (a branch, tag or commit), e.g. origin/main in a pull-request pipeline. */
    base: string;
    /** `key=value` overrides, applied to both sides. */
    config?: readonly string[];
}

/** An object rendered the same on both sides, whose URN changed (the first line of its file). */
export interface MovedObject {
    file: string;
    from: string;
    to: string;
    /** The new resource has an alias to the old URN: the engine updates it in place. Otherwise it replaces it. */
    aliased: boolean;
}

/** Rendered files (paths as in Render.files) that only the working tree has, only the base has, or both differently. */
export interface RenderComparison {
    added: string[];
    removed: string[];
    /** Objects whose content differs. */
    changed: string[];
    /** Objects whose content is the same and whose URN is not. */
    moved: MovedObject[];
}

export interface RenderDiff {
    stack: string;
    base: string;
    /** The commit `base` resolved to. */
    commit: string;
    comparison: RenderComparison;
    /** Unified diff (git's format, paths a/<file> b/<file>) of every changed and added file. */
    patch: string;
}

const URN_LINE = /^# Pulumi URN: (\S+)\n/;

/**
 * Which files were added, removed or changed between two renders, and which objects only moved to a new URN (every
 * line of the file the same but the first). `headAliases`: the working tree's aliases per file (Render.aliases), to
 * tell a move the engine follows from a replacement.
 */
export function compareRenders(
    base: Map<string, string>,
    head: Map<string, string>,
    headAliases: ReadonlyMap<string, readonly string[]> = new Map(),
): RenderComparison {
    const sorted = (files: Iterable<string>) => [...files].sort();
    const changed: string[] = [];
    const moved: MovedObject[] = [];
    for (const file of sorted(head.keys())) {
        const before = base.get(file);
        const after = head.get(file)!;
        if (before === undefined || before === after) continue;
        const from = URN_LINE.exec(before);
        const to = URN_LINE.exec(after);
        if (from && to && before.slice(from[0].length) === after.slice(to[0].length)) {
            moved.push({ file, from: from[1], to: to[1], aliased: (headAliases.get(file) ?? []).includes(from[1]) });
        } else changed.push(file);
    }
    return {
        added: sorted([...head.keys()].filter((f) => !base.has(f))),
        removed: sorted([...base.keys()].filter((f) => !head.has(f))),
        changed,
        moved,
    };
}

function git(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (result.error) throw new RenderError(`git ${args[0]}: ${result.error.message} (is git installed?)`);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function resolveCommit(root: string, ref: string): string {
    // A ref starting with "-" would be read as an option.
    const found = ref.startsWith("-") ? undefined : git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!found || found.status !== 0) {
        throw new RenderError(
            `--base ${JSON.stringify(ref)}: not a commit in this repository; expected a branch, tag or commit ` +
                `(in CI, fetch it first, e.g. git fetch origin main).`,
        );
    }
    return found.stdout.trim();
}

/** Extracts the project directory at `commit` into `dir` (git archive | tar -x): the repository is not touched. */
async function extractTree(root: string, commit: string, dir: string): Promise<void> {
    // The project may sit in a subdirectory of the repository: archive that subtree only.
    const prefix = git(root, ["rev-parse", "--show-prefix"]).stdout.trim();
    const treeish = prefix ? `${commit}:${prefix.replace(/\/$/, "")}` : commit;
    fs.mkdirSync(dir, { recursive: true });
    await new Promise<void>((resolve, reject) => {
        const archive = spawn("git", ["archive", "--format=tar", treeish], {
            cwd: root,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const tar = spawn("tar", ["-x", "-f", "-", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
        let stderr = "";
        archive.stderr.on("data", (d) => (stderr += d));
        tar.stderr.on("data", (d) => (stderr += d));
        archive.stdout.pipe(tar.stdin);
        let pending = 2;
        let failed = false;
        const done = (what: string) => (code: number | null) => {
            if (code !== 0 && !failed) {
                failed = true;
                reject(
                    new RenderError(
                        `extracting ${commit.slice(0, 12)} failed (${what} exit ${code}): ${stderr.trim()}`,
                    ),
                );
            }
            if (--pending === 0 && !failed) resolve();
        };
        archive.on("error", reject);
        tar.on("error", (err) => reject(new RenderError(`tar: ${err.message} (is tar installed?)`)));
        archive.on("close", done("git archive"));
        tar.on("close", done("tar"));
    });
}

/**
 * Renders the stack at `commit` with that commit's own render script and stack file, using this checkout's
 * node_modules (a base with other dependency versions is rendered with these ones). The script is compiled into one
 * JavaScript bundle first, as `npm run render` runs the working tree's (bin/ is one level below the root, like
 * scripts/, so the script finds its stack files the same way): under tsx, its loader doubled the start-up (issue 11).
 */
async function renderAtCommit(options: RenderDiffOptions, commit: string, work: string): Promise<Map<string, string>> {
    const tree = path.join(work, "tree");
    await extractTree(options.root, commit, tree);
    const script = path.join(tree, "scripts", "render.ts");
    if (!fs.existsSync(script)) {
        throw new RenderError(
            `--base ${options.base} (${commit.slice(0, 12)}) has no scripts/render.ts: it predates the offline render, ` +
                `so there is nothing to compare with; choose a later --base.`,
        );
    }
    fs.symlinkSync(path.join(options.root, "node_modules"), path.join(tree, "node_modules"), "dir");
    const out = path.join(work, "base");
    const args = ["--stack", options.stack, "--out", out, ...(options.config ?? []).flatMap((c) => ["--config", c])];
    const bundle = path.join(tree, "bin", "render.js");
    try {
        buildSync({
            entryPoints: [script],
            bundle: true,
            platform: "node",
            format: "cjs",
            target: "node22",
            packages: "external",
            outfile: bundle,
            logLevel: "silent",
        });
    } catch (err) {
        throw new RenderError(
            `compiling scripts/render.ts of --base ${options.base} (${commit.slice(0, 12)}) failed:\n` +
                (err instanceof Error ? err.message : String(err)),
        );
    }
    const result = spawnSync(process.execPath, [bundle, ...args], { cwd: tree, encoding: "utf8" });
    if (result.error) throw new RenderError(`rendering --base ${options.base}: ${result.error.message}`);
    if (result.status !== 0) {
        throw new RenderError(
            `rendering stack "${options.stack}" at --base ${options.base} (${commit.slice(0, 12)}) failed:\n` +
                result.stderr.trim(),
        );
    }
    return readRenderDir(out);
}

/** git diff --no-index of one file (or of /dev/null for an added one), with a/<file> b/<file> labels. */
function diffFile(work: string, file: string, added: boolean): string {
    const from = added ? "/dev/null" : `base/${file}`;
    const result = git(work, [
        "diff",
        "--no-index",
        "--no-color",
        "--no-ext-diff",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--",
        from,
        `head/${file}`,
    ]);
    // Exit 1: the files differ, which is the point.
    if (result.status !== 1) throw new RenderError(`git diff --no-index ${file}: ${result.stderr.trim()}`);
    const lines = result.stdout.split("\n");
    const hunk = lines.findIndex((l) => l.startsWith("@@"));
    // Only the header names the two directories; the content lines are left alone.
    for (let i = 0; i < (hunk < 0 ? lines.length : hunk); i++) {
        lines[i] = lines[i].replace(/(^|\s)([ab])\/(?:base|head)\//g, "$1$2/");
    }
    return lines.join("\n");
}

/**
 * Renders the stack at `base` and in the working tree and compares them. Nothing is written outside a temporary
 * directory, which is removed whatever happens (also on SIGINT/SIGTERM).
 */
export async function renderDiff(options: RenderDiffOptions): Promise<RenderDiff> {
    const commit = resolveCommit(options.root, options.base);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-render-diff-"));
    const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
    const onSignal = (signal: NodeJS.Signals) => {
        cleanup();
        process.kill(process.pid, signal);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        // The working tree first: a mistake in the change under review is the likelier failure.
        const head = await renderStack({ root: options.root, stack: options.stack, config: options.config });
        writeRender(head, path.join(work, "head"));
        const base = await renderAtCommit(options, commit, work);
        const comparison = compareRenders(base, head.files, head.aliases);
        const patch = [
            ...comparison.changed.map((f) => diffFile(work, f, false)),
            ...comparison.moved.filter((m) => !m.aliased).map((m) => diffFile(work, m.file, false)),
            ...comparison.added.map((f) => diffFile(work, f, true)),
        ].join("");
        return { stack: options.stack, base: options.base, commit, comparison, patch };
    } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
        cleanup();
    }
}

/** Something the engine would create, delete, update or replace: an object moved and found by its alias is not. */
export const hasChanges = (c: RenderComparison): boolean =>
    c.added.length + c.removed.length + c.changed.length + c.moved.filter((m) => !m.aliased).length > 0;

/** The report: one line per added, removed or changed object, counts, then the unified diff. */
export function formatRenderDiff(diff: RenderDiff): string {
    const { comparison: c } = diff;
    const base = `${diff.base} (${diff.commit.slice(0, 12)})`;
    const aliased = c.moved.filter((m) => m.aliased);
    const replaced = c.moved.filter((m) => !m.aliased);
    const movedLines = [
        ...aliased.map((m) => `  moved    ${m.file} (from ${m.from}; found by its alias, updated in place)`),
        ...replaced.map((m) => `  replaced ${m.file} (was ${m.from}; no alias: the engine deletes and creates it)`),
    ];
    if (!hasChanges(c)) {
        const same = `No changes: stack "${diff.stack}" renders the same at ${base} and in the working tree.\n`;
        if (aliased.length === 0) return same;
        return [
            same.replace(/\.\n$/, ";"),
            `${aliased.length} object(s) moved to a new URN, each with an alias to its old one (the engine keeps them):`,
            ...movedLines,
            "",
        ].join("\n");
    }
    const lines = [
        `Render diff for stack "${diff.stack}": ${base} -> working tree`,
        ...c.changed.map((f) => `  changed  ${f}`),
        ...c.added.map((f) => `  added    ${f}`),
        ...c.removed.map((f) => `  removed  ${f}`),
        ...movedLines,
        `${c.changed.length} changed, ${c.added.length} added, ${c.removed.length} removed` +
            (c.moved.length > 0 ? `, ${aliased.length} moved, ${replaced.length} replaced.` : "."),
        "",
    ];
    return lines.join("\n") + "\n" + diff.patch;
}
