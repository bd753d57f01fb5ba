/**
 * The component package's provider: what the Pulumi engine starts (through PulumiPlugin.yaml, package.json `main`)
 * when a program in another language uses GitOpsStack. It serves the checked-in schema.json and constructs the
 * components.
 *
 * Pulumi's own host for source-based packages (componentProviderHost) runs its TypeScript analyzer over the whole
 * project on every start (construct needs the schema's list of outputs): seconds of CPU on each `pulumi preview` of
 * every consumer, and a schema without secret inputs. This provider serves the same schema, finished
 * (src/component/schema.ts), from the file tests/component/schema.test.ts keeps equal to the analyzer's, and
 * constructs exactly as Pulumi's ComponentProvider does: the class by the type's name, its outputs by the schema.
 */
import * as pulumi from "@pulumi/pulumi";
import SCHEMA from "../../schema.json";
import { COMPONENTS } from "./components";
import type { PackageSchema } from "./schema";

export class GitOpsStackProvider implements pulumi.provider.Provider {
    readonly version: string;
    private readonly text: string;

    constructor(private readonly packageSchema: PackageSchema = SCHEMA as unknown as PackageSchema) {
        this.version = packageSchema.version;
        this.text = JSON.stringify(packageSchema);
    }

    async getSchema(): Promise<string> {
        return this.text;
    }

    async construct(
        name: string,
        type: string,
        inputs: pulumi.Inputs,
        options: pulumi.ComponentResourceOptions,
    ): Promise<pulumi.provider.ConstructResult> {
        const component = COMPONENTS[type];
        const spec = this.packageSchema.resources[type];
        if (component === undefined || spec === undefined) {
            throw new Error(`unknown resource type ${type}; this package has ${Object.keys(COMPONENTS).join(", ")}`);
        }
        const instance = new component(name, inputs, options);
        const outputs = Object.keys(spec.properties ?? {});
        return {
            urn: instance.urn,
            state: Object.fromEntries(outputs.map((key) => [key, (instance as unknown as pulumi.Inputs)[key]])),
        };
    }
}
