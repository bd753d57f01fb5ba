/**
 * Policy no-plain-secrets-in-git (issue 12): the Git paths a stack deploys, read from a local checkout of the
 * repository, commit no Secret in plain text. The example repository passes with every stack; a plain Secret added
 * to an app the stack deploys is refused, naming the object, the path and the file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../src/offline/mockRun";
import { ROOT, STACKS, plain, runStack, stackConfig } from "../support/stacks";
import { violations, type PackObject } from "./harness";

const POLICY = "no-plain-secrets-in-git";
const REPO = path.join(ROOT, "gitops-repo");

const toPack = (stack: string, resources: RecordedResource[]): PackObject[] =>
    resources.map((r) => ({ type: r.type, name: r.name, stack, props: plain(r.inputs) as Record<string, any> }));

async function found(stack: string, operator: string, repositoryDir: string): Promise<string[]> {
    const options = { config: [`operator=${operator}`] };
    const resources = (await runStack(stack, options)).resources;
    return violations(toPack(stack, resources), {
        engineConfig: stackConfig(stack, options).values,
        policyConfig: { [POLICY]: { repositoryDir } },
    }).filter((v) => v.startsWith(`${POLICY}:`));
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-policy-secrets-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the example repository with a plain Secret in podinfo's base (every environment deploys it). */
function repoWithPlainSecret(): string {
    const dir = fs.mkdtempSync(path.join(tmp, "repo-"));
    fs.cpSync(REPO, dir, { recursive: true });
    const base = path.join(dir, "apps/podinfo/base");
    fs.writeFileSync(
        path.join(base, "db-secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: podinfo-db\nstringData:\n  password: hunter2\n",
    );
    const k = path.join(base, "kustomization.yaml");
    fs.writeFileSync(k, fs.readFileSync(k, "utf8").replace("resources:\n", "resources:\n  - db-secret.yaml\n"));
    return dir;
}

describe.each(["argocd", "flux"])("%s stacks", (operator) => {
    it.each(STACKS)("%s passes against the example repository", async (stack) => {
        expect(await found(stack, operator, REPO)).toEqual([]);
    });

    it.each(STACKS)("%s is refused when an app it deploys commits a plain Secret", async (stack) => {
        const messages = await found(stack, operator, repoWithPlainSecret());
        expect(messages).toHaveLength(1);
        const [message] = messages;
        expect(message).toContain(
            `${operator === "flux" ? "Kustomization" : "Application"} ${stack}-podinfo in stack "${stack}"`,
        );
        expect(message).toContain(`apps/podinfo/overlays/${stack}, which commits Secret "podinfo-db" in plain text`);
        expect(message).toContain("(apps/podinfo/base/db-secret.yaml)");
        expect(message).toMatch(/expected it encrypted in Git: SOPS .*SealedSecret .*ExternalSecret/);
    });
});

it("checks nothing without a local checkout (the pack cannot read Git)", async () => {
    expect(await found("prod", "flux", "")).toEqual([]);
});

describe("the whole pack with the issue 12 add-ons on", () => {
    const addOns = (secretsInGit: string) => [
        "argoRollouts=true",
        `secretsInGit=${secretsInGit}`,
        "externalSecretsVaultServer=https://vault.acme.example:8200",
    ];
    it.each(
        STACKS.flatMap((stack) => [
            [stack, "argocd", "sealed-secrets"],
            [stack, "argocd", "external-secrets"],
            [stack, "flux", "sops"],
            [stack, "flux", "external-secrets"],
        ]),
    )("%s with %s and secretsInGit=%s passes every mandatory policy", async (stack, operator, secretsInGit) => {
        const options = { config: [`operator=${operator}`, ...addOns(secretsInGit)] };
        const resources = (await runStack(stack, options)).resources;
        const found = violations(toPack(stack, resources), {
            engineConfig: stackConfig(stack, options).values,
            policyConfig: { [POLICY]: { repositoryDir: REPO } },
        });
        expect(found).toEqual([]);
    });
});
