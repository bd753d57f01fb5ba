import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ageRecipientOrUndefined } from "../config/formats/age";
import { childOptions } from "../shared/metadata";

export {
    ageRecipient,
    ageRecipientOrUndefined,
    bech32Decode,
    bech32Encode,
    generateAgeIdentity,
} from "../config/formats/age";

/**
 * SOPS decryption for Flux (secretsInGit sops): the age private key in the Secret each Kustomization names in
 * `decryption.secretRef`, and the age public key (the recipient teams encrypt to) derived from it.
 * The age key format is in src/config/formats/age.ts.
 */

/** Key the age identity is stored under: kustomize-controller reads every key ending in `.agekey`. */
export const SOPS_AGE_SECRET_KEY = "identity.agekey";

export interface SopsDecryptionArgs {
    /** Namespace Flux runs in: Kustomizations name the Secret there (`decryption.secretRef` is local to them). */
    namespace: pulumi.Input<string>;
    secretName: string;
    /** The age identity, a secret Output. */
    ageKey: pulumi.Output<string>;
    labels?: Record<string, string>;
}

/**
 * The Secret kustomize-controller decrypts SOPS manifests with, and the age recipient teams encrypt to. The key
 * stays a Pulumi secret end to end; the recipient is public by nature and exported in clear.
 */
export class SopsDecryption extends pulumi.ComponentResource {
    public readonly secretName: pulumi.Output<string>;
    /** age1...: `sops --encrypt --age <recipient>`; undefined when the key is not an age identity. */
    public readonly recipient: pulumi.Output<string | undefined>;

    constructor(name: string, args: SopsDecryptionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gitops-stack:flux:SopsDecryption", name, {}, opts);
        const secret = new k8s.core.v1.Secret(
            `${name}-age`,
            {
                metadata: { name: args.secretName, namespace: args.namespace, labels: args.labels },
                type: "Opaque",
                // Only the key (a trailing newline as age-keygen writes it); never the comment lines of a key file.
                stringData: { [SOPS_AGE_SECRET_KEY]: pulumi.secret(args.ageKey.apply(identityLine)) },
            },
            childOptions(this, opts),
        );
        this.secretName = secret.metadata.name;
        this.recipient = pulumi.unsecret(args.ageKey.apply(ageRecipientOrUndefined));
        this.registerOutputs({ secretName: this.secretName, recipient: this.recipient });
    }
}

/** The identity line of an age key file (comments dropped), newline-terminated. */
export function identityLine(identity: string): string {
    const line = identity
        .split(/\r?\n/)
        .map((l) => l.trim())
        .find((l) => l !== "" && !l.startsWith("#"));
    return `${line ?? identity.trim()}\n`;
}
