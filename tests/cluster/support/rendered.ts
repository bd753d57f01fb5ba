/**
 * A committed stack as `npm run render` writes it (the offline render runs the same program as `pulumi up`),
 * turned into what a cluster test applies:
 *
 *   renderStack(stack, operator, { config, secrets }) → { dir, objects, patches, helmReleases }
 *
 * - `objects`: every Kubernetes object the program creates, in apply order (Namespaces first). Each `[secret]`
 *   placeholder the render writes for a secret value is replaced, per key, by `secrets[key]` or `test-<key>`.
 * - `patches`: the server-side-apply patches (`*.patch.yaml`) the program makes to objects someone else owns
 *   (Argo CD's `default` AppProject); the caller creates the object first, as its owner would.
 * - `helmReleases`: the `_helm/` records are not Kubernetes objects: they are the inputs of Pulumi's Helm Release
 *   resource (chart, repository, version, values), which Helm turns into the chart's objects. Nothing here installs
 *   the charts (they come from the internet); their CRDs are installed by the globalSetup instead.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { cluster, kubectl } from "./cluster";

const ROOT = path.resolve(__dirname, "../../..");
const PLACEHOLDER = "[secret]";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

export interface RenderedStack {
    stack: string;
    operator: "argocd" | "flux";
    dir: string;
    objects: KubeObject[];
    patches: KubeObject[];
    helmReleases: string[];
}

export interface RenderOptions {
    /** Extra `key=value` overrides, as `npm run render -- --config`. */
    config?: string[];
    /** Values for redacted secret fields, by field name (`identity`, `known_hosts`, `token`, ...). */
    secrets?: Record<string, string>;
}

function readDocs(file: string): KubeObject[] {
    return YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))
        .map((doc) => doc.toJS() as KubeObject | null)
        .filter((doc): doc is KubeObject => doc !== null);
}

/** Replaces each `[secret]` leaf by a test value named after its key. */
function fillSecrets(value: unknown, secrets: Record<string, string>, key = ""): unknown {
    if (value === PLACEHOLDER) return secrets[key] ?? `test-${key}`;
    if (Array.isArray(value)) return value.map((item) => fillSecrets(item, secrets, key));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillSecrets(v, secrets, k)]));
    }
    return value;
}

const ORDER = ["Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Role"];
const rank = (kind: string): number => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

/**
 * Renders the stack with the project's own render command (same program, same configuration handling). A render is
 * made once per run for the same stack, operator and overrides, and shared by the test files.
 */
export function renderStack(stack: string, operator: "argocd" | "flux", options: RenderOptions = {}): RenderedStack {
    const args = ["scripts/render.ts", "--stack", stack, "--config", `operator=${operator}`];
    for (const override of options.config ?? []) args.push("--config", override);
    const id = createHash("sha256").update(JSON.stringify(args)).digest("hex").slice(0, 12);
    const dir = path.join(cluster().runDir, `render-${stack}-${operator}-${id}`);
    if (!fs.existsSync(path.join(dir, ".gitops-stack-render"))) {
        const tmp = `${dir}.tmp-${process.pid}`; // the render refuses an existing directory that is not a render
        execFileSync(path.join(ROOT, "node_modules/.bin/tsx"), [...args, "--out", tmp], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        fs.renameSync(tmp, dir);
    }

    const objects: KubeObject[] = [];
    const patches: KubeObject[] = [];
    let helmReleases: string[] = [];
    for (const sub of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
        const files = fs.readdirSync(path.join(dir, sub.name)).sort();
        if (sub.name === "_helm") {
            helmReleases = files;
            continue;
        }
        for (const file of files) {
            const docs = readDocs(path.join(dir, sub.name, file)).map(
                (doc) => fillSecrets(doc, options.secrets ?? {}) as KubeObject,
            );
            (file.endsWith(".patch.yaml") ? patches : objects).push(...docs);
        }
    }
    objects.sort((a, b) => rank(a.kind) - rank(b.kind));
    return { stack, operator, dir, objects, patches, helmReleases };
}

/** `kind/namespace/name`, the identity of an object in a cluster. */
export function objectKey(object: { kind: string; metadata: { name: string; namespace?: string } }): string {
    return `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

export function toYamlStream(objects: readonly KubeObject[]): string {
    return objects.map((object) => YAML.stringify(object)).join("---\n");
}

/**
 * Applies a rendered stack as `pulumi up` would: server-side, field manager `gitops-stack`. A patch is applied with
 * force (the program marks them `pulumi.com/patchForce`), after its object is created as its owner makes it when
 * missing: Argo CD's built-in `default` AppProject, which Argo CD creates allowing everything.
 */
export async function applyStack(rendered: RenderedStack): Promise<void> {
    await kubectl(["apply", "--server-side", "--field-manager", "gitops-stack", "-f", "-"], {
        input: toYamlStream(rendered.objects),
    });
    for (const patch of rendered.patches) {
        if (patch.kind === "AppProject" && patch.metadata.name === "default") {
            await ensureArgoDefaultProject(patch.metadata.namespace ?? "argocd");
        }
    }
    if (rendered.patches.length > 0) {
        await kubectl(["apply", "--server-side", "--field-manager", "gitops-stack", "--force-conflicts", "-f", "-"], {
            input: toYamlStream(rendered.patches),
        });
    }
}

/** Argo CD's own `default` AppProject (argocd-server creates it at start when missing). */
export const ARGOCD_DEFAULT_PROJECT_SPEC = {
    sourceRepos: ["*"],
    destinations: [{ server: "*", namespace: "*" }],
    clusterResourceWhitelist: [{ group: "*", kind: "*" }],
};

async function ensureArgoDefaultProject(namespace: string): Promise<void> {
    const project = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AppProject",
        metadata: { name: "default", namespace },
        spec: ARGOCD_DEFAULT_PROJECT_SPEC,
    };
    if ((await kubectl(["-n", namespace, "get", "appproject", "default"], { ok: false })).code !== 0) {
        await kubectl(["create", "--field-manager", "argocd-server", "-f", "-"], { input: YAML.stringify(project) });
    }
}
