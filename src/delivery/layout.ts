import * as fs from "node:fs";
import * as path from "node:path";
import { DeliveryError, UsageError } from "./errors";
import type { StackInfo } from "./stack";

/** The file names Kustomize accepts for a kustomization, in its order of preference. */
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** The kustomization file of a directory (repository-relative, POSIX), or undefined when it has none. */
export function kustomizationFile(repoRoot: string, dir: string): string | undefined {
    const name = KUSTOMIZATION_FILES.find((f) => fs.existsSync(path.join(repoRoot, dir, f)));
    return name === undefined ? undefined : path.posix.join(dir, name);
}

/** Where each app's overlay for each environment lives in a GitOps checkout. */
export interface Layout {
    /** How the layout was determined, for messages ("path template apps/{app}/overlays/{env}", "stack prod"). */
    readonly description: string;
    /** The kustomization file of an app's overlay in an environment; refuses an env or app the layout lacks. */
    overlayFile(app: string, env: string): string;
    /** Every app with an overlay in this environment. */
    apps(env: string): string[];
}

const listing = (names: readonly string[]) => (names.length > 0 ? names.join(", ") : "none");

/**
 * The layout a path template describes (`appPathTemplate`, default `apps/{app}/overlays/{env}`), discovered in
 * the checkout: an app and env exist when the filled-in directory holds a kustomization.
 */
export class TemplateLayout implements Layout {
    readonly description: string;
    private readonly overlays: Array<{ app: string; env: string; dir: string }>;

    constructor(
        private readonly repoRoot: string,
        template: string,
    ) {
        if (!template.includes("{app}") || !template.includes("{env}")) {
            throw new UsageError(
                `--path-template ${JSON.stringify(template)} must contain {app} and {env}, e.g. apps/{app}/overlays/{env}.`,
            );
        }
        if (template.startsWith("/") || template.split("/").includes("..")) {
            throw new UsageError(`--path-template ${JSON.stringify(template)} must be a path inside the repository.`);
        }
        this.description = `path template ${template}`;
        this.overlays = discover(
            repoRoot,
            template.split("/").filter((s) => s !== "" && s !== "."),
        );
    }

    envs(): string[] {
        return [...new Set(this.overlays.map((o) => o.env))].sort();
    }

    apps(env: string): string[] {
        return this.overlays
            .filter((o) => o.env === env)
            .map((o) => o.app)
            .sort();
    }

    overlayFile(app: string, env: string): string {
        const envs = this.envs();
        if (!envs.includes(env)) {
            throw new DeliveryError(
                `env ${JSON.stringify(env)} does not exist in ${this.repoRoot} (${this.description}); expected one of: ${listing(envs)}.`,
            );
        }
        const found = this.overlays.find((o) => o.app === app && o.env === env);
        if (!found) {
            throw new DeliveryError(
                `app ${JSON.stringify(app)} has no ${env} overlay in ${this.repoRoot} (${this.description}); apps in ${env}: ${listing(this.apps(env))}.`,
            );
        }
        return kustomizationFile(this.repoRoot, found.dir)!;
    }
}

/** Walks the template segment by segment; {app} and {env} match directory names (consistently where repeated). */
function discover(repoRoot: string, segments: string[]): Array<{ app: string; env: string; dir: string }> {
    const found: Array<{ app: string; env: string; dir: string }> = [];
    const walk = (dir: string, index: number, bound: Record<string, string>) => {
        if (index === segments.length) {
            if (bound.app && bound.env && kustomizationFile(repoRoot, dir)) {
                found.push({ app: bound.app, env: bound.env, dir });
            }
            return;
        }
        const segment = segments[index];
        if (!/\{(app|env)\}/.test(segment)) {
            if (fs.existsSync(path.join(repoRoot, dir, segment))) walk(path.posix.join(dir, segment), index + 1, bound);
            return;
        }
        const names: string[] = [];
        const pattern = segment
            .split(/(\{app\}|\{env\})/)
            .map((part) => {
                if (part === "{app}" || part === "{env}") {
                    names.push(part.slice(1, -1));
                    return "([A-Za-z0-9][A-Za-z0-9._-]*)";
                }
                return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            })
            .join("");
        const regex = new RegExp(`^${pattern}$`);
        let children: fs.Dirent[];
        try {
            children = fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true });
        } catch {
            return;
        }
        for (const child of children) {
            if (!child.isDirectory() || child.name.startsWith(".")) continue;
            const match = regex.exec(child.name);
            if (!match) continue;
            const next = { ...bound };
            const consistent = names.every((name, i) => {
                if (next[name] !== undefined && next[name] !== match[i + 1]) return false;
                next[name] = match[i + 1];
                return true;
            });
            if (consistent) walk(path.posix.join(dir, child.name), index + 1, next);
        }
    };
    walk("", 0, {});
    return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * The layout a stack describes: its apps, each at its `path` or the stack's `appPathTemplate`. The stack is one
 * environment (its tier); another environment's overlay is the same template with {env} filled in differently.
 */
export class StackLayout implements Layout {
    readonly description: string;

    constructor(
        private readonly repoRoot: string,
        private readonly stack: StackInfo,
    ) {
        this.description = `stack ${stack.stack} (appPathTemplate ${stack.appPathTemplate})`;
    }

    apps(): string[] {
        return this.stack.apps.map((a) => a.name);
    }

    overlayFile(app: string, env: string): string {
        const entry = this.stack.apps.find((a) => a.name === app);
        if (!entry) {
            throw new DeliveryError(
                `app ${JSON.stringify(app)} is not an app of stack ${this.stack.stack}; its apps: ${listing(this.apps())}.`,
            );
        }
        if (env !== this.stack.tier && !entry.pathTemplate.includes("{env}")) {
            throw new DeliveryError(
                `stack ${this.stack.stack} puts app ${app} at ${entry.pathTemplate}, which has no {env}, so it cannot tell where the ${env} overlay is; name that environment's stack too.`,
            );
        }
        const dir = entry.pathTemplate.replaceAll("{env}", env).replace(/\/+$/, "");
        const file = kustomizationFile(this.repoRoot, dir);
        if (!file) {
            throw new DeliveryError(
                `app ${app} in ${env}: ${this.description} gives ${dir}, which has no kustomization.yaml in ${this.repoRoot}.`,
            );
        }
        return file;
    }
}
