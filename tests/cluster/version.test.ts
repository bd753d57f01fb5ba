/**
 * The local control plane reports the version it was built from (issue 25 §7): scripts/cluster/build.sh links
 * kube-apiserver & co with the stamps Kubernetes' own build sets (hack/lib/version.sh). Without them /version said
 * v0.0.0-master+$Format:%H$, which kubectl cannot parse and Helm refuses for every chart with a kubeVersion
 * constraint, so the control plane was no faithful target for a real `pulumi up`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { clusterVersions } from "./flux/processes";
import { cluster, kubectl } from "./support/cluster";

interface VersionInfo {
    major: string;
    minor: string;
    gitVersion: string;
    buildDate?: string;
}

const { KUBERNETES_VERSION, CLUSTER_BIN, HELM_VERSION } = clusterVersions();
const helm = path.join(CLUSTER_BIN, `helm-${HELM_VERSION}`);

describe("the control plane's version", () => {
    it("is the one build.sh built, in /version", async () => {
        const reported = JSON.parse((await kubectl(["get", "--raw", "/version"])).stdout) as VersionInfo;
        // An existing cluster (GITOPS_STACK_EXISTING_CLUSTER=1) is someone else's build: only its form is checked.
        const expected = cluster().local ? KUBERNETES_VERSION : reported.gitVersion;
        const [, major, minor] = /^v(\d+)\.(\d+)\.\d+/.exec(expected) ?? [];
        expect(reported).toMatchObject({ gitVersion: expected, major, minor });
        expect(reported.gitVersion).toMatch(/^v\d+\.\d+\.\d+$/);
        if (cluster().local) expect(reported.buildDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it("is parsed by kubectl version", async () => {
        const result = await kubectl(["version", "-o", "json"], { ok: false });
        // kubectl warns about the client/server skew on stderr; a version it cannot parse fails here instead.
        expect(result.stderr).not.toMatch(/pars(e|ing)/i);
        expect(result.code).toBe(0);
        const parsed = JSON.parse(result.stdout) as { serverVersion?: VersionInfo };
        expect(parsed.serverVersion?.gitVersion).toBe(
            cluster().local ? KUBERNETES_VERSION : parsed.serverVersion?.gitVersion,
        );
    });

    // Helm is built by scripts/cluster/build-argocd.sh (the Argo CD testbed's); CI runs this file after that build.
    it("satisfies a chart's kubeVersion constraint for Helm (server-side)", async () => {
        const chart = fs.mkdtempSync(path.join(cluster().runDir, "kube-version-chart-"));
        fs.writeFileSync(
            path.join(chart, "Chart.yaml"),
            'apiVersion: v2\nname: needs-kube\nversion: 0.1.0\nkubeVersion: ">=1.25.0-0"\n',
        );
        fs.mkdirSync(path.join(chart, "templates"));
        fs.writeFileSync(
            path.join(chart, "templates", "cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: needs-kube }\ndata: { a: b }\n",
        );
        // --validate reads the version from the API server (not Helm's built-in default) and checks kubeVersion.
        const out = execFileSync(
            helm,
            [
                "template",
                "needs-kube",
                chart,
                "--validate",
                "--namespace",
                "default",
                "--kubeconfig",
                cluster().kubeconfig,
            ],
            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
        expect(out).toContain("name: needs-kube");
    });
});
