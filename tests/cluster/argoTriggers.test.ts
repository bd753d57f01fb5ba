/**
 * The program's Argo CD notification triggers, evaluated by the expression engine Argo CD's notifications
 * controller runs (github.com/expr-lang/expr at the version argo-cd v3.4 pins; scripts/argo-triggers), against
 * Application states: no Argo CD controller runs in the test cluster, so this is where the conditions meet the real
 * engine. Part of the cluster suite because it builds Go, as the suite's other binaries are built.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { notificationsValues } from "../../src/argocd/notifications";

const ROOT = path.resolve(__dirname, "../..");
const hasGo = spawnSync("go", ["version"]).status === 0;
// Against an existing cluster the suite builds nothing, and Go may be absent there.
const skip = !hasGo && process.env.GITOPS_STACK_EXISTING_CLUSTER === "1";

interface Result {
    fired: boolean;
    oncePer?: unknown;
    error?: string;
}

const values = notificationsValues({ services: {}, webhooks: [] }, "https://argocd.example") as {
    triggers: Record<string, string>;
};
const triggers = Object.fromEntries(
    Object.entries(values.triggers).map(([key, text]) => [key.replace(/^trigger\./, ""), YAML.parse(text)[0]]),
);

let binary = "";
beforeAll(() => {
    if (skip) return;
    if (!hasGo) throw new Error("the cluster suite needs Go (it builds its binaries); none is on PATH");
    binary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gitops-stack-argo-triggers-")), "argo-triggers");
    execFileSync("go", ["build", "-o", binary, "."], { cwd: path.join(ROOT, "scripts/argo-triggers"), stdio: "pipe" });
});

function evaluate(cases: Array<{ trigger: string; app: unknown }>): Result[] {
    const out = execFileSync(binary, [], { input: JSON.stringify({ triggers, cases }), encoding: "utf8" });
    return JSON.parse(out) as Result[];
}

/**
 * An Application after a successful sync of `revision`, as Argo CD v3.2.11 records it: `operation` is the sync that
 * ran (a self-heal carries autoHealAttemptsCount and the drifted resources), `history` only lists syncs of every
 * resource (a self-heal adds no entry).
 */
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, seconds)).toISOString().replace(".000Z", "Z");

/**
 * An Application after a successful sync of `revision`, as Argo CD v3.2.11 records it: `operation` is the sync that
 * ran (a self-heal carries autoHealAttemptsCount and the drifted resources), started `startedAfter` seconds after
 * the last full sync (the last history entry) ended; `history` only lists full syncs (a self-heal adds no entry).
 */
const synced = (
    revision: string,
    operation: Record<string, unknown> | undefined,
    health = "Healthy",
    history: string[] = [revision],
    startedAfter = 60,
) => ({
    status: {
        health: { status: health },
        sync: { status: "Synced", revision },
        operationState: {
            phase: "Succeeded",
            startedAt: at(startedAfter),
            finishedAt: at(startedAfter + 1),
            operation: operation ?? {},
            syncResult: { revision },
        },
        history: history.map((r, id) => ({ id, revision: r, deployStartedAt: at(-1), deployedAt: at(0) })),
    },
});
const selfHeal = (attempts: number) => ({
    initiatedBy: { automated: true },
    sync: { revision: "a1", autoHealAttemptsCount: attempts, resources: [{ kind: "Deployment", name: "podinfo" }] },
});

describe.skipIf(skip)("Argo CD triggers under Argo CD's expression engine", () => {
    it("on-drift-corrected fires for a self-heal only", () => {
        const cases = [
            ["a self-heal (first attempt)", synced("a1", selfHeal(1)), true],
            ["a self-heal after earlier attempts", synced("a1", selfHeal(3)), true],
            // The history Argo CD keeps after a self-heal: one entry, from the sync of the commit.
            ["a self-heal, history as Argo CD leaves it", synced("a1", selfHeal(1), "Healthy", ["a1"]), true],
            ["automated sync of a new commit", synced("b2", { initiatedBy: { automated: true }, sync: {} }), false],
            [
                "two full syncs of one revision (a person's, then automated)",
                synced("a1", { initiatedBy: { automated: true }, sync: { revision: "a1" } }, "Healthy", ["a1", "a1"]),
                false,
            ],
            ["a person's sync of the same revision", synced("a1", { initiatedBy: { username: "admin" } }), false],
            ["the first sync", synced("a1", { initiatedBy: { automated: true } }), false],
            ["no initiator recorded", synced("a1", undefined), false],
            ["a self-heal that left the app degraded", synced("a1", selfHeal(1), "Degraded"), false],
            // Argo CD re-applying what it just synced (its cache lagging its own writes), 1 s after the full sync.
            ["a self-heal right after the full sync", synced("a1", selfHeal(1), "Healthy", ["a1"], 1), false],
            ["a self-heal 10 s after the full sync", synced("a1", selfHeal(1), "Healthy", ["a1"], 10), true],
            ["an app never synced", { status: { health: { status: "Missing" } } }, false],
        ] as const;
        const results = evaluate(cases.map(([, app]) => ({ trigger: "on-drift-corrected", app })));
        results.forEach((r, i) => {
            expect(r.error, cases[i][0]).toBeUndefined();
            expect(r.fired, cases[i][0]).toBe(cases[i][2]);
        });
        // Once per finished sync: the next self-heal notifies again.
        expect(results[0].oncePer).toBe(at(61));
    });

    it("no trigger fails on an Application that has no status yet (just created)", () => {
        const names = Object.keys(triggers);
        expect(names.length).toBeGreaterThanOrEqual(7);
        const results = evaluate(names.map((trigger) => ({ trigger, app: { metadata: { name: "new" } } })));
        results.forEach((r, i) => expect(r, names[i]).toMatchObject({ fired: false }));
        results.forEach((r, i) => expect(r.error, names[i]).toBeUndefined());
    });

    it("on-out-of-sync fires once per waiting revision; on-sync-status-unknown on Unknown", () => {
        const app = (status: string) => ({
            status: { sync: { status, revision: "c3" }, health: { status: "Healthy" } },
        });
        const [waiting, done, unknown, known] = evaluate([
            { trigger: "on-out-of-sync", app: app("OutOfSync") },
            { trigger: "on-out-of-sync", app: app("Synced") },
            { trigger: "on-sync-status-unknown", app: app("Unknown") },
            { trigger: "on-sync-status-unknown", app: app("Synced") },
        ]);
        expect(waiting).toEqual({ fired: true, oncePer: "c3" });
        expect(done.fired).toBe(false);
        expect(unknown).toEqual({ fired: true });
        expect(known.fired).toBe(false);
    });

    it("the catalog events fire on their states, once per revision", () => {
        const [deployed, succeeded, failed, failedEarly, degraded] = evaluate([
            { trigger: "on-deployed", app: synced("a1", { initiatedBy: { automated: true } }) },
            { trigger: "on-sync-succeeded", app: synced("a1", selfHeal(1)) },
            {
                trigger: "on-sync-failed",
                app: {
                    status: {
                        health: { status: "Healthy" },
                        sync: { status: "OutOfSync", revision: "c3" },
                        operationState: { phase: "Failed", syncResult: { revision: "c3" } },
                    },
                },
            },
            {
                trigger: "on-sync-failed",
                app: {
                    status: { sync: { status: "OutOfSync", revision: "d4" }, operationState: { phase: "Error" } },
                },
            },
            {
                trigger: "on-health-degraded",
                app: { status: { health: { status: "Degraded" }, sync: { revision: "e5" } } },
            },
        ]);
        expect(deployed).toEqual({ fired: true, oncePer: "a1" });
        // A self-heal of a1 is a successful sync of a1: the same oncePer as a1's first success, so no second post.
        expect(succeeded).toEqual({ fired: true, oncePer: "a1" });
        expect(failed).toEqual({ fired: true, oncePer: "c3" });
        expect(failedEarly).toEqual({ fired: true, oncePer: "d4" });
        expect(degraded).toEqual({ fired: true, oncePer: "e5" });
    });
});
