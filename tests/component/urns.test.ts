/**
 * GitOpsStack parents every object the program creates; before it existed they were top-level resources of the stack.
 * Their URNs therefore move, and the engine must see each one as the same resource, never as a delete and a create
 * (a Helm release or an Application deleted and created again is an outage). The program gives each object it
 * creates at the top of GitOpsStack an alias to its old URN; their children inherit it. This replays the engine's
 * matching (src/offline/aliases.ts) on each configuration's old URNs (tests/component/urnsBefore.json,
 * captured from the program before GitOpsStack).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { GITOPS_STACK_TYPE } from "../../src/component/gitOpsStack";
import { PROJECT } from "../../src/config";
import { matchState } from "../../src/offline/aliases";
import { runStack, type StackOptions } from "../support/stacks";
import { VARIANTS } from "../support/variants";

const withoutWebhooks = (options: StackOptions): StackOptions => ({
    ...options,
    secrets: { ...options.secrets, gitWebhookSecret: null },
});

const BEFORE = JSON.parse(fs.readFileSync(path.join(__dirname, "urnsBefore.json"), "utf8")) as Record<string, string[]>;

/**
 * Resources the program gained after urnsBefore.json was captured, by the URN suffix after the GitOpsStack type: new,
 * so created (every old one must still be aliased, so none of these can hide a moved one).
 */
const ADDED_SINCE: Array<{ suffix: string; why: string }> = [
    {
        suffix: "$gitops-stack:shared:SealedSecrets$kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::sealed-secrets-edit",
        why: "issue 21: namespace admins (the Flux tenant) may apply SealedSecrets",
    },
];

describe.each(VARIANTS)("URNs of $name, before and with GitOpsStack", (variant) => {
    it("match one to one: every old resource is found by its alias, nothing is created but GitOpsStack, nothing deleted", async () => {
        // The old URNs were captured before Git webhooks (issue 22), whose objects are new to a stack that turns them
        // on: compare like with like.
        const { resources } = await runStack(variant.stack, withoutWebhooks(variant.options));
        const olds = new Set(BEFORE[variant.name]);
        expect(olds.size).toBeGreaterThan(20);
        const matching = matchState(resources, olds, variant.stack, PROJECT);
        expect(matching.errors).toEqual([]);
        expect(matching.deleted).toEqual([]);
        const stackUrn = `urn:pulumi:${variant.stack}::${PROJECT}::${GITOPS_STACK_TYPE}::${PROJECT}`;
        const added = resources
            .map((r) => r.urn)
            .filter((urn) =>
                ADDED_SINCE.some(
                    (a) => urn === `urn:pulumi:${variant.stack}::${PROJECT}::${GITOPS_STACK_TYPE}${a.suffix}`,
                ),
            );
        expect(matching.created.sort()).toEqual([stackUrn, ...added].sort());
        expect(matching.aliased.size).toBe(olds.size);
    });

    it("gives the alias to the component's direct children only (their children inherit it)", async () => {
        const { resources } = await runStack(variant.stack, variant.options);
        const stack = resources.find((r) => r.type === GITOPS_STACK_TYPE)!;
        expect(stack.parent).toBe("");
        // The Kubernetes SDK adds aliases of its own (a kind's other API versions): only the parent alias is ours.
        const topLevelAlias = (r: (typeof resources)[number]) => r.aliases.some((a) => "noParent" in a);
        const aliased = resources.filter(topLevelAlias).map((r) => r.urn);
        expect(aliased).toEqual(resources.filter((r) => r.parent === stack.urn).map((r) => r.urn));
        expect(aliased.length).toBeGreaterThan(4);
    });
});
