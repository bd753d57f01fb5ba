/**
 * The component package's schema: what `pulumi package add` generates a C#, Python, Go or YAML SDK from. It is
 * inferred by Pulumi's own analyzer (@pulumi/pulumi provider/experimental, through its ComponentProvider.getSchema)
 * from the sources, finished (secret inputs marked, src/component/schema.ts) and checked in as schema.json, so a
 * change to the arguments is a visible diff in review.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GITOPS_STACK_TYPE } from "../../src/component/gitOpsStack";
import { inferSchema, type PackageSchema, type PropertySpec } from "../../src/component/schema";
import { DECLARED_KEYS, SECRET_KEYS, STRUCTURED_KEYS, parseStackConfig } from "../../src/config";
import { TIER_SWITCH_KEYS } from "../../src/config/args";
import { ConfigInput } from "../../src/config/rules/context";
import { OPTIONAL_OUTPUTS, STACK_OUTPUTS } from "../../src/program";
import { ROOT, stackConfig } from "../support/stacks";

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as T;

let inferred: PackageSchema;
beforeAll(async () => {
    inferred = await inferSchema(ROOT);
}, 180_000);

const component = () => inferred.resources[GITOPS_STACK_TYPE];
const input = (name: string): PropertySpec => component().inputProperties![name];

/**
 * Arguments typed and described apart from their key, each for a reason. acknowledgeProdOverrides: the key takes a
 * list of names or (deprecated) true, a union the analyzer cannot express; the component takes the names only.
 */
const OWN_FORM: Readonly<Record<string, { readonly type: Record<string, unknown> }>> = {
    acknowledgeProdOverrides: { type: { type: "array", items: { type: "string", plain: true } } },
};

/** The description an argument must carry: the key's own, and its default when it has one that says something. */
function expectedDescription(name: string): string {
    if (name in SECRET_KEYS) return SECRET_KEYS[name as keyof typeof SECRET_KEYS];
    if (name in STRUCTURED_KEYS) return STRUCTURED_KEYS[name as keyof typeof STRUCTURED_KEYS];
    const key = DECLARED_KEYS[name as keyof typeof DECLARED_KEYS];
    const value = "default" in key ? key.default : undefined;
    const shown = Array.isArray(value) ? (value.length > 0 ? JSON.stringify(value) : "") : String(value ?? "");
    return shown === "" ? key.description : `${key.description} Default: ${shown}.`;
}

describe("schema.json", () => {
    it("is what the analyzer infers from the sources now (run npm run schema after changing the arguments)", () => {
        expect(readJson<PackageSchema>("schema.json")).toEqual(inferred);
    });

    it("names the package and versions it as package.json does", () => {
        const pkg = readJson<{ name: string; version: string; description: string }>("package.json");
        expect(inferred.name).toBe(pkg.name);
        expect(inferred.version).toBe(pkg.version);
        expect(inferred.description).toBe(pkg.description);
        expect(Object.keys(inferred.resources)).toEqual([GITOPS_STACK_TYPE]);
    });
});

describe("GitOpsStack's inputs in the schema", () => {
    it("are the configuration keys, every one, and nothing else; only repoUrl is required", () => {
        const keys = [...Object.keys(DECLARED_KEYS), ...Object.keys(SECRET_KEYS), ...Object.keys(STRUCTURED_KEYS)];
        expect(Object.keys(component().inputProperties!).sort()).toEqual(keys.sort());
        expect(component().requiredInputs).toEqual(["repoUrl"]);
    });

    it("carry each key's description and default (src/config/keys.ts is the source; then npm run schema)", () => {
        const wrong = Object.keys(component().inputProperties!)
            .filter((name) => !(name in OWN_FORM) && input(name).description !== expectedDescription(name))
            .map((name) => `${name}: its JSDoc in src/config/args.ts must read: ${expectedDescription(name)}`);
        expect(wrong).toEqual([]);
    });

    it("are typed as the keys are: switches as booleans, integers as numbers, lists as lists of strings", () => {
        for (const [name, key] of Object.entries(DECLARED_KEYS)) {
            const spec = input(name);
            const expected = OWN_FORM[name]
                ? OWN_FORM[name].type
                : (TIER_SWITCH_KEYS as readonly string[]).includes(name)
                  ? { type: "boolean" }
                  : key.type === "integer"
                    ? { type: "number" }
                    : key.type === "array"
                      ? { type: "array", items: { type: "string", plain: true } }
                      : { type: key.type as string };
            expect(spec, name).toMatchObject(expected);
        }
        expect(input("apps")).toMatchObject({ type: "array", items: { $ref: "#/types/gitops-stack:index:App" } });
        expect(input("clusters")).toMatchObject({ items: { $ref: "#/types/gitops-stack:index:Cluster" } });
        expect(input("alertChannels")).toMatchObject({ items: { $ref: "#/types/gitops-stack:index:AlertChannel" } });
    });

    it("mark exactly the secret keys secret; those and the SSO configs may be outputs, every setting is plain", () => {
        const secret = Object.keys(component().inputProperties!).filter((n) => input(n).secret === true);
        expect(secret.sort()).toEqual(Object.keys(SECRET_KEYS).sort());
        const inputs = Object.keys(component().inputProperties!).filter((n) => input(n).plain !== true);
        expect(inputs.sort()).toEqual([...Object.keys(SECRET_KEYS), "ssoDexConfig", "ssoOidcConfig"].sort());
        for (const name of Object.keys(SECRET_KEYS)) expect(input(name).type, name).toBe("string");
    });
});

describe("GitOpsStack's outputs in the schema", () => {
    it("are the stack outputs; those a stack may not have are optional", () => {
        expect(Object.keys(component().properties!).sort()).toEqual([...STACK_OUTPUTS].sort());
        const optional: readonly string[] = OPTIONAL_OUTPUTS;
        expect(component().required).toEqual(STACK_OUTPUTS.filter((o) => !optional.includes(o)).sort());
        for (const spec of Object.values(component().properties!)) {
            expect(spec.description).toBeTruthy();
            expect(spec.secret).toBeUndefined();
        }
    });
});

describe("the structured keys' types", () => {
    /**
     * The fields a rule accepts for an entry, read from its own message for an unknown field ("... has unknown field
     * "x"; expected only name, namespace, ..."): a field a rule adds shows up here without this test knowing it.
     */
    function acceptedFields(key: string, entry: Record<string, unknown>, stack = "dev"): string[] {
        const config = stackConfig(stack, {
            raw: { [`gitops-stack:${key}`]: JSON.stringify([{ ...entry, zzUnknown: 1 }]) },
        });
        const input = new ConfigInput({
            stack,
            get: (k) => config.values[`gitops-stack:${k}`],
            getSecret: () => undefined,
            isSecret: () => true,
            keys: () => [],
        });
        let message = "";
        try {
            parseStackConfig(input.source);
        } catch (err) {
            message = (err as Error).message;
        }
        const found = /has unknown field "zzUnknown"; expected only ([^.]+)\./.exec(message);
        if (!found) throw new Error(`no unknown-field message for ${key}:\n${message}`);
        return found[1].split(", ");
    }
    const fieldsOf = (type: string) => Object.keys(inferred.types[`gitops-stack:index:${type}`].properties!).sort();

    it("App has the fields the apps rule accepts", () => {
        expect(fieldsOf("App")).toEqual(acceptedFields("apps", { name: "a", namespace: "a-dev" }).sort());
    });

    it("Cluster has the fields the clusters rule accepts", () => {
        expect(fieldsOf("Cluster")).toEqual(
            acceptedFields("clusters", { name: "eu", server: "https://eu.example.com", auth: "bearer" }).sort(),
        );
    });

    it("AlertChannel has the fields the alertChannels rule accepts for every channel type", () => {
        const all = new Set<string>();
        for (const type of ["slack", "email", "teams", "webhook", "pagerduty"])
            for (const f of acceptedFields("alertChannels", { type, name: "c" })) all.add(f);
        expect(fieldsOf("AlertChannel")).toEqual([...all].sort());
    });
});
