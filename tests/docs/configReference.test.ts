/**
 * The configuration reference (docs/reference/configuration.md) cannot drift from the keys the program reads:
 * its declared-key table is held, row by row, to src/config/keys.ts and to Pulumi.yaml (which
 * tests/config/declarations.test.ts holds to keys.ts as well), its secrets table to SECRET_KEYS, and every
 * structured key has its section.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { DECLARED_KEYS, SECRET_KEYS, STRUCTURED_KEYS } from "../../src/config";
import { ROOT } from "../support/stacks";
import { anchors, read, slug, tableUnder } from "./markdown";

const PAGE = "docs/reference/configuration.md";
const page = read(PAGE);
const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { type: string; default?: unknown; description: string }>;
};

/** How the table writes a default: in code, JSON-like for empty values; `required` when there is none. */
export function defaultCell(d: { default?: unknown }): string {
    if (!("default" in d) || d.default === undefined) return "required";
    const v = d.default;
    if (v === "") return '`""`';
    if (Array.isArray(v)) return `\`${JSON.stringify(v)}\``;
    return `\`${String(v)}\``;
}

/** A cell's text as the description reads: links reduced to their text. */
const plain = (cell: string) => cell.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");

describe(PAGE, () => {
    const declared = tableUnder(page, "Declared keys (`Pulumi.yaml`)");

    it("lists every declared key once, in the order of src/config/keys.ts, and exactly Pulumi.yaml's keys", () => {
        const keys = declared.map(([key]) => key.replace(/`/g, ""));
        expect(keys).toEqual(Object.keys(DECLARED_KEYS));
        expect([...keys].sort()).toEqual(
            Object.keys(project.config)
                .filter((k) => !k.includes(":"))
                .sort(),
        );
    });

    it("documents every provider setting Pulumi.yaml gives the stacks", () => {
        const provider = Object.keys(project.config).filter((k) => k.includes(":"));
        expect(provider).toContain("kubernetes:enableSecretMutable");
        for (const key of provider) expect(page, key).toContain(`\`${key}\``);
    });

    it("gives each declared key its type, default and description", () => {
        const wrong: string[] = [];
        for (const [keyCell, type, def, meaning] of declared) {
            const key = keyCell.replace(/`/g, "");
            const d = (DECLARED_KEYS as Record<string, { type: string; default?: unknown; description: string }>)[key];
            if (!d) continue; // reported by the order test
            if (type !== d.type) wrong.push(`${key}: type ${type}, expected ${d.type}`);
            if (def !== defaultCell(d)) wrong.push(`${key}: default ${def}, expected ${defaultCell(d)}`);
            if (def !== defaultCell(project.config[key]))
                wrong.push(`${key}: default ${def}, Pulumi.yaml says ${defaultCell(project.config[key])}`);
            // The description as declared, then at most a pointer to more (e.g. "See [Fleet scale](...).").
            const text = plain(meaning);
            if (text !== d.description && !text.startsWith(`${d.description} `))
                wrong.push(`${key}: meaning does not start with its description in keys.ts:\n  ${d.description}`);
        }
        expect(wrong).toEqual([]);
    });

    it("lists every secret key once, in the order of SECRET_KEYS", () => {
        const secrets = tableUnder(page, "Secrets").map(([key]) => key.replace(/`/g, ""));
        expect(secrets).toEqual(Object.keys(SECRET_KEYS));
    });

    it("has a section for every structured key", () => {
        const headings = anchors(page);
        for (const key of Object.keys(STRUCTURED_KEYS)) {
            expect([...headings], key).toContain(slug(`Structured key \`${key}\``));
        }
    });

    it("fails on a row that drifts (the checks above can fail)", () => {
        const drifted = { type: "string", default: "main", description: "x" };
        expect(defaultCell(drifted)).toBe("`main`");
        expect(defaultCell({ default: "" })).toBe('`""`');
        expect(defaultCell({ default: [] })).toBe("`[]`");
        expect(defaultCell({})).toBe("required");
    });
});
