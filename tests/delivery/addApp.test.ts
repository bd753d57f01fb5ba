/**
 * add-app (issue 24): a new app's base and overlays from the template the team owns, checked against each stack's
 * own rules, with the stack entries printed; running it again changes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
    argv,
    cleanTemps,
    exampleRepo,
    fluxSetters,
    git,
    gitops,
    kustomize,
    read,
    renderedImages,
    ROOT,
    tempDir,
} from "./support";

afterAll(cleanTemps);

const IMAGE = "ghcr.io/acme/billing";
const files = (repo: string) =>
    git(repo, "ls-files", "--others", "--exclude-standard").split("\n").filter(Boolean).sort();
const snapshot = (repo: string) => Object.fromEntries(files(repo).map((f) => [f, read(repo, f)]));

describe("add-app", () => {
    it("scaffolds the base and an overlay per stack, each rendering the app at the tag, with Flux's setter marker where Flux automates it", async () => {
        const repo = exampleRepo();
        const result = await gitops(
            argv`add-app --repo ${repo} --app billing --image ${IMAGE} --tag 1.0.0 --semver-range ${">=1.0.0 <2.0.0"} --depends-on platform --config operator=flux`,
        );
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(files(repo)).toEqual([
            "apps/billing/base/deployment.yaml",
            "apps/billing/base/kustomization.yaml",
            "apps/billing/base/service.yaml",
            "apps/billing/overlays/dev/kustomization.yaml",
            "apps/billing/overlays/prod/kustomization.yaml",
            "apps/billing/overlays/staging/kustomization.yaml",
        ]);
        for (const env of ["dev", "staging", "prod"]) {
            const rendered = kustomize(path.join(repo, "apps/billing/overlays", env));
            expect(renderedImages(rendered)).toEqual([`${IMAGE}:1.0.0`]);
            expect(rendered).toContain(`namespace: billing-${env}`);
        }
        // Flux image automation runs in dev and staging (never prod): the ImagePolicy the program names billing-<env>.
        expect(fluxSetters(read(repo, "apps/billing/overlays/dev/kustomization.yaml"))).toEqual([
            { field: "newTag", value: "1.0.0", policy: "flux-system:billing-dev:tag" },
        ]);
        expect(fluxSetters(read(repo, "apps/billing/overlays/staging/kustomization.yaml"))).toHaveLength(1);
        expect(fluxSetters(read(repo, "apps/billing/overlays/prod/kustomization.yaml"))).toEqual([]);

        expect(result.out).toContain(
            [
                "Stack dev (dev): add to gitops-stack:apps in Pulumi.dev.yaml",
                "    - name: billing",
                "      namespace: billing-dev",
                "      dependsOn:",
                "        - platform",
                `      image: ${IMAGE}`,
                '      semverRange: ">=1.0.0 <2.0.0"',
                "or, with the Pulumi CLI:",
                "  pulumi config set --path 'apps[3].name' billing --stack dev",
                "  pulumi config set --path 'apps[3].namespace' billing-dev --stack dev",
                "  pulumi config set --path 'apps[3].dependsOn[0]' platform --stack dev",
                `  pulumi config set --path 'apps[3].image' ${IMAGE} --stack dev`,
                "  pulumi config set --path 'apps[3].semverRange' '>=1.0.0 <2.0.0' --stack dev",
                "  pulumi up --stack dev",
            ].join("\n"),
        );
        // The app then takes releases like any other.
        const released = await gitops(argv`set-image --repo ${repo} --env dev --app billing --tag 1.0.1`);
        expect(released.code).toBe(0);
        expect(fluxSetters(read(repo, "apps/billing/overlays/dev/kustomization.yaml"))[0].value).toBe("1.0.1");
    });

    it("changes nothing when run again, and never overwrites a file that differs", async () => {
        const repo = exampleRepo();
        const args = argv`add-app --repo ${repo} --app billing --image ${IMAGE} --tag 1.0.0 --stack staging`;
        expect((await gitops(args)).code).toBe(0);
        const first = snapshot(repo);
        const again = await gitops(args);
        expect(again.code).toBe(0);
        expect(again.out).not.toContain("Created");
        expect(again.out).toContain("Already there, as the template makes them:\n  apps/billing/base/deployment.yaml");
        expect(snapshot(repo)).toEqual(first);

        const overlayFile = "apps/billing/overlays/staging/kustomization.yaml";
        fs.appendFileSync(path.join(repo, overlayFile), "# edited by the team\n");
        const edited = await gitops(args);
        expect(edited.code).toBe(0);
        expect(edited.out).toContain(
            `Already there and different from the template (kept, not overwritten):\n  ${overlayFile}`,
        );
        expect(read(repo, overlayFile)).toContain("# edited by the team\n");
    });

    it("says when a stack lists the app already", async () => {
        const repo = exampleRepo();
        const result = await gitops(
            argv`add-app --repo ${repo} --app guestbook --image ${IMAGE} --tag 1.0.0 --stack prod`,
        );
        expect(result.code).toBe(0);
        expect(result.out).toContain("Stack prod (prod) lists guestbook already (Pulumi.prod.yaml); nothing to add.");
        expect(result.out).not.toContain("pulumi config set");
    });

    it("uses the team's template, and refuses a placeholder it does not know before writing anything", async () => {
        const repo = exampleRepo();
        const template = tempDir("template");
        fs.cpSync(path.join(ROOT, "templates/app"), template, { recursive: true });
        const overlayTemplate = path.join(template, "overlay/kustomization.yaml");
        fs.writeFileSync(
            overlayTemplate,
            fs.readFileSync(overlayTemplate, "utf8").replace("    count: 1", "    count: 3 # {{team}} default"),
        );
        const unknown = await gitops(
            argv`add-app --repo ${repo} --app billing --image ${IMAGE} --tag 1.0.0 --template ${template}`,
        );
        expect(unknown.code).toBe(1);
        expect(unknown.err).toContain("--template: overlay/kustomization.yaml:13 uses {{team}}; expected one of");
        expect(files(repo)).toEqual([]);

        fs.writeFileSync(
            overlayTemplate,
            fs.readFileSync(overlayTemplate, "utf8").replace("{{team}} default", "the team's default"),
        );
        const ok = await gitops(
            argv`add-app --repo ${repo} --app billing --image ${IMAGE} --tag 6.0 --template ${template} --stack prod`,
        );
        expect(ok.err).toBe("");
        expect(ok.code).toBe(0);
        const prod = read(repo, "apps/billing/overlays/prod/kustomization.yaml");
        expect(prod).toContain("    count: 3 # the team's default\n");
        // A tag YAML would read as a number stays a string.
        expect(prod).toContain('    newTag: "6.0"\n');
        expect(renderedImages(kustomize(path.join(repo, "apps/billing/overlays/prod")))).toEqual([`${IMAGE}:6.0`]);
    });

    it.each([
        [["--app", "Billing"], 2, '--app "Billing" is not valid; expected a lowercase DNS label'],
        [["--app", "../billing"], 2, '--app "../billing" is not valid'],
        [["--app", "b".repeat(59), "--stack", "prod"], 2, "stack prod (prod) allows at most 58"],
        [["--namespace", "kube-system", "--stack", "dev"], 2, '--namespace gives "kube-system" in dev'],
        [["--namespace", "billing"], 2, '--namespace "billing" has no {env}'],
        [["--tag", ".1"], 2, '--tag ".1" is not a valid OCI tag'],
        [["--base-path", "../outside/{app}"], 2, '--base-path "../outside/{app}" is not valid'],
        [["--depends-on", "ledger"], 1, 'app "billing" depends on unknown app "ledger"'],
        [["--semver-range", "one point oh"], 1, 'app "billing".semverRange "one point oh" is not valid'],
        [["--stack", "qa"], 2, 'Unknown stack "qa"'],
    ])("refuses %j (exit %i) and writes nothing", async (extra, code, message) => {
        const repo = exampleRepo();
        const base = { "--app": "billing", "--image": IMAGE, "--tag": "1.0.0" } as Record<string, string>;
        const more: string[] = [];
        for (let i = 0; i < extra.length; i += 2) {
            if (extra[i] in base) base[extra[i]] = extra[i + 1];
            else more.push(extra[i], extra[i + 1]);
        }
        const result = await gitops(["add-app", "--repo", repo, ...Object.entries(base).flat(), ...more]);
        expect(result.err).toContain(message);
        expect(result.code).toBe(code);
        expect(files(repo)).toEqual([]);
    });

    it("refuses to write through a symlink", async () => {
        const repo = exampleRepo();
        const outside = tempDir("outside");
        fs.symlinkSync(outside, path.join(repo, "apps/billing"));
        const result = await gitops(argv`add-app --repo ${repo} --app billing --image ${IMAGE} --tag 1.0.0`);
        expect(result.code).toBe(1);
        expect(result.err).toContain(
            `apps/billing is a symlink (to ${fs.realpathSync(outside)}); add-app writes regular files inside the checkout only.`,
        );
        expect(fs.readdirSync(outside)).toEqual([]);
    });
});
