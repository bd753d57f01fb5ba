/**
 * Validation of Flux objects against the upstream schemas (@kubernetes-models/flux-cd, generated from the Flux Go
 * API types). The package is ESM-only, so models are loaded with import() from these CommonJS tests.
 *
 * The generated validators accept unknown fields (a misspelt `healthcheck` would pass), and the API server would
 * drop such a field silently. So every field is also checked against the model's declared properties, read from
 * the package's type declarations.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FLUX_API_VERSIONS } from "../../src/flux/constants";
import { ROOT } from "../support/stacks";

const MODELS = path.join(ROOT, "node_modules/@kubernetes-models/flux-cd");

interface ModelClass {
    new (data: Record<string, unknown>): { validate(): void };
}

/** The Go duration form the Flux CRDs enforce for interval, timeout and retryInterval. */
export const FLUX_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

interface Field {
    type: string;
    /** Declaration file of the field's interface type, when it is one of the package's own. */
    file?: string;
}

const declarations = new Map<string, Map<string, Field>>();

/** The properties of the first interface a declaration file exports, with the files of their interface types. */
function fieldsOf(file: string): Map<string, Field> {
    const cached = declarations.get(file);
    if (cached) return cached;
    const text = fs.readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const imports = new Map<string, string>();
    for (const m of text.matchAll(/import \{ ([^}]+) \} from "(\.[^"]+)";/g)) {
        for (const name of m[1].split(",").map((s) => s.trim())) {
            imports.set(name, path.resolve(path.dirname(file), m[2].replace(/\.js$/, ".d.ts")));
        }
    }
    const start = text.search(/export interface \w+/);
    if (start < 0) throw new Error(`${file} declares no interface`);
    const body = text.slice(start, text.indexOf("\n}", start));
    const fields = new Map<string, Field>();
    for (const m of body.matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) {
        const type = m[2].trim();
        const element = /^Array<(\w+)>$/.exec(type)?.[1] ?? type;
        fields.set(m[1], { type, file: imports.get(element) });
    }
    // Fields inherited from a base interface (e.g. CustomHealthCheck extends HealthCheckExpressions).
    const base = /^export interface \w+ extends (\w+)/.exec(body)?.[1];
    const baseFile = base && imports.get(base);
    if (baseFile) for (const [key, field] of fieldsOf(baseFile)) if (!fields.has(key)) fields.set(key, field);
    declarations.set(file, fields);
    return fields;
}

/** Paths of the fields of `value` that the model at `file` does not declare. */
function unknownFields(value: unknown, file: string, at: string): string[] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, file, `${at}[${i}]`));
    const fields = fieldsOf(file);
    return Object.entries(value).flatMap(([key, v]) => {
        const field = fields.get(key);
        if (!field) return [`${at}.${key}`];
        return field.file ? unknownFields(v, field.file, `${at}.${key}`) : [];
    });
}

/**
 * Validates one Flux object: a served API version, the upstream schema (types, required fields, enums) and no
 * field the API does not declare. Throws an error naming the object and the bad path.
 */
export async function validateFluxObject(object: Record<string, any>): Promise<void> {
    const kind = object.kind as keyof typeof FLUX_API_VERSIONS;
    const where = `${object.kind} ${object.metadata?.name}`;
    if (FLUX_API_VERSIONS[kind] !== object.apiVersion) {
        throw new Error(`${where}: apiVersion ${object.apiVersion} is not the version Flux 2.8 serves`);
    }
    const modulePath = `@kubernetes-models/flux-cd/${object.apiVersion}/${kind}`;
    const module = (await import(modulePath)) as Record<string, ModelClass>;
    const Model = module[kind];
    if (!Model) throw new Error(`no upstream model for ${object.apiVersion} ${kind}`);
    try {
        new Model(object).validate();
    } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
    }
    // Object metadata is Kubernetes' own (the API server validates it), not part of the Flux models.
    const rest: Record<string, unknown> = { ...object };
    delete rest.metadata;
    const unknown = unknownFields(rest, path.join(MODELS, object.apiVersion, `${kind}.d.ts`), kind);
    if (unknown.length > 0) throw new Error(`${where}: fields the API does not declare: ${unknown.join(", ")}`);
}
