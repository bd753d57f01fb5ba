/**
 * The Argo CD testbed's configuration comes from the program's Helm values through a mapping of the pinned argo-cd
 * chart's templates (tests/cluster/argocd/chartConfig.ts), because the chart itself is not obtainable from the
 * registries the test machines reach. This file pins every rule of that mapping, checks that nothing the program sets
 * falls outside it (a value the chart would ignore), and, where a copy of the chart is at hand
 * (GITOPS_STACK_ARGOCD_CHART=<directory of charts/argo-cd 10.1.1>), compares the mapping with `helm template` of the
 * real chart for every committed stack. Compared on 2026-12-07 against argo-helm's argo-cd 10.1.1 with Helm v3.18.4:
 * identical for dev, staging and prod, both app modes (YAML-valued keys compared as data; the chart's text carries
 * comments).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { STACKS } from "../support/stacks";
import { clusterVersions } from "./flux/processes";
import {
    CHART_DEFAULTS,
    COMPONENT_ENV,
    componentEnv,
    mergeValues,
    renderChartConfig,
    unreadValues,
    type KubeConfigObject,
    type Values,
} from "./argocd/chartConfig";
import { argoStackObjects } from "./argocd/stackObjects";

const data = (objects: KubeConfigObject[], name: string) =>
    objects.find((o) => o.metadata.name === name)?.data ?? objects.find((o) => o.metadata.name === name)?.stringData;

describe("the argo-cd chart mapping's rules", () => {
    it("merges the program's values over the chart's defaults as Helm coalesces them (maps key by key)", () => {
        const merged = mergeValues(CHART_DEFAULTS, { configs: { cm: { "admin.enabled": false } } });
        const cm = (merged.configs as Values).cm as Values;
        expect(cm["admin.enabled"]).toBe(false);
        expect(cm["timeout.reconciliation"]).toBe("120s");
        expect(mergeValues({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
    });

    it("renders argocd-cm: url from global.domain unless set, every value as text, empty values dropped", () => {
        const { objects } = renderChartConfig(
            { global: { domain: "argocd.acme.example" }, configs: { cm: { "exec.enabled": true, "oidc.config": "" } } },
            "argocd",
        );
        const cm = data(objects, "argocd-cm")!;
        expect(cm.url).toBe("https://argocd.acme.example");
        expect(cm["exec.enabled"]).toBe("true");
        expect(cm["admin.enabled"]).toBe("true");
        expect(cm).not.toHaveProperty("oidc.config");
        expect(YAML.parse(cm["resource.exclusions"])[0]).toEqual({
            apiGroups: ["", "discovery.k8s.io"],
            kinds: ["Endpoints", "EndpointSlice"],
        });
        const own = renderChartConfig({ configs: { cm: { url: "https://elsewhere.example" } } }, "argocd").objects;
        expect(data(own, "argocd-cm")!.url).toBe("https://elsewhere.example");
    });

    it("renders argocd-cmd-params-cm from the chart's presets, configs.params over them", () => {
        const params = (v: Values) => data(renderChartConfig(v, "argocd").objects, "argocd-cmd-params-cm")!;
        expect(params({})).toMatchObject({
            "repo.server": "argocd-repo-server:8081",
            "redis.server": "argocd-redis:6379",
            "server.repo.server.strict.tls": "false",
            "applicationsetcontroller.enable.leader.election": "false",
            "controller.log.level": "info",
        });
        expect(params({ "redis-ha": { enabled: true }, applicationSet: { replicas: 2 } })).toMatchObject({
            "redis.server": "argocd-redis-ha-haproxy:6379",
            "applicationsetcontroller.enable.leader.election": "true",
        });
        expect(params({ configs: { params: { "server.insecure": true } } })["server.insecure"]).toBe("true");
    });

    it("renders the rest: rbac as set, known hosts as one block, notifications' context, Secrets", () => {
        const { objects } = renderChartConfig(
            {
                configs: {
                    rbac: { "policy.csv": "g, a, role:admin\n" },
                    ssh: { knownHosts: "h1 ssh-ed25519 AAAA\n", extraHosts: "h2 ssh-ed25519 BBBB" },
                    secret: { githubSecret: "hmac" },
                },
                notifications: { argocdUrl: "https://argocd.acme.example", triggers: { "trigger.x": "- when: x\n" } },
            },
            "argocd",
        );
        expect(data(objects, "argocd-rbac-cm")).toEqual({
            "policy.csv": "g, a, role:admin\n",
            "policy.default": "",
            scopes: "[groups]",
            "policy.matchMode": "glob",
        });
        expect(data(objects, "argocd-ssh-known-hosts-cm")).toEqual({
            ssh_known_hosts: "h1 ssh-ed25519 AAAA\nh2 ssh-ed25519 BBBB\n",
        });
        expect(data(objects, "argocd-notifications-cm")).toEqual({
            context: "argocdUrl: https://argocd.acme.example\n",
            "trigger.x": "- when: x\n",
        });
        expect(data(objects, "argocd-notifications-secret")).toEqual({});
        expect(data(objects, "argocd-secret")).toEqual({ "webhook.github.secret": "hmac" });
        const off = renderChartConfig({ notifications: { enabled: false } }, "argocd").objects;
        expect(off.map((o) => o.metadata.name)).not.toContain("argocd-notifications-cm");
    });

    it("gives each controller the environment the chart's pod template fills from those ConfigMaps", () => {
        const { objects } = renderChartConfig({}, "argocd");
        const loopback = { repoServer: "127.0.0.1:1", redis: "127.0.0.1:2" };
        expect(componentEnv("application-controller", objects, loopback)).toMatchObject({
            ARGOCD_RECONCILIATION_TIMEOUT: "120s",
            ARGOCD_RECONCILIATION_JITTER: "60s",
            ARGOCD_APPLICATION_CONTROLLER_REPO_SERVER: "127.0.0.1:1",
            REDIS_SERVER: "127.0.0.1:2",
        });
        // Every key the rendered params ConfigMap can hold is read by a component the testbed runs, or is one of the
        // presets for components it does not run (Dex, the commit server).
        const read = new Set(Object.values(COMPONENT_ENV).flatMap((entries) => entries.map(([, , key]) => key)));
        const params = Object.keys(data(objects, "argocd-cmd-params-cm")!);
        const unread = params.filter((k) => !read.has(k) && !/^(dexserver|commitserver)\./.test(k));
        expect(unread).toEqual([]);
    });
});

describe.each(STACKS)("the %s stack's argo-cd values", (stack) => {
    it.each([[[]], [["appsMode=applicationset"]]])("are all read by the mapping (config %j)", async (config) => {
        const run = await argoStackObjects(stack, { config: config as string[] });
        expect(unreadValues(run.argoCdValues)).toEqual([]);
        const params = data(renderChartConfig(run.argoCdValues, "argocd").objects, "argocd-cmd-params-cm")!;
        expect(params["applicationsetcontroller.enable.new.git.file.globbing"]).toBe(
            (config as string[]).includes("appsMode=applicationset") ? "true" : undefined,
        );
    });
});

const chartDir = process.env.GITOPS_STACK_ARGOCD_CHART;

/** Helm's rendering of the chart's ConfigMaps and Secrets, from a copy without the redis-ha subchart when absent. */
function helmTemplate(values: Values): KubeConfigObject[] {
    const v = clusterVersions();
    const helm = path.join(v.CLUSTER_BIN, `helm-${v.HELM_VERSION}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "argocd-chart-"));
    try {
        const chart = path.join(tmp, "argo-cd");
        fs.cpSync(chartDir!, chart, { recursive: true });
        let rendered = values;
        if (!fs.existsSync(path.join(chart, "charts"))) {
            // The redis-ha subchart is not in the copy: drop the dependency and render redis.server without it.
            const meta = YAML.parse(fs.readFileSync(path.join(chart, "Chart.yaml"), "utf8"));
            delete meta.dependencies;
            fs.writeFileSync(path.join(chart, "Chart.yaml"), YAML.stringify(meta));
            fs.rmSync(path.join(chart, "Chart.lock"), { force: true });
            rendered = mergeValues(values, { "redis-ha": { enabled: false } });
        }
        fs.writeFileSync(path.join(tmp, "values.json"), JSON.stringify(rendered));
        const out = execFileSync(
            helm,
            [
                "template",
                "argocd",
                chart,
                "-n",
                "argocd",
                "--kube-version",
                "1.37.2",
                "-f",
                path.join(tmp, "values.json"),
            ],
            { encoding: "utf8", maxBuffer: 1 << 28 },
        );
        return YAML.parseAllDocuments(out)
            .map((d) => d.toJS() as KubeConfigObject)
            .filter((d) => d && (d.kind === "ConfigMap" || d.kind === "Secret"));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** A ConfigMap's or Secret's data as text, YAML-valued entries parsed (the chart's text carries comments). */
function comparable(o: KubeConfigObject): Record<string, unknown> {
    const raw: Record<string, string> = { ...(o.stringData ?? {}) };
    for (const [k, v] of Object.entries(o.data ?? {}))
        raw[k] = o.kind === "Secret" && !o.stringData ? Buffer.from(v, "base64").toString() : v;
    return Object.fromEntries(
        Object.entries(raw).map(([k, v]) => {
            if (!v.includes("\n")) return [k, v];
            try {
                return [k, YAML.parse(v)];
            } catch {
                return [k, v];
            }
        }),
    );
}

describe.skipIf(!chartDir)("the mapping against the real argo-cd chart (GITOPS_STACK_ARGOCD_CHART)", () => {
    it.each(STACKS)("renders %s's ConfigMaps and Secrets as helm template does", async (stack) => {
        for (const config of [[], ["appsMode=applicationset"]]) {
            const run = await argoStackObjects(stack, { config });
            const helm = helmTemplate(run.argoCdValues);
            const mine = renderChartConfig(run.argoCdValues, "argocd").objects;
            for (const o of mine) {
                const real = helm.find((h) => h.kind === o.kind && h.metadata.name === o.metadata.name);
                expect(real, `${stack} ${o.kind}/${o.metadata.name}`).toBeDefined();
                const expected = comparable(real!);
                const actual = comparable(o);
                // Without the subchart the chart points redis.server at its own Redis; the testbed replaces it anyway.
                if (o.metadata.name === "argocd-cmd-params-cm") {
                    delete expected["redis.server"];
                    delete actual["redis.server"];
                }
                expect(actual, `${stack} ${config.join(" ")} ${o.metadata.name}`).toEqual(expected);
            }
        }
    });
});
