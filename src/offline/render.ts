import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { main } from "../program";
import { clearCredentialKeys, fluxGitSecrets, type DeclaredObject } from "./credentials";
import { PROJECT } from "../config/constants";
import { assumedAliases } from "./aliases";
import { missingSecretWarnings } from "./missingSecrets";
import { isSecretValue, runProgram, type RecordedResource } from "./mockRun";
import {
    applyOverrides,
    readStackFile,
    SECRET_PLACEHOLDER,
    StackFileError,
    withSecretPlaceholders,
    type EngineConfig,
} from "./stackFile";

/** Written into every render directory; only a directory holding it is ever replaced by a render. */
export const RENDER_MARKER = ".gitops-stack-render";
/** Directory for objects without metadata.namespace (cluster-scoped, or left to the context's default namespace). */
export const CLUSTER_DIR = "_cluster";
/** Directory for Helm releases: they are not Kubernetes objects, Helm installs the chart with these values. */
export const HELM_DIR = "_helm";
export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** The render cannot do what it was asked (output directory, a value it cannot write, a secret in plain text). */
export class RenderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RenderError";
    }
}

/** One Helm release as the summary shows it. */
export interface RenderedRelease {
    name: string;
    namespace: string;
    chart: string;
    version: string;
    repository: string;
    file: string;
}

export interface RenderSummary {
    stack: string;
    /** Kubernetes objects per kind, kinds sorted. */
    objectsByKind: Record<string, number>;
    objectCount: number;
    helmReleases: RenderedRelease[];
    /** Secret leaves written as SECRET_PLACEHOLDER. */
    redactedValues: number;
    /**
     * The configuration's warnings (as `pulumi preview` prints them: risky settings, and the prod safeguards the stack
     * relaxes), then what a real `pulumi up` of this stack file would stop at although the render went through:
     * secrets the configuration needs and the stack file does not hold (missingSecretWarnings).
     */
    warnings: string[];
}

export interface Render {
    /** Relative POSIX path (`<namespace or _cluster>/<kind>-<name>.yaml`, `_helm/<release>.yaml`) to file content, sorted. */
    files: Map<string, string>;
    summary: RenderSummary;
    /**
     * Each file's object's aliases as the old URNs the engine would look it up by (src/offline/aliases.ts): render:diff
     * tells an object moved to a new URN and found by its alias from one the engine would replace.
     */
    aliases: Map<string, string[]>;
}

export interface RenderOptions {
    /** Directory holding `Pulumi.<stack>.yaml` (the repository root). */
    root: string;
    stack: string;
    /** `key=value` overrides, as `--config` on the command line (see applyOverrides). */
    config?: readonly string[];
}

/** The configuration a render runs with: the stack file, the overrides, and the placeholder for every secret. */
export function renderEngineConfig(options: RenderOptions): EngineConfig {
    return withSecretPlaceholders(applyOverrides(readStackFile(options.root, options.stack), options.config ?? []));
}

/** Renders a committed stack: reads its stack file and runs the program (src/program main) offline. */
export async function renderStack(options: RenderOptions): Promise<Render> {
    const config = renderEngineConfig(options);
    const render = await renderConfig(options.stack, config);
    render.summary.warnings.push(...missingSecretWarnings(config));
    return render;
}

/**
 * Runs the program under Pulumi's mock engine with an engine configuration and turns what it registered into files.
 * `program` is the real program everywhere but in the test that proves a leaked secret is refused. Pulumi's runtime is
 * global to the process: run one render (or runProgram) at a time.
 */
export async function renderConfig(
    stack: string,
    config: EngineConfig,
    program: () => unknown = main,
): Promise<Render> {
    const run = await runProgramKeepingWarnings(stack, config, program);
    const oldUrns = assumedAliases(run.resources, stack, PROJECT);
    const aliases = new Map<string, string[]>();
    const counter = { redacted: 0 };
    const files = new Map<string, string>();
    const owners = new Map<string, string>();
    const objectsByKind: Record<string, number> = {};
    const helmReleases: RenderedRelease[] = [];
    const add = (file: string, resource: RecordedResource, document: Record<string, unknown>, order: Order) => {
        const other = owners.get(file);
        if (other) {
            throw new RenderError(`${resource.urn} and ${other} would both be written to ${file}; rename one of them.`);
        }
        assertNoSecretLeak(document, config, resource.urn);
        owners.set(file, resource.urn);
        files.set(file, toYaml(document, resource.urn, order));
        aliases.set(file, oldUrns.get(resource.urn) ?? []);
    };

    const declared: DeclaredObject[] = run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
        .map((r) => ({ type: r.type, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
    const gitSecrets = fluxGitSecrets(declared);

    for (const resource of run.resources) {
        if (!resource.custom || !resource.type.startsWith("kubernetes:")) continue;
        const clearKeys = clearCredentialKeys(
            { type: resource.type, inputs: unwrapSecrets(resource.inputs) as Record<string, unknown> },
            gitSecrets,
        );
        const document = (
            clearKeys
                ? redactCredentialSecret(resource, clearKeys, counter)
                : redact(resource.inputs, false, counter, resource.urn)
        ) as Record<string, unknown>;
        if (resource.type === HELM_RELEASE_TYPE) {
            const release = helmRelease(resource, document);
            helmReleases.push(release);
            add(release.file, resource, releaseDocument(document), RELEASE_ORDER);
            continue;
        }
        const kind = stringField(document.kind, "kind", resource);
        const metadata = (document.metadata ?? {}) as Record<string, unknown>;
        // Without metadata.name the provider auto-names the object (name plus a random suffix) at apply time.
        const name = typeof metadata.name === "string" ? metadata.name : resource.name;
        const namespace = typeof metadata.namespace === "string" ? metadata.namespace : CLUSTER_DIR;
        // A Patch resource (server-side apply of some fields of an object someone else owns) says so in its name.
        const patch = resource.type.endsWith(`:${kind}Patch`);
        const label = patch ? `${kind} patch` : kind;
        objectsByKind[label] = (objectsByKind[label] ?? 0) + 1;
        const file = `${safe(namespace)}/${safe(kind.toLowerCase())}-${safe(name)}${patch ? ".patch" : ""}.yaml`;
        add(file, resource, document, OBJECT_ORDER);
    }

    const sorted = new Map([...files].sort(([a], [b]) => compare(a, b)));
    return {
        files: sorted,
        summary: {
            stack,
            objectsByKind: Object.fromEntries(Object.entries(objectsByKind).sort(([a], [b]) => compare(a, b))),
            objectCount: Object.values(objectsByKind).reduce((sum, n) => sum + n, 0),
            helmReleases: helmReleases.sort((a, b) => compare(a.file, b.file)),
            redactedValues: counter.redacted,
            warnings: run.warnings,
        },
        aliases,
    };
}

/**
 * Runs the program and keeps what it warns about (pulumi.log.warn: risky settings, keys of the other operator, and in
 * prod the safeguards the stack relaxes), as `pulumi preview` would print them. Without an engine the SDK writes them
 * to console.warn as `warning: [runtime] <text>`; they go into the summary instead, once, in order.
 */
async function runProgramKeepingWarnings(
    stack: string,
    config: EngineConfig,
    program: () => unknown,
): Promise<Awaited<ReturnType<typeof runProgram>> & { warnings: string[] }> {
    const warnings: string[] = [];
    /* eslint-disable no-console -- without an engine, the SDK's pulumi.log.warn writes to console.warn */
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        const m = /^warning: \[runtime\] ([\s\S]*)$/.exec(text);
        if (m) warnings.push(m[1]);
        else original(...args);
    };
    try {
        return { ...(await runProgram(stack, config, program)), warnings };
    } finally {
        console.warn = original;
    }
    /* eslint-enable no-console */
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** File name part: Kubernetes names are DNS labels already; anything else cannot leave its directory. */
const safe = (part: string): string => part.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");

function stringField(value: unknown, field: string, resource: RecordedResource): string {
    if (typeof value !== "string" || value === "") {
        throw new RenderError(
            `${resource.urn} has no ${field}; every Kubernetes object the program declares needs one.`,
        );
    }
    return value;
}

/**
 * Copies a value with every secret replaced by the placeholder. The engine may mark a whole object secret (a Secret's
 * stringData): its keys stay, each leaf is replaced, so a reviewer still sees which keys a Secret carries.
 */
function redact(value: unknown, inSecret: boolean, counter: { redacted: number }, where: string): unknown {
    if (isSecretValue(value)) return redact(value.value, true, counter, where);
    if (Array.isArray(value)) return value.map((item, i) => redact(item, inSecret, counter, `${where}[${i}]`));
    if (value !== null && typeof value === "object") {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
            // Resource references, assets and archives have no YAML form a reviewer could read.
            throw new RenderError(`${where}: cannot render a ${value.constructor?.name ?? "non-plain object"}.`);
        }
        const entries = Object.entries(value)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, redact(v, inSecret, counter, `${where}.${k}`)]);
        return Object.fromEntries(entries);
    }
    if (value === undefined || !inSecret) return value;
    counter.redacted++;
    return SECRET_PLACEHOLDER;
}

/** The value with every secret wrapper removed (only to read what a resource is, never to write it). */
function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/**
 * A credential Secret (src/offline/credentials.ts): its `data`/`stringData` keys that say what the credential reaches
 * are written in clear, every other value as the placeholder, as redact would. The program marks the whole
 * stringData secret; Pulumi cannot tell the URL from the key inside it, this table does.
 */
function redactCredentialSecret(
    resource: RecordedResource,
    clearKeys: ReadonlySet<string>,
    counter: { redacted: number },
): Record<string, unknown> {
    const { data, stringData, ...rest } = resource.inputs as Record<string, unknown>;
    const document = redact(rest, false, counter, resource.urn) as Record<string, unknown>;
    for (const [field, value] of [
        ["data", data],
        ["stringData", stringData],
    ] as const) {
        if (value === undefined) continue;
        const secret = isSecretValue(value);
        const inner = secret ? value.value : value;
        if (inner === null || typeof inner !== "object" || Array.isArray(inner)) {
            document[field] = redact(value, false, counter, `${resource.urn}.${field}`);
            continue;
        }
        document[field] = Object.fromEntries(
            Object.entries(inner)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [
                    k,
                    clearKeys.has(k) && typeof unwrapSecrets(v) === "string"
                        ? unwrapSecrets(v)
                        : redact(v, secret, counter, `${resource.urn}.${field}.${k}`),
                ]),
        );
    }
    return document;
}

/**
 * Defence in depth: secretness normally travels with every value derived from a secret, but a value unwrapped on
 * purpose (pulumi.unsecret) would be written in the clear. Refuse to render a document holding a secret's value.
 */
function assertNoSecretLeak(document: unknown, config: EngineConfig, urn: string): void {
    const secrets = config.secretKeys
        .map((key) => [key, config.values[key]] as const)
        .filter(([, value]) => value !== undefined && value !== SECRET_PLACEHOLDER && value.trim().length >= 4);
    if (secrets.length === 0) return;
    const visit = (value: unknown): void => {
        if (typeof value === "string") {
            for (const [key, secret] of secrets) {
                if (value.includes(secret.trim())) {
                    throw new RenderError(
                        `${urn} holds the value of the secret ${key} outside a secret; nothing was written. ` +
                            `Keep it a Pulumi secret (no pulumi.unsecret) so it is rendered as ${SECRET_PLACEHOLDER}.`,
                    );
                }
            }
        } else if (Array.isArray(value)) value.forEach(visit);
        else if (value !== null && typeof value === "object") Object.values(value).forEach(visit);
    };
    visit(document);
}

function helmRelease(resource: RecordedResource, document: Record<string, unknown>): RenderedRelease {
    const repositoryOpts = (document.repositoryOpts ?? {}) as Record<string, unknown>;
    const name = typeof document.name === "string" && document.name !== "" ? document.name : resource.name;
    return {
        name,
        namespace: String(document.namespace ?? ""),
        chart: String(document.chart ?? ""),
        version: String(document.version ?? ""),
        repository: String(repositoryOpts.repo ?? ""),
        file: `${HELM_DIR}/${safe(name)}.yaml`,
    };
}

/** The release's settings as declared; `compat` is the SDK's own marker, not something the program chose. */
function releaseDocument(document: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(document).filter(([key]) => key !== "compat"));
}

/** Keys written first, in this order, at the top level and in metadata; every other key is sorted. */
interface Order {
    top: readonly string[];
    metadata: readonly string[];
}
const OBJECT_ORDER: Order = { top: ["apiVersion", "kind", "metadata"], metadata: ["name", "namespace"] };
// values last: it is long, and the release's own settings are what a reviewer looks for first.
const RELEASE_ORDER: Order = {
    top: ["name", "namespace", "chart", "version", "repositoryOpts", "*", "values"],
    metadata: [],
};

function orderItems(map: unknown, order: readonly string[]): void {
    if (!YAML.isMap(map)) return;
    const rest = order.indexOf("*");
    const rank = (pair: YAML.Pair): number => {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : "";
        const i = order.indexOf(key);
        return i >= 0 ? i : rest >= 0 ? rest : order.length;
    };
    // Array.prototype.sort is stable: keys of equal rank keep the alphabetical order sortMapEntries gave them.
    map.items.sort((a, b) => rank(a) - rank(b));
}

/**
 * YAML with sorted keys (after the fixed ones), no line folding and YAML 1.1 quoting, so strings such as "yes" or
 * "on" stay strings for Kubernetes' YAML 1.1 parser. The URN ties the file to what `pulumi preview` shows.
 */
function toYaml(document: Record<string, unknown>, urn: string, order: Order): string {
    const doc = new YAML.Document(document, { sortMapEntries: true, version: "1.1" });
    orderItems(doc.contents, order.top);
    if (YAML.isMap(doc.contents)) orderItems(doc.contents.get("metadata", true), order.metadata);
    doc.commentBefore = ` Pulumi URN: ${urn}`;
    return doc.toString({ lineWidth: 0 });
}

/** Summary lines for one render: objects by kind, Helm releases, secrets and where the files went. */
export function formatSummary(summary: RenderSummary, outDir?: string): string {
    const releases = summary.helmReleases.length;
    const lines = [
        `Rendered stack "${summary.stack}": ${summary.objectCount} Kubernetes object${summary.objectCount === 1 ? "" : "s"}, ` +
            `${releases} Helm release${releases === 1 ? "" : "s"}.`,
    ];
    const width = Math.max(0, ...Object.keys(summary.objectsByKind).map((k) => k.length));
    for (const [kind, count] of Object.entries(summary.objectsByKind)) lines.push(`  ${kind.padEnd(width)}  ${count}`);
    for (const r of summary.helmReleases) {
        lines.push(
            `  Helm release ${r.name}: chart ${r.chart} ${r.version} from ${r.repository}, namespace ${r.namespace}`,
        );
    }
    lines.push(`Secret values written as ${SECRET_PLACEHOLDER}: ${summary.redactedValues}.`);
    if (outDir !== undefined) lines.push(`Output: ${outDir}`);
    return lines.join("\n") + "\n";
}

const markerContent = (stack: string): string =>
    `# Written by gitops-stack's render (npm run render); the whole directory is replaced on the next render.\nstack: ${stack}\n`;

/**
 * Writes a render to `outDir`, replacing a previous render there. The files are written to a sibling directory first
 * and swapped in, so a failure leaves the previous render (or nothing) in place. A directory that exists, is not
 * empty and has no RENDER_MARKER is not a previous render and is never touched.
 */
export function writeRender(render: Render, outDir: string): string {
    const target = path.resolve(outDir);
    const exists = fs.existsSync(target);
    if (exists) {
        if (!fs.statSync(target).isDirectory()) {
            throw new RenderError(`--out ${outDir}: is a file, not a directory; choose another --out.`);
        }
        if (fs.readdirSync(target).length > 0 && !fs.existsSync(path.join(target, RENDER_MARKER))) {
            throw new RenderError(
                `--out ${outDir}: not empty and not a previous render (no ${RENDER_MARKER}); ` +
                    `refusing to replace it. Choose another --out, or remove the directory yourself.`,
            );
        }
    }
    const parent = path.dirname(target);
    fs.mkdirSync(parent, { recursive: true });
    const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.render-`));
    try {
        for (const [file, content] of render.files) {
            const full = path.join(staging, ...file.split("/"));
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, content);
        }
        fs.writeFileSync(path.join(staging, RENDER_MARKER), markerContent(render.summary.stack));
    } catch (err) {
        fs.rmSync(staging, { recursive: true, force: true });
        throw err;
    }
    const previous = `${staging}.previous`;
    if (exists) fs.renameSync(target, previous);
    try {
        fs.renameSync(staging, target);
    } catch (err) {
        if (exists) fs.renameSync(previous, target);
        fs.rmSync(staging, { recursive: true, force: true });
        throw err;
    }
    if (exists) fs.rmSync(previous, { recursive: true, force: true });
    return target;
}

/** The files of a render directory (without the marker), keyed like Render.files. */
export function readRenderDir(dir: string): Map<string, string> {
    const files = new Map<string, string>();
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
            const file = relative ? `${relative}/${entry.name}` : entry.name;
            if (entry.isDirectory()) walk(file);
            else if (file !== RENDER_MARKER) files.set(file, fs.readFileSync(path.join(dir, file), "utf8"));
        }
    };
    walk("");
    return new Map([...files].sort(([a], [b]) => compare(a, b)));
}

/** Errors a user can fix from the message alone: a stack, key or value, the output directory. */
function isUserError(err: unknown): boolean {
    return (
        err instanceof StackFileError ||
        err instanceof RenderError ||
        // ConfigError and the program's other refusals; ResourceError is how components reject bad input.
        pulumi.RunError.isInstance(err) ||
        pulumi.ResourceError.isInstance(err)
    );
}

/**
 * The message to print for an error, and whether it is one the user can fix from it alone: those are printed
 * without a stack trace, anything else (a bug) with one.
 */
export function describeError(err: unknown): { message: string; expected: boolean } {
    if (!(err instanceof Error)) return { message: String(err), expected: false };
    if (isUserError(err)) return { message: err.message, expected: true };
    return { message: err.stack ?? err.message, expected: false };
}
