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
            if (!fs.existsSync(file)) return { source, contexts: [], problem: `the file ${file} does not exist` };
            docs.push({ file, text: fs.readFileSync(file, "utf8") });
        }
    } else if (env.KUBECONFIG) {
        const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== "");
        source = `$KUBECONFIG (${files.join(path.delimiter)})`;
        for (const file of files) if (fs.existsSync(file)) docs.push({ file, text: fs.readFileSync(file, "utf8") });
        if (docs.length === 0) return { source, contexts: [], problem: "none of its files exists" };
    } else {
        const file = path.join(home, ".kube", "config");
        source = file;
        if (!fs.existsSync(file))
            return { source, contexts: [], problem: `${file} does not exist and $KUBECONFIG is not set` };
        docs.push({ file, text: fs.readFileSync(file, "utf8") });
    }
    const contexts: string[] = [];
    let current: string | undefined;
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
        const config = (doc ?? {}) as { contexts?: Array<{ name?: unknown }>; "current-context"?: unknown };
        for (const c of Array.isArray(config.contexts) ? config.contexts : [])
            if (typeof c?.name === "string" && !contexts.includes(c.name)) contexts.push(c.name);
        if (current === undefined && typeof config["current-context"] === "string" && config["current-context"] !== "")
            current = config["current-context"];
    }
    return { source, contexts, current };
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
