import { describe, expect, it } from "vitest";
import { PROVIDER_SETTINGS } from "../../../src/config/constants";
import { stackConfig } from "../../support/stacks";
import { errorOf, parsed } from "./support";

describe("provider settings every stack gets from Pulumi.yaml", () => {
    it("hands every committed stack kubernetes:enableSecretMutable=true, as the CLI merges Pulumi.yaml's values", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            expect(stackConfig(stack).values, stack).toMatchObject(PROVIDER_SETTINGS);
        }
    });

    it.each([["true"], ["True"]])("accepts kubernetes:enableSecretMutable=%s", (value) => {
        expect(parsed("dev", { raw: { "kubernetes:enableSecretMutable": value } }).tier).toBe("dev");
    });

    it.each([["false"], ["0"], [""]])("refuses a stack that sets kubernetes:enableSecretMutable=%j", (value) => {
        const message = errorOf("prod", { raw: { "kubernetes:enableSecretMutable": value } });
        expect(message).toContain(
            `kubernetes:enableSecretMutable: ${JSON.stringify(value)} would make the Kubernetes provider replace (delete, then create) every Secret`,
        );
        expect(message).toContain("pulumi config rm kubernetes:enableSecretMutable");
    });
});
