import * as fs from "node:fs";
import * as path from "node:path";
import { checkInsideCheckout, checkNotOption, checkSegment } from "./args";
import { DeliveryError } from "./errors";
import { Git } from "./git";
import { StackLayout, TemplateLayout, type Layout } from "./layout";
import { checkPin, fullPin, shortPin, type Pin } from "./oci";
import { imageSetterMarkers, pinImages, readImages, type ImageChange, type ImageEntry } from "./overlay";
import { compareVersions, parseVersion, SemverRange } from "./semver";
import { readStack, type StackApp, type StackInfo } from "./stack";

export const DEFAULT_PATH_TEMPLATE = "apps/{app}/overlays/{env}";

/** How often a push that lost a race is fetched, re-applied and pushed again before the command gives up. */
export const PUSH_ATTEMPTS = 5;

/** Where the commands write and how they talk to the user and to child processes. */
export interface Io {
    /** Directory relative paths are resolved against. */
    readonly cwd: string;
    /** Environment for git and gh (author identity, PATH). */
    readonly env: NodeJS.ProcessEnv;
    readonly out: (text: string) => void;
}

/** Audit trailers a commit carries (filled by release.yml): what was built, and where. */
export interface Trailers {
    /** The commit the image was built from (`Source-Commit:`). */
    readonly sourceCommit?: string;
    /** The CI run that built it (`Build-URL:`). */
    readonly buildUrl?: string;
}

/** The trailer paragraph of a commit message, or nothing. */
export function trailerParagraph(trailers: Trailers): string[] {
    const lines = [
        trailers.sourceCommit === undefined ? undefined : `Source-Commit: ${trailers.sourceCommit}`,
        trailers.buildUrl === undefined ? undefined : `Build-URL: ${trailers.buildUrl}`,
    ].filter((l): l is string => l !== undefined);
    return lines.length > 0 ? [lines.join("\n")] : [];
}

export interface SetImageOptions extends Trailers {
    /** The GitOps checkout. */
    readonly repo: string;
    readonly app: string;
    /** Environment; with a stack, defaults to (and must be) the stack's tier. */
    readonly env?: string;
    readonly pin: Pin;
    /** The images entry (its `name`, or its `newName`) when the overlay has several. */
    readonly image?: string;
    /** Read the layout from this stack's configuration. */
    readonly stack?: string;
    /** Directory with the Pulumi.<stack>.yaml files. */
    readonly stackDir: string;
    /** `key=value` overrides of the stack's configuration (as the render's --config). */
    readonly config: readonly string[];
    /** The layout as a path template ({app}, {env}); default apps/{app}/overlays/{env}. */
    readonly pathTemplate?: string;
    readonly push: boolean;
    readonly remote: string;
    /** Accept a tag older than the one pinned (a rollback). */
    readonly allowDowngrade: boolean;
    /** Accept a tag the app's image automation would not select (outside its semverRange, or not a version). */
    readonly outsideRange: boolean;
}

/** A checkout's top directory, or a refusal naming the path. */
export function openRepo(dir: string, io: Io): Git {
    if (dir === "") throw new DeliveryError("--repo is empty; expected the path of the GitOps checkout.");
    const resolved = path.resolve(io.cwd, dir);
    if (!fs.existsSync(resolved)) throw new DeliveryError(`--repo ${dir}: no such directory.`);
    const probe = new Git(resolved, io.env);
    if (!probe.ok(["rev-parse", "--is-inside-work-tree"])) {
        throw new DeliveryError(`--repo ${dir} is not a git checkout (git rev-parse failed there).`);
    }
    return new Git(probe.run(["rev-parse", "--show-toplevel"]), io.env);
}

/** The remote to push to: a remote the checkout has (by name, never a URL or an option). */
export function checkRemote(git: Git, remote: string): string {
    checkNotOption("--remote", remote, "the name of a remote of the GitOps checkout, e.g. origin");
    if (git.remoteUrl(remote) === undefined) {
        const remotes = git.run(["remote"]).split("\n").filter(Boolean);
        throw new DeliveryError(
            `--remote ${JSON.stringify(remote)} is not a remote of ${git.dir}; expected one of: ${remotes.join(", ") || "none (git remote add origin <url>)"}.`,
        );
    }
    return remote;
}

/** The image name as short as a commit subject wants it: the last path segment. */
export const shortImage = (name: string): string => name.slice(name.lastIndexOf("/") + 1);

/**
 * The CI step after an image build: pins the new tag or digest in one app's overlay for one environment and
 * commits exactly that change. Returns the exit status (0 also when the overlay already pins it).
 */
export async function setImage(options: SetImageOptions, io: Io): Promise<number> {
    // Everything the command line says is checked before the checkout is read.
    checkSegment("--app", options.app, "guestbook");
    if (options.env !== undefined) checkSegment("--env", options.env, "dev");
    checkPin(options.pin);
    const git = openRepo(options.repo, io);
    let layout: Layout;
    let env = options.env;
    let stack: StackInfo | undefined;
    if (options.stack !== undefined) {
        stack = await readStack(options.stackDir, options.stack, options.config);
        if (env !== undefined && env !== stack.tier) {
            throw new DeliveryError(
                `stack ${stack.stack} deploys the ${stack.tier} environment, not ${JSON.stringify(env)}; drop --env or name that environment's stack.`,
            );
        }
        env = stack.tier;
        layout = new StackLayout(git.dir, stack);
    } else {
        layout = new TemplateLayout(git.dir, options.pathTemplate ?? DEFAULT_PATH_TEMPLATE);
    }
    if (env === undefined) throw new DeliveryError("set-image needs --env (or --stack, whose environment it is).");
    const file = layout.overlayFile(options.app, env);
    checkInsideCheckout(git.dir, file, "--app/--env");

    const branch = git.currentBranch();
    if (options.push) {
        checkRemote(git, options.remote);
        if (branch === undefined) {
            throw new DeliveryError(`--push: ${git.dir} is on a detached HEAD; check out the branch to push first.`);
        }
    }
    const dirty = git.dirty([file]);
    if (dirty.length > 0) {
        throw new DeliveryError(
            `${file} has uncommitted changes (${dirty.join("; ")}); commit or discard them first: set-image commits only its own change.`,
        );
    }

    const text = fs.readFileSync(path.join(git.dir, file), "utf8");
    const images = readImages(text, file);
    const entry = selectImage(images, options.image, file);
    const app = stack?.apps.find((a) => a.name === options.app);
    const notes = checkAutomation(options, env, file, entry, text, stack, app);
    const edit = pinImages(text, file, [{ name: entry.name, pin: options.pin }], { addMissing: false });
    if (edit.changes.length === 0) {
        io.out(`No change: ${options.app} in ${env} already pins ${entry.name} ${fullPin(options.pin)} (${file}).\n`);
        return 0;
    }
    const change = edit.changes[0];
    const subject = `Set ${options.app} image in ${env}: ${shortImage(change.name)} ${shortPin(change.before)} -> ${shortPin(change.after)}`;
    const message = [
        subject,
        [
            `app: ${options.app}`,
            `env: ${env}`,
            `image: ${change.name}`,
            `old: ${fullPin(change.before)}`,
            `new: ${fullPin(change.after)}`,
            `overlay: ${file}`,
        ].join("\n"),
        ...trailerParagraph(options),
    ];
    const parent = git.run(["rev-parse", "--verify", "HEAD^{commit}"]);
    fs.writeFileSync(path.join(git.dir, file), edit.text);
    git.run(["add", "--", file]);
    // Only this path: anything else the user staged stays staged and out of this commit. `git commit` signs when
    // commit.gpgSign is set.
    git.run(["commit", "--quiet", ...message.flatMap((m) => ["-m", m]), "--", file]);
    const sha = git.run(["rev-parse", "--short", "HEAD"]);
    io.out(
        `${options.app} in ${env}: ${change.name} ${fullPin(change.before)} -> ${fullPin(change.after)}\n` +
            notes.map((n) => `${n}\n`).join("") +
            keptTagNote(change) +
            `Committed ${sha} on ${branch ?? "detached HEAD"}: ${subject}\n`,
    );
    if (options.push)
        return pushWithRetry(git, io, { remote: options.remote, branch: branch!, file, parent, change, message });
    return 0;
}

function keptTagNote(change: ImageChange): string {
    if (!change.keptTag) return "";
    return `Kept newTag ${change.before.tag} and its setter marker ${change.keptTag.text}: image automation writes that field. While the digest is set, the digest decides what runs.\n`;
}

/**
 * Whether the app's image automation would undo the new tag (issue 21): it keeps the newest tag inside the app's
 * semverRange, so a tag outside the range, or older than the one pinned, is replaced minutes after it lands. Such a
 * tag is refused unless the user said it is meant (--outside-range, --allow-downgrade). A downgrade is refused without
 * automation too: a late build of an older version must not undo a newer release silently.
 */
function checkAutomation(
    options: SetImageOptions,
    env: string,
    file: string,
    entry: ImageEntry,
    text: string,
    stack: StackInfo | undefined,
    app: StackApp | undefined,
): string[] {
    const notes: string[] = [];
    const tag = options.pin.tag;
    const automated =
        stack !== undefined &&
        stack.imageAutomation &&
        app?.image !== undefined &&
        app.semverRange !== undefined &&
        (entry.name === app.image || entry.newName === app.image);
    const operator = stack?.operator === "argocd" ? "Argo CD Image Updater" : "Flux image automation";
    const marker = imageSetterMarkers(text, file).find((m) => m.image === entry.name && m.key === "newTag")?.marker
        .text;
    if (tag === undefined) return notes;
    if (automated) {
        const range = SemverRange.parse(app.semverRange!);
        const version = parseVersion(tag);
        const outside = !version || (range !== undefined && !range.contains(version));
        if (outside) {
            const why = !version
                ? `${JSON.stringify(tag)} is not a semantic version, so the automation never selects it`
                : `${tag} is outside the app's semverRange ${JSON.stringify(app.semverRange)}`;
            if (!options.outsideRange) {
                throw new DeliveryError(
                    `${options.app} in ${env}: ${why}. Image automation is on for ${env} (stack ${stack.stack}, ${operator}): it keeps ${entry.name} at the newest tag in that range and would replace ${tag} within minutes. Change the app's semverRange in the stack (and pulumi up) to release it through the automation, or pass --outside-range if the automation is suspended for this app.`,
                );
            }
            notes.push(
                `Warning: ${why}; --outside-range given. ${operator} (stack ${stack.stack}) replaces it with the newest tag in range unless it is suspended for this app.`,
            );
        }
    } else if (marker && stack === undefined) {
        notes.push(
            `Note: the newTag of ${entry.name} carries Flux's setter marker ${marker}: image automation may write it. Pass --stack to check the tag against the app's semverRange.`,
        );
    }
    const before = entry.pin.tag === undefined ? undefined : parseVersion(entry.pin.tag);
    const after = parseVersion(tag);
    if (before && after && compareVersions(after, before) < 0) {
        const why = automated
            ? `image automation is on for ${env} (stack ${stack!.stack}, ${operator}) and keeps the newest tag in ${JSON.stringify(app!.semverRange)}: it would move ${entry.name} forward again`
            : `a late build of an older version must not undo a newer release silently`;
        if (!options.allowDowngrade) {
            throw new DeliveryError(
                `${options.app} in ${env}: ${tag} is older than the pinned ${entry.pin.tag} (${file}); refused because ${why}. Pass --allow-downgrade to roll back on purpose${automated ? " (and suspend the automation for this app, or it undoes the rollback)" : ""}.`,
            );
        }
        notes.push(`Downgrade from ${entry.pin.tag} to ${tag} (--allow-downgrade).`);
    }
    return notes;
}

interface PendingPush {
    readonly remote: string;
    readonly branch: string;
    readonly file: string;
    /** The commit the set-image commit was built on. */
    readonly parent: string;
    readonly change: ImageChange;
    readonly message: readonly string[];
}

/**
 * Pushes the set-image commit; when the push loses a race (another release pushed first), fetches the branch,
 * re-applies the same edit on the new tip and pushes again, at most {@link PUSH_ATTEMPTS} times. Another change to
 * the same image entry is never overwritten: that is refused with what is on the remote now.
 */
function pushWithRetry(git: Git, io: Io, pending: PendingPush): number {
    const { remote, branch, file, change } = pending;
    let parent = pending.parent;
    let last = "";
    for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
        const pushed = git.tryPush(remote, branch);
        if (pushed.ok) {
            io.out(`Pushed ${branch} to ${remote}${attempt > 1 ? ` (attempt ${attempt} of ${PUSH_ATTEMPTS})` : ""}.\n`);
            return 0;
        }
        last = pushed.detail;
        let tip: string;
        try {
            tip = git.fetchBranch(remote, branch);
        } catch (err) {
            throw new DeliveryError(
                `git push ${remote} ${branch} failed: ${pushed.detail}\n(and fetching ${remote}/${branch} to retry failed too: ${(err as Error).message})`,
            );
        }
        if (tip === parent || git.isAncestor(tip, parent)) {
            // The remote did not move past what we built on: not a race, a real refusal (permissions, a hook).
            throw new DeliveryError(`git push ${remote} ${branch} failed: ${pushed.detail}`);
        }
        if (!git.isAncestor(parent, tip)) {
            throw new DeliveryError(
                `git push ${remote} ${branch} was rejected and ${remote}/${branch} (${tip.slice(0, 12)}) does not contain ${parent.slice(0, 12)}, the commit the change was made on: ${branch} has local commits the remote lacks, or the remote was rewritten. Nothing was overwritten; the set-image commit stays on local ${branch}. Reconcile ${branch} with ${remote}/${branch}, then run set-image again.`,
            );
        }
        const tipText = git.show(tip, file);
        const theirs =
            tipText === undefined ? undefined : readImages(tipText, file).find((e) => e.name === change.name);
        const by = git.run(["log", "-1", "--format=%h (%s)", tip, "--", file]);
        if (tipText === undefined || theirs === undefined) {
            throw new DeliveryError(
                `${remote}/${branch} no longer has ${tipText === undefined ? file : `the images entry ${change.name} in ${file}`} (changed by ${by}); not re-applying. The set-image commit stays on local ${branch}, unpushed.`,
            );
        }
        if (fullPin(theirs.pin) === fullPin(change.after)) {
            git.run(["reset", "--quiet", "--keep", tip]);
            io.out(
                `${remote}/${branch} already pins ${change.name} ${fullPin(change.after)} (${by}); nothing to push.\n`,
            );
            return 0;
        }
        if (fullPin(theirs.pin) !== fullPin(change.before)) {
            throw new DeliveryError(
                `conflicting release: ${remote}/${branch} changed ${change.name} in ${file} from ${fullPin(change.before)} to ${fullPin(theirs.pin)} (${by}) while this release changed it to ${fullPin(change.after)}. Not overwriting it. The set-image commit stays on local ${branch}, unpushed; if ${fullPin(change.after)} should still win, reset to ${remote}/${branch} and run set-image again.`,
            );
        }
        const edit = pinImages(tipText, file, [{ name: change.name, pin: change.after }], { addMissing: false });
        const commit = git.commitFiles(tip, [{ path: file, text: edit.text }], pending.message);
        git.run(["reset", "--quiet", "--keep", commit]);
        io.out(
            `${remote}/${branch} moved to ${tip.slice(0, 12)} (${git.run(["log", "-1", "--format=%s", tip])}); re-applied the change on it as ${commit.slice(0, 12)}.\n`,
        );
        parent = tip;
    }
    throw new DeliveryError(
        `git push ${remote} ${branch}: ${remote}/${branch} moved before each of ${PUSH_ATTEMPTS} attempts; giving up (last: ${last}). The set-image commit is on local ${branch}; run set-image --push again.`,
    );
}

function selectImage(images: ImageEntry[], wanted: string | undefined, file: string): ImageEntry {
    const names = images.map((i) => i.name).join(", ");
    if (images.length === 0) {
        throw new DeliveryError(
            `${file} has no images: entries; add one (name, newName, newTag) for the image the base uses, then set it.`,
        );
    }
    if (wanted === undefined) {
        if (images.length > 1) throw new DeliveryError(`${file} has several images (${names}); pass --image <name>.`);
        return images[0];
    }
    const byName = images.find((i) => i.name === wanted);
    if (byName) return byName;
    const byNewName = images.filter((i) => i.newName === wanted);
    if (byNewName.length === 1) return byNewName[0];
    throw new DeliveryError(`${file} has no image ${JSON.stringify(wanted)}; its images: ${names}.`);
}
