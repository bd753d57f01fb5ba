/**
 * The example repository's progressive delivery and secrets (issue 12): the storefront Rollout (canary 5 -> 25 ->
 * 50 -> 100% with pauses and Prometheus analysis; dev without analysis) and its AnalysisTemplate, built with
 * `kubectl kustomize` and validated against the upstream Argo Rollouts schema; the SOPS-encrypted Secret of each
 * environment; and the guardrail that no overlay commits a Secret in plain text.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseGoDuration } from "../../src/config/rules/durations";
import { TIER_DEFAULTS } from "../../src/config/tiers";
import { TIERS, type Tier } from "../../src/config/types";
import { plainSecretsInPath } from "../../src/shared/plainSecrets";
import { ROOT, TEST_AGE_RECIPIENT, TEST_SECRETS } from "../support/stacks";

const REPO = path.join(ROOT, "gitops-repo");

interface ModelClass {
    new (data: Record<string, unknown>): { validate(): void };
}

async function validateRolloutsObject(object: Record<string, any>): Promise<void> {
    expect(object.apiVersion).toBe("argoproj.io/v1alpha1");
    const module = (await import(`@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/${object.kind}`)) as Record<
        string,
        ModelClass
    >;
    new module[object.kind](object).validate();
}

function build(dir: string): Array<Record<string, any>> {
    const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
    return parseAllDocuments(out).map((d) => d.toJS() as Record<string, any>);
}

const overlay = (app: string, env: Tier) => path.join(REPO, "apps", app, "overlays", env);
const one = (objects: Array<Record<string, any>>, kind: string) => {
    const found = objects.filter((o) => o.kind === kind);
    expect(found, kind).toHaveLength(1);
    return found[0];
};

/** Milliseconds a canary takes at least: its timed pauses and its analyses (count x interval per metric). */
function canaryDuration(steps: Array<Record<string, any>>, template: Record<string, any>): number {
    let ms = 0;
    for (const step of steps) {
        if (step.pause) {
            expect(
                step.pause.duration,
                "every pause is timed (an indefinite pause never finishes by itself)",
            ).toBeDefined();
            ms += parseGoDuration(String(step.pause.duration))!;
        }
        if (step.analysis)
            ms += Math.max(
                ...template.spec.metrics.map(
                    (m: { count: number; interval: string }) => m.count * parseGoDuration(m.interval)!,
                ),
            );
    }
    return ms;
}

describe.each(TIERS)("storefront in %s", (env) => {
    const objects = build(overlay("storefront", env));
    const rollout = one(objects, "Rollout");
    const template = one(objects, "AnalysisTemplate");

    it("is a Rollout and an AnalysisTemplate valid against the upstream Argo Rollouts schema", async () => {
        await validateRolloutsObject(rollout);
        await validateRolloutsObject(template);
        expect(objects.filter((o) => o.kind === "Deployment")).toEqual([]);
        for (const o of objects) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(`storefront-${env}`);
    });

    it("canaries 5% -> 25% -> 50% with a pause after each weight, then 100%", () => {
        const steps: Array<Record<string, any>> = rollout.spec.strategy.canary.steps;
        expect(steps.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight)).toEqual([5, 25, 50]);
        steps.forEach((s, i) => {
            if (s.setWeight !== undefined) expect(steps[i + 1]?.pause, `step ${i + 1} pauses`).toBeDefined();
        });
        expect(rollout.spec.strategy.canary.maxUnavailable).toBe(0);
    });

    it(
        env === "dev"
            ? "dev skips the analysis"
            : "runs the success-rate analysis after every weight's pause (every step)",
        () => {
            const steps: Array<Record<string, any>> = rollout.spec.strategy.canary.steps;
            const analyses = steps.filter((s) => s.analysis);
            if (env === "dev") {
                expect(analyses).toEqual([]);
                return;
            }
            expect(analyses).toHaveLength(3);
            steps.forEach((s, i) => {
                if (s.setWeight !== undefined)
                    expect(steps[i + 2]?.analysis, `analysis after weight ${s.setWeight}`).toBeDefined();
            });
            for (const a of analyses) expect(a.analysis.templates).toEqual([{ templateName: template.metadata.name }]);
        },
    );

    it("queries this environment's Prometheus for this environment's namespace", () => {
        const args = Object.fromEntries(
            template.spec.args.map((a: { name: string; value: string }) => [a.name, a.value]),
        );
        expect(args.namespace).toBe(`storefront-${env}`);
        expect(args["prometheus-address"]).toMatch(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/);
        expect(args["prometheus-address"]).not.toBe("set-by-the-overlay");
        const [metric] = template.spec.metrics;
        expect(metric.provider.prometheus.address).toBe("{{args.prometheus-address}}");
        expect(metric.provider.prometheus.query).toContain('namespace="{{args.namespace}}"');
        expect(metric.successCondition).toMatch(/result\[0\] >= 0\.99/);
        expect(metric.failureLimit).toBeGreaterThanOrEqual(0);
    });

    // Only where Flux Kustomizations wait for health (prod): elsewhere the timeout does not cover the canary.
    if (TIER_DEFAULTS[env].fluxWait)
        it("finishes the canary well within the tier's Flux timeout (else it fails)", () => {
            const ms = canaryDuration(rollout.spec.strategy.canary.steps, template);
            expect(ms).toBeGreaterThan(0);
            // Leave a third of the timeout for pods to start and the Rollout to report Healthy.
            expect(ms).toBeLessThanOrEqual((parseGoDuration(TIER_DEFAULTS[env].fluxTimeout)! * 2) / 3);
        });

    it(env === "prod" ? "lets the HorizontalPodAutoscaler own the Rollout's replicas" : "sets the replicas", () => {
        const hpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler");
        if (env === "prod") {
            expect(rollout.spec.replicas).toBeUndefined();
            expect(hpas).toHaveLength(1);
            expect(hpas[0].spec.scaleTargetRef).toEqual({
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Rollout",
                name: "storefront",
            });
        } else {
            expect(hpas).toEqual([]);
            expect(rollout.spec.replicas).toBe(env === "dev" ? 1 : 2);
        }
    });
});

/** The sops binary: SOPS_BIN, else the one scripts/cluster/build.sh builds (sops), else sops on PATH. */
function sopsBinary(): string | undefined {
    const cache = process.env.GITOPS_STACK_CACHE ?? path.join(os.homedir(), ".cache/gitops-stack");
    const candidates = [
        process.env.SOPS_BIN,
        ...(fs.existsSync(path.join(cache, "bin"))
            ? fs
                  .readdirSync(path.join(cache, "bin"))
                  .filter((f) => f.startsWith("sops-"))
                  .map((f) => path.join(cache, "bin", f))
            : []),
        "sops",
    ];
    return candidates.find((c) => c && spawnSync(c, ["--version", "--disable-version-check"]).status === 0);
}
const SOPS = sopsBinary();

describe.each(TIERS)("the SOPS-encrypted Secret of %s", (env) => {
    const file = path.join(overlay("storefront-secrets", env), "api-credentials.sops.yaml");
    const [secret] = build(overlay("storefront-secrets", env));

    it("is in Git only as ciphertext, encrypted to the test age recipient", () => {
        expect(secret.kind).toBe("Secret");
        expect(secret.metadata).toMatchObject({ name: "storefront-api", namespace: `storefront-${env}` });
        const values = Object.values(secret.stringData ?? {}) as string[];
        expect(values.length).toBeGreaterThan(0);
        for (const v of values) expect(v).toMatch(/^ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:[^,]+,type:str\]$/);
        expect(secret.sops.age.map((a: { recipient: string }) => a.recipient)).toEqual([TEST_AGE_RECIPIENT]);
        expect(secret.sops.mac).toMatch(/^ENC\[AES256_GCM,/);
        expect(fs.readFileSync(file, "utf8")).not.toContain("token-only-for-the-tests");
    });

    it("decrypts with the test key (sops, as kustomize-controller does)", () => {
        if (!SOPS)
            throw new Error("sops is missing: install it with `bash scripts/cluster/build.sh sops` (README, Commands)");
        const out = execFileSync(SOPS, ["--decrypt", "--disable-version-check", file], {
            encoding: "utf8",
            env: { ...process.env, SOPS_AGE_KEY: TEST_SECRETS.sopsAgeKey, SOPS_AGE_KEY_FILE: "" },
        });
        const plain = parseAllDocuments(out)[0].toJS();
        expect(plain.stringData).toEqual({
            PAYMENT_API_URL: `https://payments.${env}.acme.example/v2`,
            PAYMENT_API_TOKEN: `example-${env}-token-only-for-the-tests`,
        });
    });
});

describe("no Secret in plain text in the example repository", () => {
    const overlays = fs
        .readdirSync(path.join(REPO, "apps"))
        .flatMap((app) => TIERS.map((env) => `apps/${app}/overlays/${env}`))
        .filter((p) => fs.existsSync(path.join(REPO, p)));

    it.each(overlays)("%s commits none", (p) => {
        expect(plainSecretsInPath(REPO, p)).toEqual([]);
    });

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-plain-secret-"));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const copy = () => {
        const dir = fs.mkdtempSync(path.join(tmp, "repo-"));
        fs.cpSync(path.join(REPO, "apps"), path.join(dir, "apps"), { recursive: true });
        return dir;
    };

    it("finds a plain Secret added to an overlay, also through its base", () => {
        const dir = copy();
        const base = path.join(dir, "apps/podinfo/base");
        fs.writeFileSync(
            path.join(base, "secret.yaml"),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
        );
        fs.appendFileSync(path.join(base, "kustomization.yaml"), "\n# test\n");
        const k = fs
            .readFileSync(path.join(base, "kustomization.yaml"), "utf8")
            .replace("resources:\n", "resources:\n  - secret.yaml\n");
        fs.writeFileSync(path.join(base, "kustomization.yaml"), k);
        expect(plainSecretsInPath(dir, "apps/podinfo/overlays/prod")).toEqual([
            { file: "apps/podinfo/base/secret.yaml", what: 'Secret "db"' },
        ]);
    });

    it("finds a SOPS file whose encryption was stripped, and secretGenerator literals and plain files", () => {
        const dir = copy();
        const ov = path.join(dir, "apps/storefront-secrets/overlays/dev");
        const file = path.join(ov, "api-credentials.sops.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/\nsops:[\s\S]*$/, "\n"));
        fs.writeFileSync(path.join(ov, "extra.env"), "KEY=value\n");
        fs.appendFileSync(
            path.join(ov, "kustomization.yaml"),
            "secretGenerator:\n  - name: a\n    literals: [KEY=value]\n  - name: b\n    envs: [extra.env]\n",
        );
        expect(plainSecretsInPath(dir, "apps/storefront-secrets/overlays/dev")).toEqual([
            { file: "apps/storefront-secrets/overlays/dev/api-credentials.sops.yaml", what: 'Secret "storefront-api"' },
            {
                file: "apps/storefront-secrets/overlays/dev/kustomization.yaml",
                what: 'secretGenerator "a" with literals',
            },
            {
                file: "apps/storefront-secrets/overlays/dev/kustomization.yaml",
                what: 'secretGenerator "b" from extra.env',
            },
        ]);
    });
});
