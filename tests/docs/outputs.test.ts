/** docs/reference/outputs.md lists exactly the stack outputs index.ts exports, in the same order. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/stacks";
import { read, tableUnder } from "./markdown";

/** The names `index.ts` exports: what `pulumi stack output` shows. */
export function exportedOutputs(source: string): string[] {
    return [...source.matchAll(/^export const (\w+)\s*=/gm)].map((m) => m[1]);
}

describe("docs/reference/outputs.md", () => {
    it("documents every stack output and no other", () => {
        const exported = exportedOutputs(fs.readFileSync(path.join(ROOT, "index.ts"), "utf8"));
        expect(exported).toContain("sshPublicKey");
        const documented = tableUnder(read("docs/reference/outputs.md"), "Stack outputs").map(([name]) =>
            name.replace(/`/g, ""),
        );
        expect(documented).toEqual(exported);
    });

    it("reads exports as the program writes them", () => {
        expect(exportedOutputs("export const a = x;\nconst b = 1;\nexport const c = y;\n")).toEqual(["a", "c"]);
    });
});
