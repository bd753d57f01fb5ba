/**
 * Sealed Secrets for real (issue 21; secretsInGit sealed-secrets): the dev stack with a supplied key pair, its
 * objects applied to the test cluster (the key pair's Secret, labelled active, in the `sealed-secrets` namespace the
 * chart's controller reads its keys from), the real Sealed Secrets controller (v0.36.6, the pinned chart's app
 * version, built by scripts/cluster/build-release.sh), and Flux reconciling the app from a loopback git server. A
 * SealedSecret sealed by kubeseal with the stack's exported certificate (the `sealedSecretsCertificate` output) and
 * committed to Git is unsealed into the app's namespace; one sealed with another environment's certificate is
 * applied by Flux too but never becomes a Secret, and the controller says why on it.
 *
 * The controller only runs in cluster (it reads its ServiceAccount's token from /var/run/secrets, with no
 * kubeconfig flag), so it runs in a private mount namespace (unshare) where the test mounts a token of the
 * ServiceAccount it would run as; that ServiceAccount is bound to cluster-admin here (a stand-in for the chart's
 * narrower roles, which the chart is not installed to create).
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { SEALED_SECRETS_EDIT_ROLE } from "../../src/shared/secretsInGit";
import { cluster, kubectl } from "./support/cluster";
import { applyObjects, condition, getObject, waitFor, waitForCondition, type KubeObject } from "./flux/kube";
import { binaryPath, clusterVersions, startLogged, waitForHttp, type Started } from "./flux/processes";
import { fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { testPorts } from "./support/ports";

/** The cluster tests' release-path range is 29500-29699; this file uses 29560-29579. */
const PORTS = testPorts({
    git: 29560,
    storage: 29561,
    events: 29562,
    webhooks: 29563,
    probesBase: 29564, // to 29569
    controller: 29570,
    controllerMetrics: 29571,
});
const FLUX_NS = "flux-sealed";
const APP = "payments";
const APP_NS = "payments-dev-sealed";
/** The namespace and ServiceAccount of the chart's controller (src/shared/secretsInGit.ts). */
const CONTROLLER_NS = "sealed-secrets";
const CONTROLLER_SA = "sealed-secrets-controller";
const ADMIN_BINDING = "gitops-stack-test-sealed-secrets-controller";
const FIELD_MANAGER = "gitops-stack-sealed-secrets-test";
const BUILD = "scripts/cluster/build-release.sh";
const run = promisify(execFile);

let testbed: FluxTestbed;
let controller: Started | undefined;
let certificate: string;

const logs = () => `${testbed.logs(15)}\n--- sealed-secrets-controller\n${controller?.tail(30)}`;

/** An RSA key pair as the README has teams make one (openssl req -x509 -newkey rsa:4096, here 2048 for speed). */
function keyPair(dir: string, name: string): { certificate: string; privateKey: string } {
    const key = path.join(dir, `${name}.key`);
    const crt = path.join(dir, `${name}.crt`);
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=sealed-secret/O=sealed-secret",
            "-keyout",
            key,
            "-out",
            crt,
        ],
        { stdio: "ignore" },
    );
    const pair = { certificate: fs.readFileSync(crt, "utf8"), privateKey: fs.readFileSync(key, "utf8") };
    fs.rmSync(key);
    return pair;
}

/** `kubectl create secret generic ... --dry-run=client -o yaml | kubeseal --cert <cert> -o yaml`, as the README has it. */
async function seal(name: string, data: Record<string, string>, cert: string): Promise<string> {
    const certFile = path.join(testbed.tmp, `${name}.pem`);
    fs.writeFileSync(certFile, cert);
    const secret = YAML.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: APP_NS },
        stringData: data,
    });
    const kubeseal = binaryPath("kubeseal", clusterVersions().SEALED_SECRETS_VERSION, BUILD);
    const child = execFile(kubeseal, ["--cert", certFile, "--format", "yaml"]);
    child.stdin!.end(secret);
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`kubeseal failed (${code}): ${err}`);
    return out;
}

/** The apiserver's host and port, and the CA bundle, from the cluster's kubeconfig. */
function apiserver(): { host: string; port: string; ca: string } {
    const kubeconfig = YAML.parse(fs.readFileSync(cluster().kubeconfig, "utf8")) as {
        clusters: Array<{ cluster: { server: string; "certificate-authority-data": string } }>;
    };
    const { server, "certificate-authority-data": ca } = kubeconfig.clusters[0].cluster;
    const url = new URL(server);
    return { host: url.hostname, port: url.port, ca: Buffer.from(ca, "base64").toString("utf8") };
}

/** Starts the controller as in its pod: the ServiceAccount's token, CA and namespace under /var/run/secrets. */
async function startController(): Promise<Started> {
    const dir = path.join(testbed.tmp, "sealed-secrets");
    const account = path.join(dir, "serviceaccount");
    fs.mkdirSync(account, { recursive: true, mode: 0o700 });
    const token = (
        await kubectl(["create", "token", CONTROLLER_SA, "-n", CONTROLLER_NS, "--duration=2h"])
    ).stdout.trim();
    const api = apiserver();
    fs.writeFileSync(path.join(account, "token"), token, { mode: 0o600 });
    fs.writeFileSync(path.join(account, "ca.crt"), api.ca);
    fs.writeFileSync(path.join(account, "namespace"), CONTROLLER_NS);
    const bin = binaryPath("sealed-secrets-controller", clusterVersions().SEALED_SECRETS_VERSION, BUILD);
    // A mount namespace of its own (and a user namespace, so this needs no privilege): /run (= /var/run) becomes a
    // private tmpfs holding only the ServiceAccount files; the host's /run is untouched.
    const script =
        'mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io && cp -r "$1" /run/secrets/kubernetes.io/serviceaccount && shift && exec "$@"';
    const started = startLogged(
        dir,
        "sealed-secrets-controller",
        "unshare",
        [
            "--user",
            "--map-root-user",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            account,
            bin,
            `--listen-addr=127.0.0.1:${PORTS.controller}`,
            `--listen-metrics-addr=127.0.0.1:${PORTS.controllerMetrics}`,
            // What the chart sets for a supplied key pair (sealedSecretsValues: keyrenewperiod "0").
            "--key-renew-period=0",
        ],
        { KUBERNETES_SERVICE_HOST: api.host, KUBERNETES_SERVICE_PORT: api.port, POD_NAMESPACE: CONTROLLER_NS },
    );
    await waitForHttp(PORTS.controller, "/healthz", 30_000, () => started.tail());
    fs.rmSync(path.join(account, "token"));
    return started;
}

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-cluster-sealed",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: [APP_NS, CONTROLLER_NS],
    });
    const { git } = testbed;
    const dev = keyPair(testbed.tmp, "dev");
    const stack = await fluxStackObjects(
        "dev",
        [
            ...fluxServerConfig(git, FLUX_NS),
            "secretsInGit=sealed-secrets",
            "slackChannel=",
            `apps=${JSON.stringify([{ name: APP, namespace: APP_NS }])}`,
        ],
        {
            sshPrivateKey: git.deployKey,
            slackToken: "unused",
            sealedSecretsCertificate: dev.certificate,
            sealedSecretsPrivateKey: dev.privateKey,
        },
    );
    // The key pair reaches the cluster only as a Pulumi secret; the certificate is the stack's public output.
    expect(stack.secretObjects).toContain("Secret/sealed-secrets-key-gitops-stack");
    expect(stack.outputs.sealedSecretsCertificate).toBe(dev.certificate);
    certificate = stack.outputs.sealedSecretsCertificate as unknown as string;
    // Not the people's ClusterRoles (accessControl.test.ts checks those); the one giving namespace admins the
    // SealedSecret kind, which the tenant applies through, is needed here (deleted after the file).
    const objects = stack.objects.filter(
        (o) =>
            (o.kind !== "ClusterRole" || o.metadata.name === SEALED_SECRETS_EDIT_ROLE) &&
            o.kind !== "ClusterRoleBinding",
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toContain(`ClusterRole/${SEALED_SECRETS_EDIT_ROLE}`);
    await applyObjects(objects, FIELD_MANAGER);

    // The chart's ServiceAccount, with a stand-in for its roles.
    await kubectl(["create", "serviceaccount", CONTROLLER_SA, "-n", CONTROLLER_NS]);
    await kubectl([
        "create",
        "clusterrolebinding",
        ADMIN_BINDING,
        "--clusterrole=cluster-admin",
        `--serviceaccount=${CONTROLLER_NS}:${CONTROLLER_SA}`,
    ]);
    controller = await startController();

    // The team's commit: an app whose overlay holds two SealedSecrets, one sealed for dev with the stack's
    // certificate, one sealed for another environment (another key pair's certificate).
    const other = keyPair(testbed.tmp, "staging");
    const forDev = await seal("api-credentials", { PAYMENT_API_TOKEN: "sealed-for-dev-4f1c" }, certificate);
    const forOther = await seal(
        "staging-credentials",
        { PAYMENT_API_TOKEN: "sealed-for-staging-4f1c" },
        other.certificate,
    );
    git.commit("Add the payments app with sealed credentials", (work) => {
        const overlay = path.join(work, "apps", APP, "overlays", "dev");
        fs.mkdirSync(overlay, { recursive: true });
        fs.writeFileSync(path.join(overlay, "api-credentials.sealed.yaml"), forDev);
        fs.writeFileSync(path.join(overlay, "staging-credentials.sealed.yaml"), forOther);
        fs.writeFileSync(
            path.join(overlay, "kustomization.yaml"),
            YAML.stringify({
                apiVersion: "kustomize.config.k8s.io/v1beta1",
                kind: "Kustomization",
                resources: ["api-credentials.sealed.yaml", "staging-credentials.sealed.yaml"],
            }),
        );
    });
}, 240_000);

afterAll(async () => {
    await testbed?.stop();
    await controller?.stop();
    await kubectl(["delete", "clusterrolebinding", ADMIN_BINDING, "--ignore-not-found"], { ok: false });
    await kubectl(["delete", "clusterrole", SEALED_SECRETS_EDIT_ROLE, "--ignore-not-found"], { ok: false });
}, 180_000);

describe("dev stack with secretsInGit=sealed-secrets and the stack's key pair", () => {
    it("the repository holds only ciphertext", async () => {
        const work = path.join(testbed.tmp, "git", "work");
        const committed = (
            await run("git", ["-C", work, "show", `main:apps/${APP}/overlays/dev/api-credentials.sealed.yaml`])
        ).stdout;
        const sealed = YAML.parse(committed) as KubeObject;
        expect(sealed).toMatchObject({
            kind: "SealedSecret",
            metadata: { name: "api-credentials", namespace: APP_NS },
        });
        expect(Object.keys(sealed.spec.encryptedData)).toEqual(["PAYMENT_API_TOKEN"]);
        expect(committed).not.toContain("sealed-for-dev-4f1c");
    });

    it("unseals what was sealed with the stack's exported certificate, once Flux applied it from Git", async () => {
        await waitForCondition(
            "kustomizations.kustomize.toolkit.fluxcd.io",
            `dev-${APP}`,
            FLUX_NS,
            "Ready",
            "True",
            180_000,
            logs,
        );
        const secret = await waitFor(
            "the Secret api-credentials to be unsealed",
            120_000,
            async () => getObject("secret", "api-credentials", APP_NS),
            logs,
        );
        expect(Buffer.from(secret.data.PAYMENT_API_TOKEN as string, "base64").toString("utf8")).toBe(
            "sealed-for-dev-4f1c",
        );
        expect(secret.metadata.ownerReferences).toEqual([
            expect.objectContaining({ kind: "SealedSecret", name: "api-credentials", controller: true }),
        ]);
        const sealed = await getObject("sealedsecrets.bitnami.com", "api-credentials", APP_NS);
        expect(condition(sealed, "Synced")?.status).toBe("True");
    });

    it("never unseals one sealed for another environment, and says why on the SealedSecret", async () => {
        const sealed = await waitForCondition(
            "sealedsecrets.bitnami.com",
            "staging-credentials",
            APP_NS,
            "Synced",
            "False",
            120_000,
            logs,
        );
        expect(condition(sealed, "Synced")?.message).toMatch(/no key could decrypt secret/);
        expect(await getObject("secret", "staging-credentials", APP_NS)).toBeUndefined();
    });
});
