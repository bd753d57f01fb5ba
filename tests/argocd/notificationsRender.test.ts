import { describe, expect, it } from "vitest";
import { RENDER_SECRET_PLACEHOLDER, RENDER_UNSET_SECRET } from "../../src/config/rules/secretMap";
import { renderStack } from "../../src/offline/render";
import { SECRET_PLACEHOLDER, UNSET_SECRET_PLACEHOLDER } from "../../src/offline/stackFile";
import { ROOT } from "../support/stacks";

const CHANNELS = JSON.stringify([
    { type: "slack", name: "deploys", channel: "deploys-team" },
    { type: "webhook", name: "hook", headers: ["Authorization"], events: ["sync-failed"] },
    { type: "pagerduty", name: "oncall", events: ["sync-failed", "health-degraded"] },
]);

describe("offline render of alert channels (no secret available)", () => {
    it("uses the render's own placeholder", () => {
        expect(RENDER_SECRET_PLACEHOLDER).toBe(SECRET_PLACEHOLDER);
        expect(RENDER_UNSET_SECRET).toBe(UNSET_SECRET_PLACEHOLDER);
    });

    it.each(["argocd", "flux"])("renders %s channels with every credential as the placeholder", async (operator) => {
        const render = await renderStack({
            root: ROOT,
            stack: "dev",
            config: [`operator=${operator}`, `alertChannels=${CHANNELS}`],
        });
        const all = [...render.files.values()].join("\n");
        if (operator === "argocd") {
            expect(all).toContain("service.pagerdutyv2.oncall");
            expect(all).toContain(`oncall-pagerduty-routing-key: "${SECRET_PLACEHOLDER}"`);
            expect(all).toContain(`hook-webhook-header-0: "${SECRET_PLACEHOLDER}"`);
        } else {
            const provider = [...render.files].find(([f]) => f.includes("provider-dev-oncall"));
            expect(provider?.[1]).toContain(`channel: "${SECRET_PLACEHOLDER}"`);
            const secret = [...render.files].find(([f]) => f.includes("secret-dev-hook-credentials"));
            expect(secret?.[1]).toContain(`address: "${SECRET_PLACEHOLDER}"`);
        }
        // The render warns that a real pulumi up needs the secret.
        expect(render.summary.warnings.join("\n")).toContain("gitops-stack:alertSecrets");
    });
});
