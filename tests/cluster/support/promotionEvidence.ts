/**
 * Promotion with evidence (issue 21), against what a real operator reports: `promote --from-stack` reads the source
 * environment as `npm run status` does and promotes only what runs healthy there at the images it carries. One
 * scenario for every operator, each with a SourceEnvironment of its own: the Flux file
 * (tests/cluster/promote-evidence-flux.test.ts) runs it with the Flux testbed (waitApplied / waitFailed on the
 * Kustomization), the Argo CD file (tests/cluster/promote-evidence-argocd.test.ts) with the Argo CD testbed
 * (tests/cluster/argocd/: waitApplied / waitFailed on the Application).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { gitops } from "../../delivery/support";
import type { GitServer } from "../flux/gitServer";

export interface SourceEnvironment {
    /** The source environment's stack (its tier is the environment promoted from). */
    stack: string;
    /** Overrides that point the stack at the loopback Git server and the test's namespaces. */
    config: string[];
    git: GitServer;
    kubeconfig: string;
    context: string;
    /** The namespace the app runs in there. */
    appNamespace: string;
    /** A clone of the served repository (the person's checkout promote runs in). */
    checkout: string;
    /** How the operator names the revision it applied for `commit` (Flux: main@sha1:<sha>; Argo CD: the SHA). */
    appliedRevision(commit: string): string;
    /** Deploys the stack (the real program's objects) so the operator reconciles the app from Git. */
    deploy(): Promise<void>;
    /** Waits until the operator applied `commit` for the app and says so (Flux: Ready at it; Argo CD: Synced). */
    waitApplied(app: string, commit: string): Promise<void>;
    /** Waits until the operator reports the app failing at `commit` (Flux: Ready False; Argo CD: sync failed). */
    waitFailed(app: string, commit: string): Promise<void>;
    /** Waits until the app's Deployment reports `available` of its replicas available. */
    waitAvailable(app: string, available: boolean): Promise<void>;
}

const GUESTBOOK = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend";

const pull = (checkout: string) => execFileSync("git", ["-C", checkout, "pull", "--quiet", "--ff-only"]);

/** The source overlay of guestbook with a new tag, and optionally something else changed. */
function setTag(env: SourceEnvironment, tag: string, extra: (text: string) => string = (t) => t): string {
    const tier = env.stack;
    return env.git.commit(`guestbook ${tag} in ${tier}`, (w) => {
        const file = path.join(w, `apps/guestbook/overlays/${tier}/kustomization.yaml`);
        const text = fs.readFileSync(file, "utf8").replace(/newTag: [^ \n]+/, `newTag: ${tag}`);
        fs.writeFileSync(file, extra(text));
    });
}

/** Promotes guestbook from the source environment to `to` (a pull request branch, without pushing). */
export async function promotionEvidenceScenario(env: SourceEnvironment, to: string): Promise<void> {
    const from = env.stack;
    const promote = (extra: string[] = []) =>
        gitops([
            "promote",
            "--repo",
            env.checkout,
            "--app",
            "guestbook",
            "--from",
            from,
            "--to",
            to,
            "--from-stack",
            env.stack,
            "--kubeconfig",
            env.kubeconfig,
            "--from-context",
            env.context,
            ...env.config.flatMap((c) => ["--config", c]),
            ...extra,
        ]);
    const body = (branch: string) =>
        fs.readFileSync(path.join(env.checkout, ".git", "gitops-promote", `${branch.replaceAll("/", "_")}.md`), "utf8");

    await env.deploy();
    // 1. Healthy at the pinned image: promoted, with the evidence in the pull request.
    const healthy = setTag(env, "5.3.0");
    await env.waitApplied("guestbook", healthy);
    await env.waitAvailable("guestbook", true);
    pull(env.checkout);
    const ok = await promote();
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`Verified in ${from} (stack ${env.stack}`);
    const branch = `promote/${to}/guestbook-5.3.0`;
    const evidence = body(branch);
    expect(evidence).toContain(`### Evidence from ${from}`);
    expect(evidence).toMatch(
        new RegExp(
            `\\| guestbook \\| \\S+ [^|]*${from}-guestbook \\| [^|]+ \\| \`${env.appliedRevision(healthy)}\` \\|`,
        ),
    );
    expect(evidence).toContain(`Deployment ${env.appNamespace}/guestbook:`);
    expect(evidence).toContain(`${GUESTBOOK}:5.3.0`);
    expect(
        execFileSync(
            "git",
            ["-C", env.checkout, "log", "-1", "--format=%(trailers:key=Verified-In,valueonly)", branch],
            { encoding: "utf8" },
        ),
    ).toContain(`${from} (stack ${env.stack}) at `);

    // 2. Applied, but the workload is not available (its pods cannot be scheduled): refused.
    const unschedulable = setTag(env, "5.3.1", (text) =>
        text.replace(
            "replicas:",
            [
                "patches:",
                "  - target: { kind: Deployment, name: guestbook }",
                "    patch: |-",
                "      - op: add",
                "        path: /spec/template/spec/nodeSelector",
                '        value: { "gitops-stack.io/no-such-node": "true" }',
                "replicas:",
            ].join("\n"),
        ),
    );
    await env.waitApplied("guestbook", unschedulable);
    await env.waitAvailable("guestbook", false);
    pull(env.checkout);
    const unavailable = await promote();
    expect(unavailable.code).toBe(1);
    expect(unavailable.err).toContain(`not promoting: what ${from} runs does not show guestbook healthy`);
    expect(unavailable.err).toContain(`Deployment ${env.appNamespace}/guestbook is not healthy`);

    // 3. A new tag that never got applied (the overlay does not build): refused, naming the revision that runs.
    const broken = setTag(env, "5.3.2", (text) =>
        text.replace("  - ../../base\n", "  - ../../base\n  - missing.yaml\n"),
    );
    await env.waitFailed("guestbook", broken);
    pull(env.checkout);
    const behind = await promote();
    expect(behind.code).toBe(1);
    expect(behind.err).toContain(
        `pins ${GUESTBOOK} 5.3.1; the promotion carries 5.3.2, which has not been applied there yet.`,
    );

    // 4. --skip-verification promotes anyway, and the pull request says so.
    const skipped = await promote(["--skip-verification"]);
    expect(skipped.code).toBe(0);
    const unverified = body(`promote/${to}/guestbook-5.3.2`);
    expect(unverified).toContain("### Not verified");
    expect(unverified).toContain(
        `Promoted with \`--skip-verification\`: nobody checked that this runs healthy in **${from}**.`,
    );
}
