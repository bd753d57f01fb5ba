/**
 * The pinned CRDs' structural schemas and CEL rules are enforced by the apiserver: an object the program got wrong
 * would fail `pulumi up`, and these tests would catch it. Each case takes a rendered object of the dev stack, breaks
 * one field, and asserts the apiserver's rejection names it (server-side dry run: nothing is stored).
 */
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { kubectl } from "./support/cluster";
import { renderStack, type KubeObject } from "./support/rendered";

let flux: KubeObject[];
let argocd: KubeObject[];

beforeAll(async () => {
    flux = renderStack("dev", "flux").objects;
    argocd = renderStack("dev", "argocd").objects;
    // The dry runs need the namespaces to exist.
    const namespaces = [...flux, ...argocd].filter((o) => o.kind === "Namespace");
    await kubectl(["apply", "--server-side", "--field-manager", "gitops-stack", "-f", "-"], {
        input: namespaces.map((o) => YAML.stringify(o)).join("---\n"),
    });
});

/** A copy of the stack's first object of the kind, renamed so the dry run creates it (no field-manager conflicts). */
function find(objects: KubeObject[], kind: string): KubeObject {
    const object = objects.find((o) => o.kind === kind);
    if (object === undefined) throw new Error(`the dev stack renders no ${kind}`);
    const copy = structuredClone(object);
    copy.metadata.name = `validation-${copy.metadata.name}`;
    return copy;
}

async function dryRun(object: KubeObject): Promise<{ code: number; stderr: string }> {
    return kubectl(
        ["apply", "--server-side", "--dry-run=server", "--field-manager", "gitops-stack-validation", "-f", "-"],
        { input: YAML.stringify(object), ok: false },
    );
}

type Spec = Record<string, unknown>;
const spec = (object: KubeObject): Spec => object.spec as Spec;

describe("the apiserver enforces the pinned CRDs' validation", () => {
    it("accepts the objects as rendered (the cases below fail only because of their one change)", async () => {
        for (const kind of ["Kustomization", "GitRepository", "Provider", "Alert"]) {
            expect(await dryRun(find(flux, kind)), kind).toMatchObject({ code: 0 });
        }
        for (const kind of ["Application", "AppProject"]) {
            expect(await dryRun(find(argocd, kind)), kind).toMatchObject({ code: 0 });
        }
    });

    const cases: [string, () => KubeObject, RegExp][] = [
        [
            "a Kustomization interval that is not a Go duration (pattern)",
            () => {
                const o = find(flux, "Kustomization");
                spec(o).interval = "1 minute";
                return o;
            },
            /spec\.interval: Invalid value: "1 minute": spec\.interval in body should match/,
        ],
        [
            "a Kustomization without sourceRef (required)",
            () => {
                const o = find(flux, "Kustomization");
                delete spec(o).sourceRef;
                return o;
            },
            /spec\.sourceRef: Required value/,
        ],
        [
            "a GitRepository with an scp-style URL, which the program rewrites to ssh:// (pattern)",
            () => {
                const o = find(flux, "GitRepository");
                spec(o).url = "git@github.com:acme/gitops.git";
                return o;
            },
            /spec\.url: Invalid value: "git@github\.com:acme\/gitops\.git": spec\.url in body should match/,
        ],
        [
            "a GitRepository with a serviceAccountName but no azure provider (CEL rule)",
            () => {
                const o = find(flux, "GitRepository");
                spec(o).serviceAccountName = "gitops-dev";
                return o;
            },
            /serviceAccountName can only be set when provider is 'azure'/,
        ],
        [
            "a Kustomization kubeConfig with neither configMapRef nor secretRef (CEL rule)",
            () => {
                const o = find(flux, "Kustomization");
                spec(o).kubeConfig = {};
                return o;
            },
            /exactly one of spec\.kubeConfig\.configMapRef or spec\.kubeConfig\.secretRef/,
        ],
        [
            "an Alert with a severity Flux does not know (enum)",
            () => {
                const o = find(flux, "Alert");
                spec(o).eventSeverity = "warning";
                return o;
            },
            /spec\.eventSeverity: Unsupported value: "warning"/,
        ],
        [
            "a Provider of an unknown type (enum)",
            () => {
                const o = find(flux, "Provider");
                spec(o).type = "slack-webhook";
                return o;
            },
            /spec\.type: Unsupported value: "slack-webhook"/,
        ],
        [
            "an Application without destination (required)",
            () => {
                const o = find(argocd, "Application");
                delete spec(o).destination;
                return o;
            },
            /spec\.destination: Required value/,
        ],
        [
            "an Application whose automated sync policy is not an object (structural type)",
            () => {
                const o = find(argocd, "Application");
                (spec(o).syncPolicy as Spec).automated = "true";
                return o;
            },
            /\.spec\.syncPolicy\.automated: expected map/,
        ],
    ];

    it.each(cases)("rejects %s", async (_name, make, message) => {
        const result = await dryRun(make());
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(message);
    });
});
