import { describe, expect, it } from "vitest";
import { PER_APP_PRACTICAL_LIMIT } from "../../../src/config/rules/fleetSize";
import { parsed } from "./support";

const apps = (n: number) =>
    JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `app${i}`, namespace: `app${i}-dev` })));
const warningsOf = (stack: string, n: number, config: string[] = [], raw: Record<string, string> = {}) =>
    parsed(stack, { raw: { "gitops-stack:apps": apps(n), ...raw }, config }).warnings.filter((w) =>
        w.includes("practical size"),
    );

describe("fleet size (issue 25 §10): a per-app stack past the practical point is warned, with the numbers", () => {
    it("says nothing up to the limit", () => {
        expect(PER_APP_PRACTICAL_LIMIT).toBe(300);
        expect(warningsOf("dev", 300)).toEqual([]);
    });

    it("warns past it in per-app mode, with the measured times and what to do instead", () => {
        expect(warningsOf("dev", 301)).toEqual([
            'stack "dev": gitops-stack:apps: 301 per-app Applications (301 apps) is past the practical size of one stack (300): with a real engine, pulumi up took 134 s at 500 apps and 423 s at 1000 (22 s at 10, 26 s at 100; previews 12-104 s), growing with the square of the objects because the engine rewrites the whole state after every step; use appsMode=applicationset (one ApplicationSet; 500 apps took 20 s) or split the apps over several stacks.',
        ]);
    });

    it("counts apps × clusters, and names Flux's way out", () => {
        const clusters = JSON.stringify([
            { name: "local", server: "https://kubernetes.default.svc" },
            { name: "eu-1", server: "https://eu-1.k8s.example.com", auth: "bearer" },
        ]);
        const [warning] = warningsOf("dev", 151, ["operator=flux"], { "gitops-stack:clusters": clusters });
        expect(warning).toContain("302 per-app Kustomizations (151 apps × 2 clusters)");
        expect(warning).toContain("split the apps over several stacks (Flux has no ApplicationSet)");
        expect(warningsOf("dev", 150, ["operator=flux"], { "gitops-stack:clusters": clusters })).toEqual([]);
    });

    it("in ApplicationSet mode counts only the apps the stack lists itself", () => {
        const [warning] = warningsOf("dev", 301, ["appsMode=applicationset"]);
        expect(warning).toContain("list in apps only the apps that need their own settings");
        expect(warningsOf("dev", 0, ["appsMode=applicationset"])).toEqual([]);
    });
});
