/**
 * Argo CD Image Updater, for real (issue 21): the dev stack's ImageUpdater object, as the program declares it for an
 * app with `image` and `semverRange` under `imageAutomation`, reconciled by Argo CD Image Updater v1.2.1
 * (scripts/cluster/build-release.sh; the chart's v1.2.2 and v1.3.0 do not resolve from the Go module proxy, see
 * scripts/cluster/versions.sh) run out of cluster against the Argo CD testbed (Argo CD v3.2.11's controllers, the
 * chart's ConfigMaps, the program's objects in the engine's order). It scans a local OCI registry (distribution)
 * into which the test pushes tags with crane, picks the newest tag inside the app's range, and writes it back with
 * the write-back the program configures: method `git` (Argo CD's own repository credentials: the stack's deploy key),
 * into the kustomization of the path the Application syncs, on the branch the environment tracks, pushed over SSH
 * to the loopback git server. Argo CD then syncs that commit to the Deployment. A tag outside the range is never
 * written.
 *
 * What differs from the stack as committed: guestbook's image lives in the test's registry (the base Deployment and
 * the dev overlay's `images:` entry name it, as they name the public image in gitops-repo/), and podinfo has no image
 * automation (its public registry is out of reach here). The updater runs with the test cluster's admin kubeconfig
 * instead of the chart's ServiceAccount, reads the known hosts the chart mounts from argocd-ssh-known-hosts-cm, and
 * is told how to reach the registry (plain HTTP on loopback) by a registries.conf of the test's: the chart's default
 * has none, and a public registry needs none.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster, kubectl } from "./support/cluster";
import { testPorts } from "./support/ports";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { binaryPath, clusterVersions, startLogged, waitForHttp, type Started } from "./flux/processes";
import { startRegistry, type Registry } from "./release/registry";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27240-27259, and 29580 for the registry. */
const PORTS = testPorts({ ...argoPortTable(27240), updaterHealth: 27251 });
const REGISTRY_PORT = testPorts({ registry: 29580 }).registry;
const ARGO_NS = "image-updater-argocd";
const IMAGE_UPDATERS = "imageupdaters.argocd-image-updater.argoproj.io";
const APP = "dev-guestbook";
const APP_NS = "guestbook-dev";
const OVERLAY = "apps/guestbook/overlays/dev/kustomization.yaml";
const PUBLIC_IMAGE = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend";
/** The example's dev range for guestbook (Pulumi.dev.yaml). */
const RANGE = ">=5.0.0 <6.0.0";
/** How long a change may take on a busy 2-core machine (the updater checks every 15 s). */
const CHANGE_MS = 240_000;

let tmp: string;
let registry: Registry;
let testbed: ArgoCdTestbed;
let updater: Started | undefined;
let image: string;
/** The commit that moved guestbook to the test registry (what the stack deploys first). */
let moved: string;
/** The bare repository the git server serves (the updater pushes there over SSH). */
let bare: string;

const logs = () =>
    `--- argocd-image-updater\n${updater?.tail(40)}\n--- registry\n${registry?.process.tail(5)}\n${testbed?.logs(15)}`;
const git = (...args: string[]) =>
    execFileSync("git", ["--git-dir", bare, ...args], {
        encoding: "utf8",
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
    }).trim();
const served = () => git("rev-parse", "main");

function describeApp(a: KubeObject | undefined): string {
    const s = a?.status ?? {};
    return JSON.stringify({
        sync: s.sync?.status,
        revision: s.sync?.revision,
        health: s.health?.status,
        conditions: s.conditions,
        operation: s.operationState?.phase,
        images: s.summary?.images,
    });
}

/** Waits until guestbook's Application synced `commit` and its Deployment runs `tag` from the test registry. */
async function deployedAt(commit: string, tag: string): Promise<void> {
    await testbed.refresh(APP);
    let last: KubeObject | undefined;
    await waitFor(
        `${APP} synced at ${commit.slice(0, 8)}, Deployment ${APP_NS}/guestbook at ${image}:${tag}`,
        CHANGE_MS,
        async () => {
            last = await testbed.get(APPLICATIONS, APP);
            const s = last?.status;
            if (
                s?.sync?.status !== "Synced" ||
                s.sync.revision !== commit ||
                s.operationState?.syncResult?.revision !== commit ||
                s.operationState?.phase !== "Succeeded"
            )
                return undefined;
            const d = await getObject("deployment", "guestbook", APP_NS);
            return d?.spec?.template?.spec?.containers?.[0]?.image === `${image}:${tag}` ? true : undefined;
        },
        () => `${describeApp(last)}\n${logs()}`,
        1000,
    );
}

/** The ImageUpdater's status once it has checked the registry after `since` (its status.lastCheckedAt). */
async function checkedAfter(since: number): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `ImageUpdater dev-images to check the registry again`,
        CHANGE_MS,
        async () => {
            last = await getObject(IMAGE_UPDATERS, "dev-images", ARGO_NS);
            return Date.parse(last?.status?.lastCheckedAt ?? "") > since ? last : undefined;
        },
        () => `${JSON.stringify(last?.status ?? "no ImageUpdater", null, 2)}\n${logs()}`,
        1000,
    );
}

beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-image-updater-argocd-"));
    registry = await startRegistry(path.join(tmp, "registry"), REGISTRY_PORT);
    image = `${registry.host}/acme/guestbook`;
    // The tag the example pins, before the first scan.
    await registry.push("acme/guestbook", ["5.2.0"]);

    const apps = [
        { name: "platform", namespace: "platform-dev" },
        { name: "guestbook", namespace: APP_NS, dependsOn: ["platform"], image, semverRange: RANGE },
        { name: "podinfo", namespace: "podinfo-dev", dependsOn: ["platform"] },
    ];
    testbed = await startArgoCdTestbed({
        name: "gitops-image-updater-argocd",
        stack: "dev",
        namespace: ARGO_NS,
        ports: PORTS,
        config: ["imageAutomation=true", `apps=${JSON.stringify(apps)}`],
    });
    bare = path.join(testbed.tmp, "git", "repos", "gitops.git");
    moved = testbed.git.commit("guestbook's image from the test registry", (w) => {
        for (const file of ["apps/guestbook/base/deployment.yaml", OVERLAY]) {
            const p = path.join(w, file);
            fs.writeFileSync(p, fs.readFileSync(p, "utf8").replaceAll(PUBLIC_IMAGE, image));
        }
    });
    expect(testbed.run.otherReleases).toContain("argocd-image-updater");
    await testbed.deploy();
    await deployedAt(moved, "5.2.0");

    // The updater as the chart runs it (the release's values: commit author), out of cluster.
    const values = testbed.run.releaseValues["argocd-image-updater"] as { config: Record<string, string> };
    const knownHosts = testbed.chart.objects.find((o) => o.metadata.name === "argocd-ssh-known-hosts-cm")?.data;
    const dir = path.join(tmp, "updater");
    const ssh = path.join(dir, "ssh");
    fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
    fs.mkdirSync(ssh, { recursive: true });
    for (const [file, content] of Object.entries(knownHosts ?? {})) fs.writeFileSync(path.join(ssh, file), content);
    fs.writeFileSync(
        path.join(dir, "registries.conf"),
        [
            "registries:",
            "  - name: test registry",
            `    prefix: ${registry.host}`,
            `    api_url: http://${registry.host}`,
            "    insecure: yes",
            "",
        ].join("\n"),
    );
    updater = startLogged(
        dir,
        "argocd-image-updater",
        binaryPath("argocd-image-updater", clusterVersions().IMAGE_UPDATER_VERSION, "scripts/cluster/build-release.sh"),
        [
            "run",
            `--kubeconfig=${cluster().kubeconfig}`,
            `--argocd-namespace=${ARGO_NS}`,
            `--watch-namespaces=${ARGO_NS}`,
            "--leader-election=false",
            `--health-probe-bind-address=127.0.0.1:${PORTS.updaterHealth}`,
            "--metrics-bind-address=0",
            "--disable-kube-events",
            "--interval=15s",
            "--loglevel=debug",
            `--registries-conf-path=${path.join(dir, "registries.conf")}`,
            `--git-commit-message-path=${path.join(dir, "no-commit-template")}`,
            `--git-commit-user=${values.config["git.user"]}`,
            `--git-commit-email=${values.config["git.email"]}`,
        ],
        {
            // controller-runtime reads the kubeconfig from the environment (the flag only serves the updater's own
            // Kubernetes client).
            KUBECONFIG: cluster().kubeconfig,
            // The askpass socket of the updater's git client (the default /tmp path would be shared).
            ARGOCD_ASK_PASS_SOCK: path.join(dir, "tmp", "askpass.sock"),
            ARGOCD_SSH_DATA_PATH: ssh,
            TMPDIR: path.join(dir, "tmp"),
            HOME: path.join(dir, "tmp"),
            GIT_CONFIG_NOSYSTEM: "1",
        },
    );
    await waitForHttp(PORTS.updaterHealth, "/healthz", 60_000, () => updater!.tail());
}, 600_000);

afterAll(async () => {
    // The updater removes its finalizer from the ImageUpdater while it still runs.
    if (updater) {
        await kubectl(["delete", IMAGE_UPDATERS, "--all", "-n", ARGO_NS, "--wait", "--timeout=60s"], { ok: false });
    }
    await updater?.stop();
    await testbed?.stop();
    await registry?.stop();
    if (tmp && process.env.GITOPS_STACK_KEEP_LOGS !== "1") fs.rmSync(tmp, { recursive: true, force: true });
}, 300_000);

describe("Argo CD Image Updater on the dev stack", () => {
    it("declares one ImageUpdater for guestbook with git write-back to the dev overlay on main", async () => {
        const declared = testbed.run.objects.filter((o) => o.object.kind === "ImageUpdater").map((o) => o.object);
        expect(declared.map((o) => o.metadata.name)).toEqual(["dev-images"]);
        const expected = {
            writeBackConfig: {
                method: "git",
                gitConfig: { repository: testbed.git.url, branch: "main", writeBackTarget: "kustomization" },
            },
            applicationRefs: [
                {
                    namePattern: APP,
                    images: [
                        {
                            alias: "guestbook",
                            imageName: `${image}:${RANGE}`,
                            commonUpdateSettings: { updateStrategy: "semver", forceUpdate: false },
                            manifestTargets: { kustomize: { name: image } },
                        },
                    ],
                },
            ],
        };
        expect(declared[0].spec).toEqual(expected);
        // As the API server stored it (the CRD defaults applicationRefs[].useAnnotations to false).
        const live = await getObject(IMAGE_UPDATERS, "dev-images", ARGO_NS);
        expect(live?.spec).toMatchObject(expected);
        expect(live?.spec?.applicationRefs?.[0]?.useAnnotations).toBe(false);
    });

    it("writes the newest tag inside the range to the dev overlay on main, and Argo CD deploys it", async () => {
        // In range: 5.3.0 and 5.10.0 (newer by semver, older as a string); out of range: 6.0.0; a prerelease.
        await registry.push("acme/guestbook", ["5.3.0", "5.10.0", "6.0.0", "5.11.0-rc.1"]);
        const written = await waitFor(
            "a commit of the updater on main",
            CHANGE_MS,
            async () => (served() !== moved ? served() : undefined),
            logs,
            1000,
        );
        // One commit, by the updater, with the author the stack's values give it, changing only the overlay.
        expect(git("rev-list", `${moved}..${written}`).split("\n")).toHaveLength(1);
        expect(git("log", "-1", "--format=%an <%ae>", written)).toBe(
            "argocd-image-updater <argocd-image-updater@users.noreply.github.com>",
        );
        expect(git("diff", "--name-only", moved, written)).toBe(OVERLAY);
        const overlay = git("show", `${written}:${OVERLAY}`);
        expect(overlay).toMatch(new RegExp(`- name: ${image.replaceAll(".", "\\.")}\\n`));
        expect(overlay).toMatch(/newTag: 5\.10\.0\b/);
        expect(overlay).not.toMatch(/newTag: (6\.0\.0|5\.11\.0-rc\.1|5\.3\.0)/);
        // The updater rewrites the entry's newTag node with kyaml: the comment above it and Flux's setter marker on
        // it are gone, and only the tag line remains (docs/explanation/operators.md says so). newName stays.
        expect(overlay).toContain(`    newName: ${image}\n    newTag: 5.10.0\n`);
        expect(overlay).not.toContain("$imagepolicy");

        await deployedAt(written, "5.10.0");
        const status = (await getObject(IMAGE_UPDATERS, "dev-images", ARGO_NS))?.status;
        expect(status?.applicationsMatched).toBe(1);
    }, 600_000);

    it("never writes a tag outside the range", async () => {
        const before = served();
        await registry.push("acme/guestbook", ["6.1.0", "7.0.0"]);
        const pushed = Date.now();
        // Two full checks after the push: nothing written, guestbook still at 5.10.0.
        await checkedAfter(pushed);
        await checkedAfter(Date.now());
        expect(served()).toBe(before);
        expect(git("show", `${before}:${OVERLAY}`)).toMatch(/newTag: 5\.10\.0\b/);
        const d = await getObject("deployment", "guestbook", APP_NS);
        expect(d?.spec?.template?.spec?.containers?.[0]?.image).toBe(`${image}:5.10.0`);
    }, 600_000);
});
