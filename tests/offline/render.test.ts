import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, PROJECT } from "../../src/config";
import {
    RENDER_MARKER,
    RenderError,
    formatSummary,
    readRenderDir,
    renderConfig,
    renderStack,
    writeRender,
} from "../../src/offline/render";
import { ConfigArgumentError, SECRET_PLACEHOLDER, StackFileError, readStackFile } from "../../src/offline/stackFile";
import { validateFluxObject } from "../flux/schema";
import { validateArgoObject } from "../support/schemas";
import { ROOT, STACKS, TEST_SECRETS, findOne, plain, runStack, stackConfig } from "../support/stacks";

let tmp: string;
beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-render-test-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under a directory (marker included), relative path to bytes. */
function readTree(dir: string): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const full = path.join(entry.parentPath, entry.name);
        files.set(path.relative(dir, full), fs.readFileSync(full));
    }
    return files;
}

const parsed = (content: string | undefined) => YAML.parse(content ?? "") as Record<string, any>;

// Pinned per committed stack, so a change to what the program declares is a visible diff.
const OBJECTS_PER_STACK = {
    AppProject: 2,
    // The built-in default project, emptied (restrictDefaultProject).
    "AppProject patch": 1,
    Application: 4,
    ClusterRole: 1,
    ClusterRoleBinding: 1,
    Namespace: 1,
    Role: 1,
    RoleBinding: 1,
    Secret: 2,
};
const EXPECTED_COUNTS: Record<(typeof STACKS)[number], Record<string, number>> = {
    // Image automation (dev and staging, never prod): Argo CD Image Updater's ImageUpdater.
    dev: { ...OBJECTS_PER_STACK, ImageUpdater: 1 },
    // OIDC sign-in: the argocd-sso Secret with the client secret.
    staging: { ...OBJECTS_PER_STACK, ImageUpdater: 1, Secret: 3 },
    prod: { ...OBJECTS_PER_STACK, Secret: 3 },
};
const ARGOCD_RELEASE = {
    name: "argocd",
    namespace: "argocd",
    chart: "argo-cd",
    version: "10.1.1",
    repository: "https://argoproj.github.io/argo-helm",
    file: "_helm/argocd.yaml",
};
const IMAGE_UPDATER_RELEASE = {
    name: "argocd-image-updater",
    namespace: "argocd",
    chart: "argocd-image-updater",
    version: "1.2.4",
    repository: "https://argoproj.github.io/argo-helm",
    file: "_helm/argocd-image-updater.yaml",
};
/** The Helm releases per committed stack: Argo CD, and the Image Updater where image automation runs. */
const EXPECTED_RELEASES: Record<(typeof STACKS)[number], Array<typeof ARGOCD_RELEASE>> = {
    dev: [IMAGE_UPDATER_RELEASE, ARGOCD_RELEASE],
    staging: [IMAGE_UPDATER_RELEASE, ARGOCD_RELEASE],
    prod: [ARGOCD_RELEASE],
};

describe("render layout", () => {
    it("writes one file per object under its namespace or _cluster, and the Helm release under _helm", async () => {
        const render = await renderStack({ root: ROOT, stack: "dev" });
        expect([...render.files.keys()]).toEqual([
            "_cluster/clusterrole-gitops-stack-argocd-readonly.yaml",
            "_cluster/clusterrolebinding-gitops-stack-argocd-readonly.yaml",
            "_cluster/namespace-argocd.yaml",
            "_helm/argocd-image-updater.yaml",
            "_helm/argocd.yaml",
            "argocd/application-dev-guestbook.yaml",
            "argocd/application-dev-platform.yaml",
            "argocd/application-dev-podinfo.yaml",
            "argocd/application-dev-root.yaml",
            "argocd/appproject-default.patch.yaml",
            "argocd/appproject-dev-bootstrap.yaml",
            "argocd/appproject-dev.yaml",
            "argocd/imageupdater-dev-images.yaml",
            "argocd/role-gitops-stack-argocd-platform.yaml",
            "argocd/rolebinding-gitops-stack-argocd-platform.yaml",
            "argocd/secret-argocd-notifications-secret.yaml",
            "argocd/secret-gitops-repo-repository.yaml",
        ]);
    });

    it("starts each object with its URN, then apiVersion, kind and metadata (name, namespace first)", async () => {
        const render = await renderStack({ root: ROOT, stack: "dev" });
        const lines = render.files.get("argocd/application-dev-root.yaml")!.split("\n");
        expect(lines.slice(0, 8)).toEqual([
            "# Pulumi URN: urn:pulumi:dev::gitops-stack::gitops-stack:index:GitOpsStack$gitops-stack:argocd:EnvironmentApplications$kubernetes:argoproj.io/v1alpha1:Application::apps-root",
            "",
            "apiVersion: argoproj.io/v1alpha1",
            "kind: Application",
            "metadata:",
            "  name: dev-root",
            "  namespace: argocd",
            "  annotations:",
        ]);
        // The rest of every map is sorted, so moving a key in the code does not show up as a change.
        const spec = parsed(render.files.get("argocd/application-dev-root.yaml")).spec;
        expect(Object.keys(spec)).toEqual([...Object.keys(spec)].sort());
    });

    it("writes the Helm release with chart, repository, version, namespace and the complete values", async () => {
        // One after the other: Pulumi's runtime is global to the process.
        const render = await renderStack({ root: ROOT, stack: "prod" });
        const run = await runStack("prod");
        const release = parsed(render.files.get("_helm/argocd.yaml"));
        expect(Object.keys(release).slice(0, 5)).toEqual(["name", "namespace", "chart", "version", "repositoryOpts"]);
        expect(Object.keys(release).at(-1)).toBe("values");
        expect(release).toMatchObject({
            name: "argocd",
            namespace: "argocd",
            chart: "argo-cd",
            version: "10.1.1",
            repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" },
        });
        expect(release).not.toHaveProperty("compat");
        const declared = plain(findOne(run.resources, "kubernetes:helm.sh/v3:Release", "argocd").inputs.values);
        expect(release.values).toEqual(declared);
    });
});

describe("render determinism", () => {
    it.each(STACKS)("%s: two renders are byte-identical, and a re-render replaces the previous one", async (stack) => {
        const first = path.join(tmp, "first");
        const second = path.join(tmp, "second");
        writeRender(await renderStack({ root: ROOT, stack }), first);
        writeRender(await renderStack({ root: ROOT, stack }), second);
        const a = readTree(first);
        expect(a.size).toBeGreaterThan(10);
        expect(readTree(second)).toEqual(a);

        // Stale files of the previous render go; nothing else is left next to the output (no staging directory).
        fs.writeFileSync(path.join(first, "argocd", "stale.yaml"), "kind: Stale\n");
        writeRender(await renderStack({ root: ROOT, stack }), first);
        expect(readTree(first)).toEqual(a);
        expect(fs.readdirSync(tmp).sort()).toEqual(["first", "second"]);
    });
});

// With operator=flux: dev and staging add image automation (two apps with an image), prod never has it.
const FLUX_OBJECTS = {
    Alert: 1,
    ClusterRole: 1,
    ClusterRoleBinding: 1,
    GitRepository: 1,
    Kustomization: 3,
    Namespace: 4,
    Provider: 1,
    Role: 1,
    RoleBinding: 4,
    Secret: 2,
    ServiceAccount: 1,
};
const FLUX_IMAGE_OBJECTS = { ImagePolicy: 2, ImageRepository: 2, ImageUpdateAutomation: 1 };
const EXPECTED_FLUX_COUNTS: Record<(typeof STACKS)[number], Record<string, number>> = {
    dev: { ...FLUX_OBJECTS, ...FLUX_IMAGE_OBJECTS },
    staging: { ...FLUX_OBJECTS, ...FLUX_IMAGE_OBJECTS },
    // Prod's Slack Alert reports errors only; drift corrections get a second Alert (issue 13).
    prod: { ...FLUX_OBJECTS, Alert: 2 },
};

describe("render counts", () => {
    it.each(STACKS)("%s with operator=flux: exact objects per kind and the flux2 release", async (stack) => {
        const render = await renderStack({ root: ROOT, stack, config: ["operator=flux"] });
        expect(render.summary.objectsByKind).toEqual(EXPECTED_FLUX_COUNTS[stack]);
        expect(render.summary.helmReleases).toEqual([
            {
                name: "flux",
                namespace: "flux-system",
                chart: "flux2",
                version: "2.18.3",
                repository: "https://fluxcd-community.github.io/helm-charts",
                file: "_helm/flux.yaml",
            },
        ]);
    });

    it.each(STACKS)("%s: exact objects per kind and Helm releases", async (stack) => {
        const render = await renderStack({ root: ROOT, stack });
        const run = await runStack(stack);
        expect(render.summary.objectsByKind).toEqual(EXPECTED_COUNTS[stack]);
        // Every Kubernetes object the program registers is rendered, none twice.
        const declared = run.resources.filter(
            (r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release",
        );
        expect(render.summary.objectCount).toBe(declared.length);
        expect(render.files.size).toBe(declared.length + EXPECTED_RELEASES[stack].length);
        expect(render.summary.helmReleases).toEqual(EXPECTED_RELEASES[stack]);
    });

    it("summarises objects by kind, releases, secrets and the output directory", async () => {
        const render = await renderStack({ root: ROOT, stack: "dev" });
        expect(formatSummary(render.summary, "rendered/dev")).toBe(
            [
                'Rendered stack "dev": 15 Kubernetes objects, 2 Helm releases.',
                "  AppProject          2",
                "  AppProject patch    1",
                "  Application         4",
                "  ClusterRole         1",
                "  ClusterRoleBinding  1",
                "  ImageUpdater        1",
                "  Namespace           1",
                "  Role                1",
                "  RoleBinding         1",
                "  Secret              2",
                "  Helm release argocd-image-updater: chart argocd-image-updater 1.2.4 from https://argoproj.github.io/argo-helm, namespace argocd",
                "  Helm release argocd: chart argo-cd 10.1.1 from https://argoproj.github.io/argo-helm, namespace argocd",
                `Secret values written as ${SECRET_PLACEHOLDER}: 2.`,
                "Output: rendered/dev",
                "",
            ].join("\n"),
        );
    });
});

describe("render secrets", () => {
    // Every line of every test secret (the SSH key's body, the token...), so a re-wrapped secret is caught too.
    const secretFragments = Object.values(TEST_SECRETS).flatMap((s) => s.split("\n").filter((l) => l.includes("4f1c")));

    it.each(STACKS)("%s: real secret values never reach a file; the Secrets carry the placeholder", async (stack) => {
        const render = await renderConfig(stack, stackConfig(stack));
        for (const [file, content] of render.files) {
            for (const fragment of secretFragments) expect(content, file).not.toContain(fragment);
        }
        const notifications = parsed(render.files.get("argocd/secret-argocd-notifications-secret.yaml"));
        expect(notifications.stringData).toEqual({ "slack-token": SECRET_PLACEHOLDER });
        // The whole stringData of the repository Secret is secret: its keys stay, every value is the placeholder.
        const repo = parsed(
            [...render.files].find(([f]) => f.startsWith("argocd/secret-gitops-repo-"))?.[1] ?? "not rendered",
        );
        const credentialKey = stack === "prod" ? "githubAppPrivateKey" : "sshPrivateKey";
        expect(repo.stringData[credentialKey]).toBe(SECRET_PLACEHOLDER);
        // What the credential reaches is not secret and stays readable; only the credential itself is redacted.
        const config = plain(stackConfig(stack).values) as Record<string, string>;
        expect(repo.stringData.url).toBe(config[`${PROJECT}:repoUrl`]);
        expect(repo.stringData.type).toBe("git");
        const redactedKeys = Object.keys(repo.stringData).filter((k) => repo.stringData[k] === SECRET_PLACEHOLDER);
        expect(redactedKeys).toEqual([credentialKey]);
        // staging and prod sign in with OIDC: its client secret is in the argocd-sso Secret, as the placeholder.
        const sso = render.files.get("argocd/secret-argocd-sso.yaml");
        if (stack === "dev") expect(sso).toBeUndefined();
        else expect(parsed(sso).stringData).toEqual({ clientSecret: SECRET_PLACEHOLDER });
        // Git webhooks (dev and staging, with the secret): only the webhook secret and the digest that rolls the
        // ApplicationSet controller are redacted in the chart values; every other value stays readable.
        const values = parsed(render.files.get("_helm/argocd.yaml")).values;
        const webhook = stack !== "prod";
        if (webhook) {
            expect(values.configs.secret).toEqual({ githubSecret: SECRET_PLACEHOLDER });
            expect(values.applicationSet.podAnnotations).toEqual({
                "gitops-stack.io/webhook-secret-digest": SECRET_PLACEHOLDER,
            });
            expect(values.configs.cm["admin.enabled"]).toBe(stack === "dev");
        } else expect(values.configs.secret).toBeUndefined();
        expect(render.summary.redactedValues).toBe(1 + redactedKeys.length + (sso ? 1 : 0) + (webhook ? 2 : 0));
    });

    it("ignores secrets the environment carries (PULUMI_CONFIG)", async () => {
        const saved = process.env.PULUMI_CONFIG;
        process.env.PULUMI_CONFIG = JSON.stringify({ [`${PROJECT}:slackToken`]: "xoxb-from-the-environment-4f1c" });
        try {
            const render = await renderStack({ root: ROOT, stack: "dev" });
            for (const content of render.files.values()) expect(content).not.toContain("from-the-environment");
        } finally {
            if (saved === undefined) delete process.env.PULUMI_CONFIG;
            else process.env.PULUMI_CONFIG = saved;
        }
    });

    it("refuses to render a secret's value that a program unwrapped, and names the key, not the value", async () => {
        const leaky = () => {
            const token = new pulumi.Config(PROJECT).requireSecret("slackToken");
            new k8s.core.v1.ConfigMap("leak", {
                metadata: { name: "leak", namespace: "argocd" },
                data: { note: pulumi.interpolate`token ${pulumi.unsecret(token)}` },
            });
        };
        const error = await renderConfig("dev", stackConfig("dev"), leaky).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RenderError);
        expect((error as Error).message).toContain(`secret ${PROJECT}:slackToken`);
        expect((error as Error).message).not.toContain(TEST_SECRETS.slackToken);
    });
});

describe("render: secrets the stack file does not hold", () => {
    /** A temporary copy of a committed stack file, edited, so renderStack reads it as a user's file. */
    function stackDir(stack: string, edit: (text: string) => string = (t) => t): string {
        const dir = path.join(tmp, `root-${stack}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(dir, `Pulumi.${stack}.yaml`),
            edit(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")),
        );
        return dir;
    }

    it("warns about each needed secret, naming the key and the pulumi config set --secret command", async () => {
        const render = await renderStack({
            root: ROOT,
            stack: "dev",
            config: ["repoUrl=https://github.com/acme/gitops.git", "authKind=https"],
        });
        expect(render.summary.warnings).toEqual([
            `stack "dev" needs the secret gitops-stack:httpsToken (is required with authKind https), which Pulumi.dev.yaml does not hold: the render used ${SECRET_PLACEHOLDER}, pulumi up would stop here. Set it with: pulumi config set --secret httpsToken <value> --stack dev`,
            `stack "dev" needs the secret gitops-stack:slackToken (is required when slackChannel is set), which Pulumi.dev.yaml does not hold: the render used ${SECRET_PLACEHOLDER}, pulumi up would stop here. Set it with: pulumi config set --secret slackToken <value> --stack dev`,
        ]);
    });

    it("warns only about the secrets the configuration uses", async () => {
        // No Slack channel: no slackToken needed; SSH: no httpsToken or GitHub App key.
        const render = await renderStack({ root: ROOT, stack: "dev", config: ["slackChannel="] });
        expect(render.summary.warnings).toHaveLength(1);
        expect(render.summary.warnings[0]).toContain("gitops-stack:sshPrivateKey (is required with authKind ssh)");
        expect(render.summary.warnings[0]).toContain("pulumi config set --secret sshPrivateKey <value> --stack dev");
    });

    it("does not warn about a secret the stack file holds (encrypted)", async () => {
        const root = stackDir("dev", (text) =>
            text.replace(
                "config:\n",
                "config:\n  gitops-stack:sshPrivateKey:\n    secure: v1:c2VjcmV0\n  gitops-stack:slackToken:\n    secure: v1:dG9rZW4=\n",
            ),
        );
        const render = await renderStack({ root, stack: "dev" });
        expect(render.summary.warnings).toEqual([]);
        for (const content of render.files.values()) expect(content).not.toContain("v1:c2VjcmV0");
    });
});

describe("render: stack file errors", () => {
    it.each<[string, string, number]>([
        [
            "indentation",
            "config:\n  gitops-stack:repoUrl: git@github.com:acme/gitops.git\n   gitops-stack:authKind: ssh\n",
            2,
        ],
        ["a duplicate key", "config:\n  gitops-stack:authKind: ssh\n  gitops-stack:authKind: https\n", 3],
        ["a tab", "config:\n  gitops-stack:authKind: ssh\n\tgitops-stack:slackChannel: deploys-prod\n", 3],
        ["an unclosed list", "config:\n  gitops-stack:deployerGroups: [acme:sre\n", 3],
    ])("names the file and the line of %s", (_what, text, line) => {
        fs.writeFileSync(path.join(tmp, "Pulumi.qa.yaml"), text);
        let error: unknown;
        try {
            readStackFile(tmp, "qa");
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(StackFileError);
        expect((error as Error).message).toMatch(
            new RegExp(`^Pulumi\\.qa\\.yaml: line ${line}, column \\d+: .+; expected valid YAML`),
        );
    });

    it("refuses a stack file whose config is not a mapping", () => {
        fs.writeFileSync(path.join(tmp, "Pulumi.qa.yaml"), "config:\n  - gitops-stack:repoUrl\n");
        expect(() => readStackFile(tmp, "qa")).toThrow(
            /^Pulumi\.qa\.yaml: expected a mapping with a "config:" mapping/,
        );
    });

    it("passes every namespace of the stack file to the program, a mistyped one too", () => {
        fs.writeFileSync(
            path.join(tmp, "Pulumi.qa.yaml"),
            "config:\n  kubernetes:context: kind-qa\n  kubernets:context: typo\n  gitops-stack:operator: flux\n",
        );
        const config = readStackFile(tmp, "qa");
        expect(config.stack).toBe("qa");
        expect(config.values["kubernetes:context"]).toBe("kind-qa");
        expect(config.values["kubernets:context"]).toBe("typo");
        expect(config.values["gitops-stack:operator"]).toBe("flux");
    });
});

describe("render: the full engine configuration, offline", () => {
    const copyStack = (stack: string, edit: (text: string) => string) => {
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(tmp, "Pulumi.yaml"));
        const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
        fs.writeFileSync(path.join(tmp, `Pulumi.${stack}.yaml`), edit(text));
        return tmp;
    };

    it("hands the program every namespace of the stack file, so a mistyped provider key is refused", async () => {
        const root = copyStack("dev", (t) => t.replace("\nconfig:\n", "\nconfig:\n  kubernets:context: kind-dev\n"));
        const error = await renderStack({ root, stack: "dev" }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain('Invalid configuration for stack "dev"');
        expect((error as Error).message).toContain("kubernets:context:");
        expect((error as Error).message).toContain("expected kubernetes:context");
    });

    it("refuses the same typo given with --config", async () => {
        const error = await renderStack({ root: ROOT, stack: "dev", config: ["kubernets:context=kind-dev"] }).catch(
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain("kubernets:context");
    });

    it("needs no cluster: a kube context that exists nowhere still renders (the check is for real engine runs)", async () => {
        const root = copyStack("dev", (t) =>
            t.replace("\nconfig:\n", "\nconfig:\n  kubernetes:context: no-such-context\n"),
        );
        const render = await renderStack({ root, stack: "dev" });
        const committed = await renderStack({ root: ROOT, stack: "dev" });
        expect(render.summary.objectsByKind).toEqual(committed.summary.objectsByKind);
    });
});

describe("render credential scope", () => {
    /** The lines of two renders that differ, file by file. */
    function changedLines(a: Map<string, string>, b: Map<string, string>): string[] {
        expect([...a.keys()]).toEqual([...b.keys()]);
        const changed: string[] = [];
        for (const [file, content] of a) {
            const left = content.split("\n");
            const right = (b.get(file) ?? "").split("\n");
            left.forEach((line, i) => {
                if (line !== right[i]) changed.push(`${file}: ${line} -> ${right[i]}`);
            });
        }
        return changed;
    }

    it.each(STACKS)(
        "%s: a widened repo-creds prefix changes exactly the url line of the credential Secret",
        async (stack) => {
            const repoUrl = (plain(stackConfig(stack).values) as Record<string, string>)[`${PROJECT}:repoUrl`];
            const owner = repoUrl.replace(/[^/:]+$/, "");
            const scoped = (prefix: string) =>
                renderConfig(
                    stack,
                    stackConfig(stack, { config: ["credentialScope=repo-creds", `credentialUrlPrefix=${prefix}`] }),
                );
            const narrow = await scoped(repoUrl.replace(/\.git$/, ""));
            const wide = await scoped(owner);
            expect(changedLines(narrow.files, wide.files)).toEqual([
                `argocd/secret-gitops-repo-repo-creds.yaml:   url: ${repoUrl.replace(/\.git$/, "")} -> ${"  url: " + owner}`,
            ]);
        },
    );

    it("an Argo CD cluster Secret shows the cluster it reaches, never its credentials", async () => {
        const clusters = [{ name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" }];
        const render = await renderConfig(
            "prod",
            stackConfig("prod", { raw: { "gitops-stack:clusters": JSON.stringify(clusters) } }),
        );
        const [file, content] = [...render.files].find(
            ([, c]) => parsed(c).metadata?.labels?.["argocd.argoproj.io/secret-type"] === "cluster",
        ) ?? ["none", ""];
        const secret = parsed(content);
        const data = secret.stringData ?? secret.data;
        expect(data.server, file).toBe("https://eu-1.k8s.example.com:6443");
        expect(data.name).toBe("eu-1");
        expect(data.config).toBe(SECRET_PLACEHOLDER);
        const token = JSON.parse(TEST_SECRETS.clusterCredentials)["eu-1"].bearerToken as string;
        for (const text of render.files.values()) expect(text).not.toContain(token);
    });

    it("a repository and a repo-creds credential differ in their scope, visibly", async () => {
        const repository = await renderConfig("prod", stackConfig("prod"));
        const template = await renderConfig("prod", stackConfig("prod", { config: ["credentialScope=repo-creds"] }));
        const secret = (render: typeof repository) =>
            parsed([...render.files].find(([f]) => f.startsWith("argocd/secret-gitops-repo-"))?.[1]);
        expect(secret(repository).metadata.labels["argocd.argoproj.io/secret-type"]).toBe("repository");
        expect(secret(repository).stringData.url).toBe("https://github.com/acme/gitops.git");
        expect(secret(template).metadata.labels["argocd.argoproj.io/secret-type"]).toBe("repo-creds");
        expect(secret(template).stringData.url).toBe("https://github.com/acme/");
        expect(secret(template).stringData.githubAppPrivateKey).toBe(SECRET_PLACEHOLDER);
    });

    it("Flux: the git Secret shows the pinned host keys and user name, never the key or the token", async () => {
        const ssh = await renderConfig("dev", stackConfig("dev", { config: ["operator=flux"] }));
        const file = [...ssh.files].find(([f]) => /^flux-system\/secret-gitops-dev-auth/.test(f));
        const secret = parsed(file?.[1]);
        expect(secret.stringData.identity).toBe(SECRET_PLACEHOLDER);
        expect(secret.stringData.known_hosts).toMatch(/^github\.com ssh-ed25519 AAAA/);
        // The Slack token Secret is not a git credential: everything in it stays redacted.
        const slack = [...ssh.files].find(([f]) => /^flux-system\/secret-slack-/.test(f));
        if (slack) expect(new Set(Object.values(parsed(slack[1]).stringData))).toEqual(new Set([SECRET_PLACEHOLDER]));
        const https = await renderConfig(
            "dev",
            stackConfig("dev", {
                config: [
                    "operator=flux",
                    "repoUrl=https://github.com/acme/gitops.git",
                    "authKind=https",
                    "httpsUsername=acme-bot",
                ],
            }),
        );
        const httpsSecret = parsed([...https.files].find(([f]) => /^flux-system\/secret-gitops-dev-auth/.test(f))?.[1]);
        expect(httpsSecret.stringData).toEqual({ username: "acme-bot", password: SECRET_PLACEHOLDER });
        for (const content of https.files.values()) expect(content).not.toContain(TEST_SECRETS.httpsToken);
    });
});

describe("render errors", () => {
    const failure = (options: { stack: string; config?: string[] }) =>
        renderStack({ root: ROOT, ...options }).then(
            () => {
                throw new Error("expected the render to fail");
            },
            (err: unknown) => err as Error,
        );

    it("names an unknown stack and the stacks there are", async () => {
        const error = await failure({ stack: "qa" });
        expect(error).toBeInstanceOf(StackFileError);
        expect(error.message).toBe('Unknown stack "qa": no Pulumi.qa.yaml; expected one of dev, prod, staging.');
    });

    it("names an unknown --config key and the stack, and suggests the nearest key instead of listing all", async () => {
        const error = await failure({ stack: "dev", config: ["autoSnyc=false"] });
        expect(error).toBeInstanceOf(StackFileError);
        expect(error).not.toBeInstanceOf(ConfigArgumentError);
        expect(error.message).toBe(
            '--config "autoSnyc": unknown key for stack "dev" (project gitops-stack); did you mean "autoSync"?',
        );
    });

    it.each([
        ["acknowledgeProdOverride", "prod", "acknowledgeProdOverrides"],
        ["REPOURL", "staging", "repoUrl"],
        ["fluxIntervall", "dev", "fluxInterval"],
        ["slackchanel", "dev", "slackChannel"],
    ])("suggests %s -> the nearest key", async (key, stack, nearest) => {
        const error = await failure({ stack, config: [`${key}=x`] });
        expect(error.message).toContain(`stack "${stack}"`);
        expect(error.message).toContain(`did you mean "${nearest}"?`);
        expect(error.message).not.toMatch(/slackChannel, .*slackTriggers|one of/);
    });

    it("names a key nothing resembles without listing every key", async () => {
        const error = await failure({ stack: "dev", config: ["frobnicate=1"] });
        expect(error.message).toBe(
            `--config "frobnicate": unknown key for stack "dev" (project gitops-stack); expected a key of docs/reference/configuration.md.`,
        );
    });

    it.each([["slackChannel"], ["=deploys"], ["slackToken=xoxb-1"]])(
        "takes --config %s as a bad argument (ConfigArgumentError)",
        async (override) => {
            const error = await failure({ stack: "dev", config: [override] });
            expect(error).toBeInstanceOf(ConfigArgumentError);
            expect(error.message).toContain("--config");
            expect(error.message).not.toContain("xoxb-1");
        },
    );

    it("names the stack, the key and the bad value", async () => {
        const error = await failure({ stack: "staging", config: ["autoSync=maybe"] });
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toContain('Invalid configuration for stack "staging"');
        expect(error.message).toContain(`${PROJECT}:autoSync: "maybe" is not valid`);
    });

    it("never replaces a directory that is not a previous render", async () => {
        const render = await renderStack({ root: ROOT, stack: "dev" });
        const foreign = path.join(tmp, "foreign");
        fs.mkdirSync(foreign);
        fs.writeFileSync(path.join(foreign, "notes.txt"), "mine\n");
        expect(() => writeRender(render, foreign)).toThrow(RenderError);
        expect(() => writeRender(render, foreign)).toThrow(/not a previous render \(no \.gitops-stack-render\)/);
        expect(fs.readdirSync(foreign)).toEqual(["notes.txt"]);
        expect(fs.readdirSync(tmp)).toEqual(["foreign"]);

        // An empty directory (e.g. made by mkdtemp) is fine, and becomes a render.
        const empty = path.join(tmp, "empty");
        fs.mkdirSync(empty);
        writeRender(render, empty);
        expect(fs.existsSync(path.join(empty, RENDER_MARKER))).toBe(true);
        expect(readRenderDir(empty)).toEqual(render.files);
    });
});

describe("rendered Argo CD objects", () => {
    it.each(STACKS)("%s: every Application and AppProject passes the upstream schema", async (stack) => {
        const render = await renderStack({ root: ROOT, stack });
        const objects = [...render.files.values()]
            .map(parsed)
            .filter((o) => o.kind === "Application" || o.kind === "AppProject");
        expect(objects).toHaveLength(7);
        for (const object of objects) await validateArgoObject(object);
    });
});

describe("rendered Flux objects", () => {
    it.each(STACKS)("%s with operator=flux: every Flux object passes the upstream schema", async (stack) => {
        const render = await renderStack({ root: ROOT, stack, config: ["operator=flux"] });
        const objects = [...render.files.values()]
            .map(parsed)
            .filter((o) => typeof o.apiVersion === "string" && o.apiVersion.includes(".toolkit.fluxcd.io/"));
        expect(objects).toHaveLength(stack === "prod" ? 7 : 11);
        for (const object of objects) await validateFluxObject(object);
    });
});
