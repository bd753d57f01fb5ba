import { everyoneGroupReason } from "../guards";
import type { DeclaredKeyName } from "../keys";
import type { AccessConfig } from "../types";
import { quote, type ConfigInput } from "./context";

const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._:@/+-]*$/;

/** Access control: one set of group names for Argo CD RBAC, project roles and Kubernetes RBAC. */
export function validateAccess(input: ConfigInput, isProd: boolean): AccessConfig {
    const groups = (name: DeclaredKeyName): string[] => {
        const values = input.list(name);
        for (const g of values) {
            const everyone = everyoneGroupReason(g);
            if (!GROUP_NAME.test(g)) {
                input.problem(
                    name,
                    `group ${quote(g)} is malformed; expected an SSO group name of letters, digits and . _ : @ / + - (no spaces, commas or wildcards).`,
                );
            } else if (everyone) {
                // Every access group can change GitOps objects or read them; a group Kubernetes fills with identities
                // the stack does not choose hands that to all of them.
                input.problem(name, everyone.replace(/\.\s+Expected\b/, "; expected"));
            }
        }
        return values;
    };
    const platformAdminGroups = groups("platformAdminGroups");
    const deployerGroups = groups("deployerGroups");
    const developerGroups = groups("developerGroups");
    if (isProd && deployerGroups.length === 0) {
        input.problem(
            "deployerGroups",
            "is empty in prod; expected at least one SSO group allowed to sync prod (e.g. [acme:release-managers]).",
        );
    }
    const defaultPolicy = input.str("rbacDefaultPolicy");
    if (!["", "role:readonly", "role:admin"].includes(defaultPolicy)) {
        input.problem(
            "rbacDefaultPolicy",
            `unknown role ${quote(defaultPolicy)}; expected role:readonly, role:admin, or empty to deny by default.`,
        );
    }
    return { platformAdminGroups, deployerGroups, developerGroups, defaultPolicy };
}
