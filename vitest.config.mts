import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // tests/cluster needs a Kubernetes control plane: `npm run test:cluster` (vitest.cluster.config.mts).
        exclude: [...configDefaults.exclude, "tests/cluster/**"],
        reporters: ["default", "./tests/support/summaryReporter.ts"],
        // Each file runs the whole program under Pulumi's mocks several times; the runtime is global per worker.
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // Many tests run the committed (Argo CD) stacks with operator=flux on purpose; the program's warning about
        // the Argo CD-only keys they set is asserted in tests/config/parse.test.ts, not repeated in the output.
        onConsoleLog: (log) => (log.includes("have no effect") ? false : undefined),
        // tests/shared/batches.test.ts makes a component fail on purpose: the SDK then also reports the component's
        // outputs as an unhandled rejection, as a real run reports it. Only errors carrying that test's marker.
        // The marker is EXPECTED_FAILURE of tests/support/expectedFailure.ts.
        onUnhandledError: (error) =>
            String(error?.message).includes("[failure expected by the test]") ? false : undefined,
    },
});
