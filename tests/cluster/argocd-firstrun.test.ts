/**
 * A platform team's first `up` of dev, in the documented order, against Argo CD v3.2.11's controllers (issue 25 §1),
 * and the change that adds `clusters` to the running stack (issue 25 §2). The testbed is argocd-reconcile.test.ts's.
 *
 * First run, as docs/tutorials/first-stack.md orders it: the key is made and set in the stack, `npm run gitops --
 * deploy-key` prints its public half, and the key is registered at the Git host, here *during* the first `up`, to see
 * what the program does while it is not: the root Application's repository gate holds every other Application (and
 * so the `up`) while Argo CD cannot read the repository, and lets it through once the key is registered; the `up`
 * ends with dev Synced and Healthy.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStatus } from "../../src/status";
import { ROOT } from "../support/stacks";
import { cluster, kubectl } from "./support/cluster";
import { testPorts } from "./support/ports";
import { getObject, waitFor, type KubeObject } from "./flux/kube";
import { APPLICATIONS, argoPortTable, startArgoCdTestbed, type ArgoCdTestbed } from "./argocd/testbed";

/** The cluster tests' port range is 27000-27999; this file uses 27160-27179. */
const PORTS = testPorts(argoPortTable(27160));
const ARGO_NS = "argocd-firstrun";
const APPS = ["dev-platform", "dev-guestbook", "dev-podinfo"];

let testbed: ArgoCdTestbed;
const logs = () => testbed.logs();
const app = (name: string) => testbed.get(APPLICATIONS, name);

async function applicationNames(): Promise<string[]> {
    const out = await kubectl(["get", APPLICATIONS, "-n", ARGO_NS, "-o", "json"]);
    return (JSON.parse(out.stdout).items as KubeObject[]).map((a) => a.metadata.name).sort();
}

function syncedAndHealthy(name: string, ms = 180_000): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `${name} to be Synced and Healthy`,
        ms,
        async () => {
            last = await app(name);
            return last?.status?.sync?.status === "Synced" &&
                last.status.health?.status === "Healthy" &&
                !last.operation
                ? last
                : undefined;
        },
        () => `${JSON.stringify(last?.status?.conditions)}\n${logs()}`,
    );
}

beforeAll(async () => {
    testbed = await startArgoCdTestbed({ name: "argocd-firstrun", stack: "dev", namespace: ARGO_NS, ports: PORTS });
}, 240_000);

afterAll(async () => {
    await testbed?.stop();
}, 240_000);

describe("the first up of dev, in the documented order", () => {
    it("prints the key's public half before the first up, holds the up until the key is registered, then ends Synced", async () => {
        const { git } = testbed;
        // The key is set in the stack (the testbed's sshPrivateKey), but not yet registered at the Git host.
        git.revoke(git.deployPublicKey);

        // `npm run gitops -- deploy-key --stack dev --stdin`, the key piped in as from `pulumi config get`.
        const printed = execFileSync(
            path.join(ROOT, "node_modules/.bin/tsx"),
            ["scripts/gitops.ts", "deploy-key", "--stack", "dev", "--stdin"],
            { cwd: ROOT, input: git.deployKey, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] },
        ).trim();
        const [type, data] = git.deployPublicKey.trim().split(/\s+/);
        expect(printed.split(/\s+/).slice(0, 2)).toEqual([type, data]);
        expect(printed).not.toContain("PRIVATE KEY");

        // `pulumi up`: the objects in the engine's order, the root's repository gate included.
        let finished = false;
        const up = testbed.deploy().then(() => (finished = true));
        up.catch(() => undefined);

        // While the key is not registered: Argo CD cannot read the repository, the root's gate holds, and no app's
        // Application exists yet (each depends on the root), so nothing of dev is deployed.
        const root = await waitFor(
            "dev-root to report that it cannot read the repository",
            120_000,
            async () => {
                const a = await app("dev-root");
                return (a?.status?.conditions ?? []).some((c: { type: string }) => c.type === "ComparisonError")
                    ? a
                    : undefined;
            },
            logs,
        );
        expect(JSON.stringify(root.status?.conditions)).toMatch(/ssh: handshake failed|unable to authenticate/);
        expect(root.status?.sync?.status).toBe("Unknown");
        expect(await applicationNames()).toEqual(["dev-root"]);
        expect(finished).toBe(false);
        // `npm run status` says what is wrong, with the key's fingerprint to look for at the host.
        const report = runStatus({
            root: ROOT,
            stack: "dev",
            config: testbed.overrides,
            kubeconfig: cluster().kubeconfig,
        });
        const rootReport = report.objects.find((o) => o.name === "dev-root")!;
        expect(rootReport.findings.map((f) => f.class)).toContain("authentication");

        // The key is registered at the Git host: Argo CD reads the repository at its next attempt, the gate opens
        // and the up goes on, without anyone touching it.
        const registered = Date.now();
        git.authorize(printed);
        await up;
        console.log(`first up went on ${((Date.now() - registered) / 1000).toFixed(0)} s after the key was registered`);
        for (const name of APPS) await syncedAndHealthy(name);
        expect(git.log()).toContain(`gitserver: accepted key ${git.deployKeyFingerprint}`);
    });
});

describe("adding clusters to the running dev stack", () => {
    it("keeps every Application and workload of the home cluster (same objects, no delete) and adds the other cluster's", async () => {
        const before = new Map<string, string>();
        for (const name of APPS) before.set(name, (await app(name))!.metadata.uid);
        const deployments = new Map<string, string>();
        for (const a of ["guestbook", "podinfo"])
            deployments.set(a, (await getObject("deployment", a, `${a}-dev`))!.metadata.uid);

        const clusters = [
            { name: "local", server: "https://kubernetes.default.svc" },
            { name: "eu-1", server: "https://eu-1.k8s.example.com:6443", auth: "bearer" },
        ];
        // eu-1 does not exist here: a real up would wait for its platform Application (pulumi.com/waitFor) to
        // become Healthy there; this one applies eu-1's Applications without that wait.
        const update = await testbed.update([`clusters=${JSON.stringify(clusters)}`], undefined, {
            absentServers: [clusters[1].server],
        });
        expect(update.deleted).toEqual([]);
        expect(update.replaced).toEqual([]);
        expect(update.created).toEqual(expect.arrayContaining(APPS.map((a) => `Application/${ARGO_NS}/${a}-eu-1`)));

        for (const name of APPS) {
            const a = await syncedAndHealthy(name);
            expect(a.metadata.uid, name).toBe(before.get(name));
            expect(a.spec.destination.server).toBe("https://kubernetes.default.svc");
        }
        for (const [a, uid] of deployments)
            expect((await getObject("deployment", a, `${a}-dev`))?.metadata.uid, a).toBe(uid);
        // The other cluster's Applications exist; that cluster is not reachable from here, so they cannot sync.
        const eu = await app("dev-guestbook-eu-1");
        expect(eu?.spec.destination.server).toBe("https://eu-1.k8s.example.com:6443");
    });
});
