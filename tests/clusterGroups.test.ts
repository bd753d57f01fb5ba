/**
 * The two groups of cluster tests CI runs (tests/cluster/support/groups.mts): a file that needs the release path's
 * controllers or Argo CD runs after their builds, and every file is in exactly one group.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { clusterTestFiles, clusterTestGroup, clusterTestInclude } from "./cluster/support/groups.mjs";
import { ROOT } from "./support/stacks";

describe("cluster test groups", () => {
    it("puts a file that names a controller build or uses the Argo CD or release helpers in `controllers`", () => {
        expect(clusterTestGroup('import { startArgoCdTestbed } from "./argocd/testbed";')).toBe("controllers");
        expect(clusterTestGroup('import { startRegistry } from "./release/registry";')).toBe("controllers");
        expect(clusterTestGroup('import { x } from "../argocd/controllers";')).toBe("controllers");
        expect(clusterTestGroup('const BUILD = "scripts/cluster/build-release.sh";')).toBe("controllers");
        expect(clusterTestGroup("// helm, built by scripts/cluster/build-argocd.sh")).toBe("controllers");
        expect(clusterTestGroup('import { startFluxTestbed } from "./flux/testbed";')).toBe("core");
        expect(clusterTestGroup('binaryPath("source-controller", v, "scripts/cluster/build-flux.sh")')).toBe("core");
    });

    it("splits the committed files: each in one group, together all of them, the Argo CD ones after the builds", () => {
        const all = fs
            .readdirSync(path.join(ROOT, "tests/cluster"))
            .filter((f) => f.endsWith(".test.ts"))
            .map((f) => `tests/cluster/${f}`)
            .sort();
        const core = clusterTestFiles(ROOT, "core");
        const controllers = clusterTestFiles(ROOT, "controllers");
        expect([...core, ...controllers].sort()).toEqual(all);
        expect(core.filter((f) => controllers.includes(f))).toEqual([]);
        expect(controllers).toEqual(
            expect.arrayContaining([
                "tests/cluster/argocd-reconcile.test.ts",
                "tests/cluster/argocd-prod.test.ts",
                "tests/cluster/canary.test.ts",
                "tests/cluster/sealedSecrets.test.ts",
                "tests/cluster/imageReflector.test.ts",
                "tests/cluster/chartCa.test.ts",
            ]),
        );
        expect(core).toEqual(expect.arrayContaining(["tests/cluster/flux-reconcile.test.ts"]));
    });

    it("runs every file when no group is selected, and refuses a group it does not know", () => {
        expect(clusterTestInclude(ROOT, undefined)).toEqual(["tests/cluster/**/*.test.ts"]);
        expect(clusterTestInclude(ROOT, "core")).toEqual(clusterTestFiles(ROOT, "core"));
        expect(() => clusterTestInclude(ROOT, "argocd")).toThrow(
            'GITOPS_STACK_CLUSTER_TESTS="argocd": expected one of core, controllers, or unset for every cluster test',
        );
    });
});
