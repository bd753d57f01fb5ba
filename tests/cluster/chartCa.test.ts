/**
 * A chart mirror with a private CA (issue 25 §4). Helm verifies the repository's TLS certificate on the machine
 * running Pulumi: the Kubernetes provider's Release downloads the chart there with Helm's own repository and getter
 * code, which this test drives through the helm binary built from the same module (scripts/cluster/build-argocd.sh).
 * A chart repository is served over TLS on 127.0.0.1 with a CA made for the run: Helm refuses it as the provider did
 * (`x509: certificate signed by unknown authority`), and reads it with the CA given as the program gives it
 * (`repositoryOpts.caFile` = `--ca-file`) and through the trust-store path docs/how-to/mirror-or-existing-install.md
 * documents (`SSL_CERT_DIR`).
 *
 * Ports (before GITOPS_STACK_TEST_PORT_OFFSET): 29400.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterVersions } from "./flux/processes";
import { cluster } from "./support/cluster";
import { testPorts } from "./support/ports";

const PORTS = testPorts({ chartRepository: 29400 });

const { CLUSTER_BIN, HELM_VERSION } = clusterVersions();
const helm = path.join(CLUSTER_BIN, `helm-${HELM_VERSION}`);

const openssl = (dir: string, args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

// Helm is built by scripts/cluster/build-argocd.sh (the Argo CD testbed's); CI runs this file after that build.
describe("a chart repository whose TLS certificate a private CA signed", () => {
    let dir: string;
    let server: https.Server;
    let env: NodeJS.ProcessEnv;
    const url = `https://127.0.0.1:${PORTS.chartRepository}`;

    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(cluster().runDir, "chart-ca-"));
        // The mirror's PKI: a CA, and a server certificate for 127.0.0.1 that it signs.
        fs.mkdirSync(path.join(dir, "trust"));
        openssl(dir, [
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
            "ca.key",
            "-out",
            "trust/mirror-ca.pem",
        ]);
        openssl(dir, [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(dir, [
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "trust/mirror-ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ]);

        // A chart repository: one packaged chart and its index, as a mirror serves them.
        env = {
            ...process.env,
            HELM_CACHE_HOME: path.join(dir, "helm-cache"),
            HELM_CONFIG_HOME: path.join(dir, "helm-config"),
            HELM_DATA_HOME: path.join(dir, "helm-data"),
        };
        const chart = path.join(dir, "mirror-chart");
        fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
        fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: mirror-chart\nversion: 1.2.3\n");
        fs.writeFileSync(
            path.join(chart, "templates", "cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n",
        );
        const repo = path.join(dir, "repo");
        execFileSync(helm, ["package", chart, "-d", repo], { env, stdio: "pipe" });
        execFileSync(helm, ["repo", "index", repo, "--url", url], { env, stdio: "pipe" });

        server = https.createServer(
            { key: fs.readFileSync(path.join(dir, "server.key")), cert: fs.readFileSync(path.join(dir, "server.pem")) },
            (req, res) => {
                const file = path.join(repo, path.basename(req.url ?? "/"));
                if (!fs.existsSync(file)) {
                    res.writeHead(404).end();
                    return;
                }
                res.writeHead(200).end(fs.readFileSync(file));
            },
        );
        await new Promise<void>((resolve) => server.listen(PORTS.chartRepository, "127.0.0.1", resolve));
    });

    afterAll(async () => {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    /** `helm pull` of the chart from the mirror, as the provider's Release downloads it; resolves with the result. */
    const pull = (extraArgs: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
        new Promise<{ ok: boolean; output: string; file: string }>((resolve) => {
            const out = fs.mkdtempSync(path.join(dir, "pull-"));
            execFile(
                helm,
                ["pull", "mirror-chart", "--repo", url, "--version", "1.2.3", "-d", out, ...extraArgs],
                { env: { ...env, ...extraEnv } },
                (err, stdout, stderr) =>
                    resolve({ ok: !err, output: `${stdout}${stderr}`, file: path.join(out, "mirror-chart-1.2.3.tgz") }),
            );
        });

    it("is refused without the CA, as the preview was", async () => {
        const result = await pull([]);
        expect(result.ok).toBe(false);
        expect(result.output).toMatch(/x509: certificate signed by unknown authority|failed to verify certificate/);
    });

    it("is read with the CA file the program passes as repositoryOpts.caFile (chartRepositoryCaFile)", async () => {
        const result = await pull(["--ca-file", path.join(dir, "trust", "mirror-ca.pem")]);
        expect(result.output).toBe("");
        expect(result.ok).toBe(true);
        expect(fs.statSync(result.file).size).toBeGreaterThan(0);
    });

    it("is read when the trust store carries the CA: SSL_CERT_DIR with the system's directory and the CA's", async () => {
        const result = await pull([], { SSL_CERT_DIR: `/etc/ssl/certs:${path.join(dir, "trust")}` });
        expect(result.ok).toBe(true);
        expect(fs.existsSync(result.file)).toBe(true);
    });
});
