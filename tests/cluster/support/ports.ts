/**
 * Loopback ports of the cluster tests. Each test file owns a range (noted beside its PORTS table) so the files can
 * share one machine; GITOPS_STACK_TEST_PORT_OFFSET shifts every range at once, so that two runs of the suite (two
 * checkouts, or a run beside a kept cluster) can go side by side without colliding. The local control plane's own
 * ports move with CLUSTER_PORT_BASE.
 */
const offset = Number(process.env.GITOPS_STACK_TEST_PORT_OFFSET ?? 0);
// The ranges are 27000-29999; an offset keeps them between 1024 and the kernel's ephemeral ports (32768 up).
if (!Number.isInteger(offset) || offset < -25_000 || offset > 2_000) {
    throw new Error(
        `GITOPS_STACK_TEST_PORT_OFFSET must be an integer from -25000 to 2000, not ${JSON.stringify(process.env.GITOPS_STACK_TEST_PORT_OFFSET)}`,
    );
}

/** Every port of `table` shifted by GITOPS_STACK_TEST_PORT_OFFSET. */
export function testPorts<T extends { [K in keyof T]: number }>(table: T): T {
    return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, (v as number) + offset])) as T;
}
