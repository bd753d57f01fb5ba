import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/**
 * Guardrails that hold whatever the program's code or configuration says: run them with
 * `pulumi preview --policy-pack policy` (and in CI before `pulumi up`). The config module already refuses these
 * settings; the pack catches a code change that bypasses it, or another program in the same organization.
 */

type Props = Record<string, any>;

const ENVIRONMENT_LABEL = "gitops-stack.io/environment";
const SERVED_FLUX_VERSIONS: Record<string, string> = {
    "source.toolkit.fluxcd.io": "v1",
    "kustomize.toolkit.fluxcd.io": "v1",
    "helm.toolkit.fluxcd.io": "v2",
    "image.toolkit.fluxcd.io": "v1",
};
// Provider and Alert are served at v1beta3, Receiver at v1 (flux2 v2.8 CRDs).
const SERVED_NOTIFICATION_VERSIONS: Record<string, string> = { Provider: "v1beta3", Alert: "v1beta3", Receiver: "v1" };

const isKind = (args: ResourceValidationArgs, apiGroup: string, kind: string) =>
    args.type.startsWith(`kubernetes:${apiGroup}/`) && args.type.endsWith(`:${kind}`);
const isProd = (props: Props) => props.metadata?.labels?.[ENVIRONMENT_LABEL] === "prod";

function policy(
    name: string,
    description: string,
    check: (args: ResourceValidationArgs, props: Props) => string | undefined,
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            const message = check(args, args.props);
            if (message) reportViolation(message);
        },
    };
}

export const POLICIES: ResourceValidationPolicy[] = [
    policy(
        "argocd-application-not-in-default-project",
        "Argo CD Applications belong to an environment's AppProject, never `default` (which allows everything).",
        (args, props) =>
            isKind(args, "argoproj.io", "Application") && (props.spec?.project ?? "default") === "default"
                ? `Application ${props.metadata?.name} is in the default project; expected its environment's AppProject.`
                : undefined,
    ),
    policy(
        "argocd-appproject-no-wildcard-source-in-prod",
        "Prod AppProjects list their source repositories; `*` lets any repository deploy to prod.",
        (args, props) =>
            isKind(args, "argoproj.io", "AppProject") && isProd(props) && (props.spec?.sourceRepos ?? []).includes("*")
                ? `AppProject ${props.metadata?.name} allows sourceRepos "*" in prod; expected explicit repository URLs.`
                : undefined,
    ),
    policy(
        "argocd-appproject-explicit-destinations",
        "AppProject destinations name a server and a namespace; wildcards open every namespace of every cluster.",
        (args, props) => {
            if (!isKind(args, "argoproj.io", "AppProject")) return undefined;
            const open = (props.spec?.destinations ?? []).find(
                (d: Props) => d.namespace === "*" || d.server === "*" || d.name === "*",
            );
            return open
                ? `AppProject ${props.metadata?.name} has a wildcard destination ${JSON.stringify(open)}; expected explicit namespaces.`
                : undefined;
        },
    ),
    policy(
        "argocd-prod-no-cascade-delete-by-surprise",
        "Prod Applications carry no resources finalizer unless the stack acknowledged it (annotation set by the program).",
        (args, props) =>
            isKind(args, "argoproj.io", "Application") &&
            isProd(props) &&
            (props.metadata?.finalizers ?? []).some((f: string) =>
                f.startsWith("resources-finalizer.argocd.argoproj.io"),
            ) &&
            props.metadata?.annotations?.["gitops-stack.io/prod-overrides-acknowledged"] !== "true"
                ? `Application ${props.metadata?.name} would delete prod workloads on deletion; expected no resources finalizer in prod (or cascadeDelete with acknowledgeProdOverrides).`
                : undefined,
    ),
    policy(
        "argocd-prod-no-unacknowledged-automated-sync",
        "Prod Applications sync by hand unless the stack acknowledged automated sync (annotation set by the program).",
        (args, props) =>
            isKind(args, "argoproj.io", "Application") &&
            isProd(props) &&
            props.spec?.syncPolicy?.automated !== undefined &&
            props.metadata?.annotations?.["gitops-stack.io/prod-overrides-acknowledged"] !== "true"
                ? `Application ${props.metadata?.name} syncs automatically in prod; expected manual sync (or autoSync with acknowledgeProdOverrides).`
                : undefined,
    ),
    policy(
        "flux-prod-no-delete-by-surprise",
        "Prod Flux Kustomizations orphan their workloads on deletion unless the stack acknowledged it (annotation set by the program).",
        (args, props) => {
            if (!isKind(args, "kustomize.toolkit.fluxcd.io", "Kustomization") || !isProd(props)) return undefined;
            // Flux's default, MirrorPrune, deletes the workloads whenever prune is on.
            const deletionPolicy = props.spec?.deletionPolicy ?? "MirrorPrune";
            return deletionPolicy !== "Orphan" &&
                props.metadata?.annotations?.["gitops-stack.io/prod-overrides-acknowledged"] !== "true"
                ? `Kustomization ${props.metadata?.name} has deletionPolicy ${deletionPolicy}, which deletes prod workloads with it; expected Orphan in prod (or cascadeDelete with acknowledgeProdOverrides).`
                : undefined;
        },
    ),
    policy(
        "flux-kustomization-impersonates",
        "Flux Kustomizations apply as their environment's ServiceAccount, never with the controller's cluster-wide rights.",
        (args, props) =>
            isKind(args, "kustomize.toolkit.fluxcd.io", "Kustomization") && !props.spec?.serviceAccountName
                ? `Kustomization ${props.metadata?.name} sets no serviceAccountName; expected the environment's ServiceAccount (impersonation).`
                : undefined,
    ),
    policy(
        "helm-release-pinned-version",
        "Helm releases pin an exact chart version, so an upgrade is a reviewed change and never a surprise.",
        (args, props) =>
            args.type === "kubernetes:helm.sh/v3:Release" &&
            !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(props.version ?? "")
                ? `Helm release ${props.name ?? args.name} has version ${JSON.stringify(props.version)}; expected an exact version such as 10.1.1.`
                : undefined,
    ),
    policy(
        "git-credentials-never-skip-host-verification",
        "Repository credentials never disable TLS or SSH host verification.",
        (args, props) => {
            if (args.type !== "kubernetes:core/v1:Secret") return undefined;
            const data = { ...(props.data ?? {}), ...(props.stringData ?? {}) };
            const insecure = data.insecure === "true" || data.insecure === Buffer.from("true").toString("base64");
            return insecure
                ? `Secret ${props.metadata?.name} sets insecure=true; expected pinned known_hosts or a trusted certificate.`
                : undefined;
        },
    ),
    policy(
        "rbac-no-wildcards",
        "Roles and ClusterRoles name their API groups, resources and verbs; no `*`.",
        (args, props) => {
            if (!/^kubernetes:rbac\.authorization\.k8s\.io\/v1:(Cluster)?Role$/.test(args.type)) return undefined;
            const wild = (props.rules ?? []).find((r: Props) =>
                ["apiGroups", "resources", "verbs"].some((f) => (r[f] ?? []).includes("*")),
            );
            return wild
                ? `${args.type.split(":").pop()} ${props.metadata?.name} has a wildcard rule ${JSON.stringify(wild)}; expected explicit groups, resources and verbs.`
                : undefined;
        },
    ),
    policy(
        "flux-served-api-versions",
        "Flux objects use the API versions the current Flux CRDs serve (older versions were removed in Flux 2.8).",
        (args, props) => {
            const match = /^kubernetes:([a-z.]+\.toolkit\.fluxcd\.io)\/([a-z0-9]+):(\w+)$/.exec(args.type);
            if (!match) return undefined;
            const [, group, version, kind] = match;
            const served =
                group === "notification.toolkit.fluxcd.io"
                    ? SERVED_NOTIFICATION_VERSIONS[kind]
                    : SERVED_FLUX_VERSIONS[group];
            return served !== version
                ? `${kind} ${props.metadata?.name} uses ${group}/${version}; expected ${group}/${served ?? "a served version"}.`
                : undefined;
        },
    ),
];
