/** docs/reference/policy-pack.md lists every policy of the pack, with its enforcement level and description. */
import { describe, expect, it } from "vitest";
import { buildPolicies } from "../../policy/rules";
import { read, tableUnder } from "./markdown";

/** A table cell as plain text: HTML entities the page needs for `<` and `>` decoded. */
const text = (cell: string) => cell.replace(/&lt;/g, "<").replace(/&gt;/g, ">");

describe("docs/reference/policy-pack.md", () => {
    it("lists every policy of policy/rules.ts once, in order, with its enforcement level and description", () => {
        const documented = tableUnder(read("docs/reference/policy-pack.md"), "Every policy").map(
            ([name, level, description]) => ({ name: name.replace(/`/g, ""), level, description: text(description) }),
        );
        const declared = buildPolicies().map((p) => ({
            name: p.name,
            level: p.enforcementLevel,
            description: p.description,
        }));
        expect(declared.map((p) => p.name)).toContain("no-plain-secrets-in-git");
        expect(documented).toEqual(declared);
    });
});
