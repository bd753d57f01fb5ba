/**
 * `add-app` (issue 24): scaffolds a new app's base and its overlay in each environment from a template the team owns
 * (templates/app, or --template), validates the app against each stack's own rules (the same config validation as
 * `pulumi up`, with the new entry added), and prints the stack entry to add, as YAML and as
 * `pulumi config set --path` lines. It never overwrites a file and never edits a stack file: running it again
 * changes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { PROJECT } from "../config";
import { DNS_LABEL, namespaceProblem, RESERVED_NAMESPACES } from "../config/rules/apps";
import { listStacks, readStackFile } from "../offline/stackFile";
import { checkSegment } from "./args";
import { DeliveryError, UsageError } from "./errors";
import { tagProblem } from "./oci";
import { shellCommand } from "./promote";
import { openRepo, type Io } from "./setImage";
import { readStack, type StackInfo } from "./stack";

/** The template shipped with this repository; teams change it, or pass their own with --template. */
export const DEFAULT_TEMPLATE = path.resolve(__dirname, "../../templates/app");

export interface AddAppOptions {
    readonly repo: string;
    readonly app: string;
    /** The stacks (environments) to add it to; empty: every committed stack. */
    readonly stacks: readonly string[];
    readonly stackDir: string;
    readonly config: readonly string[];
    /** The image repository, without tag. */
    readonly image: string;
    /** The tag every environment starts at. */
    readonly tag: string;
    /** Image automation's range for the app (`semverRange`); with it, the stack entry gets image and semverRange. */
    readonly semverRange?: string;
    /** The namespace per environment: {app} and {env} filled in. */
    readonly namespace: string;
    readonly dependsOn: readonly string[];
    /** Where the base goes: {app} filled in. */
    readonly basePath: string;
    readonly template: string;
}

const PLACEHOLDERS = ["app", "env", "namespace", "image", "tag", "base", "tagMarker"] as const;
type Values = Partial<Record<(typeof PLACEHOLDERS)[number], string>>;

interface TemplateFile {
    /** Path under base/ or overlay/. */
    readonly relative: string;
    readonly text: string;
}

interface Planned {
    readonly file: string;
    readonly text: string;
}

/** A value as a YAML plain scalar when it reads back as that string, else double-quoted ("6.0" stays a string). */
const yamlScalar = (value: string): string => (YAML.parse(value) === value ? value : JSON.stringify(value));

function readTemplate(dir: string, part: "base" | "overlay"): TemplateFile[] {
    const root = path.join(dir, part);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        throw new DeliveryError(
            `--template ${dir} has no ${part}/ directory; expected base/ and overlay/ (see templates/app).`,
        );
    }
    const files: TemplateFile[] = [];
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
            const rel = path.posix.join(relative, entry.name);
            if (entry.isSymbolicLink()) {
                throw new DeliveryError(
                    `--template: ${part}/${rel} is a symlink; the template holds regular files only.`,
                );
            }
            if (entry.isDirectory()) walk(rel);
            else if (entry.isFile()) files.push({ relative: rel, text: fs.readFileSync(path.join(root, rel), "utf8") });
        }
    };
    walk("");
    if (files.length === 0) throw new DeliveryError(`--template ${dir}: ${part}/ is empty.`);
    return files.sort((a, b) => a.relative.localeCompare(b.relative));
}

function render(template: TemplateFile, part: string, values: Values): string {
    return template.text
        .split("\n")
        .map((line, i) =>
            line.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (all, name: string) => {
                const value = values[name as keyof Values];
                if (value === undefined) {
                    throw new DeliveryError(
                        `--template: ${part}/${template.relative}:${i + 1} uses ${all}; expected one of ${PLACEHOLDERS.filter(
                            (p) => values[p] !== undefined,
                        )
                            .map((p) => `{{${p}}}`)
                            .join(", ")} there.`,
                    );
                }
                return value;
            }),
        )
        .join("\n");
}

/** A repository-relative path from a template: relative, no '..', and inside the checkout once resolved. */
function checkRelative(option: string, value: string): string {
    const clean = value.replace(/\/+$/, "");
    if (clean === "" || clean.startsWith("/") || clean.split("/").some((s) => s === ".." || s === "." || s === "")) {
        throw new UsageError(
            `${option} ${JSON.stringify(value)} is not valid; expected a relative path inside the GitOps checkout without '.' or '..' segments, e.g. apps/{app}/base.`,
        );
    }
    return clean;
}

/** Refuses a target that is (or sits under) a symlink, so nothing is written outside the checkout or through a link. */
function checkTarget(repoRoot: string, file: string): void {
    const root = fs.realpathSync(repoRoot);
    let current = repoRoot;
    for (const segment of file.split("/")) {
        current = path.join(current, segment);
        let stat: fs.Stats;
        try {
            stat = fs.lstatSync(current);
        } catch {
            return; // From here on nothing exists: it is created inside the checked directories.
        }
        if (stat.isSymbolicLink()) {
            const real = fs.realpathSync(current);
            throw new DeliveryError(
                `${path.relative(repoRoot, current)} is a symlink (to ${real.startsWith(root + path.sep) ? path.relative(root, real) : real}); add-app writes regular files inside the checkout only.`,
            );
        }
    }
}

interface StackEntry {
    readonly stack: StackInfo;
    /** The entry to add, or undefined when the stack lists the app already. */
    readonly entry?: Record<string, unknown>;
    /** The entry's index in the stack's apps list. */
    readonly index: number;
    readonly overlayDir: string;
    readonly namespace: string;
}

export async function addApp(options: AddAppOptions, io: Io): Promise<number> {
    // The command line first: the app name as every stack names its objects, the image and tag as OCI has them.
    checkSegment("--app", options.app, "billing");
    if (!DNS_LABEL.test(options.app)) {
        throw new UsageError(
            `--app ${JSON.stringify(options.app)} is not valid; expected a lowercase DNS label (letters, digits and '-', starting and ending with a letter or digit), as the stack's apps[].name.`,
        );
    }
    const tag = tagProblem(options.tag);
    if (tag) throw new UsageError(`--${tag}`);
    for (const dep of options.dependsOn) checkSegment("--depends-on", dep, "platform");
    const basePath = checkRelative("--base-path", options.basePath).replaceAll("{app}", options.app);
    if (!options.namespace.includes("{env}") && options.stacks.length !== 1) {
        throw new UsageError(
            `--namespace ${JSON.stringify(options.namespace)} has no {env}: every environment would use the same namespace. Expected a template such as {app}-{env}.`,
        );
    }
    const git = openRepo(options.repo, io);
    const template = path.resolve(io.cwd, options.template);
    const base = readTemplate(template, "base");
    const overlay = readTemplate(template, "overlay");

    const names = options.stacks.length > 0 ? [...new Set(options.stacks)] : listStacks(options.stackDir);
    if (names.length === 0) throw new DeliveryError(`no Pulumi.<stack>.yaml in ${options.stackDir}; pass --stack-dir.`);
    const entries: StackEntry[] = [];
    for (const name of names) entries.push(await stackEntry(options, name));
    const tiers = entries.map((e) => e.stack.tier);
    const twice = tiers.find((t, i) => tiers.indexOf(t) !== i);
    if (twice) {
        throw new UsageError(
            `stacks ${entries
                .filter((e) => e.stack.tier === twice)
                .map((e) => e.stack.stack)
                .join(" and ")} both deploy ${twice}; name one stack per environment with --stack.`,
        );
    }

    // Every file, rendered before one is written: a bad template or path writes nothing.
    const planned: Planned[] = [];
    const baseValues: Values = { app: options.app, image: options.image, tag: yamlScalar(options.tag) };
    for (const f of base)
        planned.push({ file: path.posix.join(basePath, f.relative), text: render(f, "base", baseValues) });
    for (const e of entries) {
        const marker =
            e.stack.operator === "flux" && e.stack.imageAutomation && options.semverRange !== undefined
                ? ` # {"$imagepolicy": "${e.stack.fluxNamespace}:${options.app}-${e.stack.tier}:tag"}`
                : "";
        const values: Values = {
            ...baseValues,
            env: e.stack.tier,
            namespace: e.namespace,
            base: path.posix.relative(e.overlayDir, basePath),
            tagMarker: marker,
        };
        for (const f of overlay) {
            planned.push({ file: path.posix.join(e.overlayDir, f.relative), text: render(f, "overlay", values) });
        }
    }
    for (const p of planned) {
        checkRelative("the template", p.file);
        checkTarget(git.dir, p.file);
        if (/\.ya?ml$/.test(p.file)) {
            const doc = YAML.parseAllDocuments(p.text);
            const bad = (Array.isArray(doc) ? doc : [doc]).find((d) => d.errors.length > 0);
            if (bad)
                throw new DeliveryError(
                    `--template renders ${p.file} as invalid YAML: ${bad.errors[0].message.split("\n")[0]}`,
                );
        }
    }

    const created: string[] = [];
    const same: string[] = [];
    const kept: string[] = [];
    for (const p of planned) {
        const full = path.join(git.dir, p.file);
        if (fs.existsSync(full)) {
            (fs.readFileSync(full, "utf8") === p.text ? same : kept).push(p.file);
            continue;
        }
        fs.mkdirSync(path.dirname(full), { recursive: true });
        // 'wx': never through a file that appeared meanwhile.
        fs.writeFileSync(full, p.text, { flag: "wx" });
        created.push(p.file);
    }
    const list = (files: string[]) => files.map((f) => `  ${f}\n`).join("");
    if (created.length > 0) io.out(`Created in ${git.dir}:\n${list(created)}`);
    if (same.length > 0) io.out(`Already there, as the template makes them:\n${list(same)}`);
    if (kept.length > 0)
        io.out(`Already there and different from the template (kept, not overwritten):\n${list(kept)}`);

    for (const e of entries) io.out(`\n${stackInstructions(e, options.app)}`);
    const pending = entries.filter((e) => e.entry !== undefined);
    io.out(
        `\nNext: review the files, commit them (git -C ${shellCommand([git.dir])} add ${shellCommand([...new Set(planned.map((p) => p.file.split("/")[0]))])}), ` +
            (pending.length > 0
                ? `add the entries above to the stacks and run pulumi up for each (${pending.map((e) => e.stack.stack).join(", ")}).\n`
                : "and run pulumi up: every stack lists the app already.\n"),
    );
    return 0;
}

/** The stack's entry for the new app, validated by the stack's own rules with the entry added. */
async function stackEntry(options: AddAppOptions, name: string): Promise<StackEntry> {
    let raw: Array<Record<string, unknown>>;
    try {
        raw = JSON.parse(readStackFile(options.stackDir, name).values[`${PROJECT}:apps`] ?? "[]") as typeof raw;
    } catch (err) {
        throw new UsageError(`--stack ${name}: ${(err as Error).message}`);
    }
    const current = await readStack(options.stackDir, name, options.config);
    const tier = current.tier;
    const namespace = options.namespace.replaceAll("{app}", options.app).replaceAll("{env}", tier);
    const overlayDir = checkRelative(
        "the stack's appPathTemplate",
        current.appPathTemplate.replaceAll("{app}", options.app).replaceAll("{env}", tier),
    );
    const listed = raw.findIndex((a) => a.name === options.app);
    if (listed >= 0) {
        const existing = current.apps.find((a) => a.name === options.app)!;
        return { stack: current, index: listed, overlayDir, namespace: existing.namespace };
    }
    // Named like the stack's rules name them, so the message points at the option.
    const maxName = 63 - tier.length - 1;
    if (options.app.length > maxName) {
        throw new UsageError(
            `--app ${JSON.stringify(options.app)} is ${options.app.length} characters; stack ${name} (${tier}) allows at most ${maxName} (its objects are named ${tier}-<app>).`,
        );
    }
    const nsProblem = namespaceProblem(namespace);
    if (nsProblem || RESERVED_NAMESPACES.includes(namespace)) {
        throw new UsageError(
            `--namespace gives ${JSON.stringify(namespace)} in ${tier}: ${nsProblem ?? "a namespace of the cluster's own"}; expected a namespace of the app's own, e.g. {app}-{env}.`,
        );
    }
    const entry: Record<string, unknown> = {
        name: options.app,
        namespace,
        ...(options.dependsOn.length > 0 ? { dependsOn: [...options.dependsOn] } : {}),
        ...(options.semverRange !== undefined ? { image: options.image, semverRange: options.semverRange } : {}),
    };
    // The stack's own validation with the entry added: names, namespaces, dependsOn, image and range rules.
    await readStack(options.stackDir, name, [...options.config, `apps=${JSON.stringify([...raw, entry])}`]);
    return { stack: current, entry, index: raw.length, overlayDir, namespace };
}

function stackInstructions(e: StackEntry, app: string): string {
    const file = `Pulumi.${e.stack.stack}.yaml`;
    if (!e.entry) return `Stack ${e.stack.stack} (${e.stack.tier}) lists ${app} already (${file}); nothing to add.\n`;
    const yaml = YAML.stringify([e.entry], { indent: 2, indentSeq: true, lineWidth: 0 })
        .trimEnd()
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n");
    const set = (key: string, value: string) =>
        shellCommand(["pulumi", "config", "set", "--path", `apps[${e.index}].${key}`, value, "--stack", e.stack.stack]);
    const lines = Object.entries(e.entry).flatMap(([key, value]) =>
        Array.isArray(value) ? value.map((v, i) => set(`${key}[${i}]`, String(v))) : [set(key, String(value))],
    );
    return [
        `Stack ${e.stack.stack} (${e.stack.tier}): add to gitops-stack:apps in ${file}`,
        yaml,
        "or, with the Pulumi CLI:",
        ...lines.map((l) => `  ${l}`),
        `  pulumi up --stack ${e.stack.stack}`,
        "",
    ].join("\n");
}
