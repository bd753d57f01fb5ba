import { defineConfig } from "vitest/config";

// `npm run test:cluster`: the tests against a real Kubernetes control plane (tests/cluster/support/globalSetup.ts
// starts one for the run, or uses an existing cluster). Never part of `npm test`, which excludes tests/cluster.
export default defineConfig({
    test: {
        include: ["tests/cluster/**/*.test.ts"],
        globalSetup: ["./tests/cluster/support/globalSetup.ts"],
        // One cluster is shared: files that change it must not race each other.
        fileParallelism: false,
        testTimeout: 300_000,
        hookTimeout: 600_000,
    },
});
