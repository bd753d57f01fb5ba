import type * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { SSO_SECRET, SSO_SECRET_REF } from "../constants";
import type { Operator } from "../types";
import { quote, type ConfigInput } from "./context";

/** Any reference into the Secret the program stores the SSO client secret in. */
const SSO_SECRET_PREFIX = `$${SSO_SECRET}:`;
const CLIENT_SECRET_FIELDS = ["clientSecret", "client_secret"];
/**
 * Fields that hold a secret in Dex connectors and OIDC configs, at any depth: client secrets, LDAP bindPW,
 * passwords (adminPassword, ...), tokens, API keys, private keys. Matched on the end of the field name, so
 * `tokenEndpoint` or `passwordConnector` are not secrets.
 */
const SECRET_FIELD = /(secret|password|passwd|bindpw|token|apikey|api_key|privatekey|private_key)$/i;
/** The Secret Argo CD keeps for itself; this program fills none of its keys. */
const ARGOCD_SECRET_PREFIX = "$argocd-secret:";

export interface SsoPart {
    readonly dexConfig?: string;
    readonly oidcConfig?: string;
    readonly ssoClientSecret?: pulumi.Output<string>;
    readonly ssoConfigIsSecret: boolean;
}

/**
 * ssoDexConfig / ssoOidcConfig. Client secrets never sit in the SSO config: it goes into the Helm values, the state
 * and every preview.
 */
export function validateSso(input: ConfigInput, operator: Operator): SsoPart {
    const dexConfig = input.str("ssoDexConfig") || undefined;
    const oidcConfig = input.str("ssoOidcConfig") || undefined;
    if (dexConfig && oidcConfig) {
        input.problem(
            "ssoOidcConfig",
            "is set together with ssoDexConfig; expected only one of ssoDexConfig and ssoOidcConfig.",
        );
    }
    let ssoClientSecret: pulumi.Output<string> | undefined;
    for (const [name, text] of [
        ["ssoDexConfig", dexConfig],
        ["ssoOidcConfig", oidcConfig],
    ] as const) {
        if (!text) continue;
        const sso = checkSsoConfig(text);
        if (sso.invalidYaml) {
            input.problem(
                name,
                `is not valid YAML (${sso.invalidYaml}); expected the ${name === "ssoDexConfig" ? "dex.config" : "oidc.config"} text Argo CD reads.`,
            );
            continue;
        }
        for (const field of sso.plainText)
            input.problem(
                name,
                CLIENT_SECRET_FIELDS.includes(field)
                    ? `holds a ${field} in plain text; expected ${field}: ${SSO_SECRET_REF}, with the value set by pulumi config set --secret ssoClientSecret <value>.`
                    : `holds a ${field} in plain text (it would sit in argocd-cm, the Helm values and every preview); expected ${field}: $<secret>:<key>, a reference to a Secret labelled app.kubernetes.io/part-of: argocd in the Argo CD namespace that holds it (the program's own argocd-sso Secret holds only clientSecret, set with pulumi config set --secret ssoClientSecret).`,
            );
        for (const [field, value] of sso.argocdSecretKeys)
            input.problem(
                name,
                `${field} ${quote(value)} refers to a key of argocd-secret, which this program does not fill; expected ${SSO_SECRET_REF} (pulumi config set --secret ssoClientSecret <value>), or $<secret>:<key> of a Secret you manage (labelled app.kubernetes.io/part-of: argocd, in the Argo CD namespace).`,
            );
        for (const value of sso.otherSsoKeys)
            input.problem(
                name,
                `refers to ${quote(value)}; the argocd-sso Secret holds only clientSecret: expected ${SSO_SECRET_REF}.`,
            );
        // Flux has no SSO: the config is then ignored (with a warning), and so is its secret.
        if (operator === "argocd" && sso.usesSsoSecret)
            ssoClientSecret = input.secret("ssoClientSecret", `when ${name} refers to ${SSO_SECRET_REF}`);
    }
    const ssoConfigIsSecret =
        (dexConfig !== undefined && input.source.isSecret(input.key("ssoDexConfig"))) ||
        (oidcConfig !== undefined && input.source.isSecret(input.key("ssoOidcConfig")));
    return { dexConfig, oidcConfig, ssoClientSecret, ssoConfigIsSecret };
}

interface SsoConfigCheck {
    /** The parser's message when the text is not YAML. */
    readonly invalidYaml?: string;
    /** Client-secret fields holding a literal value. */
    readonly plainText: string[];
    /** Client-secret fields naming a key of argocd-secret (`$key`), with the reference. */
    readonly argocdSecretKeys: Array<[string, string]>;
    /** References to the argocd-sso Secret other than its one key. */
    readonly otherSsoKeys: string[];
    /** Some value is the reference to the client secret the program stores. */
    readonly usesSsoSecret: boolean;
}

/** Reads an SSO config (dex.config or oidc.config YAML) for client secrets and references to Secrets. */
function checkSsoConfig(text: string): SsoConfigCheck {
    const result = {
        plainText: [] as string[],
        argocdSecretKeys: [] as Array<[string, string]>,
        otherSsoKeys: [] as string[],
        usesSsoSecret: false,
    };
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (err) {
        return { ...result, invalidYaml: (err as Error).message.split("\n")[0] };
    }
    const isSecretField = (field: string) => CLIENT_SECRET_FIELDS.includes(field) || SECRET_FIELD.test(field);
    const visit = (value: unknown, field: string | undefined): void => {
        if (Array.isArray(value)) return value.forEach((v) => visit(v, undefined));
        if (value !== null && typeof value === "object") {
            for (const [k, v] of Object.entries(value)) visit(v, k);
            return;
        }
        if (typeof value === "string" && value.startsWith(SSO_SECRET_PREFIX)) {
            if (value === SSO_SECRET_REF) result.usesSsoSecret = true;
            else result.otherSsoKeys.push(value);
            return;
        }
        // A reference into argocd-secret is unfilled wherever it appears.
        if (typeof value === "string" && value.startsWith(ARGOCD_SECRET_PREFIX)) {
            result.argocdSecretKeys.push([field ?? "a value", value]);
            return;
        }
        if (field === undefined || !isSecretField(field)) return;
        // An empty secret is a public client (PKCE): nothing to keep secret. A switch is not a secret either.
        if (value === null || value === "" || typeof value === "boolean") return;
        if (typeof value !== "string" || !value.startsWith("$")) result.plainText.push(field);
        else if (!value.includes(":")) result.argocdSecretKeys.push([field, value]);
    };
    visit(doc, undefined);
    return result;
}
