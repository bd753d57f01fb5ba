import { defineConfig } from "vitest/config";
import { clusterTestInclude } from "./tests/cluster/support/groups.mjs";

// `npm run test:cluster`: the tests against a real Kubernetes control plane (tests/cluster/support/globalSetup.ts
// starts one for the run, or uses an existing cluster). Never part of `npm test`, which excludes tests/cluster.
// GITOPS_STACK_CLUSTER_TESTS=core|controllers runs one group (tests/cluster/support/groups.ts): CI runs `core`
// while the release-path and Argo CD controllers still build (npm run test:cluster:core, then :controllers).
export default defineConfig({
    test: {
        include: clusterTestInclude(import.meta.dirname, process.env.GITOPS_STACK_CLUSTER_TESTS),
        globalSetup: ["./tests/cluster/support/globalSetup.ts"],
        // One cluster is shared: files that change it must not race each other.
        fileParallelism: false,
        testTimeout: 300_000,
        hookTimeout: 600_000,
    },
});
