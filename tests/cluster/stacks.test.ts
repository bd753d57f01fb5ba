/**
 * Every Kubernetes object of every committed stack, for both operators, as the offline render writes it, applied
 * server-side to a real kube-apiserver with the pinned charts' CRDs: all accepted, a re-apply changes nothing, and
 * every API version the program emits is one the pinned CRDs serve.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { cluster, kubectl, kubectlJson } from "./support/cluster";
import {
    ARGOCD_DEFAULT_PROJECT_SPEC,
    applyStack,
    objectKey,
    renderStack,
    toYamlStream,
    type KubeObject,
    type RenderedStack,
} from "./support/rendered";

const STACKS = ["dev", "staging", "prod"] as const;
const OPERATORS = ["argocd", "flux"] as const;

interface CrdVersion {
    name: string;
    served: boolean;
    storage: boolean;
    deprecated?: boolean;
    schema?: { openAPIV3Schema?: { properties?: { status?: { default?: unknown } } } };
}
interface Crd {
    metadata: { name: string };
    spec: { group: string; names: { kind: string; plural: string }; versions: CrdVersion[] };
}

/** group/Kind → CRD, from the cluster or from the pinned CRD files in the cache. */
function byKind(crds: readonly Crd[]): Map<string, Crd> {
    return new Map(crds.map((crd) => [`${crd.spec.group}/${crd.spec.names.kind}`, crd]));
}
function groupOf(apiVersion: string): { group: string; version: string } {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return { group, version };
}

/** The live objects (`kubectl get -f`) of a rendered stack, by kind/namespace/name. */
async function live(objects: readonly KubeObject[]): Promise<Map<string, KubeObject>> {
    const result = JSON.parse(
        (await kubectl(["get", "-f", "-", "-o", "json"], { input: toYamlStream(objects) })).stdout,
    ) as KubeObject & { items?: KubeObject[] };
    const items = result.items ?? [result];
    return new Map(items.map((item) => [objectKey(item), item]));
}
const resourceVersion = (object: KubeObject | undefined): string | undefined =>
    (object?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
function withoutResourceVersion(object: KubeObject | undefined): unknown {
    if (object === undefined) return undefined;
    const metadata = { ...(object.metadata as Record<string, unknown>) };
    delete metadata.resourceVersion;
    return { ...object, metadata };
}

/** A Secret's stringData is stored base64-encoded in data. */
function asStored(object: KubeObject): KubeObject {
    if (object.kind !== "Secret" || object.stringData === undefined) return object;
    const { stringData, ...rest } = object;
    const data = Object.fromEntries(
        Object.entries(stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
    );
    return { ...rest, data: { ...(rest.data as Record<string, string> | undefined), ...data } };
}

let clusterCrds: Map<string, Crd>;
let pinnedCrds: Map<string, Crd>;

beforeAll(async () => {
    clusterCrds = byKind((await kubectlJson<{ items: Crd[] }>(["get", "crd"])).items);
    const files = (cluster().crdDirs ?? []).flatMap((dir) =>
        fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".yaml"))
            .map((f) => path.join(dir, f)),
    );
    pinnedCrds = byKind(files.map((file) => YAML.parse(fs.readFileSync(file, "utf8")) as Crd));
});

describe.each(STACKS.flatMap((stack) => OPERATORS.map((operator) => [stack, operator] as const)))(
    "stack %s with operator=%s",
    (stack, operator) => {
        let rendered: RenderedStack;
        /** Objects whose CRD gives `status` a default (see the re-apply test). */
        const statusDefaulted = (object: KubeObject): boolean => {
            const { group, version } = groupOf(object.apiVersion);
            const crd = clusterCrds.get(`${group}/${object.kind}`);
            const schema = crd?.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
            return schema?.properties?.status?.default !== undefined;
        };

        beforeAll(() => {
            rendered = renderStack(stack, operator);
        });

        it("renders Kubernetes objects plus Helm release records, which are not applied", () => {
            expect(rendered.objects.length).toBeGreaterThan(10);
            // The operator's chart at least (Argo CD stacks may add companion charts); none of them is applied.
            expect(rendered.helmReleases).toContain(operator === "argocd" ? "argocd.yaml" : "flux.yaml");
            expect(rendered.objects.some((o) => o.apiVersion === "helm.sh/v3")).toBe(false);
            // The render's placeholder never reaches the cluster: each redacted value got a test value.
            expect(toYamlStream(rendered.objects)).not.toContain("[secret]");
        });

        it("uses only API versions the pinned CRDs serve, none of them deprecated", () => {
            const problems: string[] = [];
            for (const object of [...rendered.objects, ...rendered.patches]) {
                const { group, version } = groupOf(object.apiVersion);
                if (!group.includes(".") || group.endsWith(".k8s.io")) continue; // built-in API
                for (const [where, crds] of [
                    ["pinned CRD files", pinnedCrds],
                    ["cluster", clusterCrds],
                ] as const) {
                    const served = crds.get(`${group}/${object.kind}`)?.spec.versions.find((v) => v.name === version);
                    if (served === undefined || !served.served) {
                        problems.push(`${objectKey(object)}: ${object.apiVersion} not served (${where})`);
                    } else if (served.deprecated === true) {
                        problems.push(`${objectKey(object)}: ${object.apiVersion} deprecated (${where})`);
                    }
                }
            }
            expect(problems).toEqual([]);
        });

        it("is accepted by a server-side apply of every object", async () => {
            await applyStack(rendered);
            const objects = await live([...rendered.objects, ...rendered.patches]);
            for (const object of rendered.objects) {
                const found = objects.get(objectKey(object));
                expect(found, objectKey(object)).toBeDefined();
                // What the program set is what the cluster stores (defaults may add fields, never change ours).
                expect(found).toMatchObject(asStored(object));
            }
            if (operator === "argocd") {
                // The patch took the wildcards out of Argo CD's default project, leaving a spec its CRD accepts.
                const key = objectKey(rendered.patches[0]);
                expect(Object.keys(ARGOCD_DEFAULT_PROJECT_SPEC).sort()).toEqual(
                    ["clusterResourceWhitelist", "destinations", "sourceRepos"].sort(),
                );
                expect(objects.get(key)?.spec).toMatchObject({
                    sourceRepos: [],
                    destinations: [],
                    clusterResourceWhitelist: [],
                });
            }
        });

        it("changes nothing when applied again (same resourceVersion on every object)", async () => {
            const all = [...rendered.objects, ...rendered.patches];
            const before = await live(all);
            await applyStack(rendered);
            const second = await live(all);
            await applyStack(rendered);
            const third = await live(all);

            if (!cluster().local) {
                // On an existing cluster, running Argo CD or Flux controllers write status at any time, so the
                // resourceVersion proves nothing there; an apply that changed something would have moved the
                // generation or the gitops-stack field manager's entry (its fields or time).
                const applied = (o: KubeObject | undefined) => ({
                    generation: (o?.metadata as { generation?: number } | undefined)?.generation,
                    entry: (
                        (o?.metadata as { managedFields?: { manager: string; operation: string }[] } | undefined)
                            ?.managedFields ?? []
                    ).filter((f) => f.manager === "gitops-stack" && f.operation === "Apply"),
                });
                for (const object of all) {
                    const key = objectKey(object);
                    expect(applied(third.get(key)), key).toEqual(applied(before.get(key)));
                }
                return;
            }

            // An object whose CRD defaults `status` (Flux's GitRepository and Kustomization: observedGeneration -1)
            // is stored without status at creation: the apiserver drops status on create when the CRD has a status
            // subresource, and only fills the default when it reads the object back. Its first update of any kind
            // stores that default, once. Nothing else may differ: the objects read back identical but for the
            // resourceVersion, and the apply after it is a no-op. (With Flux running, its controllers write the
            // status within seconds of creation; `pulumi up` does not re-apply an object without a diff at all.)
            const changed = all.filter(
                (o) => resourceVersion(before.get(objectKey(o))) !== resourceVersion(second.get(objectKey(o))),
            );
            expect(changed.filter((o) => !statusDefaulted(o)).map(objectKey)).toEqual([]);
            for (const object of changed) {
                expect(withoutResourceVersion(second.get(objectKey(object))), objectKey(object)).toEqual(
                    withoutResourceVersion(before.get(objectKey(object))),
                );
            }
            const changedAgain = all.filter(
                (o) => resourceVersion(second.get(objectKey(o))) !== resourceVersion(third.get(objectKey(o))),
            );
            expect(changedAgain.map(objectKey)).toEqual([]);
        });
    },
);

describe.runIf(cluster().local)("the one-time resourceVersion change of a re-applied Flux object", () => {
    // Reads what the apiserver stored in etcd (the local control plane's etcd, on loopback).
    async function stored(key: string): Promise<Record<string, unknown>> {
        const response = await fetch(`${cluster().etcdUrl}/v3/kv/range`, {
            method: "POST",
            body: JSON.stringify({ key: Buffer.from(key).toString("base64") }),
        });
        const body = (await response.json()) as { kvs?: { value: string }[] };
        expect(body.kvs, key).toHaveLength(1);
        return JSON.parse(Buffer.from(body.kvs![0].value, "base64").toString()) as Record<string, unknown>;
    }

    it("comes from the apiserver storing the CRD's status default on the first update, not from the applied object", async () => {
        const ns = "reapply-probe";
        const repo = {
            apiVersion: "source.toolkit.fluxcd.io/v1",
            kind: "GitRepository",
            metadata: { name: "probe", namespace: ns },
            spec: { interval: "1m", url: "ssh://git@127.0.0.1/probe.git", ref: { branch: "main" } },
        };
        const apply = () =>
            kubectl(["apply", "--server-side", "--field-manager", "gitops-stack", "-f", "-"], {
                input: YAML.stringify(repo),
            });
        await kubectl(["create", "namespace", ns]);
        try {
            await apply();
            const key = `/registry/source.toolkit.fluxcd.io/gitrepositories/${ns}/probe`;
            const afterCreate = await stored(key);
            // The API shows status.observedGeneration -1 (the default), but the create stored no status...
            const shown = await kubectlJson<{ status?: unknown }>(["-n", ns, "get", "gitrepository", "probe"]);
            expect(shown.status).toEqual({ observedGeneration: -1 });
            expect(afterCreate.status).toBeUndefined();
            // ...and the identical second apply stores exactly that default and nothing else.
            await apply();
            const afterSecond = await stored(key);
            expect(afterSecond.status).toEqual({ observedGeneration: -1 });
            expect({ ...afterSecond, status: undefined }).toEqual({ ...afterCreate, status: undefined });
        } finally {
            await kubectl(["delete", "namespace", ns, "--wait=false"]);
        }
    });
});
