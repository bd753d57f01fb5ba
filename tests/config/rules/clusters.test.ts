import { describe, expect, it } from "vitest";
import { TEST_SECRETS } from "../../support/stacks";
import { TEST_CA_CERTIFICATE } from "../../support/testKeys";
import { expectRefused } from "./expectations";
import { errorOf, parsed } from "./support";

const EU = { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer", labels: { region: "eu" } };
const US = { name: "us-1", server: "https://us-1.k8s.example.com", auth: "exec" };
const LOCAL = { name: "local", server: "https://kubernetes.default.svc" };
const clusters = (...list: unknown[]) => ({ "gitops-stack:clusters": JSON.stringify(list) });
const credentials = (map: unknown) => ({ clusterCredentials: JSON.stringify(map) });
const CA = Buffer.from(TEST_CA_CERTIFICATE).toString("base64");

describe("clusters: valid", () => {
    it("reads bearer, exec and in-cluster entries; the credentials stay a secret Output", async () => {
        const c = parsed("dev", { raw: clusters(EU, US, LOCAL) });
        expect(
            c.clusters.map(({ name, server, inCluster, auth, labels }) => ({ name, server, inCluster, auth, labels })),
        ).toEqual([
            { name: "eu-1", server: EU.server, inCluster: false, auth: "bearer", labels: { region: "eu" } },
            { name: "us-1", server: US.server, inCluster: false, auth: "exec", labels: {} },
            { name: "local", server: LOCAL.server, inCluster: true, auth: undefined, labels: {} },
        ]);
        expect(c.clusters[2].credentials).toBeUndefined();
        const { isSecret } = await import("@pulumi/pulumi").then((p) => ({ isSecret: p.isSecret }));
        expect(await isSecret(c.clusters[0].credentials!)).toBe(true);
    });

    it("defaults to no clusters (the one destination) and needs no credentials then", () => {
        expect(parsed("prod", { secrets: { clusterCredentials: null } }).clusters).toEqual([]);
        expect(parsed("dev", { raw: clusters(LOCAL), secrets: { clusterCredentials: null } }).clusters).toHaveLength(1);
    });

    it("accepts an environment label equal to the stack's tier", () => {
        const c = parsed("staging", { raw: clusters({ ...EU, labels: { environment: "staging" } }) });
        expect(c.clusters[0].labels).toEqual({ environment: "staging" });
    });
});

describe("clusters: bad input names stack, key, value and expected form", () => {
    it("refuses a server that is not https", () => {
        for (const server of ["http://eu-1.k8s.example.com", "eu-1.k8s.example.com", "ftp://x", "https://"]) {
            expectRefused(
                "dev",
                { raw: clusters({ ...EU, server }) },
                "clusters",
                server,
                /is not valid.*expected the https:\/\/ URL of the cluster's API server/,
            );
        }
        expect(errorOf("dev", { raw: clusters({ ...EU, server: "http://a.example.com" }) })).toContain(
            "not https: credentials would cross the network in clear",
        );
    });

    it("refuses duplicate cluster names", () => {
        expectRefused(
            "dev",
            { raw: clusters(EU, { ...US, name: "eu-1" }) },
            "clusters",
            "eu-1",
            "is used twice; expected unique names",
        );
    });

    it("refuses a cluster in two environments: the same server under two names", () => {
        expectRefused(
            "dev",
            { raw: clusters(EU, { ...US, server: "https://EU-1.k8s.example.com:6443/" }) },
            "clusters",
            "https://EU-1.k8s.example.com:6443",
            /is also cluster "eu-1"'s.*expected each cluster once/,
        );
    });

    it.each(["environment", "gitops-stack.io/environment"])(
        "refuses a cluster whose %s label is another tier",
        (key) => {
            expectRefused(
                "prod",
                { raw: clusters({ ...EU, labels: { [key]: "dev" } }) },
                "clusters",
                key,
                /is "dev", but stack "prod" is the prod environment: a cluster belongs to one environment; expected "prod"/,
            );
        },
    );

    it("refuses unknown gitops-stack labels, Argo CD's own labels and invalid labels", () => {
        expectRefused(
            "dev",
            { raw: clusters({ ...EU, labels: { "gitops-stack.io/tier": "dev" } }) },
            "clusters",
            "gitops-stack.io/tier",
            /unknown gitops-stack label; expected gitops-stack.io\/environment/,
        );
        expectRefused(
            "dev",
            { raw: clusters({ ...EU, labels: { "argocd.argoproj.io/secret-type": "repository" } }) },
            "clusters",
            "argocd.argoproj.io/secret-type",
            /Argo CD's own label/,
        );
        expectRefused(
            "dev",
            { raw: clusters({ ...EU, labels: { "bad key!": "x" } }) },
            "clusters",
            "bad key!",
            /is not a valid Kubernetes label; expected a key such as region/,
        );
    });

    it("refuses unknown fields, bad names and a list that is not one", () => {
        expectRefused(
            "dev",
            { raw: clusters({ ...EU, token: "x" }) },
            "clusters",
            "token",
            /unknown field.*expected only name, server, labels, auth/,
        );
        expectRefused(
            "dev",
            { raw: clusters({ ...EU, name: "EU_1" }) },
            "clusters",
            "EU_1",
            /expected a lowercase DNS label/,
        );
        expectRefused(
            "dev",
            { raw: { "gitops-stack:clusters": '{"eu-1":{}}' } },
            "clusters",
            '{"eu-1":{}}',
            /expected a list of clusters/,
        );
    });

    it("refuses a missing or unknown auth, and auth on the in-cluster entry", () => {
        expectRefused(
            "dev",
            { raw: clusters({ ...EU, auth: "token" }) },
            "clusters",
            "token",
            /expected one of bearer, exec/,
        );
        expectRefused(
            "dev",
            { raw: clusters({ ...LOCAL, auth: "bearer" }) },
            "clusters",
            "local",
            /in-cluster destination.*expected no auth/,
        );
    });

    it("refuses exec with Flux (kustomize-controller runs no kubeconfig commands)", () => {
        expectRefused(
            "dev",
            { config: ["operator=flux"], raw: clusters(US) },
            "clusters",
            "us-1",
            /not available with operator flux.*expected auth bearer/,
        );
    });

    it("requires the credentials secret for a remote cluster, stored as a secret", () => {
        expectRefused(
            "dev",
            { raw: clusters(EU), secrets: { clusterCredentials: null } },
            "clusterCredentials",
            null,
            "is required when clusters lists a remote cluster; set it with: pulumi config set --secret clusterCredentials",
        );
    });

    it("checks the credentials' shape without ever showing a value", () => {
        const token = "leaky-token-4f1c";
        const cases: Array<[unknown, RegExp]> = [
            [{}, /has no entry "eu-1" for cluster "eu-1" \(auth bearer\); expected \{ "bearerToken"/],
            [
                { "eu-1": { exec: { command: "x" } } },
                /entry "eu-1" has no bearerToken.*sets exec, but the cluster's auth is bearer/s,
            ],
            [
                { "eu-1": { bearerToken: token, caData: "not base64!" } },
                /entry "eu-1".caData is not base64 text \(its value is not shown\); expected base64 of the PEM CA certificates/,
            ],
            [
                { "eu-1": { bearerToken: token, caData: Buffer.from("hello").toString("base64") } },
                /caData decodes to text that is not PEM: it has no -----BEGIN CERTIFICATE----- block/,
            ],
            [{ "eu-1": { bearerToken: token, password: token } }, /has unknown field "password"/],
        ];
        for (const [map, expected] of cases) {
            const message = errorOf("dev", { raw: clusters(EU), secrets: credentials(map) });
            expect(message).toMatch(/^Invalid configuration for stack "dev"/);
            expect(message).toContain("gitops-stack:clusterCredentials: ");
            expect(message).toMatch(expected);
            expect(message).not.toContain(token);
        }
        const notJson = errorOf("dev", { raw: clusters(EU), secrets: { clusterCredentials: `${token}{` } });
        expect(notJson).toMatch(
            /clusterCredentials: is not a JSON map of cluster name to credentials \(its value is not shown/,
        );
        expect(notJson).not.toContain(token);
    });

    it("checks exec credentials", () => {
        const message = errorOf("dev", {
            raw: clusters(US),
            secrets: credentials({
                "us-1": { exec: { command: "", apiVersion: "v1", env: { A: 1 } }, bearerToken: "t" },
            }),
        });
        expect(message).toContain(`entry "us-1" sets bearerToken, but the cluster's auth is exec`);
        expect(message).toContain(`entry "us-1".exec has no command`);
        expect(message).toContain(
            `entry "us-1".exec.apiVersion is not valid; expected one of client.authentication.k8s.io/v1`,
        );
        expect(message).toContain(`entry "us-1".exec.env is not a map of strings`);
    });

    it("accepts the test credentials (bearer with a CA, exec) the program tests use", () => {
        expect(JSON.parse(TEST_SECRETS.clusterCredentials)["eu-1"].caData).toBeDefined();
        expect(() =>
            parsed("prod", {
                raw: clusters(EU, US),
                secrets: credentials({
                    "eu-1": { bearerToken: "t", caData: CA },
                    "us-1": { exec: { command: "aws" } },
                }),
            }),
        ).not.toThrow();
    });
});

describe("appsMode", () => {
    it("defaults to applications", () => {
        expect(parsed("dev").appsMode).toBe("applications");
    });

    it("refuses an unknown mode", () => {
        expectRefused(
            "dev",
            { config: ["appsMode=appset"] },
            "appsMode",
            "appset",
            "expected one of applications, applicationset",
        );
    });

    it("refuses, in applicationset mode, a layout whose {app} is not one whole segment", () => {
        for (const template of ["apps/app-{app}/overlays/{env}", "apps/{app}/{app}", "apps/*/{app}/{env}"]) {
            expectRefused(
                "dev",
                { config: ["appsMode=applicationset", `appPathTemplate=${template}`] },
                "appPathTemplate",
                template,
                /expected a layout such as apps\/\{app\}\/overlays\/\{env\} with appsMode applicationset/,
            );
        }
        // The same template is fine with per-app Applications (no generator globs it).
        expect(parsed("dev", { config: ["appPathTemplate=apps/app-{app}/overlays/{env}"] }).appsMode).toBe(
            "applications",
        );
    });

    it("lets apps be empty in applicationset mode, and warns about the *-<env> pattern outside prod", () => {
        const c = parsed("dev", { config: ["appsMode=applicationset", "apps=[]"] });
        expect(c.apps).toEqual([]);
        expect(c.warnings.some((w) => w.includes(`gitops-stack:appsMode`) && w.includes(`"*-dev"`))).toBe(true);
        expect(errorOf("dev", { config: ["apps=[]"] })).toContain("gitops-stack:apps");
    });

    it("refuses an empty prod scope: no declared apps and no applicationSetNamespaces", () => {
        expectRefused(
            "prod",
            { config: ["appsMode=applicationset", "apps=[]"] },
            "applicationSetNamespaces",
            null,
            /prod's AppProject would admit no namespace.*expected the namespaces of the apps found in Git/,
        );
        const c = parsed("prod", {
            config: ["appsMode=applicationset", "apps=[]", 'applicationSetNamespaces=["shop-prod"]'],
        });
        expect(c.applicationSetNamespaces).toEqual(["shop-prod"]);
        expect(c.warnings.some((w) => w.includes("gitops-stack:appsMode"))).toBe(false);
    });

    it("refuses applicationSetNamespaces without applicationset mode, and system namespaces", () => {
        expectRefused(
            "dev",
            { config: ['applicationSetNamespaces=["shop-dev"]'] },
            "applicationSetNamespaces",
            null,
            /appsMode is "applications"; expected appsMode applicationset/,
        );
        expectRefused(
            "dev",
            { config: ["appsMode=applicationset", 'applicationSetNamespaces=["kube-system"]'] },
            "applicationSetNamespaces",
            "kube-system",
            /system or operator namespace/,
        );
    });
});

describe("clusters in the offline render (secrets are the placeholder)", () => {
    it("skips the credentials' shape check and builds credentials of the right kind from the placeholder", async () => {
        const c = parsed("dev", { raw: clusters(EU, US), secrets: { clusterCredentials: "[secret]" } });
        const values = await Promise.all(
            c.clusters.map((cluster) => new Promise((resolve) => cluster.credentials!.apply(resolve))),
        );
        expect(values).toEqual([
            { bearerToken: "[secret]" },
            { exec: { command: "[secret]", args: [], env: {}, apiVersion: "client.authentication.k8s.io/v1" } },
        ]);
    });

    it("still refuses a secret that is neither the placeholder nor a credentials map", () => {
        expect(errorOf("dev", { raw: clusters(EU), secrets: { clusterCredentials: "[secret] " } })).toContain(
            "gitops-stack:clusterCredentials: is not a JSON map",
        );
    });
});
