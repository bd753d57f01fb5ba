import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { ENTRY_POINTS } from "../../src/build/build";
import { describe, expect, it } from "vitest";
import { DECLARED_KEYS, SECRET_KEYS, STRUCTURED_KEYS } from "../../src/config";
import { PROVIDER_SETTINGS } from "../../src/config/constants";
import { ROOT, STACKS } from "../support/stacks";

const projectFile = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
/** The project's own keys (its namespace); the other namespaces' entries are provider settings with a `value`. */
const project = {
    ...projectFile,
    config: Object.fromEntries(Object.entries(projectFile.config as object).filter(([key]) => !key.includes(":"))),
};
const stackFile = (stack: string) =>
    YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;

/** What the CLI checks before the program runs: the value's type against the declaration. */
function matchesType(value: unknown, declaration: { type?: string; items?: { type: string } }): boolean {
    switch (declaration.type) {
        case undefined:
            return true;
        case "string":
            return typeof value === "string";
        case "boolean":
            return typeof value === "boolean";
        case "integer":
            return Number.isInteger(value);
        case "array":
            return Array.isArray(value) && value.every((v) => matchesType(v, declaration.items!));
        default:
            return false;
    }
}

describe("Pulumi.yaml", () => {
    it("is a nodejs project named gitops-stack whose main is the compiled program (issue 25 §9)", () => {
        expect(project.name).toBe("gitops-stack");
        // The engine runs the bundle npm run build makes of index.ts (src/build/build.ts), not index.ts via ts-node.
        expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: false, packagemanager: "npm" } });
        expect(project.main).toBe("bin/program.js");
        expect(ENTRY_POINTS.program).toBe("index.ts");
    });

    it("declares exactly the keys the program reads, with the same types, defaults and descriptions", () => {
        const expected = Object.fromEntries(
            Object.entries(DECLARED_KEYS).map(([key, d]) => [
                key,
                {
                    // `any`: declared without a type, so the CLI accepts each of the key's forms.
                    ...(d.type === "any" ? {} : { type: d.type }),
                    ...(d.type === "array" ? { items: { type: "string" } } : {}),
                    description: d.description,
                    ...("default" in d ? { default: d.default } : {}),
                },
            ]),
        );
        expect(project.config).toEqual(expected);
    });

    it("gives every default the declared type (the CLI refuses a mismatch)", () => {
        for (const [key, d] of Object.entries(project.config as Record<string, any>)) {
            if ("default" in d) expect(matchesType(d.default, d), key).toBe(true);
        }
    });

    it("requires only repoUrl, which every stack sets", () => {
        const required = Object.entries(project.config as Record<string, any>)
            .filter(([, d]) => !("default" in d))
            .map(([k]) => k);
        expect(required).toEqual(["repoUrl"]);
    });

    it("gives every stack the provider settings the program relies on, as values the CLI merges (no type, no default)", () => {
        const settings = Object.fromEntries(
            Object.entries(projectFile.config as Record<string, any>).filter(([key]) => key.includes(":")),
        );
        // pulumi/pulumi sdk/go/common/workspace/project.go: a key of another namespace may only carry `value`.
        for (const [key, entry] of Object.entries(settings)) expect(Object.keys(entry), key).toEqual(["value"]);
        expect(Object.fromEntries(Object.entries(settings).map(([k, e]) => [k, String(e.value)]))).toEqual(
            PROVIDER_SETTINGS,
        );
    });

    it("declares no secret and no structured key (they would be required or untyped)", () => {
        for (const key of [...Object.keys(SECRET_KEYS), ...Object.keys(STRUCTURED_KEYS)]) {
            expect(project.config).not.toHaveProperty(key);
        }
    });
});

describe.each(STACKS)("Pulumi.%s.yaml", (stack) => {
    const config = stackFile(stack);

    it("sets every required key and only known keys, with the declared types", () => {
        const keys = Object.keys(config)
            .filter((k) => k.startsWith("gitops-stack:"))
            .map((k) => k.slice("gitops-stack:".length));
        for (const [key, d] of Object.entries(project.config as Record<string, any>)) {
            if (!("default" in d)) expect(keys, `${stack} must set ${key}`).toContain(key);
        }
        for (const key of keys) {
            const declaration = (project.config as Record<string, any>)[key];
            if (declaration) expect(matchesType(config[`gitops-stack:${key}`], declaration), key).toBe(true);
            else expect(Object.keys(STRUCTURED_KEYS), `${key} is not a known key`).toContain(key);
        }
    });

    it("commits no secret value", () => {
        for (const key of Object.keys(SECRET_KEYS)) {
            const value = config[`gitops-stack:${key}`];
            if (value !== undefined) expect(value, key).toEqual({ secure: expect.any(String) });
        }
    });
});
