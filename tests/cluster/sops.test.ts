/**
 * SOPS decrypted by Flux for real (issue 12, secretsInGit sops): the dev stack's Flux objects, with the example
 * repository's storefront-secrets app, applied to the test cluster; kustomize-controller (scripts/cluster/build-flux.sh)
 * reads the SOPS-encrypted Secret from a loopback git server and decrypts it with the age key the stack stored in
 * the Secret every Kustomization names in `decryption.secretRef`. The key is the test key (tests/support/stacks.ts);
 * the repository holds only ciphertext. Reuses the Flux infrastructure of tests/cluster/flux-reconcile.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAgeIdentity } from "../../src/flux/decryption";
import { TEST_SECRETS } from "../support/stacks";
import {
    applyObjects,
    condition,
    getObject,
    requestReconcile,
    waitFor,
    waitForCondition,
    type KubeObject,
} from "./flux/kube";
import { fluxServerConfig, fluxStackObjects } from "./flux/stackObjects";
import { startFluxTestbed, type FluxTestbed } from "./flux/testbed";
import { testPorts } from "./support/ports";

/** The cluster tests' port range is 27000-27999; this file uses 27060-27079. */
const PORTS = testPorts({ git: 27060, storage: 27061, events: 27062, webhooks: 27063, probesBase: 27064 });
const FLUX_NS = "flux-sops";
const APP_NS = "storefront-dev-sops";
const FIELD_MANAGER = "gitops-stack-sops-test";

let testbed: FluxTestbed;

const logs = () => testbed.logs();
const decoded = (secret: KubeObject | undefined) =>
    Object.fromEntries(
        Object.entries((secret?.data ?? {}) as Record<string, string>).map(([k, v]) => [
            k,
            Buffer.from(v, "base64").toString("utf8"),
        ]),
    );

/** Puts an age key into the stack's decryption Secret and has kustomize-controller reconcile with it now. */
async function useAgeKey(identity: string): Promise<void> {
    await applyObjects(
        [
            {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: "gitops-dev-sops-age", namespace: FLUX_NS },
                stringData: { "identity.agekey": `${identity}\n` },
            },
        ],
        FIELD_MANAGER,
    );
    await requestReconcile("kustomizations.kustomize.toolkit.fluxcd.io", "dev-storefront-secrets", FLUX_NS);
}

beforeAll(async () => {
    testbed = await startFluxTestbed({
        name: "gitops-cluster-sops",
        namespace: FLUX_NS,
        ports: PORTS,
        appNamespaces: [APP_NS],
    });
    const { git } = testbed;
    const run = await fluxStackObjects(
        "dev",
        [
            ...fluxServerConfig(git, FLUX_NS),
            "secretsInGit=sops",
            // No Slack here (flux-reconcile.test.ts covers alerts).
            "slackChannel=",
            `apps=${JSON.stringify([{ name: "storefront-secrets", namespace: APP_NS }])}`,
        ],
        { sshPrivateKey: git.deployKey, slackToken: "unused" },
    );
    // The age key reaches the cluster only as a Pulumi secret.
    expect(run.secretObjects).toContain("Secret/gitops-dev-sops-age");
    const objects = run.objects.filter((o) => o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding");
    await applyObjects(objects, FIELD_MANAGER);
}, 180_000);

afterAll(async () => {
    await testbed?.stop();
}, 120_000);

describe("dev stack with secretsInGit=sops, reconciled by Flux", () => {
    it("decrypts the SOPS-encrypted Secret from Git into the app's namespace", async () => {
        const k = await waitForCondition(
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "dev-storefront-secrets",
            FLUX_NS,
            "Ready",
            "True",
            120_000,
            logs,
        );
        expect(k.spec.decryption).toEqual({ provider: "sops", secretRef: { name: "gitops-dev-sops-age" } });
        expect(condition(k, "Ready")?.reason).toBe("ReconciliationSucceeded");
        const secret = await getObject("secret", "storefront-api", APP_NS);
        expect(decoded(secret)).toEqual({
            PAYMENT_API_URL: "https://payments.dev.acme.example/v2",
            PAYMENT_API_TOKEN: "example-dev-token-only-for-the-tests",
        });
        // Nothing of the SOPS envelope reaches the cluster.
        expect(secret).not.toHaveProperty("sops");
        expect(JSON.stringify(secret?.data)).not.toContain("ENC[");
    });

    it("fails the reconciliation, saying why, when the stack's key is not the one the repository is encrypted to", async () => {
        // Another age key in the decryption Secret (as after a key change without re-encrypting the repository).
        await useAgeKey(generateAgeIdentity());
        const failed = await waitForCondition(
            "kustomizations.kustomize.toolkit.fluxcd.io",
            "dev-storefront-secrets",
            FLUX_NS,
            "Ready",
            "False",
            120_000,
            logs,
        );
        expect(condition(failed, "Ready")?.message).toMatch(/decrypt/i);
        // The Secret decrypted before stays as it was: a failed decryption never applies ciphertext.
        expect(decoded(await getObject("secret", "storefront-api", APP_NS)).PAYMENT_API_TOKEN).toBe(
            "example-dev-token-only-for-the-tests",
        );

        // The stack's key back (as `pulumi up` restores it): Ready again.
        await useAgeKey(TEST_SECRETS.sopsAgeKey);
        await waitFor(
            "dev-storefront-secrets to be Ready again with the stack's key",
            120_000,
            async () => {
                const k = await getObject(
                    "kustomizations.kustomize.toolkit.fluxcd.io",
                    "dev-storefront-secrets",
                    FLUX_NS,
                );
                return condition(k, "Ready")?.status === "True" ? true : undefined;
            },
            logs,
        );
    });
});
