import * as fs from "node:fs";
import * as path from "node:path";
import { DeliveryError } from "./errors";
import { Git } from "./git";
import { StackLayout, TemplateLayout, type Layout } from "./layout";
import { checkPin, fullPin, shortPin, type Pin } from "./oci";
import { pinImages, readImages } from "./overlay";
import { readStack } from "./stack";

export const DEFAULT_PATH_TEMPLATE = "apps/{app}/overlays/{env}";

/** Where the commands write and how they talk to the user and to child processes. */
export interface Io {
    /** Directory relative paths are resolved against. */
    readonly cwd: string;
    /** Environment for git and gh (author identity, PATH). */
    readonly env: NodeJS.ProcessEnv;
    readonly out: (text: string) => void;
}

export interface SetImageOptions {
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
}

/** A checkout's top directory, or a refusal naming the path. */
export function openRepo(dir: string, io: Io): Git {
    const resolved = path.resolve(io.cwd, dir);
    if (!fs.existsSync(resolved)) throw new DeliveryError(`--repo ${dir}: no such directory.`);
    const probe = new Git(resolved, io.env);
    if (!probe.ok(["rev-parse", "--is-inside-work-tree"])) {
        throw new DeliveryError(`--repo ${dir} is not a git checkout (git rev-parse failed there).`);
    }
    return new Git(probe.run(["rev-parse", "--show-toplevel"]), io.env);
}

/** The image name as short as a commit subject wants it: the last path segment. */
export const shortImage = (name: string): string => name.slice(name.lastIndexOf("/") + 1);

/**
 * The CI step after an image build: pins the new tag or digest in one app's overlay for one environment and
 * commits exactly that change. Returns the exit status (0 also when the overlay already pins it).
 */
export async function setImage(options: SetImageOptions, io: Io): Promise<number> {
    checkPin(options.pin);
    const git = openRepo(options.repo, io);
    let layout: Layout;
    let env = options.env;
    if (options.stack !== undefined) {
        const stack = await readStack(options.stackDir, options.stack, options.config);
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

    const branch = git.currentBranch();
    if (options.push && branch === undefined) {
        throw new DeliveryError(`--push: ${git.dir} is on a detached HEAD; check out the branch to push first.`);
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
    const edit = pinImages(text, file, [{ name: entry.name, pin: options.pin }], { addMissing: false });
    if (edit.changes.length === 0) {
        io.out(`No change: ${options.app} in ${env} already pins ${entry.name} ${fullPin(options.pin)} (${file}).\n`);
        return 0;
    }
    const change = edit.changes[0];
    fs.writeFileSync(path.join(git.dir, file), edit.text);
    const subject = `Set ${options.app} image in ${env}: ${shortImage(change.name)} ${shortPin(change.before)} -> ${shortPin(change.after)}`;
    const body = [
        `app: ${options.app}`,
        `env: ${env}`,
        `image: ${change.name}`,
        `old: ${fullPin(change.before)}`,
        `new: ${fullPin(change.after)}`,
        `overlay: ${file}`,
    ].join("\n");
    git.run(["add", "--", file]);
    // Only this path: anything else the user staged stays staged and out of this commit.
    git.run(["commit", "--quiet", "-m", subject, "-m", body, "--", file]);
    const sha = git.run(["rev-parse", "--short", "HEAD"]);
    io.out(
        `${options.app} in ${env}: ${change.name} ${fullPin(change.before)} -> ${fullPin(change.after)}\n` +
            `Committed ${sha} on ${branch ?? "detached HEAD"}: ${subject}\n`,
    );
    if (options.push) {
        git.push(options.remote, branch!);
        io.out(`Pushed ${branch} to ${options.remote}.\n`);
    }
    return 0;
}

function selectImage(images: ReturnType<typeof readImages>, wanted: string | undefined, file: string) {
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
