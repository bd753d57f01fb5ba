/**
 * The commands the documentation gives exist: the README's Commands table is what CI (.ci/run) runs, and every
 * `npm run` command a how-to guide or tutorial names is a script of package.json (a `gitops` command, a command of
 * that CLI).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runGitops } from "../../src/delivery/cli";
import { ROOT } from "../support/stacks";
import { shellCommands } from "../support/shell";
import { cells, markdownFiles, read, tableUnder } from "./markdown";

const scripts = Object.keys(
    (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
        .scripts,
);

/** The commands `.ci/run` runs at its top level, in order (not the Node 22 fallback inside its `if`). */
export function ciCommands(script: string): string[] {
    return shellCommands(script);
}

/** The `npm run <script>` (and `npm run gitops -- <command>`) a page names, anywhere in it. */
export function npmRuns(text: string): { script: string; gitops?: string }[] {
    return [...text.matchAll(/npm run\s+(?:-s\s+)?([\w:-]+)(?:\s+--\s+([\w-]+))?/g)].map((m) => ({
        script: m[1],
        ...(m[1] === "gitops" && m[2] && !m[2].startsWith("-") ? { gitops: m[2] } : {}),
    }));
}

const GUIDES = markdownFiles().filter((f) => f.startsWith("docs/how-to/") || f.startsWith("docs/tutorials/"));

describe("README, Commands", () => {
    const readme = read("README.md");
    const ci = ciCommands(fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8"));

    it("reads the commands of .ci/run", () => {
        expect(ci[0]).toBe("npm ci");
        expect(ci).toContain("npm test");
        expect(ci.slice(-2)).toEqual(["npm run test:cluster:core", "npm run test:cluster:controllers"]);
    });

    it("lists, in its CI paragraph, exactly what .ci/run runs, in order", () => {
        const paragraph = /runs exactly these, in this order: ([\s\S]*?)\n\(/.exec(readme);
        expect(paragraph, "the README's CI paragraph").not.toBeNull();
        const listed = [...paragraph![1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        expect(listed).toEqual(ci);
    });

    it("has every command CI runs in its table", () => {
        const table = tableUnder(readme, "Commands").map((row) => row[1].replace(/`/g, ""));
        const parts = table.flatMap((cell) => cell.split(" && ").map((c) => c.trim()));
        for (const command of ci) expect(parts, command).toContain(command);
    });

    it("names only npm scripts that exist", () => {
        for (const { script } of npmRuns(readme)) expect(scripts, script).toContain(script);
    });
});

describe.each(GUIDES)("%s", (file) => {
    const text = read(file);

    it("says which commands it uses", () => {
        if (file.startsWith("docs/how-to/")) expect(text).toMatch(/^Commands used: /m);
    });

    it("names only npm scripts that exist, and gitops commands the CLI has", async () => {
        for (const { script, gitops } of npmRuns(text)) {
            expect(scripts, `npm run ${script}`).toContain(script);
            if (gitops) {
                const io = { cwd: ROOT, env: {}, out: () => undefined };
                expect(await runGitops([gitops, "--help"], io, () => undefined), `gitops ${gitops}`).toBe(0);
            }
        }
    });
});

describe("the checks themselves", () => {
    it("read .ci/run's top-level commands only", () => {
        expect(ciCommands("if [ x ]; then\n    npm install --prefix y\nfi\nnpm ci\nbash a.sh --install\n")).toEqual([
            "npm ci",
            "bash a.sh --install",
        ]);
        // A function's body and its calls are the script's plumbing; what runs in the background is a command.
        expect(
            ciCommands(
                'done_() { # waits\n    if wait "$1"; then\n        grep x "$2"\n    fi\n}\n(bash b.sh && bash c.sh) >"$log" 2>&1 &\npid=$!\nnpm test\ndone_ "$pid" "$log"\nnpm run y\n',
            ),
        ).toEqual(["bash b.sh", "bash c.sh", "npm test", "npm run y"]);
    });

    it("find npm scripts and gitops commands", () => {
        expect(npmRuns("run `npm run status -- --stack dev` and npm run gitops -- promote --help")).toEqual([
            { script: "status" },
            { script: "gitops", gitops: "promote" },
        ]);
        expect(npmRuns("`npm run -s\ngitops -- deploy-key --stdin`")).toEqual([
            { script: "gitops", gitops: "deploy-key" },
        ]);
    });

    it("a gitops command that does not exist is refused", async () => {
        const io = { cwd: ROOT, env: {}, out: () => undefined };
        expect(await runGitops(["no-such-command", "--help"], io, () => undefined)).not.toBe(0);
    });

    it("split table rows on pipes outside code only", () => {
        expect(cells("| a | `x | y` | b |")).toEqual(["a", "`x | y`", "b"]);
    });
});
