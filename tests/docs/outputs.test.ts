/**
 * docs/reference/outputs.md lists exactly the stack outputs the program can export (src/program.ts STACK_OUTPUTS), in
 * the same order; tests/program.test.ts checks that the program exports those a stack has.
 */
import { describe, expect, it } from "vitest";
import { STACK_OUTPUTS } from "../../src/program";
import { read, tableUnder } from "./markdown";

describe("docs/reference/outputs.md", () => {
    it("documents every stack output and no other", () => {
        expect(STACK_OUTPUTS).toContain("sshPublicKey");
        const documented = tableUnder(read("docs/reference/outputs.md"), "Stack outputs").map(([name]) =>
            name.replace(/`/g, ""),
        );
        expect(documented).toEqual([...STACK_OUTPUTS]);
    });
});
