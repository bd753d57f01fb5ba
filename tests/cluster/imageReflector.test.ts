/**
 * Flux image automation's scanning half, for real (issue 21): the dev stack's ImageRepository and ImagePolicy, as the
 * program declares them for an app with `image` and `semverRange`, reconciled by Flux's image-reflector-controller
 * (scripts/cluster/build-release.sh) against a local OCI registry on 127.0.0.1 (distribution) into which the test
 * pushes tags with crane. The policy must select the newest tag inside the range by semver order (not by the order
 * of pushes or of strings) and never one outside it, and follow a newer tag once the repository is scanned again.
 *
 * The other half, image-automation-controller, which writes the selected tag back to Git, is refused by the Go
 * module proxy at every version (scripts/cluster/versions.sh), so it does not run here. Its write-back is covered
 * by the setters helper (scripts/cluster/release/setters): the controller's setter format, parsed and written by the
 * library the controller uses (kustomize's kyaml at the controller's version), fed with the policy the real
 * image-reflector-controller selected: the example repository's markers must be what the controller acts on.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster, kubectl } from "./support/cluster";
import { applyObjects, getObject, requestReconcile, waitFor, type KubeObject } from "./flux/kube";
import { binaryPath, clusterVersions, startLogged, waitForHttp, type Started } from "./flux/processes";
import { fluxStackObjects } from "./flux/stackObjects";
import { ROOT, customResources, runStack } from "../support/stacks";
import { startRegistry, type Registry } from "./release/registry";
import { testPorts } from "./support/ports";

/** The cluster tests' release-path range is 29500-29699; this file uses 29500-29519. */
const PORTS = testPorts({ registry: 29500, metrics: 29501, health: 29502 });
const FLUX_NS = "flux-images";
const APP_NS = "podinfo-dev-images";
const FIELD_MANAGER = "gitops-stack-image-reflector-test";
const IMAGE_REPOSITORY = "imagerepositories.image.toolkit.fluxcd.io";
const IMAGE_POLICY = "imagepolicies.image.toolkit.fluxcd.io";
/** The example's dev range for podinfo (Pulumi.dev.yaml). */
const RANGE = ">=6.0.0 <7.0.0";
const POLICY = "podinfo-dev";

let tmp: string;
let registry: Registry;
let controller: Started | undefined;
let image: string;
let stackObjects: KubeObject[];

const logs = () =>
    `--- image-reflector-controller\n${controller?.tail(40)}\n--- registry\n${registry?.process.tail(10)}`;

/** The ImagePolicy's selected tag once its status reports one for `image` (latestRef). */
async function selectedTag(expected: string): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `ImagePolicy ${POLICY} to select ${expected}`,
        90_000,
        async () => {
            last = await getObject(IMAGE_POLICY, POLICY, FLUX_NS);
            return last?.status?.latestRef?.tag === expected ? last : undefined;
        },
        async () => `${JSON.stringify(last?.status ?? "no ImagePolicy", null, 2)}\n${logs()}`,
    );
}

/** Pushes tags and has the controller scan now (what `flux reconcile image repository` does). */
async function pushAndScan(tags: string[]): Promise<void> {
    await registry.push("acme/podinfo", tags);
    await requestReconcile(IMAGE_REPOSITORY, POLICY, FLUX_NS);
}

beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-cluster-images-"));
    registry = await startRegistry(path.join(tmp, "registry"), PORTS.registry);
    image = `${registry.host}/acme/podinfo`;
    // The tags before the first scan: in range, out of range on both sides, a prerelease, and not semver at all.
    await registry.push("acme/podinfo", ["6.7.1", "6.8.0", "7.0.0", "5.9.9", "6.9.0-rc.1", "latest"]);

    // A deploy key and a host key for the stack's repository settings; no git server runs (nothing here clones).
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(tmp, "deploy")]);
    const hostKey = fs.readFileSync(`${path.join(tmp, "deploy")}.pub`, "utf8").split(/\s+/);
    const run = await fluxStackObjects(
        "dev",
        [
            "operator=flux",
            `fluxNamespace=${FLUX_NS}`,
            "authKind=ssh",
            "repoUrl=ssh://git@127.0.0.1:2222/gitops.git",
            `sshKnownHosts=[127.0.0.1]:2222 ${hostKey[0]} ${hostKey[1]}`,
            "slackChannel=",
            `apps=${JSON.stringify([{ name: "podinfo", namespace: APP_NS, image, semverRange: RANGE }])}`,
        ],
        { sshPrivateKey: fs.readFileSync(path.join(tmp, "deploy"), "utf8"), slackToken: "unused" },
    );
    // What the image-reflector-controller reconciles: the stack's ImageRepository and ImagePolicy, nothing else
    // (the ImageUpdateAutomation belongs to the controller that cannot be built).
    stackObjects = run.objects.filter((o) => o.kind === "ImageRepository" || o.kind === "ImagePolicy");
    expect(stackObjects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        `ImagePolicy/${POLICY}`,
        `ImageRepository/${POLICY}`,
    ]);
    await kubectl(["create", "namespace", FLUX_NS]);
    await applyObjects(stackObjects, FIELD_MANAGER);

    const v = clusterVersions();
    const dir = path.join(tmp, "controller");
    fs.mkdirSync(path.join(dir, "data"), { recursive: true });
    controller = startLogged(
        dir,
        "image-reflector-controller",
        binaryPath(
            "image-reflector-controller",
            v.FLUX_IMAGE_REFLECTOR_CONTROLLER_VERSION,
            "scripts/cluster/build-release.sh",
        ),
        [
            "--log-level=debug",
            "--log-encoding=console",
            "--watch-all-namespaces=false",
            "--no-cross-namespace-refs=true",
            `--metrics-addr=127.0.0.1:${PORTS.metrics}`,
            `--health-addr=127.0.0.1:${PORTS.health}`,
            `--storage-path=${path.join(dir, "data")}`,
            // The tag database's memory-mapped log (256 MiB by default); a few tags need little.
            `--storage-value-log-file-size=${16 << 20}`,
        ],
        { KUBECONFIG: cluster().kubeconfig, RUNTIME_NAMESPACE: FLUX_NS },
    );
    await waitForHttp(PORTS.health, "/readyz", 30_000, () => controller!.tail());
}, 180_000);

afterAll(async () => {
    // The controller clears its finalizers while it still runs.
    await kubectl(
        ["delete", `${IMAGE_POLICY},${IMAGE_REPOSITORY}`, "--all", "-n", FLUX_NS, "--wait", "--timeout=60s"],
        {
            ok: false,
        },
    );
    await kubectl(["delete", "namespace", FLUX_NS, "--ignore-not-found", "--wait=false"], { ok: false });
    await controller?.stop();
    await registry?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 120_000);

describe("the dev stack's image policy, scanned by the real image-reflector-controller", () => {
    it("scans the registry the app's image names, through the ImageRepository the stack declares", async () => {
        const repository = await waitFor(
            `ImageRepository ${POLICY} to have scanned the registry`,
            90_000,
            async () => {
                const r = await getObject(IMAGE_REPOSITORY, POLICY, FLUX_NS);
                return r?.status?.lastScanResult?.tagCount !== undefined ? r : undefined;
            },
            logs,
        );
        expect(repository.spec.image).toBe(image);
        expect(repository.status!.lastScanResult.tagCount).toBe(6);
        expect(repository.status!.canonicalImageName).toBe(image);
    });

    it("selects the newest tag inside semverRange, never one outside it, a prerelease or a non-semver tag", async () => {
        const policy = await selectedTag("6.8.0");
        expect(policy.spec.policy).toEqual({ semver: { range: RANGE } });
        expect(policy.status!.latestRef).toMatchObject({ name: image, tag: "6.8.0" });
    });

    it("follows a newer tag in range by semver order (6.10.0 after 6.9.2), and ignores newer majors", async () => {
        // Pushed after 6.10.0 and sorting after it as a string: the policy must still prefer 6.10.0.
        await pushAndScan(["6.10.0", "6.9.2", "7.1.0", "8.0.0"]);
        const policy = await selectedTag("6.10.0");
        expect(policy.status!.latestRef.tag).toBe("6.10.0");
        // Pushing only versions outside the range later moves nothing.
        await pushAndScan(["7.2.0", "5.99.0"]);
        await waitFor(
            "the repository to list the out-of-range tags",
            60_000,
            async () =>
                (await getObject(IMAGE_REPOSITORY, POLICY, FLUX_NS))?.status?.lastScanResult?.tagCount === 12
                    ? true
                    : undefined,
            logs,
        );
        expect((await getObject(IMAGE_POLICY, POLICY, FLUX_NS))?.status?.latestRef?.tag).toBe("6.10.0");
    });
});

/** A change the setters helper made: the file, the setter (the marker's reference), the old and new value. */
interface SetterChange {
    file: string;
    setter: string;
    old: string;
    new: string;
}

/** Runs the setters helper over `dir` with the policies' selected refs; returns what it changed. */
function writeBack(
    dir: string,
    policies: Array<{ namespace: string; name: string; latestRef: unknown }>,
): SetterChange[] {
    const file = path.join(tmp, `policies-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(policies));
    const bin = binaryPath("flux-setters", clusterVersions().SETTERS_KYAML_VERSION, "scripts/cluster/build-release.sh");
    const out = execFileSync(bin, ["-dir", dir, "-policies", file], { encoding: "utf8" });
    return out
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as SetterChange);
}

describe("writing the selected tag back through the example repository's setter markers (Flux's format)", () => {
    it("every marker in the dev and staging overlays names an ImagePolicy the stack declares, and each policy has one", async () => {
        for (const env of ["dev", "staging"]) {
            const run = await runStack(env, { config: ["operator=flux"] });
            const policies = customResources(run.resources, "ImagePolicy").map((p) => ({
                namespace: p.metadata.namespace as string,
                name: p.metadata.name as string,
                latestRef: { name: "registry.invalid/any", tag: "0.0.0-marker-check" },
            }));
            expect(policies.length, env).toBeGreaterThan(0);
            // A copy of the example repository: every marker the controller would act on gets the placeholder tag.
            const copy = path.join(tmp, `gitops-repo-${env}`);
            fs.cpSync(path.join(ROOT, "gitops-repo"), copy, { recursive: true });
            const changes = writeBack(copy, policies);
            const markers = execFileSync("grep", ["-rl", '"$imagepolicy"', copy], { encoding: "utf8" })
                .split("\n")
                .filter((f) => f.includes(`/overlays/${env}/`));
            expect(changes.map((c) => c.file).sort(), env).toEqual(markers.map((f) => path.relative(copy, f)).sort());
            expect(changes.map((c) => c.setter).sort(), env).toEqual(
                policies.map((p) => `${p.namespace}:${p.name}:tag`).sort(),
            );
        }
    });

    it("writes the tag the real controller selected into the dev overlay, keeping every comment, and Kustomize renders it", async () => {
        const policy = await getObject(IMAGE_POLICY, POLICY, FLUX_NS);
        expect(policy?.status?.latestRef?.tag).toBe("6.10.0");
        const overlay = path.join(tmp, "podinfo-dev");
        fs.cpSync(path.join(ROOT, "gitops-repo/apps/podinfo"), overlay, { recursive: true });
        const file = path.join(overlay, "overlays/dev/kustomization.yaml");
        const before = fs.readFileSync(file, "utf8");
        // The marker names the policy as a default dev stack has it (flux-system); the test's copy lives in FLUX_NS.
        const changes = writeBack(path.join(overlay, "overlays/dev"), [
            { namespace: "flux-system", name: POLICY, latestRef: policy!.status!.latestRef },
        ]);
        expect(changes).toEqual([
            { file: "kustomization.yaml", setter: `flux-system:${POLICY}:tag`, old: "6.7.1", new: "6.10.0" },
        ]);
        const after = fs.readFileSync(file, "utf8");
        // One line differs, the marker on it kept.
        const diff = before
            .split("\n")
            .map((line, i) => [line, after.split("\n")[i]])
            .filter(([a, b]) => a !== b);
        expect(diff).toEqual([
            [expect.stringContaining("newTag: 6.7.1 #"), expect.stringContaining("newTag: 6.10.0 #")],
        ]);
        expect(after).toContain(`# {"$imagepolicy": "flux-system:${POLICY}:tag"}`);
        expect(after.split("\n").length).toBe(before.split("\n").length);
        const rendered = execFileSync("kubectl", ["kustomize", path.join(overlay, "overlays/dev")], {
            encoding: "utf8",
        });
        expect(rendered).toContain("image: ghcr.io/stefanprodan/podinfo:6.10.0");
    });
});
