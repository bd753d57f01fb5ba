/**
 * Issue 19 §2 (equivalent spellings), §5 (CR/LF injection) and §6 (credentials in messages), each closed by one
 * mechanism: the URL canonicaliser (src/config/rules/urls.ts), the character check over every public value
 * (src/config/rules/characters.ts), and the redaction every problem and warning goes through (ConfigInput.redact,
 * redactSecrets in src/config/guards.ts). Tables include cases beyond the issue's examples.
 */
import { describe, expect, it } from "vitest";
import { redactSecrets, redactUserinfo } from "../../../src/config/guards";
import { repoUrlProblem } from "../../../src/config/rules/repository";
import {
    IN_CLUSTER_SERVER,
    canonicalHost,
    canonicalUrl,
    controlCharacterProblem,
    isInClusterServer,
    parseUrl,
} from "../../../src/config/rules/urls";
import { expectRefused } from "./expectations";
import { errorOf, parsed } from "./support";

const https = { schemes: ["https"] };

describe("parseUrl: one canonical form per URL", () => {
    it.each([
        ["https://EU-1.K8s.Example.com/", "https://eu-1.k8s.example.com"],
        ["https://eu-1.k8s.example.com.", "https://eu-1.k8s.example.com"],
        ["HTTPS://eu-1.k8s.example.com:443", "https://eu-1.k8s.example.com"],
        ["https://eu-1.k8s.example.com:0443/", "https://eu-1.k8s.example.com"],
        ["https://eu-1.k8s.example.com:6443//", "https://eu-1.k8s.example.com:6443"],
        ["https://kubernetes.default.svc.cluster.local", IN_CLUSTER_SERVER],
        ["https://KUBERNETES.DEFAULT.SVC.", IN_CLUSTER_SERVER],
        ["https://kubernetes.default:443/", IN_CLUSTER_SERVER],
        ["https://[FD00::1]:6443", "https://[fd00::1]:6443"],
    ])("%s is %s", (url, canonical) => expect(canonicalUrl(url, https)).toBe(canonical));

    it("keeps different servers different (port, path, host)", () => {
        const forms = [
            "https://eu-1.k8s.example.com",
            "https://eu-1.k8s.example.com:6443",
            "https://eu-1.k8s.example.com/proxy",
            "https://eu-2.k8s.example.com",
            "https://kubernetes.default.svc.cluster.example",
        ].map((u) => canonicalUrl(u, https));
        expect(new Set(forms).size).toBe(forms.length);
        expect(isInClusterServer("https://kubernetes.default.svc.cluster.example")).toBe(false);
    });

    it("folds the in-cluster aliases and lower-cases hosts", () => {
        expect(canonicalHost("Kubernetes.Default.Svc.Cluster.Local.")).toBe("kubernetes.default.svc");
        expect(canonicalHost("GitHub.com.")).toBe("github.com");
    });

    it.each([
        ["not a url", /whitespace/],
        ["eu-1.k8s.example.com", /is not a URL of the form https:\/\//],
        ["file:///etc/passwd", /uses the scheme "file:\/\/"/],
        ["http://eu-1.k8s.example.com", /uses http:\/\//],
        ["https://", /has no host/],
        ["https://user:pw@eu-1.example.com", /carries user information/],
        ["https://u:p/w@eu-1.example.com", /carries user information/],
        ["https://eu-1.example.com/a?x=1", /query string/],
        ["https://eu-1.example.com/a#frag", /fragment/],
        ["https://eu-1.example.com/a/%2e%2e/b", /percent-encoded/],
        ["https://eu-1.example.com/a/%2F/b", /percent-encoded/],
        ["https://bücher.example", /not ASCII/],
        ["https://eu-1.example.com\r\nX-Injected: 1", /line break/],
        ["https://eu-1.example.com/\u0000", /control character U\+0000/],
        ["https://eu-1.example.com:-1", /port "-1"/],
        ["https://1.2.3.999", /not a valid IPv4/],
    ])("%j is refused: %s", (url, why) => {
        const result = parseUrl(url, https);
        expect(typeof result).toBe("string");
        expect(result).toMatch(why);
    });

    it("never repeats user information in its reason", () => {
        for (const url of ["https://admin:hunter2-4f1c@h.example", "https://ghp_tok4f1c@h.example/x"]) {
            expect(String(parseUrl(url, https))).not.toMatch(/hunter2|tok4f1c|port/);
        }
    });
});

describe("controlCharacterProblem", () => {
    it.each([
        ["a\nb", /line break/],
        ["a\rb", /line break/],
        ["a\u2028b", /U\+2028/],
        ["a\u0085b", /U\+0085/],
        ["a\u007fb", /U\+007f/],
        ["a\tb", /tab/],
    ])("%j: %s", (value, why) => expect(controlCharacterProblem(value)).toMatch(why));
    it("allows spaces when asked", () => {
        expect(controlCharacterProblem("0 8 * * 1-5", false)).toBeUndefined();
        expect(controlCharacterProblem("0 8 * * 1-5")).toMatch(/whitespace/);
    });
});

describe("redaction: no message repeats a credential", () => {
    it.each([
        ["https://admin:s3cret-4f1c@h.example/x", "https://[redacted]@h.example/x"],
        ["oci://robot$ci:s3cret-4f1c@r.example/charts", "oci://[redacted]@r.example/charts"],
        ["https://ghp_s3cret4f1c@github.com/a/b.git", "https://[redacted]@github.com/a/b.git"],
        ["https://u:pa/ss4f1c@h.example", "https://[redacted]@h.example"],
        ["ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"],
        ["git@github.com:a/b.git", "git@github.com:a/b.git"],
        ['"git:s3cret-4f1c@github.com:a/b.git"', '"[redacted]@github.com:a/b.git"'],
        ["robot:s3cret-4f1c@registry.example.com/mirror", "[redacted]@registry.example.com/mirror"],
        ["group acme:ops and mail oncall@acme.example", "group acme:ops and mail oncall@acme.example"],
        ["ssh://git:s3cret-4f1c@github.com/a/b.git", "ssh://[redacted]@github.com/a/b.git"],
        ["https://registry.npmjs.org/@types/node", "https://registry.npmjs.org/@types/node"],
        [
            '"https://a:b@h.example" and "https://c:d@i.example"',
            '"https://[redacted]@h.example" and "https://[redacted]@i.example"',
        ],
    ])("%s -> %s", (text, redacted) => expect(redactUserinfo(text)).toBe(redacted));

    it("takes out PEM private keys, age identities and the stack's secret values", () => {
        const text = JSON.stringify(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE4f1c\n-----END OPENSSH PRIVATE KEY-----",
        );
        expect(redactSecrets(`x ${text} y`)).toBe('x "[private key redacted]" y');
        expect(redactSecrets("AGE-SECRET-KEY-1JMMFVDR5C9X5JPU39TAYN6SJKMG9YT0CKZ0EFC2UP0QW8AH7A9FQAQVJWS")).toBe(
            "[age identity redacted]",
        );
        expect(redactSecrets('token "xoxb-1-2-4f1c" and xoxb-1-2-4f1c', ["xoxb-1-2-4f1c"])).toBe(
            'token "[secret]" and [secret]',
        );
    });
});

describe("§2 equivalent spellings are the same thing", () => {
    const LOCAL = { name: "local", server: IN_CLUSTER_SERVER };
    const EU = { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" };
    const clusters = (...list: unknown[]) => ({ "gitops-stack:clusters": JSON.stringify(list) });

    it.each([
        ["https://kubernetes.default.svc.cluster.local"],
        ["https://kubernetes.default.svc."],
        ["https://KUBERNETES.default.svc:443/"],
        ["https://kubernetes.default"],
    ])("refuses the in-cluster API server listed twice (%s beside kubernetes.default.svc)", (alias) => {
        expectRefused(
            "dev",
            { raw: clusters(LOCAL, { name: "again", server: alias }) },
            "clusters",
            null,
            /is also cluster "local"'s API server \(both are https:\/\/kubernetes\.default\.svc\)/,
        );
    });

    it.each([
        "https://EU-1.k8s.example.com:6443",
        "https://eu-1.k8s.example.com.:6443/",
        "https://eu-1.K8S.example.com:06443",
    ])("refuses a remote server listed twice (%s)", (server) => {
        expectRefused(
            "dev",
            { raw: clusters(EU, { ...EU, name: "eu-1-again", server }) },
            "clusters",
            null,
            /is also cluster "eu-1"'s API server/,
        );
    });

    it("writes an in-cluster alias as the name Argo CD knows its cluster by", () => {
        const c = parsed("dev", {
            raw: clusters({ name: "local", server: "https://kubernetes.default.svc.cluster.local" }),
            secrets: { clusterCredentials: null },
        });
        expect(c.clusters[0]).toMatchObject({ server: IN_CLUSTER_SERVER, inCluster: true });
        expect(
            parsed("dev", { config: ["destinationServer=https://Kubernetes.Default.Svc.Cluster.Local."] }).argocd
                .destinationServer,
        ).toBe(IN_CLUSTER_SERVER);
        // The in-cluster destination takes no credentials, whichever way it is spelt.
        expectRefused(
            "dev",
            { raw: clusters({ name: "local", server: "https://kubernetes.default.svc.", auth: "bearer" }) },
            "clusters",
            null,
            /is the in-cluster destination/,
        );
    });

    it("admits a repository once, however it is spelt (Argo CD compares them normalised)", () => {
        const c = parsed("dev", {
            config: [
                `extraSourceRepos=${JSON.stringify([
                    "git@GitHub.com:acme/gitops",
                    "ssh://git@github.com:22/acme/gitops.git",
                    "https://github.com/acme/other.git",
                    "https://GITHUB.com:443/acme/other",
                ])}`,
            ],
        });
        expect(c.argocd.sourceRepos).toEqual(["git@github.com:acme/gitops.git", "https://github.com/acme/other.git"]);
    });

    it("matches a repo-creds prefix as Argo CD does, whatever the case", () => {
        const c = parsed("prod", {
            config: ["credentialScope=repo-creds", "credentialUrlPrefix=https://GitHub.com/Acme/"],
        });
        expect(c.repo.credentialUrl).toBe("https://GitHub.com/Acme/");
    });
});

describe("§2 a value the check cannot read is an error, never a pass", () => {
    it.each([
        ["file:///etc", /uses the scheme "file:\/\/"/],
        ["http://github.com/acme/x.git", /uses http:\/\//],
        ["github.com/acme/x.git", /none of the forms/],
        ["ssh://github.com/acme/x.git", /no login user/],
        ["https://github.com", /no repository path/],
        ["https://github.com/acme/x%2e%2e/y.git", /percent-encoded/],
        ["git@github.com:/etc/passwd", /no path relative to the login/],
        ["git:hunter2-4f1c@github.com:acme/x.git", /password/],
        ["https://github.com/acme/x y.git", /whitespace/],
    ])("extraSourceRepos %j is refused (%s)", (repo, why) => {
        expect(repoUrlProblem(repo)).toMatch(why);
        const message = errorOf("prod", { config: [`extraSourceRepos=${JSON.stringify([repo])}`] });
        expect(message).toMatch(/gitops-stack:extraSourceRepos: .*is not valid; expected one exact repository URL/);
        expect(message).toMatch(why);
        expect(message).not.toContain("hunter2");
    });
});

describe("§6 user information is named and never repeated", () => {
    const PASSWORD = "hunter2-4f1c";
    it.each([
        ["repoUrl", `https://admin:${PASSWORD}@github.com/acme/gitops.git`, ["authKind=https"]],
        ["repoUrl", `ssh://git:${PASSWORD}@github.com/acme/gitops.git`, []],
        ["argocdUrl", `https://admin:${PASSWORD}@argocd.acme.example`, []],
        ["githubAppEnterpriseBaseUrl", `https://x:${PASSWORD}@ghe.acme.example/api/v3`, []],
        ["argocdChartRepository", `https://robot:${PASSWORD}@charts.acme.example`, []],
        ["argocdChartRepository", `oci://robot:${PASSWORD}@registry.acme.example/charts`, []],
        ["imageRegistry", `robot:${PASSWORD}@registry.acme.example/mirror`, []],
        ["destinationServer", `https://admin:${PASSWORD}@k8s.acme.example:6443`, []],
        [
            "externalSecretsVaultServer",
            `https://root:${PASSWORD}@vault.acme.example:8200`,
            ["secretsInGit=external-secrets"],
        ],
        [
            "credentialUrlPrefix",
            `https://x:${PASSWORD}@github.com/acme/`,
            ["credentialScope=repo-creds", "repoUrl=https://github.com/acme/gitops.git"],
        ],
    ])("%s %s", (key, value, extra) => {
        const message = errorOf("prod", { config: [...extra, `${key}=${value}`] });
        expect(message).toMatch(new RegExp(`gitops-stack:${key}: .*(user information|password)`));
        expect(message).not.toContain(PASSWORD);
        expect(message).not.toMatch(/port "/);
    });

    it("names the server of a cluster with user information without repeating it", () => {
        const message = errorOf("dev", {
            raw: {
                "gitops-stack:clusters": JSON.stringify([
                    { name: "eu-1", server: `https://admin:${PASSWORD}@eu-1.example.com`, auth: "bearer" },
                ]),
            },
        });
        expect(message).toMatch(
            /cluster "eu-1".server "https:\/\/\[redacted\]@eu-1.example.com" is not valid \(it carries user information/,
        );
        expect(message).not.toContain(PASSWORD);
    });
});

describe("§5 no CR/LF or control character in any public value", () => {
    it.each([
        ["appPathTemplate", "apps/{app}\n/overlays/{env}"],
        ["rootPathTemplate", "environments/{env}\r"],
        ["slackChannel", "deploys-dev\r\nX-Injected: 1"],
        ["argocdUrl", "https://argocd.acme.example/\nX: 1"],
        ["httpsUsername", "git\u0000"],
        ["targetRevision", "main\u2028"],
        ["deployerGroups", JSON.stringify(["acme:ops\n"])],
    ])("%s %j is refused, once", (key, value) => {
        const message = errorOf("dev", { config: [`${key}=${value}`] });
        const mine = message.split("\n  - ").filter((p) => p.startsWith(`gitops-stack:${key}: `));
        expect(mine.filter((p) => /line break|control character/.test(p))).toHaveLength(1);
    });

    it.each([
        ["path", { name: "guestbook", namespace: "guestbook-dev", path: "apps/guestbook\n/dev" }],
        ["image", { name: "guestbook", namespace: "guestbook-dev", image: "ghcr.io/a/b\r\n", semverRange: "1.x" }],
        ["dependsOn", { name: "guestbook", namespace: "guestbook-dev", dependsOn: ["plat\nform"] }],
    ])("apps[].%s with a line break is refused, naming the field", (field, app) => {
        expectRefused(
            "dev",
            { raw: { "gitops-stack:apps": JSON.stringify([app]) } },
            "apps",
            null,
            new RegExp(`apps\\[0\\]\\.${field}.* contains a line break`),
        );
    });

    it("refuses a CR/LF in a webhook header value or URL (secrets: named, not shown)", () => {
        const channel = { type: "webhook", name: "hook", headers: ["Authorization"] };
        const message = errorOf("dev", {
            config: [FLUX],
            raw: { "gitops-stack:alertChannels": JSON.stringify([channel]) },
            secrets: {
                alertSecrets: JSON.stringify({
                    hook: {
                        url: "https://hooks.acme.example/x\r\nHost: evil.example",
                        headers: { Authorization: "Bearer tok-4f1c\r\nX-Evil: 1" },
                    },
                }),
            },
        });
        expect(message).toMatch(/entry "hook".headers "Authorization" contains a line break/);
        expect(message).toMatch(/entry "hook".url is not an https:\/\/ URL .*: it contains a line break/);
        expect(message).not.toMatch(/tok-4f1c|evil\.example|X-Evil/);
    });
});

const FLUX = "operator=flux";

describe("§1 private material in a public key is refused by name, never shown", () => {
    const PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA4f1c\n-----END OPENSSH PRIVATE KEY-----";
    const AGE = "AGE-SECRET-KEY-1JMMFVDR5C9X5JPU39TAYN6SJKMG9YT0CKZ0EFC2UP0QW8AH7A9FQAQVJWS";
    it.each([
        ["argocdUrl", PEM, "a PEM private key (OPENSSH PRIVATE KEY)"],
        ["sshKnownHosts", `github.com ssh-ed25519 AAAA\n${PEM}`, "a PEM private key"],
        ["slackChannel", AGE, "an age identity"],
        ["ssoOidcConfig", `issuer: https://x\nclientSecret: |\n  ${PEM.replace(/\n/g, "\n  ")}`, "a PEM private key"],
        ["deployerGroups", JSON.stringify([AGE.toLowerCase()]), "an age identity"],
    ])("%s holding %s", (key, value, what) => {
        const message = errorOf("dev", { config: [`${key}=${value}`] });
        const mine = message.split("\n  - ").filter((p) => p.startsWith(`gitops-stack:${key}: `));
        expect(mine).toHaveLength(1);
        expect(mine[0]).toContain(`holds ${what}`);
        expect(mine[0]).toContain("(the value is not shown)");
        expect(message).not.toMatch(/b3BlbnNzaC1rZXktdjEAAAAA4f1c|JMMFVDR5C9X5JPU39TAYN6SJ/i);
    });

    it("in a structured key (an app's image)", () => {
        const message = errorOf("dev", {
            raw: { "gitops-stack:apps": JSON.stringify([{ name: "a", namespace: "a-dev", image: PEM }]) },
        });
        expect(message).toMatch(/gitops-stack:apps: holds a PEM private key/);
        expect(message).not.toContain("4f1c");
    });
});
