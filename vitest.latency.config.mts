import { defineConfig } from "vitest/config";

// `npm run bench:latency`: git push -> running, measured against the real controllers on the cluster tests' control
// plane (tests/cluster/support/globalSetup.ts starts it, or GITOPS_STACK_EXISTING_CLUSTER=1 uses $KUBECONFIG's).
// A measurement, not a test suite: it prints the numbers (tests/cluster/latency/measure.ts), and is never part of
// `npm test` or `npm run test:cluster`. LATENCY_COMMITS (default 10) and LATENCY_POLL_COMMITS (default 5) set how
// many commits each mode measures.
export default defineConfig({
    test: {
        include: ["tests/cluster/latency/*.latency.ts"],
        globalSetup: ["./tests/cluster/support/globalSetup.ts"],
        fileParallelism: false,
        testTimeout: 3_600_000,
        hookTimeout: 600_000,
    },
});
