/**
 * The key rotation of `rotate-key` (issue 24), proven against a real operator: the order the command prints never
 * leaves the operator without a key the Git host accepts. One scenario for every operator, each with a
 * RotationTarget of its own: the Flux file (tests/cluster/rotate-key-flux.test.ts) runs it with the Flux testbed, the
 * Argo CD file (tests/cluster/rotate-key-argocd.test.ts) with the Argo CD testbed (tests/cluster/argocd/).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { gitops } from "../../delivery/support";
import type { GitServer } from "../flux/gitServer";

export interface RotationTarget {
    /** The stack whose credential is rotated (its committed Pulumi.<stack>.yaml, with `config` overrides). */
    stack: string;
    /** `key=value` overrides that point the stack at the loopback Git server and the test's namespaces. */
    config: string[];
    git: GitServer;
    kubeconfig: string;
    context: string;
    /** `pulumi config set --secret sshPrivateKey` and `pulumi up`: the real program's objects, applied with `key`. */
    applyWithKey(key: string): Promise<void>;
    /** Waits until the operator has read `commit` from the Git server. */
    waitForRevision(commit: string): Promise<void>;
    /** Waits until the operator reports that the Git server refused its credential. */
    waitForAuthFailure(): Promise<void>;
    /**
     * Records, until stopped, every moment the operator's source was not Ready (status, reason, message), leaving
     * out the moments it is busy with a new commit we pushed (Flux: Ready Unknown, "building artifact: new upstream
     * revision"), which is reading the repository, not failing to.
     */
    watchReadable(): { stop(): Promise<string[]> };
    /** A temp directory of the run (the new key pair goes under it). */
    tmp: string;
    /**
     * What each of the scenario's commits changes in the working copy, `note` naming the step. Default: a line
     * appended to README.md (Flux's GitRepository takes every commit). Argo CD syncs only a commit that changes an
     * app's manifests, so its target changes an overlay, and its waitForRevision waits for the sync at the commit.
     */
    change?(workdir: string, note: string): void;
}

/** The whole rotation, in the order rotate-key prints, with the operator's source watched throughout. */
export async function keyRotationScenario(t: RotationTarget): Promise<void> {
    const config = t.config.flatMap((c) => ["--config", c]);
    const cluster = ["--kubeconfig", t.kubeconfig, "--context", t.context];
    const oldKey = t.git.deployKey;
    const change = (note: string) => (w: string) =>
        t.change ? t.change(w, note) : fs.appendFileSync(path.join(w, "README.md"), `\n${note}\n`);
    await t.applyWithKey(oldKey);
    await t.waitForRevision(t.git.revision());

    // 1. The new key pair; the output names the public half and never the private one.
    const dir = path.join(t.tmp, "rotation");
    const started = await gitops(["rotate-key", "--stack", t.stack, "--out", dir, ...config]);
    expect(started.err).toBe("");
    expect(started.code).toBe(0);
    const newKey = fs.readFileSync(path.join(dir, "deploy-key"), "utf8");
    const newPub = fs.readFileSync(path.join(dir, "deploy-key.pub"), "utf8").trim();
    expect(started.out).toContain(newPub);
    expect(started.out).not.toContain("PRIVATE KEY");
    const check = ["rotate-key", "--stack", t.stack, "--check", "--public-key", `${dir}/deploy-key.pub`, ...config];

    // Before the stack has it, the check says not to revoke the old key.
    const early = await gitops([...check, ...cluster]);
    expect(early.code, early.out + early.err).toBe(1);
    expect(early.out).toContain("Do not revoke the old credential yet");
    expect(early.out).toContain(`holds ${t.git.deployKeyFingerprint}, not the new key`);

    const watch = t.watchReadable();
    let notReady: string[];
    try {
        // 2. Added at the Git host beside the old one; 3. the stack gets it (pulumi config set --secret, pulumi up).
        t.git.authorize(newPub);
        await t.applyWithKey(newKey);
        const during = t.git.commit("During the rotation", change("rotating"));
        await t.waitForRevision(during);

        // 4. The check: the cluster holds the new key and fetched with it.
        const passed = await gitops([...check, ...cluster]);
        expect(passed.err).toBe("");
        expect(passed.code, passed.out).toBe(0);
        expect(passed.out).toContain("The cluster reads the repository with the new credential");

        // 5. The old key revoked: the operator keeps reading, with the new key.
        t.git.revoke(t.git.deployPublicKey);
        const after = t.git.commit("After the rotation", change("rotated"));
        await t.waitForRevision(after);
    } finally {
        notReady = await watch.stop();
    }
    expect(notReady, "the source was not Ready at some point of the rotation").toEqual([]);
    expect(t.git.readableWith(oldKey)).toBe(false);
    expect(t.git.readableWith(newKey)).toBe(true);

    // The watch and the check do see a credential the host refuses: revoking the new key too breaks the source.
    t.git.revoke(newPub);
    t.git.commit("Nobody can read this", change("locked out"));
    await t.waitForAuthFailure();
    const locked = await gitops([...check, ...cluster]);
    expect(locked.code).toBe(1);
    expect(locked.out).toContain("Do not revoke the old credential yet");
}
