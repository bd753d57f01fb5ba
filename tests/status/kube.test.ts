import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPath, readCredentials, resolveContext } from "../../src/status/kube";
import { runStatus, sshFingerprint, StatusUsageError } from "../../src/status";
import { application, appProject, declared, ROOT } from "./fixtures";

/**
 * The I/O layer against a stand-in kubectl (a script answering from JSON files, as `kubectl get -o json` would) and
 * real git repositories; the real apiserver is exercised by tests/cluster/status.test.ts.
 */
let dir: string;
let fakeKubectl: string;
let privateKey: string;
let expectedFingerprint: string;
let savedKubeconfig: string | undefined;

const FAKE = `#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const args = process.argv.slice(2);
while (args[0] === "--kubeconfig" || args[0] === "--context") args.splice(0, 2);
const dir = process.env.FAKE_KUBE_DIR;
const key = args.filter((a) => !a.startsWith("--request-timeout") && a !== "-o" && a !== "json").join(" ");
fs.appendFileSync(path.join(dir, "calls.log"), key + "\\n");
if (key === "config get-contexts name") { process.stdout.write("test\\nother\\n"); process.exit(0); }
if (key === "config current-context") { process.stdout.write("test\\n"); process.exit(0); }
if (key === "config view --minify jsonpath={.clusters[0].cluster.server}") { process.stdout.write("https://admin:pw-4f1c@127.0.0.1:1"); process.exit(0); }
if (key.startsWith("config view")) process.exit(0);
if (process.env.FAKE_KUBE_DOWN) { process.stderr.write("Unable to connect to the server: dial tcp 127.0.0.1:1: connect: connection refused"); process.exit(1); }
if (process.env.FAKE_KUBE_STDERR) { process.stderr.write(process.env.FAKE_KUBE_STDERR); process.exit(1); }
if (key === "get --raw /version") { process.stdout.write('{"gitVersion":"v1.32.0"}'); process.exit(0); }
const file = path.join(dir, key.replace(/[^a-z0-9.-]+/gi, "_") + ".json");
if (fs.existsSync(file)) { process.stdout.write(fs.readFileSync(file)); process.exit(0); }
if (key.startsWith("get secret")) { process.stderr.write('Error from server (NotFound): secrets "x" not found'); process.exit(1); }
if (key.startsWith("get pods")) { process.stdout.write('{"items":[]}'); process.exit(0); }
process.stderr.write('error: the server doesn\\'t have a resource type "' + args[1] + '"'); process.exit(1);
`;

const write = (key: string, value: unknown) =>
    fs.writeFileSync(path.join(dir, key.replace(/[^a-z0-9.-]+/gi, "_") + ".json"), JSON.stringify(value));

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-status-"));
    fakeKubectl = path.join(dir, "kubectl");
    fs.writeFileSync(fakeKubectl, FAKE, { mode: 0o755 });
    process.env.FAKE_KUBE_DIR = dir;
    // The command reads the contexts from the kubeconfig itself (the fake kubectl ignores it).
    savedKubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = path.join(dir, "kubeconfig");
    fs.writeFileSync(
        process.env.KUBECONFIG,
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "c", cluster: { server: "https://admin:pw-4f1c@127.0.0.1:1" } }],
            users: [{ name: "u", user: { token: "t" } }],
            contexts: ["test", "other"].map((name) => ({ name, context: { cluster: "c", user: "u" } })),
        }),
    );
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", path.join(dir, "key")]);
    privateKey = fs.readFileSync(path.join(dir, "key"), "utf8");
    expectedFingerprint = execFileSync("ssh-keygen", ["-lf", path.join(dir, "key.pub")], { encoding: "utf8" }).split(
        " ",
    )[1];
});
afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
});

describe("sshFingerprint", () => {
    it("is ssh-keygen's SHA256 fingerprint", () => {
        expect(sshFingerprint(fs.readFileSync(path.join(dir, "key.pub"), "utf8"))).toBe(expectedFingerprint);
        expect(sshFingerprint("not a key")).toBeUndefined();
    });
});

describe("readCredentials", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");

    it("Argo CD: derives the deploy key fingerprint from sshPrivateKey in memory; only key names leave", () => {
        const d = declared("dev");
        write("get secret gitops-repo-repository -n argocd", {
            data: { sshPrivateKey: b64(privateKey), type: b64("git"), url: b64(d.repoUrl) },
        });
        const state = readCredentials({ kubectl: fakeKubectl }, d);
        expect(state).toMatchObject({ found: true, readable: true, keys: ["sshPrivateKey", "type", "url"] });
        expect(state.fingerprint).toBe(expectedFingerprint);
        expect(JSON.stringify(state)).not.toContain("PRIVATE KEY");
        expect(JSON.stringify(state)).not.toContain(b64(privateKey).slice(0, 40));
    });

    it("Flux: reads identity.pub; a missing Secret is reported as missing", () => {
        const d = declared("dev", ["operator=flux"]);
        write("get secret gitops-dev-auth -n flux-system", {
            data: { "identity.pub": b64(fs.readFileSync(path.join(dir, "key.pub"), "utf8")), identity: b64("garbage") },
        });
        expect(readCredentials({ kubectl: fakeKubectl }, d).fingerprint).toBe(expectedFingerprint);
        fs.rmSync(path.join(dir, "get_secret_gitops-dev-auth_-n_flux-system.json"));
        expect(readCredentials({ kubectl: fakeKubectl }, d)).toEqual({ found: false, readable: false, keys: [] });
    });
});

describe("resolveContext", () => {
    it("uses --context, else the stack's context; an unknown one is a usage error listing the contexts", () => {
        expect(resolveContext({ kubectl: fakeKubectl, context: "other" }, "kind-dev", "dev").context).toBe("other");
        expect(resolveContext({ kubectl: fakeKubectl }, "test", "dev").context).toBe("test");
        expect(() => resolveContext({ kubectl: fakeKubectl }, undefined, "dev")).toThrow(/sets no kubernetes:context/);
        expect(() => resolveContext({ kubectl: fakeKubectl }, "kind-dev", "dev")).toThrow(
            /Context "kind-dev" \(stack dev's kubernetes:context\) is not in the kubeconfig .*; it has: test, other/,
        );
        expect(() =>
            resolveContext({ kubectl: fakeKubectl, kubeconfig: path.join(dir, "nope") }, undefined, "dev"),
        ).toThrow(StatusUsageError);
    });
});

describe("checkPath (git cat-file -e <rev>:<path>)", () => {
    it("says whether the path exists at the revision, trying origin/<rev> too", () => {
        const repo = path.join(dir, "repo");
        const git = (...args: string[]) =>
            execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
                encoding: "utf8",
            });
        fs.mkdirSync(path.join(repo, "apps/podinfo/overlays/dev"), { recursive: true });
        fs.writeFileSync(path.join(repo, "apps/podinfo/overlays/dev/kustomization.yaml"), "resources: []\n");
        git("init", "-q", "-b", "main");
        git("add", ".");
        git("commit", "-q", "-m", "init");
        git("update-ref", "refs/remotes/origin/release", "HEAD");
        const commit = git("rev-parse", "HEAD").trim();
        expect(checkPath(repo, "main", "./apps/podinfo/overlays/dev")).toMatchObject({
            exists: true,
            checkedRef: "main",
        });
        expect(checkPath(repo, "main", "apps/podinfo/overlays/dve")).toMatchObject({
            exists: false,
            revisionExists: true,
        });
        expect(checkPath(repo, "release", "apps/podinfo/overlays/dev")).toMatchObject({
            exists: true,
            checkedRef: "origin/release",
        });
        expect(checkPath(repo, commit, "apps/podinfo/overlays/dev").exists).toBe(true);
        expect(checkPath(repo, "mian", "apps")).toEqual({ revision: "mian", path: "apps", revisionExists: false });
    });
});

describe("runStatus through kubectl", () => {
    it("reads only the stack's namespace and the pods of unhealthy apps, and diagnoses them", () => {
        const d = declared("dev");
        const apps = d.applications.map((a) =>
            application(d, a.name, a.name === "dev-podinfo" ? { health: "Degraded" } : {}),
        );
        write("get applications.argoproj.io -n argocd", { items: apps });
        write("get appprojects.argoproj.io -n argocd", { items: d.projects.map((p) => appProject(d, p)) });
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        const report = runStatus({
            root: ROOT,
            stack: "dev",
            context: "test",
            kubectl: fakeKubectl,
            now: new Date("2026-11-25T12:00:00Z"),
        });
        expect(report.ok).toBe(false);
        expect(report.context).toBe("test");
        expect(report.objects.filter((o) => !o.ok).map((o) => o.name)).toEqual(["dev-podinfo"]);
        const calls = fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n");
        expect(calls).toEqual([
            "get --raw /version",
            "get applications.argoproj.io -n argocd",
            "get appprojects.argoproj.io -n argocd",
            "get secret gitops-repo-repository -n argocd",
            "get pods -n podinfo-dev",
        ]);
    });

    it("a cluster without the operator's CRDs, and one that cannot be reached", () => {
        const report = runStatus({
            root: ROOT,
            stack: "dev",
            config: ["operator=flux"],
            context: "test",
            kubectl: fakeKubectl,
        });
        expect(report.objects.map((o) => o.findings[0]?.class)).toEqual([
            "operator-missing",
            "operator-missing",
            "operator-missing",
            "operator-missing",
        ]);
        process.env.FAKE_KUBE_DOWN = "1";
        try {
            expect(() => runStatus({ root: ROOT, stack: "dev", context: "test", kubectl: fakeKubectl })).toThrow(
                /^cannot reach the cluster at https:\/\/\[redacted\]@127\.0\.0\.1:1 \(context test\): connection refused: nothing listens there/,
            );
        } finally {
            delete process.env.FAKE_KUBE_DOWN;
        }
    });

    it("the CLI: exit 1 with --json when something needs a person, 2 for an unknown stack (context errors: resolveContext above and the cluster test)", () => {
        const env = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` };
        const cli = (...args: string[]) =>
            spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/status.ts"), ...args], {
                cwd: ROOT,
                env,
                encoding: "utf8",
            });
        const red = cli("--stack", "dev", "--context", "test", "--json");
        expect(red.status).toBe(1);
        const json = JSON.parse(red.stdout);
        expect(json).toMatchObject({ schemaVersion: 1, stack: "dev", operator: "argocd", ok: false });

        const unknown = cli("--stack", "qa");
        expect(unknown.status).toBe(2);
        expect(unknown.stderr).toMatch(/Unknown stack "qa"/);

        // Could not reach the cluster: its own exit status, and one line saying why.
        const down = spawnSync(
            process.execPath,
            ["--import", "tsx", path.join(ROOT, "scripts/status.ts"), "--stack", "dev", "--context", "test"],
            { cwd: ROOT, env: { ...env, FAKE_KUBE_DOWN: "1" }, encoding: "utf8" },
        );
        expect(down.status).toBe(3);
        expect(down.stderr).toMatch(/^status: cannot reach the cluster at .*connection refused/);
        expect(down.stderr).not.toContain("pw-4f1c");
        expect(cli("--stack", "dev", "--request-timeout", "forever").status).toBe(2);
    });
});
