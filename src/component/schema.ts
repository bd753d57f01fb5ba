/**
 * The component package's schema: what `pulumi package add` generates each language's SDK from.
 *
 * Pulumi's analyzer (@pulumi/pulumi provider/experimental) infers it from the TypeScript sources: each component's
 * args interface becomes its inputs (JSDoc as descriptions; `Input<T>` not plain, any other field plain), its public
 * Output properties its outputs. Two things it cannot say, added here:
 * - which inputs are secrets (it has no notion of one): marked `secret: true`, so each generated SDK sends the value
 *   as a Pulumi secret and the caller's state never holds it in clear;
 * - descriptions as paragraphs: a JSDoc comment wrapped at 120 columns comes out with a line break in each sentence;
 *   single line breaks are joined (a blank line still separates paragraphs).
 * schema.json at the repository root is this function's result, checked in (tests/component/schema.test.ts
 * regenerates it through the SDK's own ComponentProvider and compares; `npm run schema` writes it).
 */
// The analyzer loads the TypeScript compiler: only `npm run schema` and the tests import this file, never the bundles.
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { SECRET_KEYS } from "../config/keys";
import { COMPONENTS } from "./components";
import { GITOPS_STACK_TYPE } from "./gitOpsStack";

/** The parts of a Pulumi package schema this file reads or writes. */
export interface PropertySpec {
    description?: string;
    secret?: boolean;
    [key: string]: unknown;
}
export interface ObjectSpec {
    description?: string;
    properties?: Record<string, PropertySpec>;
    inputProperties?: Record<string, PropertySpec>;
    [key: string]: unknown;
}
export interface PackageSchema {
    name: string;
    version: string;
    resources: Record<string, ObjectSpec>;
    types: Record<string, ObjectSpec>;
    [key: string]: unknown;
}

/** Secret inputs, per component type. */
export const SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = {
    [GITOPS_STACK_TYPE]: Object.keys(SECRET_KEYS),
};

const paragraphs = (text: string): string =>
    text
        .split(/\n\s*\n/)
        .map((p) => p.replace(/\s*\n\s*/g, " ").trim())
        .join("\n\n");

function finishProperties(properties: Record<string, PropertySpec> | undefined, secret: readonly string[] = []) {
    for (const [name, property] of Object.entries(properties ?? {})) {
        if (property.description !== undefined) property.description = paragraphs(property.description);
        if (secret.includes(name)) property.secret = true;
    }
}

/** The analyzer's schema, finished: secret inputs marked, descriptions as paragraphs. Returns a copy. */
export function finishSchema(inferred: PackageSchema): PackageSchema {
    const schema = JSON.parse(JSON.stringify(inferred)) as PackageSchema;
    for (const [token, resource] of Object.entries(schema.resources)) {
        const secret = SECRET_INPUTS[token] ?? [];
        const missing = secret.filter((name) => !(name in (resource.inputProperties ?? {})));
        if (missing.length > 0) throw new Error(`${token} has no input ${missing.join(", ")} to mark secret`);
        if (resource.description !== undefined) resource.description = paragraphs(resource.description);
        finishProperties(resource.inputProperties, secret);
        finishProperties(resource.properties);
    }
    for (const type of Object.values(schema.types)) {
        if (type.description !== undefined) type.description = paragraphs(type.description);
        finishProperties(type.properties);
    }
    return schema;
}

/**
 * The schema as Pulumi's analyzer infers it from the sources under `root` (its tsconfig.json, its package.json's name
 * and version), through the SDK's own ComponentProvider, then finished.
 */
export async function inferSchema(root: string): Promise<PackageSchema> {
    const provider = new ComponentProvider({ name: PACKAGE, dirname: root, components: Object.values(COMPONENTS) });
    return finishSchema(JSON.parse(await provider.getSchema()) as PackageSchema);
}

/** The package's name: the type tokens' first part, package.json's name. */
export const PACKAGE = "gitops-stack";
