import * as pulumi from "@pulumi/pulumi";
import {
    CLUSTER_AUTH_KINDS,
    type AppConfig,
    type ClusterAuthKind,
    type ClusterConfig,
    type ClusterCredentials,
    type ClusterExecConfig,
    type Operator,
    type Tier,
} from "../types";
import { DNS_LABEL } from "./apps";
import { parseJson, quote, type ConfigInput } from "./context";
import { RENDER_SECRET_PLACEHOLDER, checkSecretMap, isObject, isRenderPlaceholder, secretMapEntry } from "./secretMap";
import { caDataProblem, tokenProblem } from "./secretShapes";
import { IN_CLUSTER_SERVER, canonicalUrl, controlCharacterProblem, parseUrl } from "./urls";

export { IN_CLUSTER_SERVER } from "./urls";
/** The label every cluster of an environment carries; the ApplicationSet's cluster generator selects by it. */
export const CLUSTER_ENVIRONMENT_LABEL = "gitops-stack.io/environment";

const CLUSTER_FIELDS = ["name", "server", "labels", "auth"];
const CREDENTIAL_FIELDS = ["bearerToken", "exec", "caData"];
const EXEC_FIELDS = ["command", "args", "env", "apiVersion"];
const EXEC_API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];
/** Kubernetes label key: optional DNS-subdomain prefix and a name of at most 63 characters. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function isLabelKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    return LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && LABEL_PREFIX.test(prefix)));
}

/** Reads one cluster's entry of the credentials map into its typed form (only ever called inside a secret apply). */
function credentialsOf(entry: Record<string, unknown>): ClusterCredentials {
    const exec = isObject(entry.exec) ? entry.exec : undefined;
    const execConfig: ClusterExecConfig | undefined = exec && {
        command: String(exec.command),
        args: Array.isArray(exec.args) ? exec.args.map(String) : [],
        env: isObject(exec.env) ? Object.fromEntries(Object.entries(exec.env).map(([k, v]) => [k, String(v)])) : {},
        apiVersion: typeof exec.apiVersion === "string" ? exec.apiVersion : EXEC_API_VERSIONS[0],
    };
    return {
        bearerToken: typeof entry.bearerToken === "string" ? entry.bearerToken : undefined,
        exec: execConfig,
        caData: typeof entry.caData === "string" ? entry.caData.replace(/\s+/g, "") : undefined,
    };
}

/**
 * Checks the shape of one cluster's credentials: which fields are present and of which kind. Messages name the
 * cluster and the field, never a value (the map is a secret).
 */
function credentialProblems(name: string, auth: ClusterAuthKind, entry: unknown): string[] {
    const where = `entry ${quote(name)}`;
    const expected =
        auth === "bearer"
            ? `{ "bearerToken": "<token>", "caData": "<base64 PEM>" }`
            : `{ "exec": { "command": "<plugin>", "args": [...], "apiVersion": "client.authentication.k8s.io/v1beta1" }, "caData": "<base64 PEM>" }`;
    if (entry === undefined)
        return [`has no ${where} for cluster ${quote(name)} (auth ${auth}); expected ${expected}.`];
    if (!isObject(entry)) return [`${where} is not an object; expected ${expected}.`];
    const found: string[] = [];
    for (const field of Object.keys(entry)) {
        if (!CREDENTIAL_FIELDS.includes(field))
            found.push(`${where} has unknown field ${quote(field)}; expected only ${CREDENTIAL_FIELDS.join(", ")}.`);
    }
    if (auth === "bearer") {
        if (typeof entry.bearerToken !== "string" || entry.bearerToken.trim() === "")
            found.push(`${where} has no bearerToken (cluster auth bearer); expected ${expected}.`);
        else {
            const problem = tokenProblem(entry.bearerToken);
            if (problem) found.push(`${where}.bearerToken ${problem} (its value is not shown); expected ${expected}.`);
        }
        if (entry.exec !== undefined) found.push(`${where} sets exec, but the cluster's auth is bearer; expected one.`);
    } else {
        if (entry.bearerToken !== undefined)
            found.push(`${where} sets bearerToken, but the cluster's auth is exec; expected one.`);
        const exec = entry.exec;
        if (!isObject(exec)) {
            found.push(`${where} has no exec object (cluster auth exec); expected ${expected}.`);
        } else {
            for (const field of Object.keys(exec)) {
                if (!EXEC_FIELDS.includes(field))
                    found.push(
                        `${where}.exec has unknown field ${quote(field)}; expected only ${EXEC_FIELDS.join(", ")}.`,
                    );
            }
            if (typeof exec.command !== "string" || exec.command.trim() === "")
                found.push(`${where}.exec has no command; expected the credential plugin's executable.`);
            if (exec.args !== undefined && !(Array.isArray(exec.args) && exec.args.every((a) => typeof a === "string")))
                found.push(`${where}.exec.args is not a list of strings.`);
            // The plugin's command line and environment: no line break or control character (named, not shown).
            const lines: Array<[string, unknown]> = [
                ["command", exec.command],
                ...(Array.isArray(exec.args) ? exec.args.map((a, i): [string, unknown] => [`args[${i}]`, a]) : []),
                ...(isObject(exec.env)
                    ? Object.entries(exec.env).map(([k, v]): [string, unknown] => [`env.${k}`, v])
                    : []),
            ];
            for (const [field, value] of lines) {
                const problem = typeof value === "string" ? controlCharacterProblem(value, false) : undefined;
                if (problem) found.push(`${where}.exec.${field} ${problem} (its value is not shown).`);
            }
            if (
                exec.env !== undefined &&
                !(isObject(exec.env) && Object.values(exec.env).every((v) => typeof v === "string"))
            )
                found.push(`${where}.exec.env is not a map of strings.`);
            if (exec.apiVersion !== undefined && !EXEC_API_VERSIONS.includes(String(exec.apiVersion)))
                found.push(`${where}.exec.apiVersion is not valid; expected one of ${EXEC_API_VERSIONS.join(", ")}.`);
        }
    }
    if (entry.caData !== undefined) {
        const problem = caDataProblem(entry.caData);
        if (problem)
            found.push(
                `${where}.caData ${problem} (its value is not shown); expected base64 of the PEM CA certificates of the API server.`,
            );
    }
    return found;
}

/** Credentials of the right kind made of the render's placeholder (the offline render never has the real ones). */
function placeholderCredentials(auth: ClusterAuthKind, placeholder: string): ClusterCredentials {
    return auth === "bearer"
        ? { bearerToken: placeholder }
        : { exec: { command: placeholder, args: [], env: {}, apiVersion: EXEC_API_VERSIONS[0] } };
}

export interface ClustersPart {
    readonly clusters: ClusterConfig[];
}

/**
 * The structured key `clusters` (the environment's target clusters) and the secret `clusterCredentials`.
 *
 * "A cluster in two environments": a stack sees only its own configuration, so it refuses what it can see: the
 * same API server listed twice (under two names), and a cluster whose own labels say it belongs to another tier
 * (`environment` or `gitops-stack.io/environment` other than the stack's). The program labels every cluster with its
 * tier, so an ApplicationSet of another environment never selects it.
 *
 * The credentials map is a secret: its shape (which clusters, which fields, whether caData is a certificate) is
 * checked here, before anything is registered, and no message ever contains one of its values. What the program
 * passes on is derived from the secret Output, so it stays secret end to end.
 */
export function validateClusters(
    input: ConfigInput,
    tier: Tier,
    operator: Operator,
    apps: readonly AppConfig[],
): ClustersPart {
    const raw = input.raw("clusters");
    if (raw === undefined) return { clusters: [] };
    const example = "[{ name: eu-1, server: https://eu-1.k8s.example.com, auth: bearer, labels: { region: eu } }]";
    const parsed = parseJson(raw);
    if (!Array.isArray(parsed)) {
        input.problem("clusters", `${quote(raw)} is not valid; expected a list of clusters such as ${example}.`);
        return { clusters: [] };
    }
    const problem = (message: string) => input.problem("clusters", message);
    // Names are <env>-<app>-<cluster> for each declared app: label values are limited to 63 characters.
    const longestApp = Math.max(0, ...apps.map((a) => a.name.length));
    const maxName = Math.min(63, 63 - tier.length - 2 - longestApp);
    const entries: Array<Omit<ClusterConfig, "credentials">> = [];
    const servers = new Map<string, string>();
    parsed.forEach((entry: unknown, i) => {
        const where = `clusters[${i}]`;
        if (!isObject(entry)) {
            problem(`${where} is ${quote(entry)}; expected an object with name, server and auth.`);
            return;
        }
        for (const field of Object.keys(entry)) {
            if (!CLUSTER_FIELDS.includes(field))
                problem(`${where} has unknown field ${quote(field)}; expected only ${CLUSTER_FIELDS.join(", ")}.`);
        }
        const name = entry.name;
        if (typeof name !== "string" || !DNS_LABEL.test(name) || name.length > maxName) {
            problem(
                `${where}.name ${quote(name)} is not valid; expected a lowercase DNS label of at most ${maxName} characters (names are <env>-<app>-<cluster>).`,
            );
            return;
        }
        const label = `cluster ${quote(name)}`;
        if (entries.some((c) => c.name === name)) {
            problem(`cluster name ${quote(name)} is used twice; expected unique names.`);
            return;
        }
        const serverForm = "the https:// URL of the cluster's API server, e.g. https://eu-1.k8s.example.com:6443";
        // One canonical form for the comparison below: a trailing dot, upper case, :443 or an in-cluster alias is
        // the same API server, which would receive every app twice (issue 19 §2).
        const url = typeof entry.server === "string" ? parseUrl(entry.server, { schemes: ["https"] }) : "is not text";
        if (typeof url === "string") {
            problem(
                `${label}.server ${quote(entry.server)} is not valid (it ${url}${url.startsWith("uses http://") ? "; not https: credentials would cross the network in clear" : ""}); expected ${serverForm}.`,
            );
            return;
        }
        const identity = url.canonical;
        const inCluster = identity === IN_CLUSTER_SERVER;
        // Argo CD knows its own cluster by exactly IN_CLUSTER_SERVER: an alias is written as that name.
        const server = inCluster ? IN_CLUSTER_SERVER : String(entry.server).replace(/\/+$/, "");
        const other = servers.get(identity);
        if (other !== undefined) {
            problem(
                `${label}.server ${quote(String(entry.server).replace(/\/+$/, ""))} is also cluster ${quote(other)}'s API server (both are ${identity}): one cluster listed twice would receive every app twice; expected each cluster once.`,
            );
            return;
        }
        servers.set(identity, name);

        const labels: Record<string, string> = {};
        if (entry.labels !== undefined && !isObject(entry.labels)) {
            problem(`${label}.labels ${quote(entry.labels)} is not valid; expected a map of label keys to values.`);
        }
        for (const [key, value] of Object.entries(isObject(entry.labels) ? entry.labels : {})) {
            if (!isLabelKey(key) || typeof value !== "string" || !LABEL_VALUE.test(value)) {
                problem(
                    `${label}.labels ${quote(key)}: ${quote(value)} is not a valid Kubernetes label; expected a key such as region or example.com/region and a value of at most 63 characters.`,
                );
            } else if (key.startsWith("argocd.argoproj.io/")) {
                problem(
                    `${label}.labels ${quote(key)} is Argo CD's own label (it marks the Secret as a cluster); expected a label of your own.`,
                );
            } else if (key === CLUSTER_ENVIRONMENT_LABEL || key === "environment") {
                if (value !== tier) {
                    problem(
                        `${label}.labels ${quote(key)} is ${quote(value)}, but stack ${quote(input.stack)} is the ${tier} environment: a cluster belongs to one environment; expected ${quote(tier)} or no such label.`,
                    );
                } else labels[key] = value;
            } else if (key.startsWith("gitops-stack.io/")) {
                problem(
                    `${label}.labels ${quote(key)} is an unknown gitops-stack label; expected ${CLUSTER_ENVIRONMENT_LABEL} (set by the program) or a label outside gitops-stack.io/.`,
                );
            } else labels[key] = value;
        }

        let auth: ClusterAuthKind | undefined;
        if (inCluster) {
            if (entry.auth !== undefined)
                problem(
                    `${label} is the in-cluster destination (${IN_CLUSTER_SERVER}), which the operator reaches with its own service account; expected no auth.`,
                );
        } else if (!CLUSTER_AUTH_KINDS.includes(entry.auth as ClusterAuthKind)) {
            problem(
                `${label}.auth ${quote(entry.auth)} is not valid; expected one of ${CLUSTER_AUTH_KINDS.join(", ")}.`,
            );
        } else {
            auth = entry.auth as ClusterAuthKind;
            if (operator === "flux" && auth === "exec") {
                problem(
                    `${label}.auth "exec" is not available with operator flux: kustomize-controller refuses kubeconfigs that run a command (unless started with --insecure-kubeconfig-exec); expected auth bearer.`,
                );
            }
        }
        // Which cluster is the home one depends on destinationServer, read later: see withHomeCluster.
        entries.push({ name, server, inCluster, home: false, labels, auth });
    });

    const remote = entries.filter((c) => c.auth !== undefined);
    let secret: pulumi.Output<string> | undefined;
    let usable = false;
    if (remote.length > 0) {
        // Only names of clusters and fields reach the messages. The offline render holds no secret, only its
        // placeholder: the cluster Secrets and kubeconfigs are rendered with it in place of every credential.
        ({ secret, usable } = checkSecretMap(
            input,
            "clusterCredentials",
            "when clusters lists a remote cluster",
            {
                what: "cluster name to credentials",
                example: `{ "eu-1": { "bearerToken": "<token>", "caData": "<base64 PEM>" } }`,
            },
            (map) => remote.flatMap((c) => credentialProblems(c.name, c.auth!, map[c.name])),
        ));
    }
    // Built only from a map that passed the checks above, so the apply cannot fail (and no error of JSON.parse, which
    // would quote the value, can ever be thrown); with problems, the ConfigError stops the program before any use.
    const clusters: ClusterConfig[] = entries.map((c) => ({
        ...c,
        credentials:
            c.auth === undefined || secret === undefined || !usable
                ? undefined
                : pulumi.secret(
                      secret.apply((text) => {
                          if (isRenderPlaceholder(text))
                              return placeholderCredentials(c.auth!, RENDER_SECRET_PLACEHOLDER);
                          return credentialsOf(secretMapEntry(text, c.name));
                      }),
                  ),
    }));
    return { clusters };
}

/**
 * Marks the home cluster: the one the stack deployed to before it listed `clusters` (Argo CD: `destinationServer`,
 * compared as a server identity; Flux: its own cluster). Its apps keep their names, so adding `clusters` to a running
 * stack renames (deletes and creates) none of its Applications or Kustomizations (issue 25 §2). A list without it
 * moves every app off that cluster: accepted, with a warning, since the old objects are then deleted.
 */
export function withHomeCluster(
    input: ConfigInput,
    clusters: readonly ClusterConfig[],
    operator: Operator,
    destinationServer: string,
): ClusterConfig[] {
    if (clusters.length === 0) return [];
    // Compared in canonical form (urls.ts); a destinationServer that does not parse is reported by its own rule.
    const https = { schemes: ["https"] };
    const home = operator === "flux" ? IN_CLUSTER_SERVER : canonicalUrl(destinationServer, https);
    const marked = clusters.map((c) => ({
        ...c,
        home: home !== undefined && canonicalUrl(c.server, https) === home,
    }));
    if (!marked.some((c) => c.home)) {
        const where =
            operator === "flux"
                ? `Flux's own cluster (${IN_CLUSTER_SERVER})`
                : `destinationServer ${quote(destinationServer)}`;
        input.warn(
            "clusters",
            `lists no entry for ${where}: every Application or Kustomization is named <env>-<app>-<cluster>, so on a stack that deployed there before, the objects named <env>-<app> are deleted (their workloads too where cascadeDelete is on); list that cluster to keep them (see docs/how-to/rename-safely.md).`,
        );
    }
    return marked;
}
