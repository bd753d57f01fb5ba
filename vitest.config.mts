import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        reporters: ["default", "./tests/support/summaryReporter.ts"],
        // Each file runs the whole program under Pulumi's mocks several times; the runtime is global per worker.
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
