import * as pulumi from "@pulumi/pulumi";

/** How many objects a component creates before it lets the event loop (and the engine's answers) run. */
export const BATCH_SIZE = 100;

/**
 * Calls `create` for every item, in order, `batchSize` at a time, and lets the event loop run between batches.
 *
 * Pulumi's SDK registers a resource asynchronously: until the engine has answered, each object holds about seven
 * Outputs with their promises and resolvers. A component that creates thousands of objects in one synchronous loop
 * holds all of them at once, since no answer can arrive before the loop ends (15012 Flux objects for 5000 apps:
 * 1.4 GiB). Between batches the engine's answers for the objects created so far are processed and their pending
 * state is released; the engine also starts on them sooner. Measured on 5000 apps: peak memory about a third, CPU
 * about half (issue 11).
 *
 * For a component's `initialize` (the SDK's way to create children asynchronously: whatever depends on the
 * component waits until `initialize` has returned, so it still depends on every child). The run is kept alive
 * while batches remain: between two batches there may be no call to the engine in flight, and the SDK would
 * otherwise take the program for finished.
 */
export async function createInBatches<T, R>(
    items: readonly T[],
    create: (item: T) => R,
    batchSize: number = BATCH_SIZE,
): Promise<R[]> {
    const done = pulumi.runtime.rpcKeepAlive();
    try {
        const created: R[] = [];
        for (const item of items) {
            if (created.length > 0 && created.length % batchSize === 0) await nextTurn();
            created.push(create(item));
        }
        return created;
    } finally {
        done();
    }
}

/** Resolves after the event loop has run once (pending I/O and timers first), not just the microtask queue. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface Deferred<T> {
    promise: Promise<T>;
    resolve(value: T): void;
    reject(reason: unknown): void;
}

/** A promise settled from outside: a value one batch loop produces and another consumes. */
export function deferred<T>(): Deferred<T> {
    let settle!: Pick<Deferred<T>, "resolve" | "reject">;
    const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    return { promise, ...settle };
}

/**
 * The components that create their children in `initialize` cannot be read back from a URN (`opts.urn`): the SDK
 * then skips `initialize`, and they would have no children. Refused before anything is registered.
 */
export function refuseUrn(component: string, name: string, opts: pulumi.ComponentResourceOptions | undefined): void {
    if (opts?.urn) {
        throw new pulumi.ResourceError(
            `${component} ${name}: opts.urn is not supported; construct the component with its arguments.`,
            undefined,
        );
    }
}

/**
 * Hands a component's arguments to its `initialize`. They cannot go through super(): the SDK records what a
 * component passes there as its inputs in the engine's state. super() calls `initialize` synchronously, so the
 * constructor sets them just before super() and `initialize` takes them first thing: nothing runs in between.
 */
export class InitializeArgs<T> {
    private pending: T | undefined;

    set(args: T): void {
        this.pending = args;
    }

    take(): T {
        const args = this.pending;
        this.pending = undefined;
        if (args === undefined) throw new Error("initialize ran without its arguments: set them just before super().");
        return args;
    }
}

/**
 * An Output's value as a promise, through the Output's own `promise()`: every Output has it (the SDK awaits Outputs
 * through it), the public type does not declare it. It rejects when the Output does (an `apply` would never call
 * back).
 */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/**
 * Settles when the engine has registered every one of `resources` (each URN is resolved by the engine's answer), and
 * rejects when a URN does. Awaited through each URN Output's own promise: `pulumi.all` over thousands of URNs lifted
 * them into one Output at about twenty promises each, a sixth of the promises of a 1000-app Flux run (issue 11).
 */
export async function registered(resources: readonly pulumi.Resource[]): Promise<void> {
    await Promise.all(resources.map((r) => outputValue(r.urn)));
}

/**
 * The names a component gave its children (metadata.name is set, never generated), once every child exists: it
 * waits on their URNs, which exist anyway, instead of lifting `metadata.name` into one more Output each (issue 11).
 */
export function namesOnceCreated(
    children: Promise<readonly pulumi.Resource[]>,
    names: readonly string[],
): pulumi.Output<string[]> {
    return pulumi.output(children.then(registered).then(() => [...names]));
}
