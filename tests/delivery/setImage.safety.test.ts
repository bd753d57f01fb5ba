/**
 * set-image made safe for a team's real use (issue 21): setter markers and comments survive every edit, tags that
 * image automation would undo are refused unless asked for, and commits carry audit trailers and are signed when the
 * repository's git signs.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
    argv,
    cleanTemps,
    commentsOf,
    exampleRepo,
    fluxSetters,
    git,
    gitops,
    kustomize,
    overlay,
    read,
    renderedImages,
    tempDir,
} from "./support";

afterAll(cleanTemps);

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const OTHER_DIGEST = `sha256:${"fedcba9876543210".repeat(4)}`;
const PODINFO = "ghcr.io/stefanprodan/podinfo";

describe("set-image keeps every comment and setter marker", () => {
    it("a digest alone keeps the newTag Flux's automation writes, with its comment and marker; a later tag still finds it", async () => {
        const repo = exampleRepo();
        const file = overlay("podinfo", "dev");
        const before = read(repo, file);
        expect(fluxSetters(before)).toEqual([
            { field: "newTag", value: "6.7.1", policy: "flux-system:podinfo-dev:tag" },
        ]);

        const digest = await gitops(argv`set-image --repo ${repo} --env dev --app podinfo --digest ${DIGEST}`);
        expect(digest.err).toBe("");
        expect(digest.code).toBe(0);
        expect(digest.out).toContain(
            'Kept newTag 6.7.1 and its setter marker {"$imagepolicy": "flux-system:podinfo-dev:tag"}: image automation writes that field.',
        );
        const pinned = read(repo, file);
        // Re-read with Flux's setter format: the marker is on the same field, with the same policy.
        expect(fluxSetters(pinned)).toEqual([
            { field: "newTag", value: "6.7.1", policy: "flux-system:podinfo-dev:tag" },
        ]);
        expect(commentsOf(pinned)).toEqual(commentsOf(before));
        expect(pinned).toBe(
            before.replace(
                'newTag: 6.7.1 # {"$imagepolicy": "flux-system:podinfo-dev:tag"}\n',
                `newTag: 6.7.1 # {"$imagepolicy": "flux-system:podinfo-dev:tag"}\n    digest: ${DIGEST}\n`,
            ),
        );
        expect(renderedImages(kustomize(path.join(repo, "apps/podinfo/overlays/dev")))).toEqual([
            `${PODINFO}:6.7.1@${DIGEST}`,
        ]);

        // The same digest again: nothing to do. A new tag afterwards: written where the marker is, digest gone.
        expect((await gitops(argv`set-image --repo ${repo} --env dev --app podinfo --digest ${DIGEST}`)).out).toContain(
            "No change",
        );
        expect((await gitops(argv`set-image --repo ${repo} --env dev --app podinfo --tag 6.8.0`)).code).toBe(0);
        const tagged = read(repo, file);
        expect(fluxSetters(tagged)).toEqual([
            { field: "newTag", value: "6.8.0", policy: "flux-system:podinfo-dev:tag" },
        ]);
        expect(tagged).toBe(before.replace("newTag: 6.7.1 #", "newTag: 6.8.0 #"));
    });

    it("a tag and a digest together keep the marker on newTag", async () => {
        const repo = exampleRepo();
        const file = overlay("guestbook", "staging");
        const before = read(repo, file);
        const result = await gitops(
            argv`set-image --repo ${repo} --env staging --app guestbook --tag 5.1.1 --digest ${DIGEST}`,
        );
        expect(result.code).toBe(0);
        const after = read(repo, file);
        expect(fluxSetters(after)).toEqual([
            { field: "newTag", value: "5.1.1", policy: "flux-system:guestbook-staging:tag" },
        ]);
        expect(commentsOf(after)).toEqual(commentsOf(before));
    });

    it("a field it removes leaves its comments behind, on the line before the next key", async () => {
        const repo = exampleRepo();
        const file = overlay("storefront", "dev");
        const text = read(repo, file).replace(
            "    newTag: 6.7.1\n",
            "    # Bumped by the storefront team's CI.\n    newTag: 6.7.1 # release train 12\n",
        );
        fs.writeFileSync(path.join(repo, file), text);
        git(repo, "commit", "--quiet", "-am", "comments on the tag");
        const result = await gitops(argv`set-image --repo ${repo} --env dev --app storefront --digest ${DIGEST}`);
        expect(result.err).toBe("");
        expect(result.code).toBe(0);
        const after = read(repo, file);
        expect(after).toContain(
            `    # Bumped by the storefront team's CI.\n    # release train 12\n    digest: ${DIGEST}\n`,
        );
        expect(commentsOf(after)).toEqual(commentsOf(text));
    });

    it("refuses a tag alone where the digest carries a setter marker (automation writes digests there)", async () => {
        const repo = exampleRepo();
        const file = overlay("storefront", "dev");
        const text = read(repo, file).replace(
            "    newTag: 6.7.1\n",
            `    newTag: 6.7.1\n    digest: ${DIGEST} # {"$imagepolicy": "flux-system:storefront-dev:digest"}\n`,
        );
        fs.writeFileSync(path.join(repo, file), text);
        git(repo, "commit", "--quiet", "-am", "digest automation");
        const head = git(repo, "rev-parse", "HEAD");
        const result = await gitops(argv`set-image --repo ${repo} --env dev --app storefront --tag 6.8.0`);
        expect(result.code).toBe(1);
        expect(result.err).toContain(
            `the digest of ${PODINFO} carries Flux's setter marker {"$imagepolicy": "flux-system:storefront-dev:digest"}: image automation writes digests there, and a tag alone would remove it. Pass the image's digest as well (--digest).`,
        );
        expect(git(repo, "rev-parse", "HEAD")).toBe(head);
        expect(read(repo, file)).toBe(text);
        // With both, the marker stays on the digest.
        const both = await gitops(
            argv`set-image --repo ${repo} --env dev --app storefront --tag 6.8.0 --digest ${OTHER_DIGEST}`,
        );
        expect(both.code).toBe(0);
        expect(fluxSetters(read(repo, file))).toEqual([
            { field: "digest", value: OTHER_DIGEST, policy: "flux-system:storefront-dev:digest" },
        ]);
    });
});

describe("set-image refuses what image automation would undo, unless asked", () => {
    it("a tag outside the app's semverRange while automation is on (--stack), with --outside-range accepted", async () => {
        const repo = exampleRepo();
        const head = git(repo, "rev-parse", "HEAD");
        const refused = await gitops(argv`set-image --repo ${repo} --stack dev --app guestbook --tag 9.9.9`);
        expect(refused.code).toBe(1);
        expect(refused.err).toContain(
            'guestbook in dev: 9.9.9 is outside the app\'s semverRange ">=5.0.0 <6.0.0". Image automation is on for dev (stack dev, Argo CD Image Updater): it keeps us-docker.pkg.dev/google-samples/containers/gke/gb-frontend at the newest tag in that range and would replace 9.9.9 within minutes.',
        );
        expect(refused.err).toContain("or pass --outside-range if the automation is suspended for this app.");
        expect(git(repo, "rev-parse", "HEAD")).toBe(head);

        const flux = await gitops(
            argv`set-image --repo ${repo} --stack dev --config operator=flux --app podinfo --tag latest`,
        );
        expect(flux.code).toBe(1);
        expect(flux.err).toContain(
            'podinfo in dev: "latest" is not a semantic version, so the automation never selects it. Image automation is on for dev (stack dev, Flux image automation)',
        );

        const asked = await gitops(
            argv`set-image --repo ${repo} --stack dev --app guestbook --tag 9.9.9 --outside-range`,
        );
        expect(asked.err).toBe("");
        expect(asked.code).toBe(0);
        expect(asked.out).toContain(
            'Warning: 9.9.9 is outside the app\'s semverRange ">=5.0.0 <6.0.0"; --outside-range given.',
        );
        expect(fluxSetters(read(repo, overlay("guestbook", "dev")))[0].value).toBe("9.9.9");
    });

    it("accepts a tag in range, and any tag where automation is off (prod, or imageAutomation=false)", async () => {
        const repo = exampleRepo();
        expect((await gitops(argv`set-image --repo ${repo} --stack dev --app guestbook --tag 5.9.0`)).code).toBe(0);
        const prod = await gitops(argv`set-image --repo ${repo} --stack prod --app guestbook --tag 9.9.9`);
        expect(prod.err).toBe("");
        expect(prod.code).toBe(0);
        const off = await gitops(
            argv`set-image --repo ${repo} --stack staging --config imageAutomation=false --app guestbook --tag 9.9.9`,
        );
        expect(off.err).toBe("");
        expect(off.code).toBe(0);
    });

    it("a downgrade, with or without automation, unless --allow-downgrade", async () => {
        const repo = exampleRepo();
        const head = git(repo, "rev-parse", "HEAD");
        const automated = await gitops(argv`set-image --repo ${repo} --stack dev --app guestbook --tag 5.1.0`);
        expect(automated.code).toBe(1);
        expect(automated.err).toContain(
            'guestbook in dev: 5.1.0 is older than the pinned 5.2.0 (apps/guestbook/overlays/dev/kustomization.yaml); refused because image automation is on for dev (stack dev, Argo CD Image Updater) and keeps the newest tag in ">=5.0.0 <6.0.0": it would move us-docker.pkg.dev/google-samples/containers/gke/gb-frontend forward again. Pass --allow-downgrade to roll back on purpose (and suspend the automation for this app, or it undoes the rollback).',
        );
        const plain = await gitops(argv`set-image --repo ${repo} --env prod --app guestbook --tag 5.0.0`);
        expect(plain.code).toBe(1);
        expect(plain.err).toContain(
            "5.0.0 is older than the pinned 5.0.1 (apps/guestbook/overlays/prod/kustomization.yaml); refused because a late build of an older version must not undo a newer release silently. Pass --allow-downgrade to roll back on purpose.",
        );
        expect(git(repo, "rev-parse", "HEAD")).toBe(head);
        const rollback = await gitops(
            argv`set-image --repo ${repo} --env prod --app guestbook --tag 5.0.0 --allow-downgrade`,
        );
        expect(rollback.code).toBe(0);
        expect(rollback.out).toContain("Downgrade from 5.0.1 to 5.0.0 (--allow-downgrade).");
        expect(git(repo, "log", "-1", "--format=%s")).toBe("Set guestbook image in prod: gb-frontend 5.0.1 -> 5.0.0");
    });

    it("without --stack, says that the tag is not checked against a range the setter marker implies", async () => {
        const repo = exampleRepo();
        const result = await gitops(argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`);
        expect(result.code).toBe(0);
        expect(result.out).toContain(
            'Note: the newTag of us-docker.pkg.dev/google-samples/containers/gke/gb-frontend carries Flux\'s setter marker {"$imagepolicy": "flux-system:guestbook-dev:tag"}: image automation may write it. Pass --stack to check the tag against the app\'s semverRange.',
        );
    });
});

describe("audit trailers and signing", () => {
    it("carries Source-Commit and Build-URL trailers", async () => {
        const repo = exampleRepo();
        const sha = "4f1c2e9a7b3d5f60718293a4b5c6d7e8f9012345";
        const url = "https://github.com/acme/guestbook/actions/runs/123";
        const result = await gitops(
            argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0 --source-commit ${sha} --build-url ${url}`,
        );
        expect(result.code).toBe(0);
        expect(git(repo, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)").trim()).toBe(sha);
        expect(git(repo, "log", "-1", "--format=%(trailers:key=Build-URL,valueonly)").trim()).toBe(url);
    });

    it.each([
        [["--source-commit", "HEAD"], '--source-commit "HEAD" is not valid; expected the commit SHA'],
        [["--source-commit=-x"], '--source-commit "-x" is not valid'],
        [["--source-commit", "-x"], "--source-commit"],
        [
            ["--build-url", "http://ci.example/1"],
            '--build-url "http://ci.example/1" is not valid; expected the https URL',
        ],
        [
            ["--build-url", "https://user:pw@ci.example/1"],
            "--build-url carries credentials (user:password@; the value is not shown)",
        ],
    ])("refuses the trailer %j before writing anything (exit 2)", async (extra, message) => {
        const repo = exampleRepo();
        const head = git(repo, "rev-parse", "HEAD");
        const result = await gitops([
            ...argv`set-image --repo ${repo} --env dev --app guestbook --tag 5.3.0`,
            ...extra,
        ]);
        expect(result.code).toBe(2);
        expect(result.err).toContain(message);
        expect(result.err).not.toContain("pw@");
        expect(git(repo, "rev-parse", "HEAD")).toBe(head);
        expect(git(repo, "status", "--porcelain")).toBe("");
    });

    it("signs set-image and promote commits when the repository's git is configured to sign", async () => {
        const repo = exampleRepo();
        const keys = tempDir("signing");
        const key = path.join(keys, "signing");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "release-bot", "-f", key], {
            stdio: "ignore",
        });
        const allowed = path.join(keys, "allowed_signers");
        fs.writeFileSync(allowed, `release-bot@example.test ${fs.readFileSync(`${key}.pub`, "utf8")}`);
        git(repo, "config", "gpg.format", "ssh");
        git(repo, "config", "user.signingKey", key);
        git(repo, "config", "gpg.ssh.allowedSignersFile", allowed);
        git(repo, "config", "commit.gpgSign", "true");

        expect((await gitops(argv`set-image --repo ${repo} --env staging --app guestbook --tag 5.1.1`)).code).toBe(0);
        expect(git(repo, "log", "-1", "--format=%G?", "HEAD")).toBe("G");
        const promoted = await gitops(
            argv`promote --skip-verification --repo ${repo} --app guestbook --from staging --to prod --stack prod`,
        );
        expect(promoted.code).toBe(0);
        expect(git(repo, "log", "-1", "--format=%G?", "promote/prod/guestbook-5.1.1")).toBe("G");
        git(repo, "verify-commit", "promote/prod/guestbook-5.1.1");
    });
});
