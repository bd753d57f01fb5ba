/**
 * Marks an error a test provokes on purpose, which Pulumi's SDK also reports as an unhandled rejection (a failed
 * component's outputs): vitest.config.mts lets exactly these through, so any other unhandled error still fails.
 */
export const EXPECTED_FAILURE = "[failure expected by the test]";
