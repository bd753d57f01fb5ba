import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { checkBranchName, checkInsideCheckout, checkNotOption, checkSegment } from "./args";
import { DeliveryError, UsageError } from "./errors";
import { evidenceMarkdown, gatherEvidence, type Evidence } from "./evidence";
import { githubCommitUrl, githubRepository, type Git } from "./git";
import { StackLayout, TemplateLayout, type Layout } from "./layout";
import { fullPin, type Pin } from "./oci";
import { pinImages, readImages, type ImageChange } from "./overlay";
import { checkRemote, DEFAULT_PATH_TEMPLATE, openRepo, trailerParagraph, type Io, type Trailers } from "./setImage";
import { readStack, type StackInfo } from "./stack";

export interface PromoteOptions extends Trailers {
    readonly repo: string;
    /** Apps to promote; empty with allApps. */
    readonly apps: readonly string[];
    readonly allApps: boolean;
    readonly from: string;
    readonly to: string;
    /** The target environment's stack: its operator and targetRevision decide the PR's base branch. */
    readonly stack?: string;
    /** The source environment's stack, when its overlays are not the target's template with another {env}. */
    readonly fromStack?: string;
    readonly stackDir: string;
    /** `key=value` overrides of both stacks' configuration (as the render's --config). */
    readonly config: readonly string[];
    readonly pathTemplate?: string;
    /** Where the source overlay is read (default HEAD). */
    readonly fromRef: string;
    /** Overrides the base branch the stack's branch model gives. */
    readonly base?: string;
    /** Commit straight onto the checked-out target branch (dev and staging only). */
    readonly direct: boolean;
    readonly push: boolean;
    readonly remote: string;
    /** The promotion branch's name (default promote/<to>/<app>-<tag>...). */
    readonly branch?: string;
    /** Promote without checking that the source environment runs it healthy (the PR body says so). */
    readonly skipVerification: boolean;
    /** The kubeconfig and context the source environment's cluster is read with (default: the stack's context). */
    readonly kubeconfig?: string;
    readonly fromContext?: string;
}

/** How the target environment picks up a change: the branch a PR goes into and what happens after the merge. */
export interface BranchModel {
    readonly base: string;
    /** One sentence: which operator tracks what, e.g. "Argo CD prod tracks branch main with manual sync". */
    readonly tracks: string;
    /** What happens (or must be done) after the merge. */
    readonly afterMerge: string;
}

interface AppPromotion {
    readonly app: string;
    readonly sourceFile: string;
    readonly targetFile: string;
    readonly sourceCommit?: string;
    readonly pins: ReadonlyArray<{ name: string; newName?: string; pin: Pin }>;
    readonly text: string;
    readonly changes: ImageChange[];
}

const q = (arg: string): string => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
export const shellCommand = (args: readonly string[]): string => args.map(q).join(" ");

/**
 * Copies the image pins (tags and digests) of the source environment's overlays into the target's, on a new
 * branch with a pull request (or, for dev and staging with --direct, as a commit on the checked-out branch).
 */
export async function promote(options: PromoteOptions, io: Io): Promise<number> {
    // Every argument is checked before the checkout or a cluster is read.
    checkSegment("--from", options.from, "staging");
    checkSegment("--to", options.to, "prod");
    for (const app of options.apps) checkSegment("--app", app, "guestbook");
    if (options.from === options.to) throw new UsageError(`--from and --to are both ${options.to}.`);
    checkNotOption("--from-ref", options.fromRef, "a commit, branch or tag of the checkout, e.g. HEAD");
    checkNotOption("--remote", options.remote, "the name of a remote of the GitOps checkout, e.g. origin");
    const git = openRepo(options.repo, io);
    const validBranch = (name: string) => git.ok(["check-ref-format", "--branch", name]);
    if (options.base !== undefined) checkBranchName("--base", options.base, validBranch);
    if (options.branch !== undefined) checkBranchName("--branch", options.branch, validBranch);
    if (options.push) checkRemote(git, options.remote);
    if (!options.skipVerification && options.fromStack === undefined) {
        throw new UsageError(
            `promote checks that what it promotes runs healthy in ${options.from} first: name ${options.from}'s stack with --from-stack <stack> (its cluster is read with the stack's kubernetes:context, or --from-context/--kubeconfig), or pass --skip-verification to promote without that evidence (the pull request says so).`,
        );
    }
    const target =
        options.stack === undefined ? undefined : await readStack(options.stackDir, options.stack, options.config);
    const source =
        options.fromStack === undefined
            ? undefined
            : await readStack(options.stackDir, options.fromStack, options.config);
    for (const [stack, env, flag] of [
        [target, options.to, "--to"],
        [source, options.from, "--from"],
    ] as const) {
        if (stack && stack.tier !== env) {
            throw new DeliveryError(`stack ${stack.stack} deploys the ${stack.tier} environment, not ${flag} ${env}.`);
        }
    }
    const targetIsProd = (target?.tier ?? options.to) === "prod";
    if (targetIsProd && options.direct) {
        throw new DeliveryError(
            "prod changes only through a pull request: --direct is for dev and staging. Drop --direct to open a PR.",
        );
    }
    if (targetIsProd && !target) {
        throw new UsageError(
            "promoting into prod needs --stack <prod stack>: its operator and targetRevision decide the branch the pull request goes into (Argo CD: the tracked branch, main by default; Flux: the prod branch by default).",
        );
    }

    const template = new TemplateLayout(git.dir, options.pathTemplate ?? DEFAULT_PATH_TEMPLATE);
    const stackLayoutOr = (stack?: StackInfo): Layout | undefined => stack && new StackLayout(git.dir, stack);
    const targetLayout: Layout = stackLayoutOr(target) ?? template;
    const sourceLayout: Layout = stackLayoutOr(source) ?? stackLayoutOr(target) ?? template;

    const apps = options.allApps
        ? targetLayout.apps(options.to).filter((a) => sourceLayout.apps(options.from).includes(a))
        : [...new Set(options.apps)];
    if (apps.length === 0) throw new DeliveryError(`no app has both a ${options.from} and a ${options.to} overlay.`);

    const model = branchModel(git, options, apps, target);
    const current = git.currentBranch();
    if (options.direct && current !== model.base) {
        throw new DeliveryError(
            `--direct commits onto ${model.base}, but ${git.dir} has ${current ?? "a detached HEAD"} checked out; check out ${model.base} first.`,
        );
    }
    const baseCommit = options.direct ? git.run(["rev-parse", "HEAD"]) : resolveBase(git, model.base, options.remote);
    const fromCommit = git.commitOf(options.fromRef);
    if (!fromCommit) throw new DeliveryError(`--from-ref ${options.fromRef} is not a commit in ${git.dir}.`);

    const promotions: AppPromotion[] = apps.map((app) => {
        const sourceFile = sourceLayout.overlayFile(app, options.from);
        const targetFile = targetLayout.overlayFile(app, options.to);
        for (const [file, rev, where] of [
            [sourceFile, fromCommit, options.fromRef],
            [targetFile, baseCommit, model.base],
        ] as const) {
            if (git.run(["ls-tree", rev, "--", file]).startsWith("120000")) {
                throw new DeliveryError(
                    `${file} is a symlink at ${where}; promote reads and writes regular files only.`,
                );
            }
        }
        if (options.direct) checkInsideCheckout(git.dir, targetFile, "--to/--app");
        const sourceText = git.show(fromCommit, sourceFile);
        if (sourceText === undefined) throw new DeliveryError(`${sourceFile} does not exist at ${options.fromRef}.`);
        const targetText = git.show(baseCommit, targetFile);
        if (targetText === undefined) throw new DeliveryError(`${targetFile} does not exist on ${model.base}.`);
        const pins = readImages(sourceText, sourceFile).map((e) => ({ name: e.name, newName: e.newName, pin: e.pin }));
        const edit = pinImages(targetText, targetFile, pins, { addMissing: true });
        const sourceCommit = git.run(["log", "-1", "--format=%H", fromCommit, "--", sourceFile]) || undefined;
        return { app, sourceFile, targetFile, sourceCommit, pins, text: edit.text, changes: edit.changes };
    });

    const changed = promotions.filter((p) => p.changes.length > 0);
    if (changed.length === 0) {
        io.out(
            `Nothing to promote: ${options.to} already pins what ${options.from} pins for ${apps.join(", ")} (${model.base}). No branch created.\n`,
        );
        return 0;
    }

    let evidence: Evidence | undefined;
    if (!options.skipVerification) {
        evidence = gatherEvidence(
            git,
            changed.map((p) => ({ app: p.app, sourceFile: p.sourceFile, pins: p.pins })),
            {
                stackDir: options.stackDir,
                stack: options.fromStack!,
                config: options.config,
                kubeconfig: options.kubeconfig,
                context: options.fromContext,
            },
        );
        const failing = evidence.apps.filter((a) => a.problems.length > 0);
        if (failing.length > 0) {
            throw new DeliveryError(
                `not promoting: what ${options.from} runs does not show ${failing.map((a) => a.app).join(", ")} healthy at the images to promote (checked ${evidence.checkedAt.toISOString()}, stack ${evidence.stack}):\n` +
                    failing.flatMap((a) => a.problems.map((p) => `  ${a.app}: ${p}`)).join("\n") +
                    `\nFix ${options.from} first (npm run status -- --stack ${evidence.stack}), or pass --skip-verification to promote anyway (the pull request says so).`,
            );
        }
        io.out(
            `Verified in ${options.from} (stack ${evidence.stack}, ${evidence.checkedAt.toISOString()}): ${evidence.apps.map((a) => `${a.app} ${a.state} at ${a.revision}`).join("; ")}.\n`,
        );
    } else {
        io.out(`Not verified (--skip-verification): nothing checked that ${options.from} runs this healthy.\n`);
    }

    const title = `Promote ${changed.map((p) => `${p.app} ${labelOf(p.changes)}`).join(", ")} to ${options.to}`;
    const changeLines = changed.flatMap((p) =>
        p.changes.map((c) => `${p.app}: ${c.name} ${fullPin(c.before)} -> ${fullPin(c.after)}`),
    );
    const sources = changed.map((p) => `${p.app}: ${p.sourceFile} at ${p.sourceCommit ?? fromCommit}`);
    const verified = evidence
        ? `Verified-In: ${options.from} (stack ${evidence.stack}) at ${evidence.checkedAt.toISOString()}`
        : `Verified-In: none (--skip-verification)`;
    const trailers = trailerParagraph(options);
    const message = [
        title,
        [`From ${options.from} to ${options.to}.`, ...changeLines].join("\n"),
        ["Source:", ...sources].join("\n"),
        trailers.length > 0 ? `${trailers[0]}\n${verified}` : verified,
    ];

    io.out(`${model.tracks}: ${options.direct ? "committing directly onto" : "pull request into"} ${model.base}.\n`);
    for (const line of changeLines) io.out(`  ${line}\n`);

    if (options.direct) {
        const files = changed.map((p) => p.targetFile);
        const dirty = git.dirty(files);
        if (dirty.length > 0) {
            throw new DeliveryError(`uncommitted changes in ${dirty.join("; ")}; commit or discard them first.`);
        }
        for (const p of changed) fs.writeFileSync(path.join(git.dir, p.targetFile), p.text);
        git.run(["add", "--", ...files]);
        git.run(["commit", "--quiet", ...message.flatMap((m) => ["-m", m]), "--", ...files]);
        io.out(`Committed ${git.run(["rev-parse", "--short", "HEAD"])} on ${model.base} (direct, no pull request).\n`);
        if (options.push) {
            git.push(options.remote, model.base);
            io.out(`Pushed ${model.base} to ${options.remote}.\n`);
        }
        return 0;
    }

    const branch = options.branch ?? branchName(git, options, changed);
    if (!validBranch(branch)) throw new UsageError(`--branch ${branch} is not a valid branch name.`);
    const existing = git.commitOf(`refs/heads/${branch}`);
    if (existing) {
        const holds = holdsPromotion(git, existing, changed);
        if (!holds) {
            throw new DeliveryError(
                `branch ${branch} already exists with other changes than this promotion (${holds === undefined ? "it changes other files" : "different image pins"}). Merge or close its pull request and delete it (git branch -D ${branch}), or pass --branch <another name>.`,
            );
        }
        io.out(`Branch ${branch} already holds this promotion (${existing.slice(0, 7)}); reusing it.\n`);
    } else {
        const commit = git.commitFiles(
            baseCommit,
            changed.map((p) => ({ path: p.targetFile, text: p.text })),
            message,
        );
        git.run(["update-ref", `refs/heads/${branch}`, commit, ""]);
        io.out(`Created branch ${branch} (${commit.slice(0, 7)}) from ${model.base}.\n`);
    }

    const body = prBody(git, options, model, changed, evidence);
    const bodyFile = path.join(
        git.run(["rev-parse", "--absolute-git-dir"]),
        "gitops-promote",
        `${branch.replaceAll("/", "_")}.md`,
    );
    fs.mkdirSync(path.dirname(bodyFile), { recursive: true });
    fs.writeFileSync(bodyFile, body);
    const prCommand = [
        "gh",
        "pr",
        "create",
        "--base",
        model.base,
        "--head",
        branch,
        "--title",
        title,
        "--body-file",
        bodyFile,
    ];
    const pushCommand = ["git", "-C", git.dir, "push", options.remote, branch];

    if (!options.push) {
        io.out(
            `Pull request body: ${bodyFile}\nTo open the pull request:\n  ${shellCommand(pushCommand)}\n  ${shellCommand(prCommand)}\n`,
        );
        return 0;
    }
    git.push(options.remote, branch);
    io.out(`Pushed ${branch} to ${options.remote}.\n`);
    return openPullRequest(git, io, options.remote, model.base, branch, prCommand);
}

/**
 * Opens the pull request with gh. Anything that keeps it from being opened is a refusal (exit 1) whose message says
 * how to open it by hand: the compare URL on GitHub, the exact gh command, or (another Git host) the branches.
 */
function openPullRequest(
    git: Git,
    io: Io,
    remote: string,
    base: string,
    branch: string,
    prCommand: readonly string[],
): number {
    const url = git.remoteUrl(remote);
    const github = githubRepository(url);
    const segment = (ref: string) => encodeURIComponent(ref).replaceAll("%2F", "/");
    const compare = github && `https://github.com/${github}/compare/${segment(base)}...${segment(branch)}?expand=1`;
    if (!github) {
        throw new DeliveryError(
            `the branch is pushed, but no pull request was opened: ${remote} (${url}) is not a GitHub repository, and gh opens pull requests on GitHub only. Open one from ${branch} into ${base} on your Git host (the body is in ${prCommand[prCommand.length - 1]}).`,
        );
    }
    if (!onPath("gh", io.env)) {
        throw new DeliveryError(
            `the branch is pushed, but no pull request was opened: gh is not on PATH. Open it at\n  ${compare}\nor run:\n  ${shellCommand(prCommand)}`,
        );
    }
    const gh = spawnSync(prCommand[0], prCommand.slice(1), { cwd: git.dir, env: io.env, encoding: "utf8" });
    const said = `${gh.stdout ?? ""}${gh.stderr ?? ""}`.trim();
    if (!gh.error && gh.status !== 0) {
        // gh refuses a second pull request for the same branch and names the open one: that one is the result.
        const open = /already exists[^\n]*\n?\s*(https:\/\/\S+\/pull\/\d+)/.exec(said);
        if (open) {
            io.out(`Pull request already open: ${open[1]}\n`);
            return 0;
        }
    }
    if (gh.error || gh.status !== 0) {
        throw new DeliveryError(
            `the branch is pushed, but gh pr create failed (${(said || gh.error?.message || "").trim()}). Open the pull request at\n  ${compare}\nor run:\n  ${shellCommand(prCommand)}`,
        );
    }
    io.out(`Opened pull request: ${gh.stdout.trim()}\n`);
    return 0;
}

/**
 * Whether an existing promotion branch holds exactly this promotion: its last commit changes only the target files,
 * to the texts computed now. undefined: it changes other files; false: the same files, other pins.
 */
function holdsPromotion(git: Git, tip: string, changed: readonly AppPromotion[]): boolean | undefined {
    const files = git
        .run(["diff-tree", "--no-commit-id", "--name-only", "-r", `${tip}^`, tip])
        .split("\n")
        .filter(Boolean)
        .sort();
    const expected = changed.map((p) => p.targetFile).sort();
    if (JSON.stringify(files) !== JSON.stringify(expected)) return undefined;
    return changed.every((p) => git.show(tip, p.targetFile) === p.text);
}

/** The label of an app's change in names and titles: the tag, else the digest's first 12 hex digits. */
function labelOf(changes: readonly ImageChange[]): string {
    const pin: Pin = changes[0].after;
    return pin.tag ?? (pin.digest ? pin.digest.replace(":", "-").slice(0, pin.digest.indexOf(":") + 13) : "untagged");
}

function branchName(git: Git, options: PromoteOptions, changed: readonly AppPromotion[]): string {
    const readable = `promote/${options.to}/${changed.map((p) => `${p.app}-${labelOf(p.changes)}`).join("_")}`;
    if (readable.length <= 100 && git.ok(["check-ref-format", "--branch", readable])) return readable;
    // Many apps, or a tag git refuses in a ref name (e.g. "1..2"): name it after the change's content instead.
    const hash = createHash("sha256")
        .update(JSON.stringify(changed.map((p) => [p.app, p.changes])))
        .digest("hex")
        .slice(0, 10);
    return `promote/${options.to}/from-${options.from}-${hash}`;
}

/** The base branch's commit: the remote's copy when there is one (what the pull request merges into), else the local branch. */
function resolveBase(git: Git, base: string, remote: string): string {
    const commit = git.commitOf(`refs/remotes/${remote}/${base}`) ?? git.commitOf(`refs/heads/${base}`);
    if (!commit) {
        throw new DeliveryError(
            `base branch ${base} does not exist locally or on ${remote}; create it first (e.g. git push ${remote} main:${base}).`,
        );
    }
    return commit;
}

const branchExists = (git: Git, name: string, remote: string): boolean =>
    git.commitOf(`refs/heads/${name}`) !== undefined || git.commitOf(`refs/remotes/${remote}/${name}`) !== undefined;

/** The repository's default branch: the remote's HEAD, else main, else the checked-out branch. */
function defaultBranch(git: Git, remote: string): string {
    const head = git.ok(["symbolic-ref", "--quiet", `refs/remotes/${remote}/HEAD`])
        ? git.run(["symbolic-ref", "--short", `refs/remotes/${remote}/HEAD`]).slice(remote.length + 1)
        : undefined;
    return head ?? (branchExists(git, "main", remote) ? "main" : (git.currentBranch() ?? "main"));
}

/**
 * Which branch a change to the target environment goes into, from the target stack: Argo CD tracks its
 * targetRevision (main by default; prod syncs manually), Flux its GitRepository ref (prod: the prod branch by
 * default, or a tag or semver range, for which the PR goes into the default branch and a tag releases it).
 */
export function branchModel(
    git: Git,
    options: PromoteOptions,
    apps: readonly string[],
    stack?: StackInfo,
): BranchModel {
    const to = options.to;
    if (!stack) {
        const base = options.base ?? git.currentBranch() ?? defaultBranch(git, options.remote);
        return {
            base,
            tracks: `No stack given for ${to}: its branch is taken to be ${base}`,
            afterMerge: `The ${to} environment picks it up from ${base} as its operator is configured to.`,
        };
    }
    const applications = apps.map((a) => `${stack.tier}-${a}`);
    if (stack.operator === "argocd") {
        const rev = stack.argoRevision;
        if (branchExists(git, rev, options.remote)) {
            const base = options.base ?? rev;
            const sync = stack.autoSync ? "automated sync" : "manual sync";
            return {
                base,
                tracks: `Argo CD ${stack.tier} (stack ${stack.stack}) tracks branch ${rev} with ${sync}`,
                afterMerge: stack.autoSync
                    ? `Argo CD syncs the ${stack.tier} Applications automatically after the merge.`
                    : `After the merge, a deployer syncs the ${stack.tier} Applications (manual sync): \`argocd app sync ${applications.join(" ")}\`.`,
            };
        }
        const base = options.base ?? defaultBranch(git, options.remote);
        return {
            base,
            tracks: `Argo CD ${stack.tier} (stack ${stack.stack}) tracks ${rev}, which is not a branch here (a tag or commit)`,
            afterMerge: `After the merge, release it: tag the merge commit, set targetRevision to that tag in stack ${stack.stack} (\`pulumi config set targetRevision <tag> --stack ${stack.stack} && pulumi up --stack ${stack.stack}\`), then sync.`,
        };
    }
    const ref = stack.fluxRef;
    if ("branch" in ref) {
        const base = options.base ?? ref.branch;
        return {
            base,
            tracks: `Flux ${stack.tier} (stack ${stack.stack}) tracks branch ${ref.branch}`,
            afterMerge: `Flux applies the merge within its interval (${stack.fluxInterval}); \`flux reconcile source git gitops-${stack.tier}\` applies it now.`,
        };
    }
    const base = options.base ?? defaultBranch(git, options.remote);
    if ("tag" in ref) {
        return {
            base,
            tracks: `Flux ${stack.tier} (stack ${stack.stack}) tracks tag ${ref.tag}`,
            afterMerge: `After the merge, tag the merge commit and set targetRevision to tag:<that tag> in stack ${stack.stack} (\`pulumi up --stack ${stack.stack}\`).`,
        };
    }
    return {
        base,
        tracks: `Flux ${stack.tier} (stack ${stack.stack}) tracks the newest tag in semver range ${ref.semver}`,
        afterMerge: `After the merge, tag the merge commit with a version in ${ref.semver}; Flux applies it within its interval (${stack.fluxInterval}).`,
    };
}

const code = (s: string) => `\`${s}\``;

function prBody(
    git: Git,
    options: PromoteOptions,
    model: BranchModel,
    changed: readonly AppPromotion[],
    evidence: Evidence | undefined,
): string {
    const remoteUrl = git.remoteUrl(options.remote);
    const rows = changed.flatMap((p) =>
        p.changes.map(
            (c) =>
                `| ${p.app} | ${code(c.name)} | ${c.added ? "(no entry)" : code(fullPin(c.before))} | ${code(fullPin(c.after))} |`,
        ),
    );
    const sources = changed.map((p) => {
        const sha = p.sourceCommit;
        const url = sha ? githubCommitUrl(remoteUrl, sha) : undefined;
        const ref = sha ? (url ? `[${sha.slice(0, 12)}](${url})` : code(sha)) : code(options.fromRef);
        return `- ${p.app}: ${code(p.sourceFile)} as of ${ref} (the commit that last changed it)`;
    });
    return [
        `Promotes the images the **${options.from}** overlays pin into **${options.to}**.`,
        "",
        `| app | image | ${options.to} before | ${options.to} after (${options.from}) |`,
        "|---|---|---|---|",
        ...rows,
        "",
        "Source commits:",
        ...sources,
        "",
        ...evidenceMarkdown(evidence, options.from, options.skipVerification),
        "",
        ...(options.sourceCommit || options.buildUrl
            ? [
                  `Build: ${[options.sourceCommit && `source commit ${code(options.sourceCommit)}`, options.buildUrl && `[CI run](${options.buildUrl})`].filter(Boolean).join(", ")}.`,
                  "",
              ]
            : []),
        `**Branch model:** ${model.tracks}; this pull request goes into \`${model.base}\`.`,
        "",
        model.afterMerge,
        "",
        `Files: ${changed.map((p) => code(p.targetFile)).join(", ")}. Only the image tags and digests change.`,
        "",
    ].join("\n");
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
    return (env.PATH ?? "")
        .split(path.delimiter)
        .filter((d) => d !== "")
        .some((dir) => {
            try {
                fs.accessSync(path.join(dir, command), fs.constants.X_OK);
                return true;
            } catch {
                return false;
            }
        });
}
