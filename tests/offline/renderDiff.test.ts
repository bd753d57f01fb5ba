import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareRenders, formatRenderDiff, hasChanges, type MovedObject } from "../../src/offline/renderDiff";
import { ROOT } from "../support/stacks";

/**
 * A throwaway repository holding this working tree's program: commit 1 without the render script, commit 2 with it,
 * and an uncommitted change to Pulumi.dev.yaml. The render diff runs from there, as in a pull-request checkout.
 */
let repo: string;
// render:diff's own TMPDIR: other sessions' runs on the same machine create and remove their work trees in /tmp.
let tmp: string;
const git = (...args: string[]) =>
    execFileSync(
        "git",
        ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args],
        { cwd: repo, encoding: "utf8" },
    );
const renderDiff = (...args: string[]) =>
    spawnSync(path.join(repo, "node_modules", ".bin", "tsx"), ["scripts/render-diff.ts", ...args], {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, TMPDIR: tmp },
    });
const leftovers = () => fs.readdirSync(tmp).filter((d) => d.startsWith("gitops-stack-render-diff-"));

beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-diff-repo-"));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-diff-tmp-"));
    for (const entry of fs.readdirSync(ROOT)) {
        if (
            ["src", "scripts", "package.json", "tsconfig.json"].includes(entry) ||
            /^Pulumi(\..+)?\.yaml$/.test(entry)
        ) {
            fs.cpSync(path.join(ROOT, entry), path.join(repo, entry), { recursive: true });
        }
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
    git("init", "-q", "-b", "main");
    fs.writeFileSync(path.join(repo, ".git", "info", "exclude"), "node_modules\n");
    git("add", "-A", ":!scripts/render.ts");
    git("commit", "-q", "-m", "before the render");
    git("add", "-A");
    git("commit", "-q", "-m", "render");
    // Slack off (the notifications Secret goes, the chart values and project annotations change), one app more.
    const stackFile = path.join(repo, "Pulumi.dev.yaml");
    const dev = fs.readFileSync(stackFile, "utf8").replace(/^ {2}gitops-stack:slackChannel:.*\n/m, "");
    fs.writeFileSync(stackFile, dev + "    - name: extra\n      namespace: extra\n");
});

afterAll(() => [repo, tmp].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("npm run render:diff", () => {
    it("lists added, removed and changed objects with a unified diff; --exit-code exits 1", () => {
        const before = leftovers();
        const result = renderDiff("--stack", "dev", "--base", "HEAD", "--exit-code");
        expect(result.stderr).toBe("");
        expect(result.status).toBe(1);
        const out = result.stdout;
        const [header, ...rest] = out.split("\n");
        expect(header).toMatch(/^Render diff for stack "dev": HEAD \([0-9a-f]{12}\) -> working tree$/);
        expect(rest.slice(0, 5)).toEqual([
            "  changed  _helm/argocd.yaml",
            "  changed  argocd/appproject-dev.yaml",
            "  added    argocd/application-dev-extra.yaml",
            "  removed  argocd/secret-argocd-notifications-secret.yaml",
            "2 changed, 1 added, 1 removed.",
        ]);
        // Changed: a/ and b/ name the rendered file; only the lines that differ are marked.
        expect(out).toContain("--- a/argocd/appproject-dev.yaml\n+++ b/argocd/appproject-dev.yaml\n");
        expect(out).toContain("-    notifications.argoproj.io/subscribe.on-sync-failed.slack: deploys-dev\n");
        expect(out).toContain("+    - namespace: extra\n");
        expect(out).toMatch(/^- {4}enabled: true\n/m);
        expect(out).toMatch(/^\+ {4}enabled: false\n/m);
        // Added: its whole content.
        expect(out).toContain("--- /dev/null\n+++ b/argocd/application-dev-extra.yaml\n");
        expect(out).toContain("+  name: dev-extra\n");
        expect(out).not.toMatch(/[ab]\/(base|head)\//);
        // The repository is untouched and the temporary tree is gone.
        expect(git("status", "--porcelain")).toBe(" M Pulumi.dev.yaml\n");
        expect(git("worktree", "list").trim().split("\n")).toHaveLength(1);
        expect(leftovers()).toEqual(before);
    });

    it("applies --config to both sides: no changes, exit 0 even with --exit-code", () => {
        const result = renderDiff(
            "--stack",
            "staging",
            "--base",
            "main",
            "--config",
            "revisionHistoryLimit=3",
            "--exit-code",
        );
        expect(result.status).toBe(0);
        expect(result.stdout).toMatch(
            /^No changes: stack "staging" renders the same at main \([0-9a-f]{12}\) and in the working tree\.\n$/,
        );
    });

    it("says so when the base has no render script, and exits 2", () => {
        const result = renderDiff("--stack", "dev", "--base", "HEAD~1");
        expect(result.status).toBe(2);
        expect(result.stdout).toBe("");
        expect(result.stderr).toMatch(/--base HEAD~1 \([0-9a-f]{12}\) has no scripts\/render\.ts/);
    });

    it("names an unknown ref", () => {
        const result = renderDiff("--stack", "dev", "--base", "no-such-branch");
        expect(result.status).toBe(2);
        expect(result.stderr).toContain('--base "no-such-branch": not a commit in this repository');
    });
});

describe("compareRenders", () => {
    it("sorts files into added, removed and changed", () => {
        const base = new Map([
            ["a.yaml", "1"],
            ["b.yaml", "2"],
            ["c.yaml", "3"],
        ]);
        const head = new Map([
            ["b.yaml", "2"],
            ["c.yaml", "3 changed"],
            ["d.yaml", "4"],
        ]);
        expect(compareRenders(base, head)).toEqual({
            added: ["d.yaml"],
            removed: ["a.yaml"],
            changed: ["c.yaml"],
            moved: [],
        });
    });

    const file = (urn: string, body = "kind: ConfigMap\n") => `# Pulumi URN: ${urn}\n\n${body}`;
    const OLD = "urn:pulumi:dev::gitops-stack::kubernetes:core/v1:ConfigMap::cm";
    const NEW = "urn:pulumi:dev::gitops-stack::x:index:Parent$kubernetes:core/v1:ConfigMap::cm";

    it("tells an object that only moved to a new URN, found by its alias, from one the engine replaces", () => {
        const base = new Map([
            ["a.yaml", file(OLD)],
            ["b.yaml", file(OLD.replace("::cm", "::other"))],
        ]);
        const head = new Map([
            ["a.yaml", file(NEW)],
            ["b.yaml", file(NEW.replace("::cm", "::other"))],
        ]);
        const comparison = compareRenders(base, head, new Map([["a.yaml", [OLD]]]));
        expect(comparison).toEqual({
            added: [],
            removed: [],
            changed: [],
            moved: [
                { file: "a.yaml", from: OLD, to: NEW, aliased: true },
                {
                    file: "b.yaml",
                    from: OLD.replace("::cm", "::other"),
                    to: NEW.replace("::cm", "::other"),
                    aliased: false,
                },
            ],
        });
        expect(hasChanges(comparison)).toBe(true);
        expect(
            hasChanges(
                compareRenders(
                    new Map([["a.yaml", file(OLD)]]),
                    new Map([["a.yaml", file(NEW)]]),
                    new Map([["a.yaml", [OLD]]]),
                ),
            ),
        ).toBe(false);
    });

    it("counts a new URN with a changed object as a change", () => {
        const comparison = compareRenders(
            new Map([["a.yaml", file(OLD)]]),
            new Map([["a.yaml", file(NEW, "kind: Secret\n")]]),
            new Map([["a.yaml", [OLD]]]),
        );
        expect(comparison.changed).toEqual(["a.yaml"]);
        expect(comparison.moved).toEqual([]);
    });
});

describe("formatRenderDiff", () => {
    const diff = (moved: MovedObject[]) => ({
        stack: "dev",
        base: "main",
        commit: "0123456789abcdef",
        comparison: { added: [], removed: [], changed: [], moved },
        patch: "",
    });
    const move = { file: "argocd/a.yaml", from: "urn:old", to: "urn:new" };

    it("says there are no changes when every moved object keeps its identity through an alias", () => {
        expect(formatRenderDiff(diff([{ ...move, aliased: true }]))).toBe(
            [
                'No changes: stack "dev" renders the same at main (0123456789ab) and in the working tree;',
                "1 object(s) moved to a new URN, each with an alias to its old one (the engine keeps them):",
                "  moved    argocd/a.yaml (from urn:old; found by its alias, updated in place)",
                "",
            ].join("\n"),
        );
    });

    it("reports a move without an alias as a replacement", () => {
        const text = formatRenderDiff(diff([{ ...move, aliased: false }]));
        expect(text).toContain("  replaced argocd/a.yaml (was urn:old; no alias: the engine deletes and creates it)");
        expect(text).toContain("0 changed, 0 added, 0 removed, 0 moved, 1 replaced.");
    });
});
