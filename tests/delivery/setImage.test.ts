import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
    argv,
    cleanTemps,
    exampleRepo,
    git,
    GIT_ENV,
    gitops,
    kustomize,
    overlay,
    read,
    renderedImages,
    ROOT,
    withRemote,
} from "./support";

afterAll(cleanTemps);

const GUESTBOOK = "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend";
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const commits = (dir: string) => Number(git(dir, "rev-list", "--count", "HEAD"));

describe("set-image", () => {
    it("pins the tag in the overlay, keeping every other byte, and commits only that change", async () => {
        const repo = exampleRepo();
        const before = read(repo, overlay("guestbook", "dev"));
        const result = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`);
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        expect(result.out).toContain(`guestbook in dev: ${GUESTBOOK} 5.2.0 -> 5.3.0`);
        // The Flux setter marker and the comment above the tag survive; nothing else moves.
        const after = read(repo, overlay("guestbook", "dev"));
        expect(after).toBe(
            before.replace(
                'newTag: 5.2.0 # {"$imagepolicy": "flux-system:guestbook-dev:tag"}',
                'newTag: 5.3.0 # {"$imagepolicy": "flux-system:guestbook-dev:tag"}',
            ),
        );
        expect(git(repo, "log", "-1", "--format=%s")).toBe("Set guestbook image in dev: gb-frontend 5.2.0 -> 5.3.0");
        expect(git(repo, "log", "-1", "--format=%b")).toContain(
            `app: guestbook\nenv: dev\nimage: ${GUESTBOOK}\nold: 5.2.0\nnew: 5.3.0`,
        );
        expect(git(repo, "show", "--name-only", "--format=", "HEAD")).toBe(overlay("guestbook", "dev"));
        expect(git(repo, "status", "--porcelain")).toBe("");
        expect(renderedImages(kustomize(path.join(repo, "apps/guestbook/overlays/dev")))).toEqual([
            `${GUESTBOOK}:5.3.0`,
        ]);
    });

    it("is idempotent: the same tag again changes nothing and makes no commit", async () => {
        const repo = exampleRepo();
        const args = argv`set-image --repo ${repo} --env staging --app podinfo --tag 6.8.0`;
        expect((await gitops(args)).code).toBe(0);
        const count = commits(repo);
        const file = read(repo, overlay("podinfo", "staging"));
        const again = await gitops(args);
        expect(again.code).toBe(0);
        expect(again.out).toContain("No change: podinfo in staging already pins ghcr.io/stefanprodan/podinfo 6.8.0");
        expect(commits(repo)).toBe(count);
        expect(read(repo, overlay("podinfo", "staging"))).toBe(file);
    });

    it("pins a digest (dropping a tag it no longer matches), or a tag and a digest together", async () => {
        const repo = exampleRepo();
        // storefront's dev overlay pins a plain newTag (no image automation marker).
        const file = overlay("storefront", "dev");
        const digestOnly = await gitops(argv`set-image --repo ${repo} --env dev --app storefront --digest ${DIGEST}`);
        expect(digestOnly.err).toBe("");
        expect(digestOnly.code).toBe(0);
        expect(read(repo, file)).toContain(`    newName: ghcr.io/stefanprodan/podinfo\n    digest: ${DIGEST}\n`);
        expect(read(repo, file)).not.toContain("newTag");
        expect(git(repo, "log", "-1", "--format=%s")).toBe(
            "Set storefront image in dev: podinfo 6.7.1 -> sha256:0123456789ab…",
        );
        expect(git(repo, "log", "-1", "--format=%b")).toContain(`old: 6.7.1\nnew: ${DIGEST}`);
        expect(renderedImages(kustomize(path.join(repo, "apps/storefront/overlays/dev")))).toEqual([
            `ghcr.io/stefanprodan/podinfo@${DIGEST}`,
        ]);

        const both = await gitops(
            argv`set-image --repo ${repo} --env dev --app storefront --tag 6.9.0 --digest ${DIGEST}`,
        );
        expect(both.code).toBe(0);
        expect(renderedImages(kustomize(path.join(repo, "apps/storefront/overlays/dev")))).toEqual([
            `ghcr.io/stefanprodan/podinfo:6.9.0@${DIGEST}`,
        ]);
        // A tag alone afterwards drops the digest, which would otherwise keep the old image running.
        expect((await gitops(argv`set-image --repo ${repo} --env dev --app storefront --tag 7.0.0`)).code).toBe(0);
        expect(read(repo, file)).not.toContain("digest");
        expect(renderedImages(kustomize(path.join(repo, "apps/storefront/overlays/dev")))).toEqual([
            "ghcr.io/stefanprodan/podinfo:7.0.0",
        ]);
    });

    it("leaves whatever else the user staged out of its commit, and staged", async () => {
        const repo = exampleRepo();
        fs.appendFileSync(path.join(repo, "README.md"), "\nwork in progress\n");
        git(repo, "add", "README.md");
        const result = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`);
        expect(result.code).toBe(0);
        expect(git(repo, "show", "--name-only", "--format=", "HEAD")).toBe(overlay("guestbook", "dev"));
        expect(git(repo, "status", "--porcelain")).toBe("M  README.md");
    });

    it("quotes a tag YAML would otherwise read as a number", async () => {
        const repo = exampleRepo();
        expect((await gitops(argv`set-image --repo ${repo} --env prod --app guestbook --tag 6.0`)).code).toBe(0);
        expect(read(repo, overlay("guestbook", "prod"))).toContain('    newTag: "6.0"\n');
        expect(renderedImages(kustomize(path.join(repo, "apps/guestbook/overlays/prod")))).toEqual([
            `${GUESTBOOK}:6.0`,
        ]);
    });

    it("keeps the layout kustomize edit writes (sequences not indented)", async () => {
        const repo = exampleRepo();
        const file = overlay("podinfo", "prod");
        const flat =
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n# pinned by CI\nnamespace: podinfo-prod\nresources:\n- ../../base\n- hpa.yaml\nimages:\n- name: ghcr.io/stefanprodan/podinfo\n  newName: ghcr.io/stefanprodan/podinfo\n  newTag: 6.6.3 # last release\n";
        fs.writeFileSync(path.join(repo, file), flat);
        git(repo, "commit", "--quiet", "-am", "kustomize edit style");
        expect((await gitops(argv`set-image --repo ${repo} --env prod --app podinfo --tag 6.7.2`)).code).toBe(0);
        expect(read(repo, file)).toBe(flat.replace("newTag: 6.6.3 #", "newTag: 6.7.2 #"));
    });

    it("refuses to reformat a file it cannot reproduce byte for byte", async () => {
        const repo = exampleRepo();
        const file = overlay("podinfo", "prod");
        const flow =
            "resources: [../../base, hpa.yaml]\nimages: [{name: ghcr.io/stefanprodan/podinfo, newTag: 6.6.3}]\n";
        fs.writeFileSync(path.join(repo, file), flow);
        git(repo, "commit", "--quiet", "-am", "flow style");
        const result = await gitops(argv`set-image --repo ${repo} --env prod --app podinfo --tag 6.7.2`);
        expect(result.code).toBe(1);
        expect(result.err).toContain(`${file} cannot be edited without reformatting it`);
        expect(read(repo, file)).toBe(flow);
    });

    it.each([
        [["--tag", ".hidden"], 'tag ".hidden" is not a valid OCI tag'],
        [["--tag", "1.4.2:latest"], 'tag "1.4.2:latest" is not a valid OCI tag'],
        [["--tag", "a".repeat(129)], "is not a valid OCI tag; expected 1 to 128 characters"],
        [
            ["--digest", "sha256:abc"],
            'digest "sha256:abc" is not a valid OCI digest; expected sha256:<64 lowercase hex digits>',
        ],
        [["--digest", DIGEST.toUpperCase()], "is not a valid OCI digest"],
        [["--tag", "1.0.0", "--env", "qa"], 'env "qa" does not exist in'],
        [["--tag", "1.0.0", "--app", "billing"], 'app "billing" has no dev overlay'],
        [["--tag", "1.0.0", "--app", "platform"], "has no images: entries"],
        [
            ["--tag", "1.0.0", "--image", "nginx"],
            'has no image "nginx"; its images: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend',
        ],
    ])("refuses %j with exit 1 and says why", async (extra, message) => {
        const repo = exampleRepo();
        const head = git(repo, "rev-parse", "HEAD");
        const base = { "--env": "dev", "--app": "guestbook" } as Record<string, string>;
        for (let i = 0; i < extra.length; i += 2) base[extra[i]] = extra[i + 1];
        const args = ["set-image", "--repo", repo, ...Object.entries(base).flat()];
        const result = await gitops(args);
        expect(result.code).toBe(1);
        expect(result.err).toContain(message);
        expect(git(repo, "rev-parse", "HEAD")).toBe(head);
        expect(git(repo, "status", "--porcelain")).toBe("");
    });

    it("lists the environments and apps that exist when refusing", async () => {
        const repo = exampleRepo();
        const env = await gitops(argv`set-image --repo ${repo} --env qa --app guestbook --tag 1`);
        expect(env.err).toContain("expected one of: dev, prod, staging.");
        const app = await gitops(argv`set-image --repo ${repo} --env dev --app billing --tag 1`);
        expect(app.err).toContain("apps in dev: guestbook, platform, podinfo, storefront, storefront-secrets.");
    });

    it("refuses an overlay with uncommitted changes, and a directory that is not a checkout", async () => {
        const repo = exampleRepo();
        fs.appendFileSync(path.join(repo, overlay("guestbook", "dev")), "# local edit\n");
        const dirty = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`);
        expect(dirty.code).toBe(1);
        expect(dirty.err).toContain("has uncommitted changes");
        expect(read(repo, overlay("guestbook", "dev"))).toContain("# local edit\n");

        const plain = path.dirname(repo);
        const notRepo = await gitops(argv`set-image --repo ${plain} --env dev --app guestbook --tag 1`);
        expect(notRepo.code).toBe(1);
        expect(notRepo.err).toContain("is not a git checkout");
    });

    it.each([
        [["set-image", "--env", "dev", "--app", "guestbook", "--tag", "1"], "missing --repo"],
        [["set-image", "--repo", ".", "--env", "dev", "--app", "guestbook"], "missing --tag or --digest"],
        [["set-image", "--repo", ".", "--app", "guestbook", "--tag", "1"], "missing --env (or --stack)"],
        [
            ["set-image", "--repo", ".", "--env", "dev", "--app", "guestbook", "--tag", "1", "--force"],
            "Unknown option '--force'",
        ],
        [["deploy"], 'unknown command "deploy"'],
    ])("exits 2 on bad arguments: %j", async (args, message) => {
        const result = await gitops(args);
        expect(result.code).toBe(2);
        expect(result.err).toContain(message);
        expect(result.err).toContain("Usage:");
    });

    it("finds the overlay through a stack's appPathTemplate, or --path-template", async () => {
        const repo = exampleRepo();
        // Another layout: overlays/<env>/<app>, bases where they were.
        for (const env of ["dev", "staging", "prod"]) {
            for (const app of ["platform", "guestbook", "podinfo"]) {
                const from = path.join(repo, "apps", app, "overlays", env);
                const to = path.join(repo, "overlays", env, app);
                fs.mkdirSync(path.dirname(to), { recursive: true });
                fs.renameSync(from, to);
                const k = path.join(to, "kustomization.yaml");
                fs.writeFileSync(k, fs.readFileSync(k, "utf8").replace("- ../../base", `- ../../../apps/${app}/base`));
            }
        }
        git(repo, "add", "--all");
        git(repo, "commit", "--quiet", "-m", "overlays/<env>/<app>");
        const file = "overlays/staging/guestbook/kustomization.yaml";

        const viaStack = await gitops(
            argv`set-image --repo ${repo} --stack staging --config appPathTemplate=overlays/{env}/{app} --app guestbook --tag 5.1.1`,
        );
        expect(viaStack.err).toBe("");
        expect(viaStack.code).toBe(0);
        expect(git(repo, "show", "--name-only", "--format=", "HEAD")).toBe(file);
        expect(renderedImages(kustomize(path.join(repo, "overlays/staging/guestbook")))).toEqual([
            `${GUESTBOOK}:5.1.1`,
        ]);

        const viaTemplate = await gitops(
            argv`set-image --repo ${repo} --path-template overlays/{env}/{app} --env staging --app guestbook --tag 5.1.2`,
        );
        expect(viaTemplate.code).toBe(0);
        expect(read(repo, file)).toContain("newTag: 5.1.2 #");

        // The stack knows its apps and its environment.
        const wrongApp = await gitops(
            argv`set-image --repo ${repo} --stack staging --config appPathTemplate=overlays/{env}/{app} --app billing --tag 1`,
        );
        expect(wrongApp.code).toBe(1);
        expect(wrongApp.err).toContain(
            'app "billing" is not an app of stack staging; its apps: platform, guestbook, podinfo.',
        );
        const wrongEnv = await gitops(argv`set-image --repo ${repo} --stack staging --env dev --app guestbook --tag 1`);
        expect(wrongEnv.code).toBe(1);
        expect(wrongEnv.err).toContain('stack staging deploys the staging environment, not "dev"');
        // The default layout is gone from this checkout: the stack's default template finds nothing there.
        const defaultTemplate = await gitops(argv`set-image --repo ${repo} --stack staging --app guestbook --tag 1`);
        expect(defaultTemplate.code).toBe(1);
        expect(defaultTemplate.err).toContain("gives apps/guestbook/overlays/staging, which has no kustomization.yaml");
    });

    it("pushes the branch with --push", async () => {
        const repo = exampleRepo();
        const remote = withRemote(repo);
        const pushed = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0 --push`);
        expect(pushed.err).toBe("");
        expect(pushed.code).toBe(0);
        expect(pushed.out).toContain("Pushed main to origin.");
        expect(git(remote, "rev-parse", "main")).toBe(git(repo, "rev-parse", "HEAD"));
    });
});

describe("the gitops command line (scripts/gitops.ts)", () => {
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const run = (args: string[], cwd: string) =>
        spawnSync(tsx, [path.join(ROOT, "scripts/gitops.ts"), ...args], {
            cwd: ROOT,
            // npm runs scripts from the package root and says where the user was in INIT_CWD.
            env: { ...GIT_ENV, INIT_CWD: cwd },
            encoding: "utf8",
        });

    it("resolves --repo against the directory npm was run from, and exits with the documented codes", () => {
        const repo = exampleRepo();
        const ok = run(
            ["set-image", "--repo", path.basename(repo), "--env", "dev", "--app", "podinfo", "--tag", "6.8.0"],
            path.dirname(repo),
        );
        expect(ok.stderr).toBe("");
        expect(ok.status).toBe(0);
        expect(git(repo, "log", "-1", "--format=%s")).toBe("Set podinfo image in dev: podinfo 6.7.1 -> 6.8.0");
        const refused = run(["set-image", "--repo", repo, "--env", "dev", "--app", "podinfo", "--tag=-x"], ROOT);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain('gitops: tag "-x" is not a valid OCI tag');
        const usage = run(["promote", "--repo", repo], ROOT);
        expect(usage.status).toBe(2);
        expect(usage.stderr).toContain("gitops: missing --from, --to.");
    });
});
