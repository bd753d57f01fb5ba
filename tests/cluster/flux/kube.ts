import { kubectl } from "../support/cluster";

export interface Condition {
    type: string;
    status: string;
    reason?: string;
    message?: string;
}

export type KubeObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: any };
    spec?: any;
    status?: { conditions?: Condition[]; [key: string]: any };
    [key: string]: any;
};

/** `kind/name` in a namespace, or undefined when it does not exist. */
export async function getObject(kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const scope = namespace ? ["--namespace", namespace] : [];
    const result = await kubectl(["get", kind, name, ...scope, "-o", "json"], { ok: false });
    if (result.code !== 0) {
        if (/NotFound|not found/.test(result.stderr)) return undefined;
        throw new Error(`kubectl get ${kind} ${name}: ${result.stderr.trim()}`);
    }
    return JSON.parse(result.stdout) as KubeObject;
}

export const condition = (obj: KubeObject | undefined, type: string): Condition | undefined =>
    obj?.status?.conditions?.find((c) => c.type === type);

/** The object's status conditions, one per line, for failure messages. */
export function describeConditions(obj: KubeObject | undefined): string {
    if (!obj) return "(object does not exist)";
    const conditions = obj.status?.conditions ?? [];
    if (conditions.length === 0) return `${obj.kind}/${obj.metadata.name}: no status conditions`;
    return conditions
        .map((c) => `${obj.kind}/${obj.metadata.name} ${c.type}=${c.status} (${c.reason ?? ""}): ${c.message ?? ""}`)
        .join("\n");
}

/**
 * Polls `check` every `every` ms until it returns something other than undefined, and returns that. After `ms` it
 * fails with `what` and the diagnostics of `explain` (status conditions, controller logs).
 */
export async function waitFor<T>(
    what: string,
    ms: number,
    check: () => Promise<T | undefined>,
    explain: () => Promise<string> | string,
    every = 500,
): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline)
            throw new Error(`timed out after ${ms / 1000} s waiting for ${what}\n${await explain()}`);
        await new Promise((r) => setTimeout(r, every));
    }
}

/** Waits until `kind/name` has condition `type` with `status`; returns the object. */
export function waitForCondition(
    kind: string,
    name: string,
    namespace: string | undefined,
    type: string,
    status: "True" | "False",
    ms: number,
    extra: () => string = () => "",
    accept: (c: Condition, obj: KubeObject) => boolean = () => true,
): Promise<KubeObject> {
    let last: KubeObject | undefined;
    return waitFor(
        `${kind} ${namespace ? `${namespace}/` : ""}${name} to have ${type}=${status}`,
        ms,
        async () => {
            last = await getObject(kind, name, namespace);
            const c = condition(last, type);
            return c && c.status === status && accept(c, last!) ? last : undefined;
        },
        () => `${describeConditions(last)}\n${extra()}`,
    );
}

/** Server-side apply of objects (as one List) with the given field manager. */
export async function applyObjects(objects: KubeObject[], fieldManager: string): Promise<void> {
    const list = { apiVersion: "v1", kind: "List", items: objects };
    await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager", fieldManager, "-f", "-"], {
        input: JSON.stringify(list),
    });
}

/**
 * Asks a Flux controller to reconcile an object now instead of at its next interval (what `flux reconcile` does):
 * the reconcile.fluxcd.io/requestedAt annotation.
 */
export async function requestReconcile(resource: string, name: string, namespace: string): Promise<void> {
    await kubectl([
        "annotate",
        "--overwrite",
        `${resource}/${name}`,
        "-n",
        namespace,
        `reconcile.fluxcd.io/requestedAt=${Date.now()}`,
    ]);
}
