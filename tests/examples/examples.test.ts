/**
 * The programs under examples/ (C#, Python, YAML), each a dev stack through the component package. No Pulumi CLI or
 * .NET SDK runs here, so none of them runs as a consumer would run it. What is checked instead:
 * - YAML: the GitOpsStack resource's properties, taken from the file, constructed through the package's provider
 *   under the offline engine (the engine's Construct call with the values Pulumi YAML would send);
 * - C# and Python: every argument and output the program names is in schema.json under the name that language's
 *   generated SDK gives it, and every required argument is given, so a renamed argument fails here, not in a user's
 *   compiler.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { GITOPS_STACK_TYPE } from "../../src/component/gitOpsStack";
import { GitOpsStackProvider } from "../../src/component/provider";
import { PACKAGE, type ObjectSpec, type PackageSchema } from "../../src/component/schema";
import { isSecretValue, runProgram } from "../../src/offline/mockRun";
import { ROOT, findOne } from "../support/stacks";
import { TEST_SSH_PRIVATE_KEY, TEST_SSH_PUBLIC_KEY } from "../support/testKeys";

const EXAMPLES = path.join(ROOT, "examples");
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8")) as PackageSchema;
const read = (file: string) => fs.readFileSync(path.join(EXAMPLES, file), "utf8");

/** A generated SDK's class name to the schema object it stands for: the component, or `<Type>Args` for a type. */
function schemaObject(className: string): { inputs: Record<string, unknown>; required: string[] } {
    if (className === "GitOpsStack" || className === "GitOpsStackArgs") {
        const resource = SCHEMA.resources[GITOPS_STACK_TYPE];
        return { inputs: resource.inputProperties ?? {}, required: (resource.requiredInputs as string[]) ?? [] };
    }
    const type: ObjectSpec | undefined = SCHEMA.types[`${PACKAGE}:index:${className.replace(/Args$/, "")}`];
    if (type === undefined) throw new Error(`the schema has no type for ${className}`);
    return { inputs: type.properties ?? {}, required: (type.required as string[]) ?? [] };
}
const OUTPUTS = Object.keys(SCHEMA.resources[GITOPS_STACK_TYPE].properties ?? {});

/** Pulumi's C# code generator: the schema's name with a capital first letter. */
const csharpName = (name: string) => name[0].toUpperCase() + name.slice(1);
/** Pulumi's Python code generator: camel case to snake case (no schema name has two capitals in a row). */
const pythonName = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** How a language opens a generated class's constructor call and names an argument in it. */
interface Syntax {
    open: RegExp;
    argument: RegExp;
    opening: string;
    closing: string;
    comment: RegExp;
}
const CSHARP: Syntax = {
    open: /new\s+(\w+Args)\s*\{/,
    argument: /\b([A-Z]\w*)\s*=(?!=)/,
    opening: "{",
    closing: "}",
    comment: /\/\/.*/g,
};
const PYTHON: Syntax = {
    open: /gitops\.(\w+)\(/,
    argument: /\b([a-z_]\w*)=(?!=)/,
    opening: "(",
    closing: ")",
    comment: /#.*/g,
};

interface ArgumentUse {
    className: string;
    names: string[];
}

/**
 * The arguments a program gives each constructor call of the generated SDK's classes (`new XArgs { A = ... }` in C#,
 * `X(a=...)` in Python): names assigned at the call's own nesting level, not inside a nested list or call.
 */
function argumentUses(source: string, syntax: Syntax) {
    const { open, argument, opening, closing, comment } = syntax;
    const uses: ArgumentUse[] = [];
    const stack: { use: ArgumentUse; depth: number }[] = [];
    let depth = 0;
    const token = new RegExp(`${open.source}|${argument.source}|[${opening}${closing}]|"(?:[^"\\\\]|\\\\.)*"`, "g");
    for (const match of source.replace(comment, "").matchAll(token)) {
        const [text, openedClass, name] = match;
        if (openedClass !== undefined) {
            depth++;
            const use = { className: openedClass, names: [] };
            uses.push(use);
            stack.push({ use, depth });
        } else if (name !== undefined) {
            if (stack.length > 0 && stack[stack.length - 1].depth === depth)
                stack[stack.length - 1].use.names.push(name);
        } else if (text === opening) depth++;
        else if (text === closing) {
            if (stack.length > 0 && stack[stack.length - 1].depth === depth) stack.pop();
            depth--;
        }
    }
    return uses;
}

/** What a use names that the schema does not have, and the required arguments it leaves out. */
function checkUses(uses: ArgumentUse[], spell: (name: string) => string): string[] {
    const problems: string[] = [];
    for (const use of uses) {
        const { inputs, required } = schemaObject(use.className);
        const known = new Map(Object.keys(inputs).map((name) => [spell(name), name]));
        for (const name of use.names)
            if (!known.has(name)) problems.push(`${use.className}: ${name} is not an argument of the schema`);
        for (const name of required)
            if (!use.names.includes(spell(name)))
                problems.push(`${use.className}: the required ${spell(name)} is missing`);
    }
    return problems;
}

describe("examples/csharp", () => {
    const program = read("csharp/Program.cs");
    const uses = argumentUses(program, CSHARP);

    it("sets only arguments the schema has, under their C# names, and every required one", () => {
        expect(uses.map((u) => u.className)).toEqual(["GitOpsStackArgs", "AppArgs", "AppArgs"]);
        expect(uses[0].names).toEqual(["Environment", "RepoUrl", "SshKnownHosts", "SshPrivateKey", "Apps"]);
        expect(uses[2].names).toEqual(["Name", "Namespace", "DependsOn"]);
        expect(checkUses(uses, csharpName)).toEqual([]);
    });

    it("reads only outputs the component has", () => {
        const read = [...program.matchAll(/\bgitops\.([A-Z]\w*)/g)].map((m) => m[1]);
        expect(read).toEqual(["Applications", "SshPublicKey"]);
        expect(read.filter((name) => !OUTPUTS.map(csharpName).includes(name))).toEqual([]);
    });

    it("keeps the generated SDK's sources out of the project's own compile (pulumi/pulumi#19999)", () => {
        const project = read("csharp/GitOpsDev.csproj");
        const group = /<PropertyGroup>([\s\S]*?)<\/PropertyGroup>/.exec(project)?.[1] ?? "";
        expect(group).toContain("<DefaultItemExcludes>$(DefaultItemExcludes);sdks/**/*.cs</DefaultItemExcludes>");
    });

    it("the checker finds a misspelt argument and a missing required one", () => {
        const bad = argumentUses(
            'new GitOpsStackArgs { RepoURL = "x", Apps = { new AppArgs { Name = "a" } } }',
            CSHARP,
        );
        expect(checkUses(bad, csharpName)).toEqual([
            "GitOpsStackArgs: RepoURL is not an argument of the schema",
            "GitOpsStackArgs: the required RepoUrl is missing",
            "AppArgs: the required Namespace is missing",
        ]);
    });
});

describe("examples/python", () => {
    const program = read("python/__main__.py");
    const uses = argumentUses(program, PYTHON);

    it("passes only arguments the schema has, under their Python names, and every required one", () => {
        expect(uses.map((u) => u.className)).toEqual(["GitOpsStack", "AppArgs", "AppArgs"]);
        expect(uses[0].names).toEqual(["environment", "repo_url", "ssh_known_hosts", "ssh_private_key", "apps"]);
        expect(uses[2].names).toEqual(["name", "namespace", "depends_on"]);
        expect(checkUses(uses, pythonName)).toEqual([]);
    });

    it("reads only outputs the component has", () => {
        const read = [...program.matchAll(/\bstack\.(\w+)/g)].map((m) => m[1]);
        expect(read).toEqual(["applications", "ssh_public_key"]);
        expect(read.filter((name) => !OUTPUTS.map(pythonName).includes(name))).toEqual([]);
    });
});

describe("examples/yaml", () => {
    const project = YAML.parse(read("yaml/Pulumi.yaml")) as {
        packages: Record<string, string>;
        config: Record<string, { type: string; secret?: boolean }>;
        resources: Record<string, { type: string; properties: Record<string, unknown> }>;
        outputs: Record<string, string>;
    };

    it("uses this repository's package and declares the deploy key a secret", () => {
        expect(path.resolve(EXAMPLES, "yaml", project.packages[PACKAGE])).toBe(ROOT);
        expect(project.config.sshPrivateKey).toEqual({ type: "string", secret: true });
        expect(Object.values(project.resources).map((r) => r.type)).toEqual([GITOPS_STACK_TYPE]);
    });

    it("constructs through the package's provider: Argo CD and an Application per app, the key kept secret", async () => {
        // Pulumi YAML sends the properties as they are, a ${config} reference as the config's value (a secret here).
        const config: Record<string, unknown> = { sshPrivateKey: pulumi.secret(TEST_SSH_PRIVATE_KEY) };
        const inputs = Object.fromEntries(
            Object.entries(project.resources.gitops.properties).map(([key, value]) => {
                const reference = typeof value === "string" ? /^\$\{(\w+)\}$/.exec(value) : null;
                if (typeof value === "string" && value.includes("${") && reference === null)
                    throw new Error(`${key}: an expression this test does not evaluate: ${value}`);
                return [key, reference ? config[reference[1]] : value];
            }),
        );
        const run = await runProgram("dev", { values: {}, secretKeys: [] }, async () => {
            const result = await new GitOpsStackProvider().construct("gitops", GITOPS_STACK_TYPE, inputs, {});
            return { urn: result.urn, state: result.state };
        });
        const applications = run.resources
            .filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:Application")
            .map((r) => (r.inputs.metadata as { name: string }).name);
        expect(applications.sort()).toEqual(["dev-guestbook", "dev-platform", "dev-root"]);
        expect(run.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release")).toBe(true);
        // The deploy key reaches the cluster in Argo CD's repository Secret, and only as a Pulumi secret.
        const repository = findOne(run.resources, "kubernetes:core/v1:Secret", "repo");
        expect(isSecretValue(repository.inputs.stringData)).toBe(true);
        expect(JSON.stringify(repository.inputs.stringData)).toContain(JSON.stringify(TEST_SSH_PRIVATE_KEY));
        const state = run.outputs.state as Record<string, unknown>;
        // The public half, without its comment, to register as the deploy key.
        expect(state.sshPublicKey).toBe(TEST_SSH_PUBLIC_KEY.split(" ").slice(0, 2).join(" "));
        expect(state.applications).toEqual(expect.arrayContaining(["dev-guestbook", "dev-platform"]));
    });

    it("outputs only what the component has", () => {
        const named = Object.values(project.outputs).map((value) => /^\$\{gitops\.(\w+)\}$/.exec(value)?.[1]);
        expect(named).toEqual(["applications", "sshPublicKey"]);
        expect(named.filter((name) => !OUTPUTS.includes(name!))).toEqual([]);
    });
});
