import type { ObjectReport, StatusReport } from "./types";

const shortRevision = (revision: string | undefined): string => {
    if (!revision) return "-";
    // Flux: main@sha1:<40 hex>; Argo CD: <40 hex>.
    const flux = /^(.*)@sha1:([0-9a-f]{7})[0-9a-f]*$/.exec(revision);
    if (flux) return `${flux[1]}@${flux[2]}`;
    return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
};

const shortTime = (iso: string | undefined): string =>
    iso ? iso.replace(/:\d\d(\.\d+)?Z$/, "Z").replace("T", " ") : "-";

function state(o: ObjectReport): string {
    if (!o.found) return "missing";
    if (o.kind === "Application") return `${o.sync ?? "?"}/${o.health ?? "?"}`;
    if (o.kind === "Secret") return o.ready ?? "?";
    return `Ready ${o.ready ?? "Unknown"}`;
}

function table(rows: string[][]): string {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

/** The human report: a table of every object, then cause → fix for each one that needs a person. */
export function formatReport(report: StatusReport): string {
    const lines: string[] = [];
    const operator = report.operator === "argocd" ? "Argo CD" : "Flux";
    lines.push(
        `Stack ${report.stack} (${operator}, tier ${report.tier}) · context ${report.context ?? "(current)"} · namespace ${report.namespace} · ${shortTime(report.generatedAt)}`,
        "",
    );
    const rows = [["", "KIND", "NAME", "STATE", "REVISION", "LAST CHANGE"]];
    for (const o of report.objects) {
        rows.push([o.ok ? "ok" : "!!", o.kind, o.name, state(o), shortRevision(o.revision), shortTime(o.lastChange)]);
    }
    lines.push(table(rows));
    for (const o of report.objects) {
        const shown = o.findings.filter((f) => f.severity === "error" || o.ok);
        const notes = o.findings.filter((f) => f.severity === "info");
        if (o.ok && notes.length === 0) continue;
        lines.push("", `${o.ok ? "·" : "✗"} ${o.kind} ${o.namespace}/${o.name}`);
        for (const f of o.ok ? notes : shown) {
            lines.push(`  [${f.class}] ${f.cause}`);
            for (const [key, value] of Object.entries(f.facts)) {
                if (value === "" || (Array.isArray(value) && value.length === 0)) continue;
                if (Array.isArray(value) && value.length > 1) {
                    lines.push(`    ${key}:`);
                    for (const v of value) lines.push(`      - ${v}`);
                } else {
                    lines.push(`    ${key}: ${Array.isArray(value) ? value[0] : String(value)}`);
                }
            }
            for (const fix of f.fix) lines.push(`    fix: ${fix}`);
        }
    }
    const bad = report.objects.filter((o) => !o.ok).length;
    lines.push(
        "",
        bad === 0 ? `All ${report.objects.length} fine.` : `${bad} of ${report.objects.length} need a person.`,
    );
    return lines.join("\n") + "\n";
}
