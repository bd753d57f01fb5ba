import type { AccessConfig, Tier } from "../config/types";

/** Actions a deployer has on its environment's applications (argo-cd docs: operator-manual/rbac.md). */
export const DEPLOYER_ACTIONS = ["get", "sync", "rollback"] as const;

/** Name of the global Argo CD role that may deploy the applications of a tier's project. */
export const deployerRole = (tier: Tier) => `role:${tier}-deployer`;

/**
 * The `policy.csv` of argocd-rbac-cm for one environment, from the same group names the AppProject roles use:
 * platform admins get role:admin, the deployer groups may get/sync/rollback the applications of this
 * environment's project (and only those), developers are read-only. Nothing else may sync: `policy.default`
 * is role:readonly at most.
 */
export function argoPolicyCsv(access: AccessConfig, tier: Tier, project: string): string {
    const lines: string[] = [];
    const role = deployerRole(tier);
    lines.push(...DEPLOYER_ACTIONS.map((action) => `p, ${role}, applications, ${action}, ${project}/*, allow`));
    // Deployers see logs of what they deploy; they get no exec or delete.
    lines.push(`p, ${role}, logs, get, ${project}/*, allow`);
    lines.push(...access.platformAdminGroups.map((g) => `g, ${g}, role:admin`));
    lines.push(...access.deployerGroups.map((g) => `g, ${g}, ${role}`));
    lines.push(...access.developerGroups.map((g) => `g, ${g}, role:readonly`));
    return lines.join("\n") + "\n";
}

/** AppProject roles: the same groups, scoped to the project (argo-cd docs: user-guide/projects.md#project-roles). */
export function projectRoles(access: AccessConfig, project: string) {
    return [
        {
            name: "read-only",
            description: `Read-only access to the applications of project ${project}`,
            policies: [`p, proj:${project}:read-only, applications, get, ${project}/*, allow`],
            groups: [...access.developerGroups],
        },
        {
            name: "deployer",
            description: `May sync and roll back the applications of project ${project}`,
            policies: DEPLOYER_ACTIONS.map(
                (a) => `p, proj:${project}:deployer, applications, ${a}, ${project}/*, allow`,
            ),
            groups: [...access.deployerGroups],
        },
    ];
}
