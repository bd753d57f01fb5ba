import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { imageRegistryProblem, parseChartRepository } from "../../../src/config/rules/chart";
import { plain, runStack } from "../../support/stacks";
import { errorOf, parsed } from "./support";

// A local chart mirror: argo-cd and, beside it, the argocd-image-updater chart that dev's image automation takes.
const chartsDir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-charts-"));
const chartDir = path.join(chartsDir, "argo-cd");
fs.mkdirSync(chartDir);
fs.writeFileSync(path.join(chartDir, "Chart.yaml"), "apiVersion: v2\nname: argo-cd\nversion: 10.1.1\n");
fs.mkdirSync(path.join(chartsDir, "argocd-image-updater"));
fs.writeFileSync(
    path.join(chartsDir, "argocd-image-updater", "Chart.yaml"),
    "apiVersion: v2\nname: argocd-image-updater\nversion: 1.2.4\n",
);
const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-nochart-"));
afterAll(() => {
    fs.rmSync(chartsDir, { recursive: true, force: true });
    fs.rmSync(emptyDir, { recursive: true, force: true });
});

describe("chart repositories", () => {
    it("default to the upstream https repositories, with Helm installing the operator", () => {
        const c = parsed("dev");
        expect(c.argocd.chart).toEqual({
            repository: { kind: "https", url: "https://argoproj.github.io/argo-helm" },
            version: "10.1.1",
        });
        expect(c.flux.chart).toEqual({
            repository: { kind: "https", url: "https://fluxcd-community.github.io/helm-charts" },
            version: "2.18.3",
        });
        expect(c.argocd.install).toBe("helm");
        expect(c.flux.install).toBe("helm");
        expect(c.argocd.imageRegistry).toBeUndefined();
    });

    it.each([
        ["https://charts.mirror.example/argo", { kind: "https", url: "https://charts.mirror.example/argo" }],
        ["https://charts.mirror.example:8443/argo/", { kind: "https", url: "https://charts.mirror.example:8443/argo" }],
        ["oci://registry.example.com/charts", { kind: "oci", url: "oci://registry.example.com/charts" }],
        ["oci://127.0.0.1:5000/helm", { kind: "oci", url: "oci://127.0.0.1:5000/helm" }],
        [chartDir, { kind: "local", url: chartDir }],
    ])("accepts %s", (value, expected) => {
        expect(parseChartRepository(value)).toEqual(expected);
        expect(parsed("dev", { config: [`argocdChartRepository=${value}`] }).argocd.chart.repository).toEqual(expected);
    });

    it("resolves a ./ path against the project directory", () => {
        const rel = path.relative(process.cwd(), chartDir);
        expect(parseChartRepository(rel.startsWith("../") ? rel : `./${rel}`)).toMatchObject({ kind: "local" });
    });

    it.each([
        ["http://charts.example.com", /uses http:\/\//],
        ["https://", /has no host/],
        ["https:///charts", /has no host/],
        ["https://-bad-.example/charts", /is not a DNS name/],
        ["https://charts.example.com:0/x", /port "0" is not from 1 to 65535/],
        ["https://charts.example.com:70000/x", /port "70000" is not from 1 to 65535/],
        ["https://charts.example.com/a/../b", /has a "\." or "\.\." segment/],
        ["oci://registry.example.com", /has no repository path after the host/],
        ["charts.example.com/argo", /is not a chart location/],
        [emptyDir, /is not a chart directory: .*Chart\.yaml does not exist/],
        ["./no/such/chart", /is not a chart directory/],
    ])("refuses %s, naming stack, key, value and forms", (value, reason) => {
        const message = errorOf("staging", { config: [`fluxChartRepository=${value}`] });
        expect(message).toContain('stack "staging"');
        expect(message).toContain(`gitops-stack:fluxChartRepository: ${JSON.stringify(value)}`);
        expect(message).toMatch(reason);
        expect(message).toContain("expected an https:// chart repository URL, an oci://host/path registry reference");
    });

    it.each([
        ["https://robot-4f1c@charts.example.com/x", "robot-4f1c"],
        ["https://user:hunter2-4f1c@charts.example.com/x", "hunter2-4f1c"],
        ["oci://robot:hunter2-4f1c@registry.example.com/charts", "hunter2-4f1c"],
        ["HTTPS://robot:pa/ss-4f1c@charts.example.com/x", "pa/ss-4f1c"],
    ])("refuses user information in %s, saying so and never repeating it", (value, secret) => {
        const message = errorOf("staging", { config: [`fluxChartRepository=${value}`] });
        expect(message).toContain("gitops-stack:fluxChartRepository:");
        expect(message).toMatch(/carries user information \(user:password@ or a token before @\)/);
        expect(message).not.toMatch(/port/);
        expect(message).not.toContain(secret);
        expect(message).toContain("[redacted]@");
    });
});

describe("imageRegistry", () => {
    it.each(["registry.example.com", "registry.example.com:5000/mirror", "localhost:5000", "127.0.0.1:5000/a/b"])(
        "accepts %s",
        (value) => {
            expect(imageRegistryProblem(value)).toBeUndefined();
            const c = parsed("prod", { config: [`imageRegistry=${value}/`] });
            expect(c.argocd.imageRegistry).toBe(value);
            expect(c.flux.imageRegistry).toBe(value);
        },
    );

    it.each([
        ["https://registry.example.com", /has a scheme/],
        ["mirror", /does not start with a registry host/],
        ["registry.example.com:99999", /port "99999"/],
        ["registry.example.com/Mirror", /path component "Mirror"/],
        ["registry..example.com", /is not a DNS name/],
    ])("refuses %s", (value, reason) => {
        const message = errorOf("dev", { config: [`imageRegistry=${value}`] });
        expect(message).toContain(`gitops-stack:imageRegistry: ${JSON.stringify(value)}`);
        expect(message).toMatch(reason);
        expect(message).toContain("expected a registry prefix host[:port][/path]");
    });
});

describe("operatorInstall", () => {
    it("takes existing", () => {
        expect(parsed("dev", { config: ["operatorInstall=existing"] }).argocd.install).toBe("existing");
        expect(parsed("dev", { config: ["operatorInstall=existing", "operator=flux"] }).flux.install).toBe("existing");
    });
    it("warns that chart and image keys have no effect on an existing install", () => {
        const c = parsed("dev", {
            config: [
                "operatorInstall=existing",
                "imageAutomation=false",
                "argocdChartVersion=10.2.0",
                "imageRegistry=registry.example.com",
            ],
        });
        expect(c.warnings).toEqual([
            'stack "dev": gitops-stack:argocdChartVersion: "10.2.0" has no effect with operatorInstall=existing: the operator is already installed and the program installs no chart.',
            'stack "dev": gitops-stack:imageRegistry: "registry.example.com" has no effect with operatorInstall=existing: the operator is already installed and the program installs no chart.',
        ]);
        expect(parsed("dev", { config: ["operatorInstall=existing"] }).warnings).toEqual([]);
    });
    it("keeps the chart repository and image registry for add-on charts (Image Updater) on an existing install", () => {
        const c = parsed("dev", {
            config: ["operatorInstall=existing", "argocdChartVersion=10.2.0", "imageRegistry=registry.example.com"],
        });
        expect(c.warnings).toEqual([
            'stack "dev": gitops-stack:argocdChartVersion: "10.2.0" has no effect with operatorInstall=existing: the operator is already installed and the program installs no chart (the add-on charts use only argocdChartRepository and imageRegistry).',
        ]);
        expect(c.argocd.imageUpdater?.chart.repository.kind).toBe("https");
    });
    it("refuses anything else", () => {
        expect(errorOf("dev", { config: ["operatorInstall=adopt"] })).toContain(
            'gitops-stack:operatorInstall: "adopt" is not valid; expected one of helm, existing.',
        );
    });
});

describe("chartRepositoryCaFile (issue 25 §4: a chart mirror with a private CA)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-chart-ca-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** A CA certificate and its key, made by the real openssl (what a team's PKI hands out). */
    const ca = path.join(dir, "ca.pem");
    const key = path.join(dir, "ca.key");
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=gitops-stack test mirror CA",
            "-keyout",
            key,
            "-out",
            ca,
        ],
        { stdio: "pipe" },
    );
    const write = (name: string, text: string) => {
        fs.writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
    };
    const bundle = write("bundle.pem", fs.readFileSync(ca, "utf8") + fs.readFileSync(ca, "utf8"));

    it("applies a PEM bundle to every https chart repository of the stack, as given", () => {
        const c = parsed("dev", {
            config: [`chartRepositoryCaFile=${bundle}`, "argoRollouts=true", "secretsInGit=sealed-secrets"],
        });
        expect(c.argocd.chart.repository).toEqual({
            kind: "https",
            url: "https://argoproj.github.io/argo-helm",
            caFile: bundle,
        });
        expect(c.flux.chart.repository.caFile).toBe(bundle);
        expect(c.argocd.imageUpdater?.chart.repository.caFile).toBe(bundle);
        expect(c.delivery.rollouts?.chart.repository.caFile).toBe(bundle);
        expect(c.delivery.sealedSecrets?.chart.repository.caFile).toBe(bundle);
        // An oci:// registry takes its CA from the trust store (see docs/how-to/mirror-or-existing-install.md): none
        // is attached.
        const oci = parsed("dev", {
            config: [`chartRepositoryCaFile=${bundle}`, "argocdChartRepository=oci://registry.example.com/charts"],
        });
        expect(oci.argocd.chart.repository).toEqual({ kind: "oci", url: "oci://registry.example.com/charts" });
    });

    it.each([
        [
            "a relative path without ./",
            () => "certs/ca.pem",
            '"certs/ca.pem" is not an absolute path or one starting with ./ or ../',
        ],
        ["a missing file", () => path.join(dir, "missing.pem"), "does not exist"],
        ["a directory", () => dir, "is not a file"],
        ["a file with no certificate", () => write("empty.pem", "not a certificate\n"), "holds no PEM certificate"],
        [
            "a private key beside the certificate",
            () => write("withkey.pem", fs.readFileSync(ca, "utf8") + fs.readFileSync(key, "utf8")),
            "holds a private key",
        ],
        [
            "a damaged certificate",
            () => write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            "certificate 1 of",
        ],
    ])("refuses %s, naming the key and the expected form", (_, value, problem) => {
        const message = errorOf("dev", { config: [`chartRepositoryCaFile=${value()}`] });
        expect(message).toContain("gitops-stack:chartRepositoryCaFile: ");
        expect(message).toContain(problem);
        expect(message).toContain(
            "expected a PEM file of CA certificates, absolute or ./ or ../ relative to the project",
        );
        expect(message).not.toContain("BEGIN");
    });

    it("reaches the Helm releases as repositoryOpts.caFile", async () => {
        const run = await runStack("dev", { config: [`chartRepositoryCaFile=${ca}`, "argoRollouts=true"] });
        const releases = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        expect(releases.length).toBeGreaterThanOrEqual(3);
        for (const release of releases) {
            expect((plain(release.inputs.repositoryOpts) as { caFile?: string }).caFile, release.name).toBe(ca);
        }
    });
});
