import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { quote, type ConfigInput } from "./context";

export interface KubeconfigContexts {
    /** Where the contexts were read from, for messages (never the inline text itself: it may hold credentials). */
    readonly source: string;
    readonly contexts: string[];
    readonly current?: string;
    /** Why no kubeconfig could be read, when none could. */
    readonly problem?: string;
    /**
     * Per context: its cluster's server URL and the command of its user's exec credential plugin, if any (for the
     * status command's messages; nothing secret).
     */
    readonly details?: Record<string, { server?: string; execCommand?: string }>;
}

/**
 * Why a kubeconfig path cannot be read as a file, or undefined: a FIFO would block the reader (and kubectl) forever,
 * a directory or device is no kubeconfig. Checked before reading.
 */
export function kubeconfigFileProblem(file: string): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return `the file ${file} does not exist`;
    }
    if (stat.isFIFO()) return `${file} is a FIFO (named pipe), not a file: reading it would wait forever`;
    if (stat.isDirectory()) return `${file} is a directory, not a kubeconfig file`;
    if (!stat.isFile()) return `${file} is not a regular file`;
    try {
        fs.accessSync(file, fs.constants.R_OK);
    } catch {
        return `${file} cannot be read (permission denied)`;
    }
    return undefined;
}

/** Whether a `kubernetes:kubeconfig` value is the kubeconfig itself rather than a path (the provider takes both). */
const isInline = (value: string): boolean => value.includes("\n") || /^\s*(\{|apiVersion:|kind:)/.test(value);

/**
 * The contexts the Kubernetes provider can choose from, read from the same place it reads them: `kubernetes:kubeconfig`
 * (a path or the YAML itself), else every file of $KUBECONFIG (a path list, merged; the first current-context wins),
 * else ~/.kube/config.
 */
export function kubeconfigContexts(
    kubeconfig: string | undefined,
    env: NodeJS.ProcessEnv = process.env,
    home = os.homedir(),
): KubeconfigContexts {
    const docs: Array<{ file: string; text: string }> = [];
    let source: string;
    if (kubeconfig !== undefined && kubeconfig.trim() !== "") {
        if (isInline(kubeconfig)) {
            source = "kubernetes:kubeconfig (inline)";
            docs.push({ file: source, text: kubeconfig });
        } else {
            const file = kubeconfig.startsWith("~/") ? path.join(home, kubeconfig.slice(2)) : kubeconfig;
            source = `kubernetes:kubeconfig (${file})`;
            const problem = kubeconfigFileProblem(file);
            if (problem) return { source, contexts: [], problem };
            docs.push({ file, text: fs.readFileSync(file, "utf8") });
        }
    } else if (env.KUBECONFIG) {
        const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "");
        source = `$KUBECONFIG (${files.join(path.delimiter)})`;
        for (const file of files) {
            if (!fs.existsSync(file)) continue; // kubectl skips a missing file of the list
            const problem = kubeconfigFileProblem(file);
            if (problem) return { source, contexts: [], problem };
            docs.push({ file, text: fs.readFileSync(file, "utf8") });
        }
        if (docs.length === 0) return { source, contexts: [], problem: "none of its files exists" };
    } else {
        const file = path.join(home, ".kube", "config");
        source = file;
        if (!fs.existsSync(file))
            return { source, contexts: [], problem: `${file} does not exist and $KUBECONFIG is not set` };
        const problem = kubeconfigFileProblem(file);
        if (problem) return { source, contexts: [], problem };
        docs.push({ file, text: fs.readFileSync(file, "utf8") });
    }
    const contexts: string[] = [];
    let current: string | undefined;
    // kubectl merges the files: the first definition of a name wins.
    const named = (list: unknown, field: string): Map<string, Record<string, unknown>> => {
        const map = new Map<string, Record<string, unknown>>();
        for (const item of Array.isArray(list) ? list : [])
            if (typeof item?.name === "string" && typeof item?.[field] === "object" && item[field] !== null)
                map.set(item.name, item[field] as Record<string, unknown>);
        return map;
    };
    const contextsByName = new Map<string, Record<string, unknown>>();
    const clusters = new Map<string, Record<string, unknown>>();
    const users = new Map<string, Record<string, unknown>>();
    const firstWins = <V>(into: Map<string, V>, from: Map<string, V>) => {
        for (const [k, v] of from) if (!into.has(k)) into.set(k, v);
    };
    for (const { file, text } of docs) {
        let doc: unknown;
        try {
            doc = YAML.parse(text);
        } catch (err) {
            return {
                source,
                contexts: [],
                problem: `${file} is not valid YAML (${(err as Error).message.split("\n")[0]})`,
            };
        }
        const config = (doc ?? {}) as {
            contexts?: Array<{ name?: unknown }>;
            clusters?: unknown;
            users?: unknown;
            "current-context"?: unknown;
        };
        firstWins(contextsByName, named(config.contexts, "context"));
        firstWins(clusters, named(config.clusters, "cluster"));
        firstWins(users, named(config.users, "user"));
        for (const c of Array.isArray(config.contexts) ? config.contexts : [])
            if (typeof c?.name === "string" && !contexts.includes(c.name)) contexts.push(c.name);
        if (current === undefined && typeof config["current-context"] === "string" && config["current-context"] !== "")
            current = config["current-context"];
    }
    const details: Record<string, { server?: string; execCommand?: string }> = {};
    for (const [name, context] of contextsByName) {
        const cluster = clusters.get(String(context.cluster ?? ""));
        const user = users.get(String(context.user ?? ""));
        const exec = user?.exec as { command?: unknown } | undefined;
        details[name] = {
            server: typeof cluster?.server === "string" ? cluster.server : undefined,
            execCommand: typeof exec?.command === "string" ? exec.command : undefined,
        };
    }
    return { source, contexts, current, details };
}

/**
 * `kubernetes:context` must name a context of the kubeconfig the provider reads, and must be set. Without it the
 * provider deploys to the kubeconfig's current context, whichever cluster that is at the time; with a wrong one,
 * `pulumi preview` looks clean and only `up` fails. Checked in real engine runs only (the render needs no cluster).
 */
export function validateKubeContext(
    input: ConfigInput,
    all: Record<string, string>,
    env = process.env,
    home = os.homedir(),
): void {
    const context = all["kubernetes:context"];
    const found = kubeconfigContexts(all["kubernetes:kubeconfig"], env, home);
    const choices = found.contexts.length > 0 ? `one of: ${found.contexts.join(", ")}` : "a context of your kubeconfig";
    // No kubeconfig but running in a pod (e.g. the Pulumi Kubernetes Operator): the provider uses the in-cluster
    // service account and no context applies, so there is nothing to choose wrongly.
    if (found.problem && env.KUBERNETES_SERVICE_HOST && (context === undefined || context.trim() === "")) return;
    if (found.problem) {
        input.problemFull(
            all["kubernetes:kubeconfig"] ? "kubernetes:kubeconfig" : "kubernetes:context",
            `no kubeconfig could be read from ${found.source}: ${found.problem}; expected a kubeconfig with the context this stack deploys to (set kubernetes:kubeconfig or $KUBECONFIG), and pulumi config set kubernetes:context <context>.`,
        );
        return;
    }
    if (context === undefined || context.trim() === "") {
        input.problemFull(
            "kubernetes:context",
            `is not set, so the provider would deploy to the kubeconfig's current context${found.current ? ` (now ${quote(found.current)})` : ""}, whichever cluster that is; expected ${choices} from ${found.source} (pulumi config set kubernetes:context <context>).`,
        );
    } else if (!found.contexts.includes(context)) {
        input.problemFull(
            "kubernetes:context",
            `${quote(context)} is not a context of ${found.source}; expected ${choices} (pulumi config set kubernetes:context <context>).`,
        );
    }
}
