import * as path from "node:path";
import { PROJECT, SECRET_KEYS } from "../../src/config";
import { isSecretValue, runProgram, type ProgramRun, type RecordedResource } from "../../src/offline/mockRun";
import { applyOverrides, readStackFile, type EngineConfig } from "../../src/offline/stackFile";
import { main, type StackOutputs } from "../../src/program";
import {
    TEST_CA_CERTIFICATE,
    TEST_GITHUB_APP_KEY,
    TEST_SEALED_CERTIFICATE,
    TEST_SEALED_PRIVATE_KEY,
    TEST_SSH_PRIVATE_KEY,
} from "./testKeys";

export const ROOT = path.resolve(__dirname, "../..");
export const STACKS = ["dev", "staging", "prod"] as const;

/**
 * Test values for every secret key, each of the shape its key claims (the program parses them, issue 19 §1): the
 * tokens are recognisable (4f1c), the keys are tests/support/testKeys.ts's, so a test can prove they never leak.
 */
export const TEST_SECRETS: Record<keyof typeof SECRET_KEYS, string> = {
    sshPrivateKey: TEST_SSH_PRIVATE_KEY,
    httpsToken: "ghp_testtoken4f1c",
    githubAppPrivateKey: TEST_GITHUB_APP_KEY,
    slackToken: "xoxb-test-slack-4f1c",
    ssoClientSecret: "test-sso-client-secret-4f1c",
    // The channels the notification tests configure (tests/*/notifications*.test.ts), one entry per type.
    alertSecrets: JSON.stringify({
        deploys: { token: "xoxb-test-alert-slack-4f1c" },
        mail: { password: "test-smtp-password-4f1c" },
        teams: { url: "https://api.powerautomate.com/test-teams-webhook-4f1c" },
        hook: {
            url: "https://hooks.acme.example/test-webhook-4f1c",
            headers: { Authorization: "Bearer test-header-4f1c" },
        },
        oncall: { routingKey: "testpagerdutykey4f1c000000000000" },
    }),
    // The clusters the multi-cluster tests configure (tests/argocd/clusters.test.ts): a bearer and an exec cluster.
    clusterCredentials: JSON.stringify({
        "eu-1": {
            bearerToken: "test-cluster-token-eu1-4f1c",
            caData: Buffer.from(TEST_CA_CERTIFICATE).toString("base64"),
        },
        "us-1": {
            exec: {
                command: "argocd-k8s-auth",
                args: ["aws", "--cluster-name", "us-1"],
                apiVersion: "client.authentication.k8s.io/v1beta1",
            },
        },
    }),
    // A real age identity (age-keygen v1.2.1; its public key: TEST_AGE_RECIPIENT), used only by the tests.
    sopsAgeKey: "AGE-SECRET-KEY-1JMMFVDR5C9X5JPU39TAYN6SJKMG9YT0CKZ0EFC2UP0QW8AH7A9FQAQVJWS",
    sealedSecretsCertificate: TEST_SEALED_CERTIFICATE,
    sealedSecretsPrivateKey: TEST_SEALED_PRIVATE_KEY,
    // 44 visible ASCII characters: long enough for the length check (MIN_WEBHOOK_SECRET_LENGTH).
    gitWebhookSecret: "test-git-webhook-secret-4f1c-0123456789abcdef",
};

/** The public key of TEST_SECRETS.sopsAgeKey, as age-keygen printed it. */
export const TEST_AGE_RECIPIENT = "age10wpxqtayywrtrsud4twnr7vwg8w49ejuhew2rrq2g7shxqa2qgrsknulp3";

export interface StackOptions {
    /** `key=value` overrides, as `pulumi config set key value`. */
    config?: string[];
    /** Raw engine values set without the render's key checks (e.g. a misspelt key, as a stack file could have). */
    raw?: Record<string, string>;
    /** Remove these keys from the stack's configuration. */
    unset?: string[];
    /** Secrets to set (default: all TEST_SECRETS); `null` leaves one unset. */
    secrets?: Partial<Record<keyof typeof SECRET_KEYS, string | null>>;
}

/** The committed stack file's configuration, with test secrets injected as the CLI would pass secrets. */
export function stackConfig(stack: string, options: StackOptions = {}): EngineConfig {
    const base = applyOverrides(readStackFile(ROOT, stack), options.config ?? []);
    const values = { ...base.values, ...options.raw };
    for (const key of options.unset ?? []) delete values[`${PROJECT}:${key}`];
    const secretKeys = new Set(base.secretKeys);
    const secrets = { ...TEST_SECRETS, ...options.secrets };
    for (const [name, value] of Object.entries(secrets)) {
        const full = `${PROJECT}:${name}`;
        if (value === null) {
            delete values[full];
            secretKeys.delete(full);
        } else {
            values[full] = value;
            secretKeys.add(full);
        }
    }
    return { values, secretKeys: [...secretKeys] };
}

/** Runs the real program (src/program main) for a committed stack under Pulumi's mocks. */
export async function runStack(stack: string, options: StackOptions = {}): Promise<ProgramRun<StackOutputs>> {
    return runProgram(stack, stackConfig(stack, options), main);
}

/** Runs a program that builds components directly, with no stack configuration, under the same offline engine. */
export function runComponents<T>(program: () => T): Promise<ProgramRun<Awaited<T>>> {
    return runProgram("dev", { values: {}, secretKeys: [] }, program);
}

/** The error the program throws for a configuration, or a failure if it does not throw. */
export async function configErrorOf(stack: string, options: StackOptions): Promise<string> {
    try {
        await runStack(stack, options);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error(`stack ${stack} with ${JSON.stringify(options)} was expected to fail validation`);
}

/** Strips the engine's secret wrappers (for asserting on values). */
export function plain(value: unknown): unknown {
    if (isSecretValue(value)) return plain(value.value);
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

/** Inputs with every Pulumi secret cut out: what a diff, the state's plain part or the render may show. */
export function withoutSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(withoutSecrets);
    if (value && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
    return value;
}

export const byType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);

/** The Kubernetes custom resources of a kind (Application, AppProject, GitRepository...). */
export function customResources(resources: RecordedResource[], kind: string): Array<Record<string, any>> {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && (r.inputs as { kind?: string }).kind === kind)
        .map((r) => plain(r.inputs) as Record<string, any>);
}

export function findOne(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = byType(resources, type).map((r) => r.name);
        throw new Error(`no ${type} named ${name}; found: ${names.join(", ") || "none of that type"}`);
    }
    return found;
}

/** Custom resources whose parent is not a gitops-stack component (every Kubernetes object should have one). */
export function unparentedObjects(resources: RecordedResource[]): string[] {
    const components = new Map(resources.filter((r) => !r.custom).map((r) => [r.urn, r.type]));
    return resources
        .filter((r) => r.custom && !components.get(r.parent)?.startsWith("gitops-stack:"))
        .map((r) => `${r.type} ${r.name}`);
}

/** The direct children of a component, as `<Kind> <name>`, sorted. */
export function childrenOf(resources: RecordedResource[], type: string, name: string): string[] {
    const parent = findOne(resources, type, name).urn;
    return resources
        .filter((r) => r.parent === parent)
        .map((r) => `${r.type.split(":").pop()} ${r.name}`)
        .sort();
}

/**
 * Every URN a resource depends on, directly or through its dependencies: what the engine orders creates after (and
 * deletes before). The Applications depend on the root directly, on the rest through it (issue 25 §10).
 */
export function dependencyClosure(resources: RecordedResource[], resource: RecordedResource): Set<string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const visit = (urn: string) => {
        if (seen.has(urn)) return;
        seen.add(urn);
        for (const d of byUrn.get(urn)?.dependencies ?? []) visit(d);
    };
    for (const d of resource.dependencies) visit(d);
    return seen;
}
