/**
 * `npm run status` on Flux states produced by the real controllers (issue 13 §3): source-controller,
 * kustomize-controller and notification-controller run out of cluster (tests/cluster/flux/controllers.ts) and read
 * a copy of gitops-repo/ from a loopback SSH git server (tests/cluster/flux/gitServer.ts). The dev stack's own Flux
 * objects (the real program) are applied, first with a deploy key the server does not accept, then with the right
 * key and one app pointed at a folder that does not exist. The status command then reports what the controllers
 * wrote: nothing here writes a Flux status.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../src/config";
import { readStackFile } from "../../src/offline/stackFile";
import { runStatus, sshFingerprint, type Finding, type StatusReport } from "../../src/status";
import { ROOT } from "../support/stacks";
import { cluster } from "./support/cluster";
import type { GitServer } from "./flux/gitServer";
import { applyObjects, requestReconcile, waitForCondition } from "./flux/kube";
import { fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { testPorts } from "./support/ports";

/** This file's loopback ports (the status helper's range 29000-29999). */
const PORTS = testPorts({ git: 29120, storage: 29121, events: 29122, webhooks: 29123, probesBase: 29124 });
const FLUX_NS = "status-flux-real";
const FIELD_MANAGER = "gitops-stack-status-flux-test";
const ns = (namespace: string) => `${namespace}-statusreal`;
const MISSING_PATH = "apps/podinfo/overlays/does-not-exist";

let testbed: FluxTestbed;
let tmp: string;
let git: GitServer;
let checkout: string;
let context: string;

const logs = () => testbed.logs(20);

/** The dev stack's apps with renamed namespaces, and podinfo pointed at `podinfoPath`. */
function apps(podinfoPath?: string): string {
    const list = JSON.parse(readStackFile(ROOT, "dev").values[`${PROJECT}:apps`]) as Array<Record<string, unknown>>;
    return JSON.stringify(
        list.map((a) => ({
            ...a,
            namespace: ns(a.namespace as string),
            ...(a.name === "podinfo" && podinfoPath ? { path: podinfoPath } : {}),
        })),
    );
}

const overrides = (podinfoPath?: string) => [...fluxServerConfig(git, FLUX_NS), `apps=${apps(podinfoPath)}`];

async function applyStack(sshPrivateKey: string, podinfoPath?: string): Promise<void> {
    const run = await fluxStackObjects("dev", overrides(podinfoPath), { sshPrivateKey, slackToken: "xoxb-status" });
    // The people's cluster-wide ClusterRole and ClusterRoleBinding play no part in what status reads, and the stacks
    // test applies them with gitops-stack's own field manager: applied here under another manager and left behind,
    // they would make those later applies conflict.
    await applyObjects(
        run.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding"),
        FIELD_MANAGER,
    );
}

function status(podinfoPath?: string): StatusReport {
    return runStatus({
        root: ROOT,
        stack: "dev",
        config: overrides(podinfoPath),
        kubeconfig: cluster().kubeconfig,
        context,
        repoDir: checkout,
    });
}

function finding(report: StatusReport, name: string, cls: Finding["class"]): Finding {
    const entry = report.objects.find((o) => o.name === name);
    const f = entry?.findings.find((x) => x.class === cls);
    if (!f) throw new Error(`${name}: no ${cls} finding in ${JSON.stringify(report, null, 2)}\n${testbed.logs(15)}`);
    return f;
}

beforeAll(async () => {
    context = execFileSync("kubectl", ["--kubeconfig", cluster().kubeconfig, "config", "current-context"], {
        encoding: "utf8",
    }).trim();
    testbed = await startFluxTestbed({
        name: "gitops-status-flux",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: ["platform", "guestbook", "podinfo"].map((a) => ns(`${a}-dev`)),
        createNamespace: true,
    });
    ({ tmp, git } = testbed);
    // The on-call person's checkout, cloned from the served repository's storage (what `git clone` would give).
    checkout = path.join(tmp, "checkout");
    execFileSync("git", ["clone", "--quiet", path.join(tmp, "git", "repos", "gitops.git"), checkout]);
}, 300_000);

afterAll(async () => {
    await testbed?.stop();
});

describe("status on states the real Flux controllers wrote", () => {
    it("a deploy key the Git server does not accept: authentication, the Secret, and the key's fingerprint to compare", async () => {
        const stranger = git.strangers().key;
        await applyStack(stranger);
        await waitForCondition("GitRepository", "gitops-dev", FLUX_NS, "Ready", "False", 120_000, logs);
        const report = status();
        expect(report.ok).toBe(false);
        const f = finding(report, "gitops-dev", "authentication");
        const keyFile = path.join(tmp, "stranger");
        fs.writeFileSync(keyFile, stranger, { mode: 0o600 });
        const strangerPub = execFileSync("ssh-keygen", ["-y", "-f", keyFile], { encoding: "utf8" });
        expect(f.facts).toMatchObject({
            secret: `${FLUX_NS}/gitops-dev-auth`,
            authKind: "ssh",
            deployKeyFingerprint: sshFingerprint(strangerPub),
        });
        // What the person compares it with: the key the Git host accepts is another one.
        expect(f.facts.deployKeyFingerprint).not.toBe(git.deployKeyFingerprint);
        // The Kustomizations have nothing to apply and point at the source.
        expect(report.objects.find((o) => o.name === "dev-platform")?.ok).toBe(false);
    });

    it("the right key and a path that does not exist: the source is fine, the Kustomization's path is not at the commit", async () => {
        await applyStack(git.deployKey, MISSING_PATH);
        await requestReconcile("gitrepository", "gitops-dev", FLUX_NS);
        await waitForCondition("GitRepository", "gitops-dev", FLUX_NS, "Ready", "True", 120_000, logs);
        await waitForCondition("Kustomization", "dev-podinfo", FLUX_NS, "Ready", "False", 120_000, logs, (c) =>
            /path not found/.test(c.message ?? ""),
        );
        const report = status(MISSING_PATH);
        const source = report.objects.find((o) => o.name === "gitops-dev")!;
        expect(source.ok).toBe(true);
        expect(source.revision).toBe(`main@sha1:${git.revision()}`);
        const f = finding(report, "dev-podinfo", "path-or-revision");
        expect(f.facts).toMatchObject({
            path: `./${MISSING_PATH}`,
            revision: `main@sha1:${git.revision()}`,
            revisionExists: true,
            pathExists: false,
            checkedRef: git.revision(),
        });
        expect(String(f.facts.message)).toMatch(
            /^kustomization path not found: stat .*does-not-exist: no such file or directory/,
        );
    });
});
