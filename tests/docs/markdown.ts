/**
 * What the documentation tests read from the Markdown files: the files, their headings' anchors (as GitHub makes
 * them), their relative links, the repository paths they quote, and their tables. A small reader, not a Markdown
 * parser: it knows fenced code blocks, inline code, links and pipe tables, which is all the docs use.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../support/stacks";

/**
 * Every Markdown page a reader reaches: the README, docs/, the example repository's README and the examples' READMEs.
 */
export function markdownFiles(): string[] {
    const docs: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".md")) docs.push(path.relative(ROOT, full));
        }
    };
    walk(path.join(ROOT, "docs"));
    // examples/README.md and each example's, not what running an example generates in it (sdks/, venv/).
    const examples = [
        "examples/README.md",
        ...fs.readdirSync(path.join(ROOT, "examples")).map((d) => `examples/${d}/README.md`),
    ].filter((file) => fs.existsSync(path.join(ROOT, file)));
    return ["README.md", "gitops-repo/README.md", ...docs.sort(), ...examples.sort()];
}

export const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The lines outside fenced code blocks, with their 1-based line numbers. */
export function proseLines(text: string): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    let fenced = false;
    text.split("\n").forEach((line, i) => {
        if (/^\s*```/.test(line)) {
            fenced = !fenced;
            return;
        }
        if (!fenced) out.push({ line: i + 1, text: line });
    });
    return out;
}

/** GitHub's anchor for a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
    const text = heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link: its text
        .replace(/`/g, "")
        .trim()
        .toLowerCase();
    return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

/** The anchors of a page's headings, numbered as GitHub numbers repeated ones (`x`, `x-1`, ...). */
export function anchors(text: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const { text: line } of proseLines(text)) {
        const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m) continue;
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

/** A line's text with its inline code spans blanked, so links quoted as code are not read as links. */
const withoutCode = (line: string): string => line.replace(/`[^`]*`/g, (s) => " ".repeat(s.length));

export interface Link {
    readonly line: number;
    readonly target: string;
}

/** The Markdown links (`[text](target)`) of a page, outside code. */
export function links(text: string): Link[] {
    const out: Link[] = [];
    for (const { line, text: raw } of proseLines(text)) {
        for (const m of withoutCode(raw).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ line, target: m[1] });
    }
    return out;
}

/** The inline code spans of a page, outside fenced blocks. */
export function codeSpans(text: string): { line: number; code: string }[] {
    const out: { line: number; code: string }[] = [];
    for (const { line, text: raw } of proseLines(text)) {
        for (const m of raw.matchAll(/`([^`]+)`/g)) out.push({ line, code: m[1] });
    }
    return out;
}

/** The pipe table that follows a heading (the first table under it), as rows of trimmed cells, header excluded. */
export function tableUnder(text: string, heading: string): string[][] {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && slug(l.replace(/^#+\s*/, "")) === slug(heading));
    if (start < 0) throw new Error(`no heading "${heading}"`);
    let i = start + 1;
    while (i < lines.length && !lines[i].startsWith("|")) {
        if (/^#{1,6}\s/.test(lines[i])) throw new Error(`no table under "${heading}"`);
        i++;
    }
    const rows: string[][] = [];
    for (i += 2; i < lines.length && lines[i].startsWith("|"); i++) rows.push(cells(lines[i]));
    return rows;
}

/** The cells of one table row; a `|` inside inline code does not split a cell. */
export function cells(row: string): string[] {
    const out: string[] = [];
    let cell = "";
    let code = false;
    for (const ch of row.trim().replace(/^\|/, "").replace(/\|$/, "")) {
        if (ch === "`") code = !code;
        if (ch === "|" && !code) {
            out.push(cell.trim());
            cell = "";
        } else cell += ch;
    }
    out.push(cell.trim());
    return out;
}
