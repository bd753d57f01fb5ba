import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/config";
import { main } from "../../src/program";
import { configErrorOf, runStack, stackConfig } from "../support/stacks";

/** Each row: stack, overrides, and what the one-message error must say (key and expected form). */
const BAD: Array<[string, string, Parameters<typeof configErrorOf>[1], RegExp[]]> = [
    [
        "unknown tier",
        "dev",
        { config: ["environment=qa"] },
        [/gitops-stack:environment: "qa" is not valid; expected one of dev, staging, prod/],
    ],
    [
        "unknown operator",
        "dev",
        { config: ["operator=spinnaker"] },
        [/gitops-stack:operator: "spinnaker" is not valid; expected one of argocd, flux/],
    ],
    [
        "missing repoUrl",
        "dev",
        { unset: ["repoUrl"] },
        [/gitops-stack:repoUrl: is required; expected git@host:org\/repo.git/],
    ],
    [
        "http repoUrl",
        "dev",
        { config: ["repoUrl=http://github.com/acme/gitops.git"] },
        [/gitops-stack:repoUrl: "http:\/\/github.com\/acme\/gitops.git" is not valid; expected git@host/],
    ],
    [
        "ssh auth with https url",
        "dev",
        { config: ["repoUrl=https://github.com/acme/gitops.git"] },
        [/gitops-stack:authKind: "ssh" needs an SSH repoUrl/],
    ],
    [
        "githubApp with ssh url",
        "prod",
        { config: ["repoUrl=git@github.com:acme/gitops.git"] },
        [/gitops-stack:authKind: "githubApp" needs an https:\/\/ repoUrl/],
    ],
    [
        "unknown auth kind",
        "dev",
        { config: ["authKind=password"] },
        [/gitops-stack:authKind: "password" is not valid; expected one of ssh, https, githubApp/],
    ],
    [
        "no known_hosts",
        "dev",
        { unset: ["sshKnownHosts"] },
        [/gitops-stack:sshKnownHosts: is required with authKind ssh \(host keys are pinned, never skipped\)/],
    ],
    [
        "known_hosts for another host",
        "dev",
        {
            config: [
                "sshKnownHosts=gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf",
            ],
        },
        [/gitops-stack:sshKnownHosts: has no entry for the repository host "github.com"/],
    ],
    [
        "malformed known_hosts",
        "dev",
        { config: ["sshKnownHosts=github.com not-a-key"] },
        [
            /gitops-stack:sshKnownHosts: line "github.com not-a-key" is not valid; expected "<host> <key-type> <base64-key>"/,
        ],
    ],
    [
        "missing ssh key",
        "dev",
        { secrets: { sshPrivateKey: null } },
        [
            /gitops-stack:sshPrivateKey: is required with authKind ssh; set it with: pulumi config set --secret sshPrivateKey/,
        ],
    ],
    [
        "missing https token",
        "dev",
        { config: ["authKind=https", "repoUrl=https://github.com/acme/gitops.git"], secrets: { httpsToken: null } },
        [/gitops-stack:httpsToken: is required with authKind https/],
    ],
    [
        "missing app key",
        "prod",
        { secrets: { githubAppPrivateKey: null } },
        [/gitops-stack:githubAppPrivateKey: is required with authKind githubApp/],
    ],
    [
        "non-numeric app id",
        "prod",
        { config: ["githubAppId=acme-bot"] },
        [/gitops-stack:githubAppId: "acme-bot" is not valid; expected the numeric GitHub App ID/],
    ],
    [
        "bad repo-creds prefix",
        "dev",
        { config: ["credentialScope=repo-creds", "credentialUrlPrefix=https://gitlab.com/"] },
        [/gitops-stack:credentialUrlPrefix: "https:\/\/gitlab.com\/" is not a prefix of repoUrl/],
    ],
    [
        "bad credential scope",
        "dev",
        { config: ["credentialScope=global"] },
        [/gitops-stack:credentialScope: "global" is not valid; expected one of repository, repo-creds/],
    ],
    [
        "floating chart version",
        "dev",
        { config: ["argocdChartVersion=latest"] },
        [
            /gitops-stack:argocdChartVersion: "latest" is not valid; expected an exact chart version such as 10.1.1 \(no ranges, never latest\)/,
        ],
    ],
    [
        "chart version range",
        "dev",
        { config: ["fluxChartVersion=^2.18.0"] },
        [/gitops-stack:fluxChartVersion: "\^2.18.0" is not valid/],
    ],
    [
        "bad namespace",
        "dev",
        { config: ["argocdNamespace=Argo_CD"] },
        [/gitops-stack:argocdNamespace: "Argo_CD" is not valid; expected a namespace name/],
    ],
    [
        "bad tier switch",
        "dev",
        { config: ["autoSync=yes"] },
        [/gitops-stack:autoSync: "yes" is not valid; expected true, false, or empty for the tier default/],
    ],
    [
        "prod auto sync without acknowledgement",
        "prod",
        { config: ["autoSync=true"] },
        [
            /gitops-stack:acknowledgeProdOverrides: stack relaxes a prod safety default: autoSync=true \(automated sync\); expected the default, or acknowledgeProdOverrides: \[autoSync\]/,
        ],
    ],
    [
        "prod cascade delete without acknowledgement",
        "prod",
        { config: ["cascadeDelete=true"] },
        [/relaxes a prod safety default: cascadeDelete=true/],
    ],
    [
        "prod without HA, unacknowledged",
        "prod",
        { config: ["highAvailability=false"] },
        [/relaxes a prod safety default: highAvailability=false/],
    ],
    [
        "prod admin, unacknowledged",
        "prod",
        { config: ["adminEnabled=true"] },
        [/relaxes a prod safety default: adminEnabled=true/],
    ],
    [
        "prod default role admin, unacknowledged",
        "prod",
        { config: ["rbacDefaultPolicy=role:admin"] },
        [
            /gitops-stack:acknowledgeProdOverrides: stack relaxes a prod safety default: rbacDefaultPolicy=role:admin \(every signed-in user may sync and delete prod\); expected role:readonly or empty, or acknowledgeProdOverrides: \[rbacDefaultPolicy\]/,
        ],
    ],
    [
        "HTTPS user name with a colon",
        "dev",
        { config: ["repoUrl=https://github.com/acme/gitops.git", "authKind=https", "httpsUsername=git:bot"] },
        [/gitops-stack:httpsUsername: "git:bot" is not valid; expected a user name without spaces or colons/],
    ],
    [
        "GitHub Enterprise API URL over http",
        "prod",
        { config: ["githubAppEnterpriseBaseUrl=http://ghe.acme.example/api/v3"] },
        [
            /gitops-stack:githubAppEnterpriseBaseUrl: "http:\/\/ghe.acme.example\/api\/v3" is not valid; expected an https:\/\/ API base URL/,
        ],
    ],
    [
        "Flux namespace not a DNS label",
        "dev",
        { config: ["fluxNamespace=Flux_System"] },
        [/gitops-stack:fluxNamespace: "Flux_System" is not valid; expected a namespace name/],
    ],
    [
        "bad acknowledgement value",
        "prod",
        { config: ["acknowledgeProdOverrides=yes"] },
        [/gitops-stack:acknowledgeProdOverrides: "yes" is not a prod safeguard; expected any of autoSync/],
    ],
    [
        "bad cron",
        "prod",
        { config: ["syncWindowSchedule=every morning"] },
        [/gitops-stack:syncWindowSchedule: "every morning" is not valid; expected a 5-field cron schedule/],
    ],
    [
        "bad window duration",
        "prod",
        { config: ["syncWindowDuration=8 hours"] },
        [/gitops-stack:syncWindowDuration: "8 hours" is not valid; expected a duration such as 10h or 90m/],
    ],
    [
        "bad time zone",
        "prod",
        { config: ["syncWindowTimeZone=Mars/Olympus"] },
        [/gitops-stack:syncWindowTimeZone: "Mars\/Olympus" is not valid; expected an IANA time zone/],
    ],
    [
        "wildcard repo in prod",
        "prod",
        { config: ['extraSourceRepos=["*"]'] },
        [
            /gitops-stack:extraSourceRepos: "\*" matches every repository \(Argo CD matches sourceRepos as globs\); expected one exact repository URL\. Wide patterns are not allowed in prod/,
        ],
    ],
    [
        "extraSourceRepos not a list",
        "dev",
        { config: ["extraSourceRepos=https://github.com/acme/other.git"] },
        [
            /gitops-stack:extraSourceRepos: "https:\/\/github.com\/acme\/other.git" is not valid; expected a list of strings/,
        ],
    ],
    [
        "bad cluster resource",
        "dev",
        { config: ['extraClusterResources=["ClusterRole"]'] },
        [/gitops-stack:extraClusterResources: "ClusterRole" is not valid; expected group\/Kind/],
    ],
    [
        "bad destination server",
        "dev",
        { config: ["destinationServer=kubernetes.default.svc"] },
        [/gitops-stack:destinationServer: "kubernetes.default.svc" is not valid; expected the https:\/\/ URL/],
    ],
    [
        "history limit out of range",
        "dev",
        { config: ["revisionHistoryLimit=0"] },
        [/gitops-stack:revisionHistoryLimit: "0" is not valid; expected a whole number from 1 to 100/],
    ],
    [
        "retry limit not a number",
        "dev",
        { config: ["retryLimit=many"] },
        [/gitops-stack:retryLimit: "many" is not valid; expected a whole number from 0 to 20/],
    ],
    [
        "malformed group",
        "dev",
        { config: ['deployerGroups=["acme developers"]'] },
        [/gitops-stack:deployerGroups: group "acme developers" is malformed; expected an SSO group name/],
    ],
    [
        "group with a comma",
        "dev",
        { config: ['platformAdminGroups=["a,b"]'] },
        [/gitops-stack:platformAdminGroups: group "a,b" is malformed/],
    ],
    [
        "no prod deployers",
        "prod",
        { config: ["deployerGroups=[]"] },
        [/gitops-stack:deployerGroups: is empty in prod; expected at least one SSO group allowed to sync prod/],
    ],
    [
        "unknown default role",
        "dev",
        { config: ["rbacDefaultPolicy=role:superuser"] },
        [/gitops-stack:rbacDefaultPolicy: unknown role "role:superuser"; expected role:readonly, role:admin, or empty/],
    ],
    [
        "both SSO configs",
        "staging",
        { config: ["ssoDexConfig=connectors: []"] },
        [/gitops-stack:ssoOidcConfig: is set together with ssoDexConfig; expected only one/],
    ],
    [
        "bad argocd url",
        "dev",
        { config: ["argocdUrl=argocd.example.com"] },
        [/gitops-stack:argocdUrl: "argocd.example.com" is not valid; expected the https:\/\/ URL of the Argo CD UI/],
    ],
    [
        "slack without url",
        "dev",
        { config: ["argocdUrl="] },
        [/gitops-stack:argocdUrl: is empty but slackChannel is set/],
    ],
    [
        "slack without token",
        "dev",
        { secrets: { slackToken: null } },
        [/gitops-stack:slackToken: is required when slackChannel is set/],
    ],
    [
        "bad slack channel",
        "dev",
        { config: ["slackChannel=#deploys dev"] },
        [/gitops-stack:slackChannel: "#deploys dev" is not valid; expected a Slack channel name/],
    ],
    [
        "unknown slack event",
        "dev",
        { config: ['slackTriggers=["sync-started"]'] },
        [
            /gitops-stack:slackTriggers: "sync-started" is not valid; expected any of sync-succeeded, sync-failed, health-degraded, deployed/,
        ],
    ],
    [
        "prod without failure alerts",
        "prod",
        { config: ['slackTriggers=["deployed"]'] },
        [
            /gitops-stack:slackTriggers: \["deployed"\] leaves out sync-failed or health-degraded; prod must notify at least those/,
        ],
    ],
    [
        "triggers without channel",
        "dev",
        { config: ["slackChannel=", 'slackTriggers=["deployed"]'] },
        [/gitops-stack:slackChannel: is empty but slackTriggers is set/],
    ],
    [
        "misspelt key",
        "dev",
        { raw: { "gitops-stack:autosync": "true" } },
        [/gitops-stack:autosync: is not a gitops-stack key/],
    ],
    [
        "bad flux interval",
        "dev",
        { config: ["fluxInterval=often"] },
        [/gitops-stack:fluxInterval: "often" is not valid; expected a duration such as 5m/],
    ],
    [
        "image automation in prod",
        "prod",
        { config: ["imageAutomation=true", "acknowledgeProdOverrides=true"] },
        [/gitops-stack:imageAutomation: is true in prod; image updates are never written by automation in prod/],
    ],
    [
        "bad flux ref",
        "dev",
        { config: ["operator=flux", "targetRevision=branch:main"] },
        [
            /gitops-stack:targetRevision: "branch:main" is not valid for Flux; expected a branch name, tag:<tag> or semver:<range>/,
        ],
    ],
    [
        "flux ref form for argo",
        "dev",
        { config: ["targetRevision=semver:>=1.0.0"] },
        [/gitops-stack:targetRevision: "semver:>=1.0.0" is not valid for Argo CD; expected a branch, tag or commit/],
    ],
    [
        "bad path template",
        "dev",
        { config: ["appPathTemplate=/apps/overlays/{env}"] },
        [
            /gitops-stack:appPathTemplate: "\/apps\/overlays\/\{env\}" is not valid; expected a relative path containing \{app\}/,
        ],
    ],
    [
        "bad root path",
        "dev",
        { config: ["rootPathTemplate=../envs"] },
        [/gitops-stack:rootPathTemplate: "..\/envs" is not valid; expected a relative path/],
    ],
];

const APPS: Array<[string, unknown, RegExp]> = [
    ["no apps", [], /gitops-stack:apps: "\[\]" is not valid; expected a non-empty list of apps such as/],
    ["not a list", { name: "a" }, /gitops-stack:apps: .* is not valid; expected a non-empty list of apps/],
    [
        "app not an object",
        ["guestbook"],
        /gitops-stack:apps: apps\[0\] is "guestbook"; expected an object with name and namespace/,
    ],
    [
        "bad app name",
        [{ name: "Guest_Book", namespace: "gb" }],
        /apps\[0\].name "Guest_Book" is not valid; expected a lowercase DNS label of at most 59 characters/,
    ],
    [
        "duplicate app",
        [
            { name: "a", namespace: "a" },
            { name: "a", namespace: "b" },
        ],
        /app name "a" is used twice; expected unique names/,
    ],
    ["bad namespace", [{ name: "a", namespace: "A" }], /app "a".namespace "A" is not valid; expected a namespace name/],
    [
        "reserved namespace",
        [{ name: "a", namespace: "kube-system" }],
        /app "a" deploys into the reserved namespace "kube-system"; expected a namespace of its own/,
    ],
    [
        "operator namespace",
        [{ name: "a", namespace: "argocd" }],
        /app "a" deploys into the reserved namespace "argocd"/,
    ],
    [
        "unknown field",
        [{ name: "a", namespace: "a", namepsace: "x" }],
        /apps\[0\] has unknown field "namepsace"; expected only name, namespace, path, dependsOn, image, semverRange/,
    ],
    [
        "absolute path",
        [{ name: "a", namespace: "a", path: "/etc" }],
        /app "a".path "\/etc" is not valid; expected a relative path inside the repository/,
    ],
    [
        "unknown dependency",
        [{ name: "a", namespace: "a", dependsOn: ["b"] }],
        /app "a" depends on unknown app "b"; expected one of a/,
    ],
    ["self dependency", [{ name: "a", namespace: "a", dependsOn: ["a"] }], /app "a" depends on itself/],
    [
        "cycle",
        [
            { name: "a", namespace: "a", dependsOn: ["b"] },
            { name: "b", namespace: "b", dependsOn: ["a"] },
        ],
        /dependsOn has a cycle \(a -> b -> a\)/,
    ],
    [
        "image with tag",
        [{ name: "a", namespace: "a", image: "ghcr.io/x/a:1.0", semverRange: ">=1.0.0" }],
        /app "a".image "ghcr.io\/x\/a:1.0" is not valid; expected an image repository without tag/,
    ],
    [
        "bad semver range",
        [{ name: "a", namespace: "a", image: "ghcr.io/x/a", semverRange: "latest" }],
        /app "a".semverRange "latest" is not valid \(it has the comparator "latest", which is not a semver constraint\); expected a semver range/,
    ],
    [
        "image without range",
        [{ name: "a", namespace: "a", image: "ghcr.io/x/a" }],
        /app "a" sets only one of image and semverRange; expected both/,
    ],
];

describe("configuration errors", () => {
    it.each(BAD)("%s", async (_title, stack, options, patterns) => {
        const message = await configErrorOf(stack, options);
        expect(message).toContain(`stack "${stack}"`);
        for (const p of patterns) expect(message).toMatch(p);
    });

    it.each(APPS)("apps: %s", async (_title, apps, pattern) => {
        const message = await configErrorOf("dev", { config: [`apps=${JSON.stringify(apps)}`] });
        expect(message).toMatch(/^Invalid configuration for stack "dev"/);
        expect(message).toMatch(pattern);
    });

    it("requires a tier when the stack name has no tier token", async () => {
        const config = stackConfig("dev");
        await pulumi.runtime.setMocks(
            { newResource: (a) => ({ id: a.name, state: a.inputs }), call: () => ({}) },
            "gitops-stack",
            "eu-1",
        );
        pulumi.runtime.setAllConfig(config.values, config.secretKeys);
        expect(() => main()).toThrow(
            /gitops-stack:environment: is not set and the stack name "eu-1" names no tier; expected one of dev, staging, prod/,
        );
    });

    it("reports every problem at once and registers nothing", async () => {
        let registered = 0;
        const config = stackConfig("prod", {
            config: ["operator=spinnaker", "autoSync=true", "argocdChartVersion=latest"],
            secrets: { githubAppPrivateKey: null },
        });
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    registered++;
                    return { id: a.name, state: a.inputs };
                },
                call: () => ({}),
            },
            "gitops-stack",
            "prod",
        );
        pulumi.runtime.setAllConfig(config.values, config.secretKeys);
        let error: unknown;
        try {
            main();
        } catch (err) {
            error = err;
        }
        await pulumi.runtime.disconnect();
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems.map((p) => p.key)).toEqual([
            "gitops-stack:operator",
            "gitops-stack:githubAppPrivateKey",
            "gitops-stack:argocdChartVersion",
            "gitops-stack:acknowledgeProdOverrides",
        ]);
        expect((error as Error).message).toMatch(
            /^Invalid configuration for stack "prod" \(4 problems\); nothing was created:/,
        );
        expect(registered).toBe(0);
    });

    it("refuses a secret stored in plain text in the stack file", async () => {
        const config = stackConfig("dev");
        config.secretKeys = config.secretKeys.filter((k) => k !== "gitops-stack:sshPrivateKey");
        await pulumi.runtime.setMocks(
            { newResource: (a) => ({ id: a.name, state: a.inputs }), call: () => ({}) },
            "gitops-stack",
            "dev",
        );
        pulumi.runtime.setAllConfig(config.values, config.secretKeys);
        expect(() => main()).toThrow(
            /gitops-stack:sshPrivateKey: is stored in plain text; expected a secret: run pulumi config set --secret sshPrivateKey/,
        );
    });

    it("never puts a secret's value in an error message", async () => {
        const message = await configErrorOf("dev", {
            config: ["operator=x"],
            secrets: { sshPrivateKey: "SUPERSECRET-VALUE" },
        });
        expect(message).not.toContain("SUPERSECRET");
    });

    it("accepts every committed stack as it is", async () => {
        for (const stack of ["dev", "staging", "prod"]) await expect(runStack(stack)).resolves.toBeDefined();
    });
});

describe("keys of the other operator", () => {
    /** Runs a stack and returns what the program warned (the CLI shows pulumi.log.warn; under mocks it is console.warn). */
    async function warningsOf(stack: string, config: string[]): Promise<string[]> {
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            await runStack(stack, { config });
            return warn.mock.calls.map((args) => String(args[0]));
        } finally {
            warn.mockRestore();
        }
    }

    it("warns, naming the stack and every Argo CD-only key, when a stack switches to Flux", async () => {
        const warnings = await warningsOf("prod", ["operator=flux"]);
        expect(warnings).toEqual([
            'warning: [runtime] stack "prod" uses operator flux; these keys apply to argocd only and have no effect: argocdUrl, syncWindowSchedule, syncWindowDuration, syncWindowTimeZone, ssoOidcConfig.',
        ]);
    });

    it("warns about Flux-only keys on an Argo CD stack", async () => {
        const warnings = await warningsOf("dev", ["fluxInterval=2m", "fluxMultitenancy=false"]);
        expect(warnings).toEqual([
            'warning: [runtime] stack "dev" uses operator argocd; these keys apply to flux only and have no effect: fluxInterval, fluxMultitenancy.',
        ]);
    });

    it("is silent for the committed stacks as they are, with every Pulumi.yaml default passed as the CLI does", async () => {
        // The CLI hands the program each declared default as a set key; only values other than the default count.
        expect(stackConfig("dev").values).toMatchObject({
            "gitops-stack:fluxNamespace": "flux-system",
            "gitops-stack:fluxMultitenancy": "true",
            "gitops-stack:extraSourceRepos": "[]",
            "gitops-stack:retryLimit": "5",
        });
        for (const stack of ["dev", "staging", "prod"]) expect(await warningsOf(stack, [])).toEqual([]);
    });
});
