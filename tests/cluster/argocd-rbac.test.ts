/**
 * Who may do what to each stack's Applications (issue 18, step 4), decided by Argo CD's own RBAC enforcer as
 * argocd-server wires it for an SSO request (scripts/argocd-rbac, built with Argo CD v3.2.11 by
 * scripts/cluster/build-argocd.sh): the built-in policy, the argocd-rbac-cm the pinned chart renders from the stack's
 * values (policy.csv, policy.default, policy.matchMode, scopes), and the stack's AppProjects, whose roles bind groups
 * too. Each user is an SSO login with a `groups` claim. No controller runs: the decision is the enforcer's alone.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, STACKS } from "../support/stacks";
import { clusterVersions } from "./flux/processes";
import { renderChartConfig } from "./argocd/chartConfig";
import { argoStackObjects } from "./argocd/stackObjects";

interface Check {
    sub: string;
    groups: string[];
    resource: string;
    action: string;
    object: string;
}

function enforcer(): string {
    const v = clusterVersions();
    const key = createHash("sha256")
        .update(fs.readFileSync(path.join(ROOT, "scripts/argocd-rbac/main.go")))
        .digest("hex")
        .slice(0, 12);
    const file = path.join(v.CLUSTER_BIN, `argocd-rbac-${v.ARGOCD_VERSION}-${key}`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/cluster/build-argocd.sh argocd-rbac`);
    return file;
}

/** The stack's RBAC as Argo CD holds it: argocd-rbac-cm's data and the AppProjects. */
async function stackRbac(stack: string, config: string[] = []) {
    const run = await argoStackObjects(stack, { config });
    const rbac = renderChartConfig(run.argoCdValues, "argocd").objects.find(
        (o) => o.metadata.name === "argocd-rbac-cm",
    )!.data!;
    const projects = run.objects.filter((o) => o.object.kind === "AppProject").map((o) => o.object);
    return { rbac, projects };
}

/** Argo CD's answers, in order. */
function decide(rbac: { rbac: Record<string, string>; projects: unknown[] }, checks: Check[]): boolean[] {
    const out = execFileSync(enforcer(), [], {
        input: JSON.stringify({ rbacConfigMap: rbac.rbac, projects: rbac.projects, checks }),
        encoding: "utf8",
    });
    return (JSON.parse(out) as Array<{ allowed: boolean }>).map((a) => a.allowed);
}

/** The committed stacks' groups (Pulumi.<stack>.yaml). */
const GROUPS: Record<string, { platform: string; deployers: string[]; developers: string[] }> = {
    dev: { platform: "acme:platform", deployers: ["acme:developers"], developers: ["acme:developers"] },
    staging: {
        platform: "acme:platform",
        deployers: ["acme:release-managers", "acme:developers"],
        developers: ["acme:developers"],
    },
    prod: { platform: "acme:platform", deployers: ["acme:release-managers"], developers: ["acme:developers"] },
};

describe.each(STACKS)("Argo CD RBAC of the %s stack, as Argo CD's enforcer decides it", (stack) => {
    const app = `${stack}/${stack}-guestbook`;
    const root = `${stack}-bootstrap/${stack}-root`;
    const groups = GROUPS[stack];
    const user =
        (sub: string, g: string[]) =>
        (action: string, object = app, resource = "applications") => ({
            sub,
            groups: g,
            resource,
            action,
            object,
        });

    it("lets deployers get, sync and roll back the environment's apps and read their logs, and nothing else", async () => {
        const rbac = await stackRbac(stack);
        for (const group of groups.deployers) {
            const as = user(`someone-in-${group}`, [group]);
            const [get, sync, rollback, logs, del, override, action, exec, syncRoot, createApp] = decide(rbac, [
                as("get"),
                as("sync"),
                as("rollback"),
                as("get", app, "logs"),
                as("delete"),
                as("override"),
                as("action/apps/Deployment/restart"),
                as("create", app, "exec"),
                as("sync", root),
                as("create"),
            ]);
            expect({ get, sync, rollback, logs }, group).toEqual({ get: true, sync: true, rollback: true, logs: true });
            expect({ del, override, action, exec, syncRoot, createApp }, group).toEqual({
                del: false,
                override: false,
                action: false,
                exec: false,
                syncRoot: false,
                createApp: false,
            });
        }
    });

    it(
        stack === "prod"
            ? "keeps developers who are not deployers read-only in prod: they see the apps and may not sync"
            : `lets ${stack}'s developers deploy (they are among its deployers)`,
        async () => {
            const rbac = await stackRbac(stack);
            const as = user("a-developer", groups.developers);
            const [get, sync, del] = decide(rbac, [as("get"), as("sync"), as("delete")]);
            expect(get).toBe(true);
            expect(sync).toBe(stack !== "prod");
            expect(del).toBe(false);
        },
    );

    it("gives the platform admins every action, the app-of-apps root included", async () => {
        const rbac = await stackRbac(stack);
        const as = user("a-platform-engineer", [groups.platform]);
        expect(decide(rbac, [as("sync"), as("delete"), as("sync", root), as("create", "*", "projects")])).toEqual([
            true,
            true,
            true,
            true,
        ]);
    });

    it("gives everyone else what policy.default grants: read-only, or nothing with rbacDefaultPolicy empty", async () => {
        const outsider = user("a-contractor", ["acme:contractors"]);
        const nobody = user("no-groups", []);
        const checks = [outsider("get"), outsider("sync"), outsider("delete"), nobody("get"), nobody("sync")];
        expect(decide(await stackRbac(stack), checks)).toEqual([true, false, false, true, false]);
        const closed = await stackRbac(stack, ["rbacDefaultPolicy="]);
        expect(closed.rbac["policy.default"]).toBe("");
        expect(decide(closed, checks)).toEqual([false, false, false, false, false]);
    });

    it("never lets a deployer group of this stack act on another environment's project", async () => {
        const rbac = await stackRbac(stack);
        const other = stack === "prod" ? "dev" : "prod";
        for (const group of groups.deployers) {
            const as = user(`someone-in-${group}`, [group]);
            expect(decide(rbac, [as("sync", `${other}/${other}-guestbook`)]), group).toEqual([false]);
        }
    });
});
