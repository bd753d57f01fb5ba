import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/stacks";
import { anchors, codeSpans, links, markdownFiles, read, slug } from "./markdown";

const FILES = markdownFiles();

/** A quoted repository path: starts at a top-level folder of this repository, no placeholder in it. */
const REPO_PATH = /^(src|tests|scripts|policy|docs|examples|gitops-repo|\.github|\.ci)\/[A-Za-z0-9_./-]*$/;

describe("the documentation's links", () => {
    it("reads the README, every page under docs/, the example repository's README and the examples' READMEs", () => {
        expect(FILES).toContain("README.md");
        expect(FILES).toContain("examples/csharp/README.md");
        expect(FILES).toContain("docs/README.md");
        expect(FILES.filter((f) => f.startsWith("docs/")).length).toBeGreaterThan(10);
    });

    it("github anchors: punctuation dropped, spaces to hyphens", () => {
        expect(slug("Declared keys (`Pulumi.yaml`)")).toBe("declared-keys-pulumiyaml");
        expect(slug("Cause → fix")).toBe("cause--fix");
        expect(slug("npm run render:diff")).toBe("npm-run-renderdiff");
        expect(slug("[Alerting](x.md): channels per environment")).toBe("alerting-channels-per-environment");
    });

    describe.each(FILES)("%s", (file) => {
        const text = read(file);

        it("links only to files and anchors that exist", () => {
            const broken: string[] = [];
            for (const { line, target } of links(text)) {
                if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
                const [rel, anchor] = target.split("#", 2) as [string, string | undefined];
                const resolved = rel === "" ? file : path.normalize(path.join(path.dirname(file), decodeURI(rel)));
                const where = `${file}:${line}: ${target}`;
                if (resolved.startsWith("..") || path.isAbsolute(resolved)) {
                    broken.push(`${where} leaves the repository`);
                    continue;
                }
                if (!fs.existsSync(path.join(ROOT, resolved))) {
                    broken.push(`${where}: ${resolved} does not exist`);
                    continue;
                }
                if (anchor !== undefined) {
                    if (!resolved.endsWith(".md")) broken.push(`${where}: an anchor into a file that is not Markdown`);
                    else if (!anchors(read(resolved)).has(anchor))
                        broken.push(`${where}: ${resolved} has no heading with the anchor #${anchor}`);
                }
            }
            expect(broken).toEqual([]);
        });

        it("names only repository files and folders that exist", () => {
            const missing = codeSpans(text)
                .filter(({ code }) => REPO_PATH.test(code) && !fs.existsSync(path.join(ROOT, code)))
                .map(({ line, code }) => `${file}:${line}: ${code}`);
            expect(missing).toEqual([]);
        });
    });

    it("reaches every page under docs/ from the README within two clicks", () => {
        const reached = new Set<string>();
        const follow = (file: string) =>
            links(read(file))
                .map((l) => l.target.split("#")[0])
                .filter((t) => t !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(t))
                .map((t) => path.normalize(path.join(path.dirname(file), t)));
        for (const first of follow("README.md")) {
            reached.add(first);
            if (first.endsWith(".md") && fs.existsSync(path.join(ROOT, first)))
                for (const second of follow(first)) reached.add(second);
        }
        const unreached = FILES.filter((f) => f.startsWith("docs/") && !reached.has(f));
        expect(unreached).toEqual([]);
    });
});
