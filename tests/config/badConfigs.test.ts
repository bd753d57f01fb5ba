/**
 * Hostile configurations (issue 8 §9): one table of bad and borderline stack configurations, each row the committed
 * stack file of dev, staging or prod plus overrides, run through the program's own config loader (`loadConfig`,
 * the function `main` calls first) with the full engine configuration, all namespaces included.
 *
 * Each row says what must happen:
 * - refused: a ConfigError whose message names the stack, and one of whose problems names the full key, quotes the
 *   bad value and says what is expected (loose matchers: the content matters, not the wording);
 * - warned: accepted, with a warning in StackConfig.warnings that names the key and the value (glob widening
 *   outside prod);
 * - accepted: valid edge cases, so the rules cannot pass by refusing everything; most also check that the value
 *   took effect.
 *
 * Rules the lead fixed where issue 8 leaves a choice: a stack named dev/development, staging/stage or
 * prod/production (or with such a token, e.g. prod-eu) has that tier and `environment` may only repeat it, even
 * with the acknowledgement; other stack names must set `environment`. Globs are refused in prod and warned
 * about in dev/staging. Flux intervals are at least 10s. Time zones are exact IANA names (`Local` refused).
 * A repo-creds prefix covers at least scheme + host + owner.
 *
 * Known_hosts keys below were generated once with ssh-keygen for this table (public halves only; they pin nothing).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
    ConfigError,
    DECLARED_KEYS,
    PROJECT,
    argsConfigSource,
    loadConfig,
    parseStackConfig,
    resolveArgs,
    type StackConfig,
} from "../../src/config";
import type { ConfigProblem } from "../../src/config/errors";
import { PROD_SAFEGUARDS } from "../../src/config/rules/prodSafeguards";
import { readStackFile } from "../../src/offline/stackFile";
import { argsFromEngine } from "../support/args";
import { TEST_SECRETS, stackConfig, type StackOptions } from "../support/stacks";

type Needle = string | RegExp;
type StackFile = "dev" | "staging" | "prod";
type Class =
    | "§1 tier"
    | "§2 prod relaxation"
    | "§3 glob"
    | "§4 everyone group"
    | "§5 names and namespaces"
    | "§5 git refs"
    | "§5 URLs"
    | "§5 known_hosts"
    | "§5 sync window"
    | "§5 Flux interval"
    | "§6 credentials"
    | "§6 SSO"
    | "§7 typos and unknown keys"
    | "every key";

type Outcome =
    /** A ConfigError naming the stack, with one problem that contains every needle. */
    | { readonly kind: "refused"; readonly key: string; readonly needles: readonly Needle[] }
    /** Parsed, with a warning that contains every needle. */
    | { readonly kind: "warned"; readonly key: string; readonly needles: readonly Needle[] }
    /** Parsed; `check` asserts the value took effect; no warning may mention `quiet`. */
    | { readonly kind: "accepted"; readonly check?: (config: StackConfig) => void; readonly quiet?: string }
    /** `pulumi config set`/`--config` with an unknown key: refused before the program runs. */
    | { readonly kind: "override refused"; readonly needles: readonly Needle[] };

interface Row {
    readonly cls: Class;
    /** The stack name the engine runs the program as. */
    readonly stack: string;
    /** The committed stack file the configuration comes from. */
    readonly file: StackFile;
    readonly options: StackOptions;
    /** Full keys removed from the engine configuration (e.g. kubernetes:context, to put a misspelt one instead). */
    readonly drop?: readonly string[];
    /** Text that must not appear anywhere in the error (a secret written in plain text). */
    readonly absent?: readonly string[];
    readonly outcome: Outcome;
}

const q = (value: unknown): string => JSON.stringify(value);
/** The JSON-quoted start of a long value (a message may shorten it). */
const qStart = (value: string, length = 30): string => `"${value.slice(0, length)}`;
const full = (key: string): string => (key.includes(":") ? key : `${PROJECT}:${key}`);
const FLUX = "operator=flux";

const committed = (stack: string): StackFile | undefined =>
    stack === "dev" || stack === "staging" || stack === "prod" ? stack : undefined;

interface Extra {
    readonly file?: StackFile;
    readonly raw?: Record<string, string>;
    readonly unset?: string[];
    readonly drop?: string[];
    readonly absent?: string[];
}

function row(cls: Class, stack: string, config: string[], outcome: Outcome, extra: Extra = {}): Row {
    const file = extra.file ?? committed(stack);
    if (!file) throw new Error(`row for stack ${stack} needs a stack file`);
    return {
        cls,
        stack,
        file,
        options: { config, raw: extra.raw, unset: extra.unset },
        drop: extra.drop,
        absent: extra.absent,
        outcome,
    };
}

/** Refused: the problem names the full key, quotes the value (when given) and matches the expected form. */
function bad(
    cls: Class,
    stack: string,
    config: string[],
    key: string,
    value: string | null,
    form: Needle,
    extra: Extra & { needles?: Needle[] } = {},
): Row {
    const needles: Needle[] = [full(key), form, ...(value === null ? [] : [q(value)]), ...(extra.needles ?? [])];
    return row(cls, stack, config, { kind: "refused", key, needles }, extra);
}

/** A prod relaxation without acknowledgeProdOverrides: names the relaxed key, its value and the acknowledgement. */
function relax(stack: string, config: string[], key: string, value: Needle, extra: Extra = {}): Row {
    const needles: Needle[] = [
        new RegExp(`${PROJECT}:(acknowledgeProdOverrides|${key})\\b`),
        key,
        value,
        /acknowledgeProdOverrides/,
    ];
    return row("§2 prod relaxation", stack, config, { kind: "refused", key, needles }, extra);
}

function warns(cls: Class, stack: string, config: string[], key: string, value: string, form: Needle): Row {
    return row(cls, stack, config, { kind: "warned", key, needles: [`"${stack}"`, full(key), q(value), form] });
}

function ok(
    cls: Class,
    stack: string,
    config: string[],
    check?: (config: StackConfig) => void,
    extra: Extra & { quiet?: string } = {},
): Row {
    return row(cls, stack, config, { kind: "accepted", check, quiet: extra.quiet }, extra);
}

// --- Fixtures ------------------------------------------------------------------------------------------------------

// Public keys generated with `ssh-keygen -t ed25519|rsa -b 2048|ecdsa -b 256|ecdsa -b 384`.
const ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIHlHCqlShVNjp6IJGxjouwuG4ah8XQcuTLs3UK23/BNz";
const RSA =
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQC1kfooLiVtszWfXNf14mMsYjn0AntlI2gh6XHWUhTWB2VBibbzILJ9yyG3+kd+eOtVHyjyZOXXFeH5fpE/dhQTbFIlDZOQvOFbAdXZOfTMilXtSb8+LlIt7g42HaohzCnstqdmlKWTkCTFthEm2M+HsalEtSuJjtvaOBbSJOhsznQT4rALgUvXhXhaipiyIEzuUy9tIfATWT8o89leLL2/tygBMoAkysNOEV0PCE5Sz4rUXhfDE66BXkzzaycbrfoOIyDx5wR0mr5DZl+1erfIHLYMGHy+BVWw5e0emWCaKBPkuxIkMd+tDQrgJo/SEIQzwgBJzOngG78NXxpEmtcx";
const ECDSA256 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJNQmawi3zzL+fF09RCNRNBKhaS+GcHvqu2TBIucrwvzJ0ri2dzw/UMwRJgLFndoY0zVp1wtDHQLL6P1VbPqqTo=";
const ECDSA384 =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBIzfA2ceVriflmmBTEmyWfv1iPQpSCgOjptRP3iVBDwnTrv5+pZtLbrZpDfigkk61XIFTzF2Kx0Ksh+W87OMqjMdqSfa6T+xUH4ZsM2KjEoMWYNxg/rcN8pCTEsqZtIjPQ==";
const GOOD_HOST_LINE = `github.com ssh-ed25519 ${ED25519}`;

const apps = (...list: Array<Record<string, unknown>>): string => `apps=${JSON.stringify(list)}`;
const oneApp = (namespace: string, name = "platform"): string => apps({ name, namespace });
const groups = (key: string, ...list: string[]): string => `${key}=${JSON.stringify(list)}`;
const list = (key: string, ...values: string[]): string => `${key}=${JSON.stringify(values)}`;

/** An SSO config override on a stack that has none or OIDC: the other one is cleared (they are exclusive). */
const dex = (yaml: string): string[] => ["ssoOidcConfig=", `ssoDexConfig=${yaml}`];
const oidc = (yaml: string): string[] => ["ssoDexConfig=", `ssoOidcConfig=${yaml}`];
const ldapConnector = (bindPW: string) =>
    [
        "connectors:",
        "  - type: ldap",
        "    id: ldap",
        "    name: LDAP",
        "    config:",
        "      host: ldap.acme.example:636",
        "      bindDN: cn=argocd,dc=acme,dc=example",
        `      bindPW: ${bindPW}`,
        "      userSearch:",
        "        baseDN: ou=people,dc=acme,dc=example",
        "        username: uid",
    ].join("\n");
const githubConnector = (clientSecret: string) =>
    [
        "connectors:",
        "  - type: github",
        "    id: github",
        "    name: GitHub",
        "    config:",
        "      clientID: argocd-dev",
        `      clientSecret: ${clientSecret}`,
        "      orgs:",
        "        - name: acme",
    ].join("\n");
const okta = (extra: string) =>
    [
        "name: Okta",
        "issuer: https://acme.okta.example",
        "clientID: argocd-prod",
        extra,
        'requestedScopes: ["openid", "profile", "email", "groups"]',
    ].join("\n");

const DNS_FORM = /DNS|lowercase|63/i;
const RESERVED_FORM = /reserved|system|never|not allowed|own/i;
const GLOB_FORM = /glob|wildcard|pattern|explicit|more than one/i;
const EVERYONE_FORM = /\b(every(one|body)?|all|any(one)?)\b/i;
const REF_FORM = /branch|tag|ref|commit/i;
const CRON_FORM = /cron/i;
const ZONE_FORM = /IANA|time zone/i;
const DURATION_FORM = /duration/i;
const INTERVAL_FORM = /duration|interval|at least|minimum|10s/i;
const HOSTS_FORM = /key[ -]?type|base64|decode|known_hosts|<host>/i;
const PREFIX_FORM = /owner|org/i;
const PORT_FORM = /port|65535/i;
const HOST_FORM = /\bhost\b/i;
const PATH_FORM = /\b(segment|path|host)\b/i;
const SSO_FORM = /argocd-sso|pulumi config set --secret/;

// --- The table -----------------------------------------------------------------------------------------------------

const TIER: Row[] = [
    // A committed stack's tier is its name: `environment` may only repeat it (lowering or raising), even acknowledged.
    bad("§1 tier", "prod", ["environment=dev"], "environment", "dev", /\bprod\b/),
    bad("§1 tier", "prod", ["environment=staging"], "environment", "staging", /\bprod\b/),
    bad("§1 tier", "prod", [FLUX, "environment=dev"], "environment", "dev", /\bprod\b/),
    bad(
        "§1 tier",
        "prod",
        ["environment=staging", "acknowledgeProdOverrides=true"],
        "environment",
        "staging",
        /\bprod\b/,
    ),
    bad(
        "§1 tier",
        "prod",
        [FLUX, "environment=dev", "acknowledgeProdOverrides=true"],
        "environment",
        "dev",
        /\bprod\b/,
    ),
    bad("§1 tier", "prod", ["environment=Prod"], "environment", "Prod", /\bprod\b/),
    bad("§1 tier", "prod", ["environment=qa"], "environment", "qa", /dev, staging|one of|tier/),
    bad("§1 tier", "staging", ["environment=dev"], "environment", "dev", /\bstaging\b/),
    bad("§1 tier", "staging", [FLUX, "environment=dev"], "environment", "dev", /\bstaging\b/),
    bad("§1 tier", "dev", ["environment=prod"], "environment", "prod", /\bdev\b/),
    bad("§1 tier", "dev", [FLUX, "environment=staging"], "environment", "staging", /\bdev\b/),
    // A tier token in a longer stack name counts the same.
    bad("§1 tier", "prod-eu", ["environment=dev"], "environment", "dev", /\bprod\b/, { file: "prod" }),
    bad("§1 tier", "eu-production", ["environment=staging"], "environment", "staging", /\bprod/, { file: "prod" }),
    bad("§1 tier", "staging-2", ["environment=dev"], "environment", "dev", /\bstag/, { file: "staging" }),
    bad("§1 tier", "stage", [FLUX, "environment=dev"], "environment", "dev", /\bstag/, { file: "staging" }),
    bad("§1 tier", "development-eu", ["environment=prod"], "environment", "prod", /\bdev/, { file: "dev" }),
    bad("§1 tier", "eu_prod", ["environment=dev"], "environment", "dev", /\bprod\b/, { file: "prod" }),
    bad("§1 tier", "prod.eu", [FLUX, "environment=staging"], "environment", "staging", /\bprod\b/, { file: "prod" }),
    // Other stack names must say which tier they are; "products" and "devops" contain no tier token.
    bad("§1 tier", "qa", [], "environment", "qa", /dev, staging|one of|tier/, { file: "staging" }),
    bad("§1 tier", "products", [], "environment", "products", /dev, staging|one of|tier/, { file: "prod" }),
    bad("§1 tier", "devops", [], "environment", "devops", /dev, staging|one of|tier/, { file: "dev" }),
    bad("§1 tier", "sandbox", [FLUX], "environment", "sandbox", /dev, staging|one of|tier/, { file: "dev" }),
    // The committed stacks as they are, on both operators.
    ...(["dev", "staging", "prod"] as const).flatMap((stack) => [
        ok("§1 tier", stack, [], (c) => expect([c.tier, c.operator]).toEqual([stack, "argocd"])),
        ok("§1 tier", stack, [FLUX], (c) => expect([c.tier, c.operator]).toEqual([stack, "flux"])),
    ]),
    // Valid: repeating the tier, tier tokens, and an explicit tier for a neutral name.
    ok("§1 tier", "prod", ["environment=prod"], (c) => expect(c.tier).toBe("prod")),
    ok("§1 tier", "prod", ["environment="], (c) => expect(c.tier).toBe("prod")),
    ok("§1 tier", "prod-eu", [], (c) => expect([c.tier, c.argocd.autoSync]).toEqual(["prod", false]), {
        file: "prod",
    }),
    ok("§1 tier", "prod-eu", [FLUX, "environment=prod"], (c) => expect(c.tier).toBe("prod"), { file: "prod" }),
    ok("§1 tier", "production", [], (c) => expect(c.tier).toBe("prod"), { file: "prod" }),
    ok("§1 tier", "stage", [], (c) => expect(c.tier).toBe("staging"), { file: "staging" }),
    ok("§1 tier", "eu-staging-2", [], (c) => expect(c.tier).toBe("staging"), { file: "staging" }),
    ok("§1 tier", "development", [], (c) => expect(c.tier).toBe("dev"), { file: "dev" }),
    ok("§1 tier", "qa", ["environment=staging"], (c) => expect(c.tier).toBe("staging"), { file: "staging" }),
    ok("§1 tier", "products", ["environment=prod"], (c) => expect(c.tier).toBe("prod"), { file: "prod" }),
];

const CRB = "rbac.authorization.k8s.io/ClusterRoleBinding";
const PROD_RELAXATIONS: Row[] = [
    relax("prod", ["autoSync=true"], "autoSync", /\btrue\b/),
    relax("prod", ["cascadeDelete=true"], "cascadeDelete", /\btrue\b/),
    relax("prod", [FLUX, "cascadeDelete=true"], "cascadeDelete", /\btrue\b/),
    relax("prod", ["highAvailability=false"], "highAvailability", /\bfalse\b/),
    relax("prod", [FLUX, "highAvailability=false"], "highAvailability", /\bfalse\b/),
    relax("prod", ["adminEnabled=true"], "adminEnabled", /\btrue\b/),
    relax("prod", ["rbacDefaultPolicy=role:admin"], "rbacDefaultPolicy", "role:admin"),
    relax("prod", ["restrictDefaultProject=false"], "restrictDefaultProject", /\bfalse\b/),
    relax(
        "prod",
        ["restrictDefaultProject=false", "acknowledgeProdOverrides=false"],
        "restrictDefaultProject",
        /\bfalse\b/,
    ),
    relax("prod", [FLUX, "fluxMultitenancy=false"], "fluxMultitenancy", /\bfalse\b/),
    relax("prod", [list("extraClusterResources", CRB)], "extraClusterResources", "ClusterRoleBinding"),
    relax(
        "prod",
        [list("extraClusterResources", "apiextensions.k8s.io/CustomResourceDefinition")],
        "extraClusterResources",
        "CustomResourceDefinition",
    ),
    relax(
        "prod",
        [list("extraClusterResources", "rbac.authorization.k8s.io/ClusterRole")],
        "extraClusterResources",
        "ClusterRole",
    ),
    relax(
        "prod",
        [list("extraClusterResources", "/Namespace", "admissionregistration.k8s.io/MutatingWebhookConfiguration")],
        "extraClusterResources",
        "MutatingWebhookConfiguration",
    ),
    relax("prod", [list("extraClusterResources", "/PersistentVolume")], "extraClusterResources", "PersistentVolume"),
    // Flux prod tracking the branch dev/staging image automation pushes to (main) gets every image bump unreviewed.
    relax("prod", [FLUX, "targetRevision=main"], "targetRevision", /\bmain\b/),
    relax("prod-eu", ["autoSync=true"], "autoSync", /\btrue\b/, { file: "prod" }),
    relax("production", [FLUX, "fluxMultitenancy=false"], "fluxMultitenancy", /\bfalse\b/, { file: "prod" }),
    // Never in prod, acknowledged or not.
    bad("§2 prod relaxation", "prod", [FLUX, "imageAutomation=true"], "imageAutomation", null, /\bprod\b/),
    bad(
        "§2 prod relaxation",
        "prod",
        [FLUX, "imageAutomation=true", "acknowledgeProdOverrides=true"],
        "imageAutomation",
        null,
        /\bprod\b/,
    ),
    // Acknowledged relaxations are accepted and take effect.
    ok("§2 prod relaxation", "prod", ["autoSync=true", "acknowledgeProdOverrides=true"], (c) =>
        expect([c.argocd.autoSync, c.prodOverridesAcknowledged]).toEqual([true, true]),
    ),
    ok("§2 prod relaxation", "prod", ["cascadeDelete=true", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.argocd.cascadeDelete).toBe(true),
    ),
    ok("§2 prod relaxation", "prod", [FLUX, "cascadeDelete=true", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.argocd.cascadeDelete).toBe(true),
    ),
    ok("§2 prod relaxation", "prod", ["highAvailability=false", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.argocd.highAvailability).toBe(false),
    ),
    ok("§2 prod relaxation", "prod", ["adminEnabled=true", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.argocd.adminEnabled).toBe(true),
    ),
    ok("§2 prod relaxation", "prod", ["restrictDefaultProject=false", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.argocd.restrictDefaultProject).toBe(false),
    ),
    ok("§2 prod relaxation", "prod", [FLUX, "fluxMultitenancy=false", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.flux.multitenancy).toBe(false),
    ),
    ok("§2 prod relaxation", "prod", [list("extraClusterResources", CRB), "acknowledgeProdOverrides=true"], (c) =>
        expect(c.argocd.clusterResources).toContainEqual({
            group: "rbac.authorization.k8s.io",
            kind: "ClusterRoleBinding",
        }),
    ),
    ok("§2 prod relaxation", "prod", [FLUX, "targetRevision=main", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.repo.fluxRef).toEqual({ branch: "main" }),
    ),
    ok("§2 prod relaxation", "prod", ["rbacDefaultPolicy=role:admin", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.access.defaultPolicy).toBe("role:admin"),
    ),
    ok("§2 prod relaxation", "prod", [FLUX, "highAvailability=false", "acknowledgeProdOverrides=true"], (c) =>
        expect(c.flux.highAvailability).toBe(false),
    ),
    // Not relaxations: Namespace is in every tier's list; another Flux branch; the same keys outside prod.
    ok("§2 prod relaxation", "prod", [list("extraClusterResources", "/Namespace")], (c) =>
        expect(c.prodOverridesAcknowledged).toBe(false),
    ),
    ok("§2 prod relaxation", "prod", [FLUX, "targetRevision=release"], (c) =>
        expect(c.repo.fluxRef).toEqual({ branch: "release" }),
    ),
    ok("§2 prod relaxation", "staging", [list("extraClusterResources", CRB)], (c) =>
        expect(c.argocd.clusterResources.map((r) => r.kind)).toContain("ClusterRoleBinding"),
    ),
    ok("§2 prod relaxation", "staging", ["restrictDefaultProject=false"], (c) =>
        expect(c.argocd.restrictDefaultProject).toBe(false),
    ),
    ok("§2 prod relaxation", "dev", [FLUX, "fluxMultitenancy=false"], (c) => expect(c.flux.multitenancy).toBe(false)),
];

const GLOBS: Row[] = [
    // Argo CD matches sourceRepos and destinations as globs: each of these is as wide as "*" or matches several.
    ...[
        "*",
        "**",
        "https://*",
        "*.git",
        "git@github.com:*",
        "https://github.com/*",
        "https://github.com/acme/*",
        "https://github.com/acme/gitops-?.git",
        "https://github.com/acme/{gitops,other}.git",
        "https://github.com/acme/[a-z]*.git",
    ].map((pattern) =>
        bad("§3 glob", "prod", [list("extraSourceRepos", pattern)], "extraSourceRepos", pattern, GLOB_FORM),
    ),
    bad("§3 glob", "production", [list("extraSourceRepos", "**")], "extraSourceRepos", "**", GLOB_FORM, {
        file: "prod",
    }),
    bad("§3 glob", "prod", ["destinationServer=https://*"], "destinationServer", "https://*", GLOB_FORM),
    bad(
        "§3 glob",
        "prod",
        ["destinationServer=https://*.acme.example"],
        "destinationServer",
        "https://*.acme.example",
        GLOB_FORM,
    ),
    // Outside prod: accepted with a warning naming the key and the pattern.
    warns("§3 glob", "dev", [list("extraSourceRepos", "*")], "extraSourceRepos", "*", GLOB_FORM),
    warns("§3 glob", "dev", [list("extraSourceRepos", "**")], "extraSourceRepos", "**", GLOB_FORM),
    warns("§3 glob", "staging", [list("extraSourceRepos", "https://*")], "extraSourceRepos", "https://*", GLOB_FORM),
    warns("§3 glob", "dev", [list("extraSourceRepos", "*.git")], "extraSourceRepos", "*.git", GLOB_FORM),
    warns(
        "§3 glob",
        "staging",
        [list("extraSourceRepos", "git@github.com:*")],
        "extraSourceRepos",
        "git@github.com:*",
        GLOB_FORM,
    ),
    warns(
        "§3 glob",
        "dev",
        [list("extraSourceRepos", "https://github.com/acme/*")],
        "extraSourceRepos",
        "https://github.com/acme/*",
        GLOB_FORM,
    ),
    warns("§3 glob", "staging", ["destinationServer=https://*"], "destinationServer", "https://*", GLOB_FORM),
    // Namespaces, groups and kinds are names, not patterns: a glob is refused in every tier.
    bad("§3 glob", "dev", [oneApp("*")], "apps", "*", /namespace/i),
    bad("§3 glob", "staging", [oneApp("guestbook-*")], "apps", "guestbook-*", /namespace/i),
    bad("§3 glob", "prod", [FLUX, oneApp("podinfo-?")], "apps", "podinfo-?", /namespace/i),
    bad("§3 glob", "dev", [groups("platformAdminGroups", "*")], "platformAdminGroups", "*", /group/i),
    bad("§3 glob", "staging", [groups("deployerGroups", "acme:*")], "deployerGroups", "acme:*", /group/i),
    bad("§3 glob", "prod", [groups("developerGroups", "acme:dev?")], "developerGroups", "acme:dev?", /group/i),
    bad("§3 glob", "dev", [list("extraClusterResources", "*/*")], "extraClusterResources", "*/*", /group\/Kind/i),
    bad(
        "§3 glob",
        "prod",
        [list("extraClusterResources", "rbac.authorization.k8s.io/*")],
        "extraClusterResources",
        "rbac.authorization.k8s.io/*",
        /group\/Kind/i,
    ),
    bad("§3 glob", "dev", [list("slackTriggers", "sync-*")], "slackTriggers", "sync-*", /sync-failed/),
    // Exact values: accepted without a warning.
    ok(
        "§3 glob",
        "prod",
        [list("extraSourceRepos", "https://github.com/acme/platform.git")],
        (c) => expect(c.argocd.sourceRepos).toContain("https://github.com/acme/platform.git"),
        { quiet: "https://github.com/acme/platform.git" },
    ),
    ok(
        "§3 glob",
        "dev",
        [list("extraSourceRepos", "git@github.com:acme/platform.git")],
        (c) => expect(c.argocd.sourceRepos).toContain("git@github.com:acme/platform.git"),
        { quiet: "git@github.com:acme/platform.git" },
    ),
    ok("§3 glob", "staging", [], (c) => expect(c.apps.map((a) => a.namespace)).toContain("guestbook-staging"), {
        quiet: "guestbook-staging",
    }),
];

const EVERYONE: Row[] = (
    [
        ["dev", [], "platformAdminGroups", "system:authenticated"],
        ["staging", [], "deployerGroups", "system:authenticated"],
        ["prod", [], "developerGroups", "system:authenticated"],
        ["prod", [FLUX], "deployerGroups", "system:authenticated"],
        ["prod", [], "platformAdminGroups", "system:unauthenticated"],
        ["dev", [FLUX], "deployerGroups", "system:unauthenticated"],
        ["staging", [], "developerGroups", "system:unauthenticated"],
        ["prod", [], "deployerGroups", "system:serviceaccounts"],
        ["dev", [], "developerGroups", "system:serviceaccounts"],
        ["staging", [FLUX], "platformAdminGroups", "system:serviceaccounts"],
        ["dev", [], "deployerGroups", "system:serviceaccounts:argocd"],
        ["staging", [], "platformAdminGroups", "system:serviceaccounts:kube-system"],
        ["prod", [FLUX], "developerGroups", "system:serviceaccounts:flux-system"],
        ["prod", [], "platformAdminGroups", "system:masters"],
        ["dev", [FLUX], "developerGroups", "system:masters"],
    ] as Array<[StackFile, string[], string, string]>
).map(([stack, op, key, group]) =>
    bad("§4 everyone group", stack, [...op, groups(key, group)], key, group, EVERYONE_FORM),
);
// Hidden among legitimate groups.
EVERYONE.push(
    bad(
        "§4 everyone group",
        "staging",
        [groups("deployerGroups", "acme:release-managers", "system:masters")],
        "deployerGroups",
        "system:masters",
        EVERYONE_FORM,
    ),
    bad(
        "§4 everyone group",
        "prod",
        [groups("platformAdminGroups", " system:authenticated ")],
        "platformAdminGroups",
        "system:authenticated",
        EVERYONE_FORM,
    ),
    ok("§4 everyone group", "prod", [groups("deployerGroups", "acme:release-managers", "acme:sre")], (c) =>
        expect(c.access.deployerGroups).toEqual(["acme:release-managers", "acme:sre"]),
    ),
);

const NAMES: Row[] = [
    // Operator namespaces: DNS-1123 labels, never a system namespace (destroy would try to delete it).
    bad(
        "§5 names and namespaces",
        "dev",
        ["argocdNamespace=kube-flannel"],
        "argocdNamespace",
        "kube-flannel",
        RESERVED_FORM,
    ),
    bad(
        "§5 names and namespaces",
        "staging",
        ["argocdNamespace=kube-system"],
        "argocdNamespace",
        "kube-system",
        RESERVED_FORM,
    ),
    bad("§5 names and namespaces", "prod", ["argocdNamespace=default"], "argocdNamespace", "default", RESERVED_FORM),
    bad(
        "§5 names and namespaces",
        "dev",
        ["argocdNamespace=kube-public"],
        "argocdNamespace",
        "kube-public",
        RESERVED_FORM,
    ),
    bad(
        "§5 names and namespaces",
        "prod",
        [`argocdNamespace=${"a".repeat(64)}`],
        "argocdNamespace",
        "a".repeat(64),
        DNS_FORM,
    ),
    bad("§5 names and namespaces", "staging", ["argocdNamespace=-argocd"], "argocdNamespace", "-argocd", DNS_FORM),
    bad(
        "§5 names and namespaces",
        "dev",
        [FLUX, "fluxNamespace=kube-system"],
        "fluxNamespace",
        "kube-system",
        RESERVED_FORM,
    ),
    bad(
        "§5 names and namespaces",
        "staging",
        [FLUX, "fluxNamespace=kube-node-lease"],
        "fluxNamespace",
        "kube-node-lease",
        RESERVED_FORM,
    ),
    bad("§5 names and namespaces", "prod", [FLUX, "fluxNamespace=default"], "fluxNamespace", "default", RESERVED_FORM),
    bad(
        "§5 names and namespaces",
        "dev",
        [FLUX, "fluxNamespace=kube-flannel"],
        "fluxNamespace",
        "kube-flannel",
        RESERVED_FORM,
    ),
    bad(
        "§5 names and namespaces",
        "staging",
        [FLUX, `fluxNamespace=${"f".repeat(64)}`],
        "fluxNamespace",
        "f".repeat(64),
        DNS_FORM,
    ),
    bad(
        "§5 names and namespaces",
        "prod",
        [FLUX, "fluxNamespace=flux.system"],
        "fluxNamespace",
        "flux.system",
        DNS_FORM,
    ),
    // App namespaces: the program creates them, so never a system or operator namespace.
    bad("§5 names and namespaces", "dev", [oneApp("kube-flannel")], "apps", "kube-flannel", RESERVED_FORM),
    bad("§5 names and namespaces", "staging", [FLUX, oneApp("kube-public")], "apps", "kube-public", RESERVED_FORM),
    bad("§5 names and namespaces", "prod", [oneApp("default")], "apps", "default", RESERVED_FORM),
    bad("§5 names and namespaces", "dev", [FLUX, oneApp("kube-node-lease")], "apps", "kube-node-lease", RESERVED_FORM),
    bad("§5 names and namespaces", "dev", [oneApp("kube-system")], "apps", "kube-system", RESERVED_FORM),
    bad("§5 names and namespaces", "prod", [oneApp("argocd")], "apps", "argocd", RESERVED_FORM),
    bad("§5 names and namespaces", "dev", [FLUX, oneApp("flux-system")], "apps", "flux-system", RESERVED_FORM),
    bad("§5 names and namespaces", "staging", [oneApp("n".repeat(64))], "apps", "n".repeat(64), DNS_FORM),
    bad("§5 names and namespaces", "prod", [oneApp("Guestbook")], "apps", "Guestbook", DNS_FORM),
    bad(
        "§5 names and namespaces",
        "staging",
        [oneApp("platform-staging", "a".repeat(60))],
        "apps",
        "a".repeat(60),
        DNS_FORM,
    ),
    bad("§5 names and namespaces", "prod", [FLUX, oneApp("platform-prod", "Platform")], "apps", "Platform", DNS_FORM),
    // Valid: kube without the dash, a 63-character label, other operator namespaces.
    ok("§5 names and namespaces", "dev", [oneApp("kubeflow")], (c) => expect(c.apps[0].namespace).toBe("kubeflow")),
    ok("§5 names and namespaces", "staging", [oneApp("n".repeat(63))], (c) =>
        expect(c.apps[0].namespace).toBe("n".repeat(63)),
    ),
    ok("§5 names and namespaces", "prod", ["argocdNamespace=gitops-prod"], (c) =>
        expect(c.argocd.namespace).toBe("gitops-prod"),
    ),
    ok("§5 names and namespaces", "dev", [FLUX, "fluxNamespace=flux"], (c) => expect(c.flux.namespace).toBe("flux")),
];

/** `git check-ref-format --branch` refuses each of these; the last part says which rule. */
const BAD_REFS: Array<[StackFile, boolean, string]> = [
    ["dev", false, "main..evil"], // ..
    ["staging", false, "main.lock"], // ends with .lock
    ["prod", false, "feature/.hidden"], // component starts with a dot
    ["dev", false, "-main"], // starts with a dash (an option to git)
    ["staging", false, "main/"], // ends with a slash
    ["prod", false, "/main"], // starts with a slash
    ["dev", false, "main//x"], // consecutive slashes
    ["prod", false, "main~1"], // ~
    ["dev", false, "main^"], // ^
    ["prod", false, "main?"], // ?
    ["dev", false, "main*"], // *
    ["staging", false, "ma[in"], // [
    ["prod", false, "main@{1}"], // @{
    ["dev", false, "@"], // the single character @
    ["staging", false, "main."], // ends with a dot
    ["prod", false, "release candidate"], // a space
    ["dev", false, "a.lock/b"], // a component ending with .lock
    ["dev", true, "main..evil"],
    ["staging", true, "feature/x.lock"],
    ["prod", true, "release/.x"],
    ["prod", true, "tag:v1..2"], // prod: no image automation, which needs a branch
    ["prod", true, "tag:v1.lock"],
    ["staging", true, "main//x"],
];
const REFS: Row[] = [
    ...BAD_REFS.map(([stack, flux, ref]) =>
        bad("§5 git refs", stack, [...(flux ? [FLUX] : []), `targetRevision=${ref}`], "targetRevision", ref, REF_FORM),
    ),
    ok("§5 git refs", "dev", ["targetRevision=release/v1.2"], (c) => expect(c.repo.revision).toBe("release/v1.2")),
    ok("§5 git refs", "staging", ["targetRevision=v1.2.3"], (c) => expect(c.repo.revision).toBe("v1.2.3")),
    ok("§5 git refs", "prod", ["targetRevision=3f786850e387550fdab836ed7e6dc881de23001b"], (c) =>
        expect(c.repo.revision).toBe("3f786850e387550fdab836ed7e6dc881de23001b"),
    ),
    ok("§5 git refs", "prod", [FLUX, "targetRevision=tag:v1.2.3"], (c) =>
        expect(c.repo.fluxRef).toEqual({ tag: "v1.2.3" }),
    ),
    ok("§5 git refs", "prod", [FLUX, "targetRevision=semver:>=1.0.0 <2.0.0"], (c) =>
        expect(c.repo.fluxRef).toEqual({ semver: ">=1.0.0 <2.0.0" }),
    ),
    ok("§5 git refs", "dev", [FLUX, "targetRevision=feature/new-ui"], (c) =>
        expect(c.repo.fluxRef).toEqual({ branch: "feature/new-ui" }),
    ),
];

const hosts = (text: string): string => `sshKnownHosts=${text}`;
const LONG_URL = `https://github.com/acme/${"a".repeat(3000)}.git`;
const httpsDev = (url: string): string[] => [`repoUrl=${url}`, "authKind=https"];
const URLS: Row[] = [
    bad(
        "§5 URLs",
        "prod",
        ["repoUrl=https://github.com/acme/../evil/gitops.git"],
        "repoUrl",
        "https://github.com/acme/../evil/gitops.git",
        PATH_FORM,
    ),
    bad(
        "§5 URLs",
        "dev",
        ["repoUrl=git@github.com:acme/../evil.git"],
        "repoUrl",
        "git@github.com:acme/../evil.git",
        PATH_FORM,
    ),
    bad(
        "§5 URLs",
        "staging",
        [FLUX, "repoUrl=ssh://git@github.com/acme/../../x.git"],
        "repoUrl",
        "ssh://git@github.com/acme/../../x.git",
        PATH_FORM,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["repoUrl=https://github.com:0/acme/gitops.git"],
        "repoUrl",
        "https://github.com:0/acme/gitops.git",
        PORT_FORM,
    ),
    bad(
        "§5 URLs",
        "prod",
        [FLUX, "repoUrl=https://github.com:65536/acme/gitops.git"],
        "repoUrl",
        "https://github.com:65536/acme/gitops.git",
        PORT_FORM,
    ),
    bad(
        "§5 URLs",
        "dev",
        ["repoUrl=ssh://git@github.com:99999/acme/gitops.git", hosts(`[github.com]:99999 ssh-ed25519 ${ED25519}`)],
        "repoUrl",
        "ssh://git@github.com:99999/acme/gitops.git",
        PORT_FORM,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["repoUrl=https://-github.com/acme/gitops.git"],
        "repoUrl",
        "https://-github.com/acme/gitops.git",
        HOST_FORM,
    ),
    bad(
        "§5 URLs",
        "dev",
        ["repoUrl=git@github..com:acme/gitops.git", hosts(`github..com ssh-ed25519 ${ED25519}`)],
        "repoUrl",
        "git@github..com:acme/gitops.git",
        HOST_FORM,
    ),
    bad("§5 URLs", "prod", ["repoUrl=https://./acme/gitops.git"], "repoUrl", "https://./acme/gitops.git", HOST_FORM),
    bad("§5 URLs", "prod", [`repoUrl=${LONG_URL}`], "repoUrl", null, /length|long|characters/i, {
        needles: [qStart(LONG_URL)],
    }),
    bad(
        "§5 URLs",
        "prod",
        ["githubAppEnterpriseBaseUrl=https://ghe.acme.example:0/api/v3"],
        "githubAppEnterpriseBaseUrl",
        "https://ghe.acme.example:0/api/v3",
        PORT_FORM,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["githubAppEnterpriseBaseUrl=https://ghe.acme.example/api/../v3"],
        "githubAppEnterpriseBaseUrl",
        "https://ghe.acme.example/api/../v3",
        /API|base URL|segment|path/i,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["githubAppEnterpriseBaseUrl=http://ghe.acme.example/api/v3"],
        "githubAppEnterpriseBaseUrl",
        "http://ghe.acme.example/api/v3",
        /https:\/\//,
    ),
    bad(
        "§5 URLs",
        "dev",
        ["argocdUrl=https://argocd.acme.example:99999"],
        "argocdUrl",
        "https://argocd.acme.example:99999",
        PORT_FORM,
    ),
    bad(
        "§5 URLs",
        "staging",
        ["argocdUrl=https://argocd..acme.example"],
        "argocdUrl",
        "https://argocd..acme.example",
        /host|https:\/\/ URL/i,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["argocdUrl=http://argocd.acme.example"],
        "argocdUrl",
        "http://argocd.acme.example",
        /https:\/\//,
    ),
    bad(
        "§5 URLs",
        "dev",
        ["destinationServer=https://kubernetes.default.svc:0"],
        "destinationServer",
        "https://kubernetes.default.svc:0",
        PORT_FORM,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["destinationServer=http://kubernetes.default.svc"],
        "destinationServer",
        "http://kubernetes.default.svc",
        /https:\/\//,
    ),
    bad(
        "§5 URLs",
        "dev",
        [list("extraSourceRepos", "https://github.com/acme/../secret.git")],
        "extraSourceRepos",
        "https://github.com/acme/../secret.git",
        /segment|path|URL|repository/i,
    ),
    bad(
        "§5 URLs",
        "prod",
        ["repoUrl=https://999.1.1.1/acme/gitops.git"],
        "repoUrl",
        "https://999.1.1.1/acme/gitops.git",
        HOST_FORM,
    ),
    bad(
        "§5 URLs",
        "staging",
        ["repoUrl=https://github.com/acme/gitops.git/..", "authKind=https"],
        "repoUrl",
        "https://github.com/acme/gitops.git/..",
        PATH_FORM,
    ),
    // Valid: ports in range, both SSH forms.
    ok("§5 URLs", "dev", httpsDev("https://git.acme.example:8443/acme/gitops.git"), (c) =>
        expect(c.repo.host).toBe("git.acme.example"),
    ),
    ok(
        "§5 URLs",
        "dev",
        [
            "repoUrl=ssh://git@git.acme.example:2222/acme/gitops.git",
            `sshKnownHosts=[git.acme.example]:2222 ssh-ed25519 ${ED25519}`,
        ],
        (c) => expect(c.repo.url).toBe("ssh://git@git.acme.example:2222/acme/gitops.git"),
    ),
    ok("§5 URLs", "dev", httpsDev("https://10.0.0.5/acme/gitops.git"), (c) => expect(c.repo.host).toBe("10.0.0.5")),
    ok("§5 URLs", "prod", ["repoUrl=https://github.com:443/acme/gitops.git"], (c) =>
        expect(c.repo.url).toBe("https://github.com:443/acme/gitops.git"),
    ),
    // OpenSSH writes port 22 hosts without brackets: the committed github.com line is the entry for this URL.
    ok("§5 URLs", "dev", ["repoUrl=ssh://git@github.com:22/acme/gitops.git"], (c) =>
        expect(c.repo.url).toBe("ssh://git@github.com:22/acme/gitops.git"),
    ),
    ok("§5 URLs", "prod", ["githubAppEnterpriseBaseUrl=https://ghe.acme.example/api/v3"], (c) =>
        expect(c.repo.auth).toMatchObject({ enterpriseBaseUrl: "https://ghe.acme.example/api/v3" }),
    ),
];

const BAD_HOST_LINES: Array<[StackFile, boolean, string]> = [
    ["dev", false, "github.com ssh-ed25519 Zm9vYmFyYmF6"], // base64 of "foobarbaz": not a key
    ["staging", false, `github.com ssh-rsa ${ED25519}`], // the blob is an ed25519 key
    ["dev", true, `github.com ssh-ed25519 ${ED25519.slice(0, -4)}`], // truncated key
    ["staging", true, `github.com ssh-foo ${ED25519}`], // unknown key type
    ["dev", false, "github.com ssh-ed25519 AAAA$$$$"], // not base64
    ["dev", false, "github.com ssh-ed25519"], // no key
    ["staging", false, `ssh-ed25519 ${ED25519}`], // no host
    ["staging", false, `github.com ecdsa-sha2-nistp384 ${ECDSA256}`], // a nistp256 key
];
const KNOWN_HOSTS: Row[] = [
    ...BAD_HOST_LINES.map(([stack, flux, line]) =>
        bad("§5 known_hosts", stack, [...(flux ? [FLUX] : []), hosts(line)], "sshKnownHosts", null, HOSTS_FORM, {
            needles: [qStart(line)],
        }),
    ),
    // A bad line among good ones is still refused, and named.
    bad(
        "§5 known_hosts",
        "dev",
        [FLUX, hosts(`${GOOD_HOST_LINE}\ngithub.com ecdsa-sha2-nistp256 ${RSA}`)],
        "sshKnownHosts",
        null,
        HOSTS_FORM,
        { needles: [qStart("github.com ecdsa-sha2-nistp256 " + RSA)] },
    ),
    ok("§5 known_hosts", "dev", [hosts(GOOD_HOST_LINE)], (c) =>
        expect(c.repo.auth).toMatchObject({ knownHosts: GOOD_HOST_LINE }),
    ),
    ok("§5 known_hosts", "dev", [hosts(`github.com ssh-rsa ${RSA}`)]),
    ok("§5 known_hosts", "staging", [hosts(`github.com ecdsa-sha2-nistp256 ${ECDSA256}`)]),
    ok("§5 known_hosts", "staging", [FLUX, hosts(`github.com ecdsa-sha2-nistp384 ${ECDSA384}`)]),
    ok("§5 known_hosts", "dev", [hosts(`# pinned host keys\n${GOOD_HOST_LINE}\ngithub.com ssh-rsa ${RSA}\n`)], (c) =>
        expect(c.repo.auth).toMatchObject({ knownHosts: `${GOOD_HOST_LINE}\ngithub.com ssh-rsa ${RSA}` }),
    ),
    ok("§5 known_hosts", "dev", [FLUX, hosts(`github.com,140.82.121.4 ssh-ed25519 ${ED25519}`)]),
    ok("§5 known_hosts", "prod", [
        "repoUrl=git@github.com:acme/gitops.git",
        "authKind=ssh",
        hosts(`github.com ssh-ed25519 ${ED25519} pinned 2026-11`),
    ]),
    // A hashed host (ssh-keygen -H) for github.com.
    ok("§5 known_hosts", "staging", [
        hosts(`|1|TAZqwXCkY9Pv/D/rOs+3pFrfqoY=|zKjEHX8pEr0Bw5+gqizBfafVZPQ= ssh-ed25519 ${ED25519}`),
    ]),
];

const SYNC_WINDOWS: Row[] = [
    // Checked as Argo CD's robfig/cron parser does: 5 fields, each in range (day of week 0-6), valid ranges and steps.
    ...[
        "99 99 99 99 99",
        "a b c d e",
        "60 9 * * 1-5",
        "0 24 * * 1-5",
        "0 9 0 * *",
        "0 9 32 * *",
        "0 9 * 13 *",
        "0 9 * 0 *",
        "0 9 * * 7",
        "0 9 * * 1-5 *",
        "0 9 * *",
        "*/0 9 * * *",
        "5-1 9 * * *",
        "0 9 * * MON-XYZ",
        "0 9 L * *",
    ].map((schedule) =>
        bad("§5 sync window", "prod", [`syncWindowSchedule=${schedule}`], "syncWindowSchedule", schedule, CRON_FORM),
    ),
    bad("§5 sync window", "prod-eu", ["syncWindowSchedule=a b c d e"], "syncWindowSchedule", "a b c d e", CRON_FORM, {
        file: "prod",
    }),
    // Names Go's time.LoadLocation accepts, exact case; not offsets, not Local.
    ...["europe/berlin", "EUROPE/BERLIN", "+05:00", "UTC+2", "Local", "Europe/Berln", "Mars/Olympus"].map((zone) =>
        bad("§5 sync window", "prod", [`syncWindowTimeZone=${zone}`], "syncWindowTimeZone", zone, ZONE_FORM),
    ),
    // Durations > 0, in Go's units.
    ...["0h", "0m", "0s", "0h0m", "-1h", "1d", "10", "1H"].map((duration) =>
        bad(
            "§5 sync window",
            "prod",
            [`syncWindowDuration=${duration}`],
            "syncWindowDuration",
            duration,
            DURATION_FORM,
        ),
    ),
    ...[
        "0 9 * * 1-5",
        "*/15 6-18 * * 1-5",
        "0 9 * * MON-FRI",
        "0 0 1 1 *",
        "0 9 * * 0",
        "0,30 8-17/2 1-15 1,6,12 *",
        "0 9 ? * 1-5",
    ].map((schedule) =>
        ok("§5 sync window", "prod", [`syncWindowSchedule=${schedule}`], (c) =>
            expect(c.argocd.syncWindow?.schedule).toBe(schedule),
        ),
    ),
    ...["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "Etc/GMT+5", "US/Pacific"].map(
        (zone) =>
            ok("§5 sync window", "prod", [`syncWindowTimeZone=${zone}`], (c) =>
                expect(c.argocd.syncWindow?.timeZone).toBe(zone),
            ),
    ),
    ...["90m", "1h30m", "24h", "1.5h"].map((duration) =>
        ok("§5 sync window", "prod", [`syncWindowDuration=${duration}`], (c) =>
            expect(c.argocd.syncWindow?.duration).toBe(duration),
        ),
    ),
];

const FLUX_INTERVALS: Row[] = [
    ...(
        [
            ["dev", "0s"],
            ["staging", "1ms"],
            ["prod", "5s"],
            ["dev", "9s"],
            ["dev", "9999ms"],
            ["staging", "-1m"],
            ["prod", "1d"],
            ["dev", "0m"],
            ["staging", "10S"],
        ] as Array<[StackFile, string]>
    ).map(([stack, interval]) =>
        bad("§5 Flux interval", stack, [FLUX, `fluxInterval=${interval}`], "fluxInterval", interval, INTERVAL_FORM),
    ),
    ...(
        [
            ["dev", "10s"],
            ["staging", "1m30s"],
            ["prod", "1h"],
            ["dev", "1.5m"],
        ] as Array<[StackFile, string]>
    ).map(([stack, interval]) =>
        ok("§5 Flux interval", stack, [FLUX, `fluxInterval=${interval}`], (c) =>
            expect(c.flux.interval).toBe(interval),
        ),
    ),
];

const repoCreds = (prefix: string): string[] => ["credentialScope=repo-creds", `credentialUrlPrefix=${prefix}`];
const CREDENTIALS: Row[] = [
    // A repo-creds template reaches every repository its prefix matches: at least scheme + host + owner.
    ...(
        [
            ["prod", "h"],
            ["prod", "https://"],
            ["prod", "https://github.com"],
            ["prod", "https://github.com/"],
            ["prod", "https://github.com/ac"],
            ["dev", "git@"],
            ["dev", "git@github.com:"],
            ["staging", "git@github.com"],
            ["prod", "https://github.com/acme"], // also matches https://github.com/acme-evil/...
        ] as Array<[StackFile, string]>
    ).map(([stack, prefix]) =>
        bad("§6 credentials", stack, repoCreds(prefix), "credentialUrlPrefix", prefix, PREFIX_FORM),
    ),
    bad(
        "§6 credentials",
        "prod",
        repoCreds("https://gitlab.com/acme/"),
        "credentialUrlPrefix",
        "https://gitlab.com/acme/",
        /prefix|repoUrl/,
    ),
    ok("§6 credentials", "prod", repoCreds("https://github.com/acme/"), (c) =>
        expect(c.repo.credentialUrl).toBe("https://github.com/acme/"),
    ),
    ok("§6 credentials", "dev", repoCreds("git@github.com:acme/"), (c) =>
        expect(c.repo.credentialUrl).toBe("git@github.com:acme/"),
    ),
    ok("§6 credentials", "prod", repoCreds("https://github.com/acme/gitops"), (c) =>
        expect(c.repo.credentialUrl).toBe("https://github.com/acme/gitops"),
    ),
    ok("§6 credentials", "prod", ["credentialScope=repo-creds"], (c) =>
        expect(c.repo.credentialUrl).toBe("https://github.com/acme/"),
    ),
];

const PLAIN = "hunter2-plain-4f1c";
const SSO: Row[] = [
    // Secret-bearing fields in plain text: refused, never echoed, with the way to the argocd-sso Secret.
    bad("§6 SSO", "staging", dex(ldapConnector(PLAIN)), "ssoDexConfig", null, SSO_FORM, {
        needles: ["bindPW"],
        absent: [PLAIN],
    }),
    bad("§6 SSO", "dev", dex(githubConnector(PLAIN)), "ssoDexConfig", null, SSO_FORM, {
        needles: ["clientSecret"],
        absent: [PLAIN],
    }),
    bad("§6 SSO", "prod", oidc(okta(`client_secret: ${PLAIN}`)), "ssoOidcConfig", null, SSO_FORM, {
        needles: ["client_secret"],
        absent: [PLAIN],
    }),
    bad(
        "§6 SSO",
        "staging",
        dex(
            [
                "connectors:",
                "  - type: keystone",
                "    id: keystone",
                "    name: Keystone",
                "    config:",
                "      keystoneHost: https://keystone.acme.example",
                "      adminUsername: argocd",
                `      adminPassword: ${PLAIN}`,
            ].join("\n"),
        ),
        "ssoDexConfig",
        null,
        SSO_FORM,
        { needles: ["adminPassword"], absent: [PLAIN] },
    ),
    bad(
        "§6 SSO",
        "dev",
        dex(
            [
                "connectors:",
                "  - type: acme",
                "    id: acme",
                "    name: Acme",
                "    config:",
                `      password: ${PLAIN}`,
            ].join("\n"),
        ),
        "ssoDexConfig",
        null,
        SSO_FORM,
        { needles: ["password"], absent: [PLAIN] },
    ),
    bad(
        "§6 SSO",
        "prod",
        dex(
            [
                "connectors:",
                "  - type: gitea",
                "    id: gitea",
                "    name: Gitea",
                "    config:",
                `      token: ${PLAIN}`,
            ].join("\n"),
        ),
        "ssoDexConfig",
        null,
        SSO_FORM,
        { needles: ["token"], absent: [PLAIN] },
    ),
    bad("§6 SSO", "prod", oidc(okta("clientSecret: 123456789")), "ssoOidcConfig", null, SSO_FORM, {
        needles: ["clientSecret"],
        absent: ["123456789"],
    }),
    bad(
        "§6 SSO",
        "staging",
        dex(
            [
                githubConnector("$argocd-sso:clientSecret"),
                "staticClients:",
                "  - id: cli",
                "    name: CLI",
                `    secret: ${PLAIN}`,
            ].join("\n"),
        ),
        "ssoDexConfig",
        null,
        SSO_FORM,
        { needles: ["secret"], absent: [PLAIN] },
    ),
    bad("§6 SSO", "prod", oidc(okta("clientSecret: $argocd-sso:password")), "ssoOidcConfig", null, /clientSecret/, {
        needles: ["$argocd-sso:password"],
    }),
    // References nothing fills.
    bad(
        "§6 SSO",
        "prod",
        oidc(okta("clientSecret: $argocd-secret:oidc.okta.clientSecret")),
        "ssoOidcConfig",
        null,
        SSO_FORM,
        {
            needles: ["$argocd-secret:oidc.okta.clientSecret"],
        },
    ),
    bad("§6 SSO", "staging", dex(ldapConnector("$argocd-secret:dex.ldap.bindPW")), "ssoDexConfig", null, SSO_FORM, {
        needles: ["$argocd-secret:dex.ldap.bindPW"],
    }),
    bad("§6 SSO", "prod", oidc(okta("clientSecret: $oidc.okta.clientSecret")), "ssoOidcConfig", null, SSO_FORM, {
        needles: ["$oidc.okta.clientSecret"],
    }),
    bad("§6 SSO", "prod", oidc("issuer: [unclosed"), "ssoOidcConfig", null, /YAML/),
    bad("§6 SSO", "staging", ["ssoDexConfig=connectors: []"], "ssoOidcConfig", null, /ssoDexConfig/),
    // Valid: the program's Secret, a Secret you manage, a public client.
    ok("§6 SSO", "staging", dex(githubConnector("$argocd-sso:clientSecret")), (c) => {
        expect(c.argocd.dexConfig).toContain("$argocd-sso:clientSecret");
        expect(c.argocd.ssoClientSecret).toBeDefined();
    }),
    ok("§6 SSO", "prod", oidc(okta("clientSecret: $okta-oidc:clientSecret")), (c) =>
        expect(c.argocd.oidcConfig).toContain("$okta-oidc:clientSecret"),
    ),
    ok("§6 SSO", "staging", dex(ldapConnector("$ldap-bind:password")), (c) =>
        expect(c.argocd.dexConfig).toContain("$ldap-bind:password"),
    ),
    ok("§6 SSO", "prod", oidc(okta('clientSecret: ""\nenablePKCEAuthentication: true')), (c) =>
        expect(c.argocd.ssoClientSecret).toBeUndefined(),
    ),
    ok("§6 SSO", "prod", oidc(okta("enablePKCEAuthentication: true")), (c) =>
        expect(c.argocd.ssoClientSecret).toBeUndefined(),
    ),
];

const TYPOS: Row[] = [
    // Almost our namespace or almost a provider's: with a real engine the intended key would silently not apply.
    bad("§7 typos and unknown keys", "prod", [], "gitops_stack:repoUrl", null, /gitops-stack/, {
        raw: { "gitops_stack:repoUrl": "https://github.com/acme/gitops.git" },
        unset: ["repoUrl"],
    }),
    bad("§7 typos and unknown keys", "dev", [], "gitopsstack:autoSync", null, /gitops-stack/, {
        raw: { "gitopsstack:autoSync": "false" },
    }),
    bad("§7 typos and unknown keys", "staging", [], "gitops-stacks:slackChannel", null, /gitops-stack/, {
        raw: { "gitops-stacks:slackChannel": "deploys-staging" },
    }),
    bad("§7 typos and unknown keys", "dev", [FLUX], "GitOps-Stack:fluxInterval", null, /gitops-stack/, {
        raw: { "GitOps-Stack:fluxInterval": "2m" },
    }),
    bad("§7 typos and unknown keys", "prod", [], "kubernets:context", null, /kubernetes:context/, {
        raw: { "kubernets:context": "prod" },
        drop: ["kubernetes:context"],
    }),
    bad("§7 typos and unknown keys", "dev", [], "kuberentes:context", null, /kubernetes/, {
        raw: { "kuberentes:context": "kind-dev" },
    }),
    bad("§7 typos and unknown keys", "staging", [FLUX], "kubernete:context", null, /kubernetes/, {
        raw: { "kubernete:context": "staging" },
    }),
    // Unknown keys in our namespace (the stack file was edited by hand).
    ...(
        [
            ["dev", "autosync", "true"],
            ["prod", "acknowledgeProdOverride", "true"],
            ["staging", "repoURL", "git@github.com:acme/gitops.git"],
            ["dev", "fluxIntervall", "2m"],
        ] as Array<[StackFile, string, string]>
    ).map(([stack, key, value]) =>
        bad("§7 typos and unknown keys", stack, [], key, null, /not a gitops-stack key|unknown/i, {
            raw: { [full(key)]: value },
        }),
    ),
    // `--config` overrides: the nearest key is suggested, not all of them listed.
    ...(
        [
            ["dev", "autosync=true", "autoSync"],
            ["prod", "acknowledgeProdOverride=true", "acknowledgeProdOverrides"],
            ["staging", "fluxIntervall=5m", "fluxInterval"],
        ] as Array<[StackFile, string, string]>
    ).map(([stack, override, nearest]) =>
        row(
            "§7 typos and unknown keys",
            stack,
            [override],
            {
                kind: "override refused",
                needles: [override.split("=")[0], new RegExp(`\\b${nearest}\\b`)],
            },
            { absent: ["ssoOidcConfig, slackChannel"] },
        ),
    ),
    // A provider's real key is not a typo.
    ok("§7 typos and unknown keys", "dev", [], undefined, { raw: { "kubernetes:enableServerSideApply": "true" } }),
];

/** At least one bad value for every declared key not covered by a class above (the test below checks all are). */
const EVERY_KEY: Row[] = [
    bad("every key", "dev", ["operator=Flux"], "operator", "Flux", /argocd, flux/),
    bad("every key", "prod", ["operator=argo-cd"], "operator", "argo-cd", /argocd, flux/),
    bad("every key", "dev", ["authKind=SSH"], "authKind", "SSH", /ssh, https, githubApp/),
    bad(
        "every key",
        "dev",
        [...httpsDev("https://github.com/acme/gitops.git"), "httpsUsername=git bot"],
        "httpsUsername",
        "git bot",
        /user name/i,
    ),
    bad("every key", "prod", ["githubAppId=0x1f"], "githubAppId", "0x1f", /numeric/i),
    bad("every key", "prod", ["githubAppInstallationId=-7890123"], "githubAppInstallationId", "-7890123", /numeric/i),
    bad("every key", "dev", ["credentialScope=*"], "credentialScope", "*", /repository, repo-creds/),
    bad("every key", "staging", ["restrictDefaultProject=no"], "restrictDefaultProject", "no", /true or false/),
    bad("every key", "dev", [FLUX, "fluxMultitenancy=off"], "fluxMultitenancy", "off", /true or false/),
    bad("every key", "dev", ["autoSync=yes"], "autoSync", "yes", /true, false/),
    bad("every key", "staging", ["cascadeDelete=1"], "cascadeDelete", "1", /true, false/),
    bad("every key", "prod", [FLUX, "highAvailability=on"], "highAvailability", "on", /true, false/),
    bad("every key", "dev", ["adminEnabled=enabled"], "adminEnabled", "enabled", /true, false/),
    bad(
        "every key",
        "prod",
        ["acknowledgeProdOverrides=yes"],
        "acknowledgeProdOverrides",
        "yes",
        /is not a prod safeguard; expected any of autoSync/,
    ),
    bad("every key", "staging", [FLUX, "imageAutomation=sometimes"], "imageAutomation", "sometimes", /true, false/),
    bad("every key", "staging", ["gitWebhook=on"], "gitWebhook", "on", /true, false, or empty/),
    bad("every key", "dev", [FLUX, "gitWebhookProvider=GitHub"], "gitWebhookProvider", "GitHub", /github, gitlab/),
    bad("every key", "dev", ["argocdChartVersion=>=10.0.0"], "argocdChartVersion", ">=10.0.0", /exact chart version/),
    bad("every key", "staging", [FLUX, "fluxChartVersion=2.x"], "fluxChartVersion", "2.x", /exact chart version/),
    bad("every key", "prod", ["revisionHistoryLimit=101"], "revisionHistoryLimit", "101", /1 to 100/),
    bad("every key", "dev", ["retryLimit=-1"], "retryLimit", "-1", /0 to 20/),
    bad("every key", "staging", ["rbacDefaultPolicy=role:*"], "rbacDefaultPolicy", "role:*", /role:readonly/),
    bad("every key", "prod", ["slackChannel=#"], "slackChannel", "#", /channel/i),
    bad("every key", "staging", ["slackChannel=#deploys staging"], "slackChannel", "#deploys staging", /channel/i),
    bad("every key", "prod", [list("slackTriggers", "deployed")], "slackTriggers", null, /sync-failed/),
    bad(
        "every key",
        "dev",
        ["appPathTemplate=apps/{app}/../../../etc"],
        "appPathTemplate",
        "apps/{app}/../../../etc",
        /relative path/,
    ),
    bad(
        "every key",
        "staging",
        ["appPathTemplate=apps/overlays/{env}"],
        "appPathTemplate",
        "apps/overlays/{env}",
        /\{app\}/,
    ),
    bad(
        "every key",
        "prod",
        ["rootPathTemplate=environments/../../secrets"],
        "rootPathTemplate",
        "environments/../../secrets",
        /relative path/,
    ),
    bad(
        "every key",
        "dev",
        ["extraSourceRepos=https://github.com/acme/other.git"],
        "extraSourceRepos",
        "https://github.com/acme/other.git",
        /list/,
    ),
    bad(
        "every key",
        "dev",
        [list("extraClusterResources", "ClusterRole")],
        "extraClusterResources",
        "ClusterRole",
        /group\/Kind/,
    ),
    bad("every key", "prod", ["deployerGroups=[]"], "deployerGroups", null, /at least one/),
    bad(
        "every key",
        "staging",
        [groups("developerGroups", "acme developers")],
        "developerGroups",
        "acme developers",
        /group/i,
    ),
    bad(
        "every key",
        "dev",
        ["repoUrl=http://github.com/acme/gitops.git"],
        "repoUrl",
        "http://github.com/acme/gitops.git",
        /https:\/\/host|git@host/,
    ),
];

// Chart sources, image registry and install mode (issue 9 keys): the same guarantees as every other key.
EVERY_KEY.push(
    bad(
        "every key",
        "dev",
        ["argocdChartRepository=http://argoproj.github.io/argo-helm"],
        "argocdChartRepository",
        "http://argoproj.github.io/argo-helm",
        /https:\/\/|oci:\/\//,
    ),
    bad(
        "every key",
        "prod",
        ["argocdChartRepository=https://charts.acme.example:0/argo"],
        "argocdChartRepository",
        "https://charts.acme.example:0/argo",
        PORT_FORM,
    ),
    bad(
        "every key",
        "staging",
        [FLUX, "fluxChartRepository=ftp://charts.acme.example/flux"],
        "fluxChartRepository",
        "ftp://charts.acme.example/flux",
        /https:\/\/|oci:\/\//,
    ),
    bad(
        "every key",
        "dev",
        ["imageRegistry=https://registry.acme.example"],
        "imageRegistry",
        "https://registry.acme.example",
        /host\[:port\]|registry/i,
    ),
    bad(
        "every key",
        "prod",
        [FLUX, "imageRegistry=registry.acme.example/Mirror"],
        "imageRegistry",
        "registry.acme.example/Mirror",
        /lowercase|path/i,
    ),
    bad(
        "every key",
        "dev",
        ["chartRepositoryCaFile=certs/mirror-ca.pem"],
        "chartRepositoryCaFile",
        "certs/mirror-ca.pem",
        /PEM file of CA certificates, absolute or \.\/ or \.\.\/ relative to the project/,
    ),
    bad("every key", "dev", ["operatorInstall=kubectl"], "operatorInstall", "kubectl", /helm, existing/),
    ok("every key", "prod", [FLUX, "imageRegistry=registry.acme.example:5000/mirror"]),
);

// ApplicationSet mode (issue 9): the AppProject admits the listed namespaces, so they are namespaces, not patterns.
EVERY_KEY.push(
    bad("every key", "dev", ["appsMode=appset"], "appsMode", "appset", /applications, applicationset/),
    bad(
        "every key",
        "prod",
        ["appsMode=applicationset", list("applicationSetNamespaces", "*")],
        "applicationSetNamespaces",
        "*",
        /namespace name|glob|wildcard|pattern/i,
    ),
    bad(
        "every key",
        "staging",
        ["appsMode=applicationset", list("applicationSetNamespaces", "kube-system")],
        "applicationSetNamespaces",
        "kube-system",
        RESERVED_FORM,
    ),
);

// Argo CD Image Updater (dev/staging image automation on Argo CD).
EVERY_KEY.push(
    bad(
        "every key",
        "dev",
        ["imageUpdaterChartVersion=latest"],
        "imageUpdaterChartVersion",
        "latest",
        /exact chart version/,
    ),
    bad(
        "every key",
        "staging",
        ["imageUpdaterWriteSecret=write-creds"],
        "imageUpdaterWriteSecret",
        "write-creds",
        /namespace/i,
    ),
);

// Progressive delivery and secrets in Git (issue 12).
EVERY_KEY.push(
    bad("every key", "staging", ["argoRollouts=yes"], "argoRollouts", "yes", /true, false, or empty/),
    bad(
        "every key",
        "prod",
        ["argoRollouts=true", "argoRolloutsChartVersion=^2.41"],
        "argoRolloutsChartVersion",
        "^2.41",
        /exact chart version/,
    ),
    bad(
        "every key",
        "dev",
        ["argoRolloutsChartRepository=http://charts.example.com"],
        "argoRolloutsChartRepository",
        "http://charts.example.com",
        /https:\/\/ chart repository/,
    ),
    bad(
        "every key",
        "dev",
        ["secretsInGit=vault"],
        "secretsInGit",
        "vault",
        /none, sops, sealed-secrets, external-secrets/,
    ),
    bad(
        "every key",
        "dev",
        ["secretsInGit=sealed-secrets", "sealedSecretsChartVersion=latest"],
        "sealedSecretsChartVersion",
        "latest",
        /exact chart version/,
    ),
    bad(
        "every key",
        "staging",
        ["sealedSecretsChartRepository=charts"],
        "sealedSecretsChartRepository",
        "charts",
        /local chart directory/,
    ),
    bad(
        "every key",
        "prod",
        [
            "secretsInGit=external-secrets",
            "externalSecretsVaultServer=https://vault.acme.example",
            "externalSecretsChartVersion=2.x",
        ],
        "externalSecretsChartVersion",
        "2.x",
        /exact chart version/,
    ),
    bad(
        "every key",
        "dev",
        ["externalSecretsChartRepository=ftp://charts.example.com"],
        "externalSecretsChartRepository",
        "ftp://charts.example.com",
        /https:\/\/ chart repository/,
    ),
    bad(
        "every key",
        "staging",
        ["secretsInGit=external-secrets", "externalSecretsVaultServer=http://vault.acme.example:8200"],
        "externalSecretsVaultServer",
        "http://vault.acme.example:8200",
        /https:\/\/ URL of the environment's Vault/,
    ),
    bad(
        "every key",
        "dev",
        [
            "secretsInGit=external-secrets",
            "externalSecretsVaultServer=https://vault.acme.example",
            "externalSecretsVaultPath=/secret/",
        ],
        "externalSecretsVaultPath",
        "/secret/",
        /KV version 2/,
    ),
    bad(
        "every key",
        "prod",
        [
            "secretsInGit=external-secrets",
            "externalSecretsVaultServer=https://vault.acme.example",
            "externalSecretsVaultRole=gitops prod",
        ],
        "externalSecretsVaultRole",
        "gitops prod",
        /Kubernetes auth role/,
    ),
);

const TABLE: readonly Row[] = [
    ...TIER,
    ...PROD_RELAXATIONS,
    ...GLOBS,
    ...EVERYONE,
    ...NAMES,
    ...REFS,
    ...URLS,
    ...KNOWN_HOSTS,
    ...SYNC_WINDOWS,
    ...FLUX_INTERVALS,
    ...CREDENTIALS,
    ...SSO,
    ...TYPOS,
    ...EVERY_KEY,
];

// --- Running a row -------------------------------------------------------------------------------------------------

/** Validation must not register anything, nor call the engine. */
const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
        throw new Error(`config validation registered ${args.type} ${args.name}`);
    },
    call: (args) => {
        throw new Error(`config validation called ${args.token}`);
    },
};

type Result = { readonly parsed: StackConfig } | { readonly error: unknown } | { readonly overrideError: unknown };

/** The stack's engine configuration, loaded the way the program does (every namespace visible to it). */
async function validate(r: Row): Promise<Result> {
    let engine;
    try {
        engine = stackConfig(r.file, r.options);
    } catch (err) {
        return { overrideError: err };
    }
    for (const key of r.drop ?? []) delete engine.values[key];
    await pulumi.runtime.setMocks(mocks, PROJECT, r.stack, false);
    pulumi.runtime.setAllConfig(engine.values, engine.secretKeys);
    try {
        return { parsed: loadConfig() };
    } catch (err) {
        return { error: err };
    }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const problemsOf = (err: unknown): string[] =>
    err instanceof ConfigError ? err.problems.map((p) => `${p.key}: ${p.message}`) : [messageOf(err)];
const matchesAll = (text: string, needles: readonly Needle[]): boolean =>
    needles.every((n) => (typeof n === "string" ? text.includes(n) : n.test(text)));
const show = (needles: readonly Needle[]): string => needles.map((n) => String(n)).join(" & ");
const warningsOf = (config: StackConfig): readonly string[] | undefined =>
    (config as StackConfig & { warnings?: readonly string[] }).warnings;

const summary = (value: string): string => {
    const flat = value.replace(/\n/g, "⏎");
    return flat.length > 70 ? `${flat.slice(0, 67)}...` : flat;
};
function title(r: Row): string {
    const where = r.stack === r.file ? r.stack : `${r.stack} (Pulumi.${r.file}.yaml)`;
    const set = [
        ...(r.options.config ?? []),
        ...Object.entries(r.options.raw ?? {}).map(([k, v]) => `${k}: ${v}`),
        ...(r.options.unset ?? []).map((k) => `-${k}`),
        ...(r.drop ?? []).map((k) => `-${k}`),
    ].map(summary);
    const verdict = r.outcome.kind === "accepted" ? "accepted" : r.outcome.kind;
    return `${where} ${set.join(" ") || "(as committed)"} → ${verdict}`;
}

async function check(r: Row): Promise<void> {
    const result = await validate(r);
    const outcome = r.outcome;
    if (outcome.kind === "override refused") {
        if (!("overrideError" in result)) throw new Error(`expected the override to be refused; it was taken`);
        const message = messageOf(result.overrideError);
        if (!matchesAll(message, outcome.needles))
            throw new Error(`expected ${show(outcome.needles)}; got:\n${message}`);
        for (const text of r.absent ?? []) expect(message).not.toContain(text);
        return;
    }
    if ("overrideError" in result) throw new Error(`the override itself failed:\n${messageOf(result.overrideError)}`);
    if (outcome.kind === "refused") {
        if (!("error" in result)) {
            const warnings = warningsOf(result.parsed) ?? [];
            throw new Error(`expected a ConfigError; the configuration was accepted (warnings: ${q(warnings)})`);
        }
        const message = messageOf(result.error);
        expect(result.error, message).toBeInstanceOf(ConfigError);
        expect(message).toContain(`"${r.stack}"`);
        if (!problemsOf(result.error).some((p) => matchesAll(p, outcome.needles)))
            throw new Error(`no problem matches ${show(outcome.needles)}; got:\n${message}`);
        for (const text of [...(r.absent ?? []), ...Object.values(TEST_SECRETS)]) expect(message).not.toContain(text);
        return;
    }
    if ("error" in result)
        throw new Error(`expected the configuration to be accepted; got:\n${messageOf(result.error)}`);
    const warnings = warningsOf(result.parsed);
    if (outcome.kind === "warned") {
        if (warnings === undefined) throw new Error("accepted, but StackConfig has no warnings list");
        if (!warnings.some((w) => matchesAll(w, outcome.needles)))
            throw new Error(`no warning matches ${show(outcome.needles)}; warnings: ${q(warnings)}`);
        return;
    }
    outcome.check?.(result.parsed);
    const quiet = outcome.quiet;
    if (quiet !== undefined) expect((warnings ?? []).filter((w) => w.includes(quiet))).toEqual([]);
}

// --- The tests -----------------------------------------------------------------------------------------------------

const CLASSES = [...new Set(TABLE.map((r) => r.cls))];

describe("hostile configurations (issue 8)", () => {
    for (const cls of CLASSES) {
        describe(cls, () => {
            it.each(TABLE.filter((r) => r.cls === cls).map((r) => [title(r), r] as const))("%s", async (_title, r) =>
                check(r),
            );
        });
    }
});

/** Stack files a hand edit broke: the error names the file and the line (issue 8 §7). */
const BROKEN_STACK_FILES: Array<[string, StackFile, string, number]> = [
    [
        "indentation",
        "dev",
        "config:\n  gitops-stack:repoUrl: git@github.com:acme/gitops.git\n   gitops-stack:authKind: ssh\n",
        2,
    ],
    ["duplicate key", "staging", "config:\n  gitops-stack:authKind: ssh\n  gitops-stack:authKind: https\n", 3],
    [
        "tab indentation",
        "prod",
        "config:\n  gitops-stack:authKind: ssh\n\tgitops-stack:slackChannel: deploys-prod\n",
        3,
    ],
];

describe("§7 typos and unknown keys: broken stack files", () => {
    it.each(BROKEN_STACK_FILES)("%s in Pulumi.%s.yaml", (_what, stack, text, line) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-stack-file-"));
        try {
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
            let message = "";
            try {
                readStackFile(dir, stack);
            } catch (err) {
                message = messageOf(err);
            }
            expect(message).toContain(`Pulumi.${stack}.yaml`);
            expect(message).toMatch(new RegExp(`line ${line}\\b`));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the table itself", () => {
    const refused = TABLE.filter((r) => r.outcome.kind === "refused");
    const keyOf = (r: Row) => (r.outcome.kind === "refused" ? r.outcome.key : "");

    it("has at least 140 rows, refused and accepted ones", () => {
        expect(TABLE.length).toBeGreaterThanOrEqual(140);
        expect(refused.length).toBeGreaterThanOrEqual(100);
        expect(TABLE.filter((r) => r.outcome.kind === "accepted").length).toBeGreaterThanOrEqual(30);
    });

    it("gives every declared key, and apps, at least one bad value", () => {
        const covered = new Set(refused.map(keyOf));
        const missing = [...Object.keys(DECLARED_KEYS), "apps"].filter((k) => !covered.has(k));
        expect(missing).toEqual([]);
    });

    it("relaxes every row of the code's prod safeguard table, with and without the acknowledgement", () => {
        const sets = (r: Row, key: string) => (r.options.config ?? []).some((c) => c.startsWith(`${key}=`));
        const acknowledged = (r: Row) => (r.options.config ?? []).includes("acknowledgeProdOverrides=true");
        const prod = TABLE.filter((r) => r.cls === "§2 prod relaxation");
        for (const safeguard of PROD_SAFEGUARDS) {
            const { key } = safeguard;
            const refusedRows = prod.filter((r) => r.outcome.kind === "refused" && r.outcome.key === key);
            expect(refusedRows.length, `${key} refused without the acknowledgement`).toBeGreaterThan(0);
            const withAck = prod.filter((r) => sets(r, key) && acknowledged(r));
            if (safeguard.acknowledgeable === false)
                expect(withAck.every((r) => r.outcome.kind === "refused") && withAck.length > 0, key).toBe(true);
            else
                expect(
                    withAck.some((r) => r.outcome.kind === "accepted"),
                    `${key} accepted when acknowledged`,
                ).toBe(true);
        }
    });

    it("covers every class on all three committed stacks and both operators", () => {
        const onFlux = (r: Row) => (r.options.config ?? []).includes(FLUX);
        const stacks = new Set(refused.map((r) => r.file));
        expect([...stacks].sort()).toEqual(["dev", "prod", "staging"]);
        for (const cls of CLASSES.filter((c) => !["§5 sync window", "§6 SSO", "§6 credentials"].includes(c))) {
            // Sync windows, SSO and repo-creds are Argo CD's only; Flux intervals Flux's only.
            const rows = refused.filter((r) => r.cls === cls);
            expect(rows.length, cls).toBeGreaterThan(0);
            if (cls !== "§5 Flux interval")
                expect(
                    rows.some((r) => !onFlux(r)),
                    `${cls} on argocd`,
                ).toBe(true);
            if (cls !== "every key") expect(rows.some(onFlux), `${cls} on flux`).toBe(true);
        }
    });
});

// --- The same table on the GitOpsStack component's arguments -------------------------------------------------------

/**
 * Problems only a stack's configuration can have, which arguments cannot: a key outside the project's namespace
 * (kubernetes:context, a misspelt namespace) and a secret stored in plain text (the component keeps every secret
 * argument secret).
 */
const sourceOnly = (p: ConfigProblem): boolean =>
    !p.key.startsWith(`${PROJECT}:`) || p.message.startsWith("is stored in plain text;");

/** A parsed configuration with its Outputs (secrets) left out, to compare two parses. */
function comparable(value: unknown): unknown {
    if (pulumi.Output.isInstance(value)) return "<Output>";
    if (Array.isArray(value)) return value.map(comparable);
    if (value !== null && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
    return value;
}

/** The row's configuration passed as GitOpsStack arguments, validated as the component validates them. */
async function validateArgs(r: Row): Promise<{ parsed: StackConfig } | { error: unknown }> {
    const engine = stackConfig(r.file, r.options);
    for (const key of r.drop ?? []) delete engine.values[key];
    await pulumi.runtime.setMocks(mocks, PROJECT, r.stack, false);
    try {
        return {
            parsed: parseStackConfig(argsConfigSource(r.stack, await resolveArgs(argsFromEngine(engine), r.stack))),
        };
    } catch (err) {
        return { error: err };
    }
}

const sorted = (list: readonly string[]) => [...list].sort();

describe("the same table as GitOpsStack arguments: every rule runs on both sources, with the same messages", () => {
    const rows = TABLE.filter((r) => r.outcome.kind !== "override refused");
    it.each(rows.map((r) => [title(r), r] as const))("%s", async (_title, r) => {
        const engine = await validate(r);
        const args = await validateArgs(r);
        if ("overrideError" in engine)
            throw new Error(`the override itself failed:\n${messageOf(engine.overrideError)}`);
        const expected = "error" in engine ? (engine.error as ConfigError).problems.filter((p) => !sourceOnly(p)) : [];
        if (expected.length === 0) {
            if ("error" in args) throw new Error(`the arguments were refused:\n${messageOf(args.error)}`);
            if ("parsed" in engine) {
                expect(sorted(args.parsed.warnings)).toEqual(sorted(engine.parsed.warnings));
                expect(comparable(args.parsed)).toEqual(comparable(engine.parsed));
            }
            return;
        }
        if (!("error" in args))
            throw new Error(
                `the arguments were accepted; the configuration got:\n${messageOf((engine as { error: unknown }).error)}`,
            );
        expect(args.error).toBeInstanceOf(ConfigError);
        expect(sorted(problemsOf(args.error))).toEqual(sorted(expected.map((p) => `${p.key}: ${p.message}`)));
        expect(messageOf(args.error)).toContain(`Invalid configuration for stack "${r.stack}"`);
    });

    it("has more than a hundred rows the arguments must refuse (not only stack-file problems)", () => {
        const onArgs = rows.filter(
            (r) => r.outcome.kind === "refused" && full(r.outcome.key).startsWith(`${PROJECT}:`),
        );
        expect(onArgs.length).toBeGreaterThan(100);
    });
});
