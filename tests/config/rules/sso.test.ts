import { describe, expect, it } from "vitest";
import { expectRefused } from "./expectations";
import { parsed } from "./support";

const PLAIN = "hunter2-plain-4f1c";
const dex = (connectorConfig: string[]) => [
    "ssoOidcConfig=",
    `ssoDexConfig=${["connectors:", "  - type: ldap", "    id: ldap", "    name: LDAP", "    config:", ...connectorConfig.map((l) => `      ${l}`)].join("\n")}`,
];
const oidc = (line: string) => [
    "ssoDexConfig=",
    `ssoOidcConfig=${["name: Okta", "issuer: https://acme.okta.example", "clientID: argocd", line].join("\n")}`,
];

describe("SSO configs hold no secret in plain text", () => {
    it.each([
        ["bindPW", dex(["host: ldap.acme.example:636", `bindPW: ${PLAIN}`])],
        ["adminPassword", dex([`adminPassword: ${PLAIN}`])],
        ["password", dex(["nested:", `  password: ${PLAIN}`])],
        ["token", dex([`token: ${PLAIN}`])],
        ["apiKey", dex([`apiKey: ${PLAIN}`])],
        ["clientSecret", dex([`clientSecret: ${PLAIN}`])],
        ["client_secret", oidc(`client_secret: ${PLAIN}`)],
        ["clientSecret", oidc("clientSecret: 12345")],
    ])("refuses %s in plain text, never echoing it, with the way to a Secret", (field, config) => {
        const key = config[1].startsWith("ssoDexConfig") ? "ssoDexConfig" : "ssoOidcConfig";
        const problem = expectRefused("staging", { config }, key, null, `holds a ${field} in plain text`);
        expect(problem).toMatch(/\$argocd-sso:clientSecret|\$<secret>:<key>/);
        expect(problem).toContain("pulumi config set --secret ssoClientSecret");
        expect(problem).not.toContain(PLAIN);
    });

    it.each([
        ["$argocd-secret:dex.ldap.bindPW", dex(["bindPW: $argocd-secret:dex.ldap.bindPW"])],
        ["$argocd-secret:oidc.okta.clientSecret", oidc("clientSecret: $argocd-secret:oidc.okta.clientSecret")],
        ["$oidc.okta.clientSecret", oidc("clientSecret: $oidc.okta.clientSecret")],
        ["$argocd-secret:x", dex(["nested:", "  - anything: $argocd-secret:x"])],
    ])("refuses the unfilled argocd-secret reference %s", (ref, config) => {
        const key = config[1].startsWith("ssoDexConfig") ? "ssoDexConfig" : "ssoOidcConfig";
        expectRefused(
            "prod",
            { config },
            key,
            ref,
            /refers to a key of argocd-secret, which this program does not fill; expected \$argocd-sso:clientSecret/,
        );
    });

    it("accepts references, public clients and non-secret fields that look alike", () => {
        expect(
            parsed("staging", {
                config: dex([
                    "bindPW: $ldap-bind:password",
                    "tokenEndpoint: https://x.example/token",
                    "passwordConnector: local",
                    "skipRefreshToken: true",
                ]),
            }).argocd.dexConfig,
        ).toContain("$ldap-bind:password");
        expect(
            parsed("prod", { config: oidc("clientSecret: $argocd-sso:clientSecret") }).argocd.ssoClientSecret,
        ).toBeDefined();
        expect(parsed("prod", { config: oidc('clientSecret: ""') }).argocd.ssoClientSecret).toBeUndefined();
    });
});
