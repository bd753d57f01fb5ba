import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one plain closing line, "vitest: N passed, N failed, N skipped", that CI reads whatever the runner
 * (vitest's own summary is styled for terminals).
 */
export default class SummaryReporter implements Reporter {
    onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
        const counts = { passed: 0, failed: 0, skipped: 0 };
        for (const module of testModules) {
            for (const test of module.children.allTests()) {
                const state = test.result().state;
                if (state === "passed") counts.passed++;
                else if (state === "failed") counts.failed++;
                else counts.skipped++;
            }
            // A file that fails to load has no tests but still fails the run.
            if (module.state() === "failed" && module.children.size === 0) counts.failed++;
        }
        process.stdout.write(`\nvitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    }
}
