import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { isSecretValue } from "../../src/offline/mockRun";
import { runComponents } from "../support/stacks";

/** What the program sees of its resources once the engine answered: URN, id, outputs and their secretness. */
interface Seen {
    urn: string;
    id: string;
    name: string;
    data: unknown;
    dataSecret: boolean;
    componentOutput: string;
}

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

class Holder extends pulumi.ComponentResource {
    public readonly mapName: pulumi.Output<string>;
    constructor(name: string) {
        super("test:offline:Holder", name, {});
        const map = new k8s.core.v1.ConfigMap(
            `${name}-map`,
            { metadata: { name: "settings", namespace: "team" }, data: { token: pulumi.secret("s3cret") } },
            { parent: this },
        );
        // A second object built from the first one's outputs, as the program's components do.
        new k8s.core.v1.ConfigMap(
            `${name}-copy`,
            { metadata: { name: pulumi.interpolate`${map.metadata.name}-copy`, namespace: "team" } },
            { parent: this, dependsOn: [map] },
        );
        this.mapName = map.metadata.name;
        this.registerOutputs({ mapName: this.mapName });
    }
}

/** The same small program; resolves to what it saw. */
function program(): Promise<Seen> {
    const holder = new Holder("holder");
    const map = new k8s.core.v1.ConfigMap("top", {
        metadata: { name: holder.mapName.apply((n) => `${n}-top`) },
        data: { token: pulumi.secret("s3cret") },
    });
    return (async () => ({
        urn: await value(map.urn),
        id: await value(map.id),
        name: (await value(map.metadata)).name!,
        data: await value(map.data),
        dataSecret: await pulumi.isSecret(map.data),
        componentOutput: await value(holder.mapName),
    }))();
}

describe("the offline run's engine (src/offline/mockRun.ts)", () => {
    it("answers the program exactly as Pulumi's own MockMonitor does with the same mocks", async () => {
        // Pulumi's MockMonitor, untouched, with the mocks runProgram uses (state = inputs, id = <name>-id).
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
                call: () => {
                    throw new Error("no calls");
                },
            },
            "gitops-stack",
            "dev",
            false,
        );
        const reference = await program();
        await pulumi.runtime.disconnect();

        const run = await runComponents(program);
        expect(run.outputs).toEqual(reference);
        expect(run.outputs).toMatchObject({
            urn: "urn:pulumi:dev::gitops-stack::kubernetes:core/v1:ConfigMap::top",
            id: "top-id",
            name: "settings-top",
            data: { token: "s3cret" },
            dataSecret: true,
            componentOutput: "settings",
        });
    });

    it("records every registration with its parent, dependencies and secret inputs", async () => {
        const run = await runComponents(program);
        const byName = new Map(run.resources.map((r) => [r.name, r]));
        expect([...byName.values()].map((r) => [r.type, r.name, r.custom]).sort()).toEqual([
            ["kubernetes:core/v1:ConfigMap", "holder-copy", true],
            ["kubernetes:core/v1:ConfigMap", "holder-map", true],
            ["kubernetes:core/v1:ConfigMap", "top", true],
            ["test:offline:Holder", "holder", false],
        ]);
        const [holder, map, copy, top] = ["holder", "holder-map", "holder-copy", "top"].map((n) => byName.get(n)!);
        expect(map.parent).toBe(holder.urn);
        expect(copy.dependencies).toEqual([map.urn]);
        expect(copy.inputs.metadata).toEqual({ name: "settings-copy", namespace: "team" });
        // The engine receives the secret wrapped, never the plain value, and where the program put it: the other
        // keys of `data` stay readable, as in the state and a preview.
        const data = top.inputs.data as Record<string, unknown>;
        expect(isSecretValue(data)).toBe(false);
        expect(isSecretValue(data.token)).toBe(true);
        expect((data.token as { value: unknown }).value).toBe("s3cret");
    });
});

class Inner extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:offline:Inner", name, {}, opts);
        new k8s.core.v1.ConfigMap(`${name}-map`, { metadata: { name: "inner", namespace: "team" } }, { parent: this });
        this.registerOutputs({});
    }
}

class Outer extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:offline:Outer", name, {});
        new Inner("inner", { parent: this, aliases: [{ parent: pulumi.rootStackResource }, { name: "before" }] });
        this.registerOutputs({});
    }
}

describe("the offline run's URNs and aliases", () => {
    it("gives a grandchild the URN the engine gives: every ancestor's type, not only the parent's", async () => {
        const run = await runComponents(() => new Outer("outer"));
        const urns = Object.fromEntries(run.resources.map((r) => [r.name, r.urn]));
        expect(urns).toEqual({
            outer: "urn:pulumi:dev::gitops-stack::test:offline:Outer::outer",
            inner: "urn:pulumi:dev::gitops-stack::test:offline:Outer$test:offline:Inner::inner",
            "inner-map":
                "urn:pulumi:dev::gitops-stack::test:offline:Outer$test:offline:Inner$kubernetes:core/v1:ConfigMap::inner-map",
        });
    });

    it("records the aliases as the engine receives them", async () => {
        const run = await runComponents(() => new Outer("outer"));
        const inner = run.resources.find((r) => r.name === "inner")!;
        expect(inner.aliases).toEqual([
            { noParent: true },
            { name: "before", parentUrn: "urn:pulumi:dev::gitops-stack::test:offline:Outer::outer" },
        ]);
        expect(run.resources.find((r) => r.name === "inner-map")!.aliases).toEqual([]);
    });
});
