/**
 * Validation against the upstream schemas: @kubernetes-models/argo-cd and flux-cd are generated from the Argo CD
 * and Flux Go API types. They are ES modules, so they are loaded with import() from these CommonJS tests.
 */
interface ModelClass {
    new (data: Record<string, unknown>): { validate(): void };
}

/** Validates one Argo CD object (Application, AppProject, ...) and throws the model's error naming the bad path. */
export async function validateArgoObject(object: Record<string, any>): Promise<void> {
    const [group, version] = String(object.apiVersion).split("/");
    if (group !== "argoproj.io" || version !== "v1alpha1") {
        throw new Error(
            `${object.kind} ${object.metadata?.name}: apiVersion ${object.apiVersion} is not served by Argo CD`,
        );
    }
    const module = (await import(`@kubernetes-models/argo-cd/argoproj.io/v1alpha1/${object.kind}`)) as Record<
        string,
        ModelClass
    >;
    const Model = module[object.kind];
    if (!Model) throw new Error(`no upstream model for ${object.apiVersion} ${object.kind}`);
    new Model(object).validate();
}
