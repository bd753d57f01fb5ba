import * as fs from "node:fs";
import * as path from "node:path";
import { DeliveryError, UsageError } from "./errors";

/**
 * Argument hygiene shared by every delivery command (issue 21): names that become path segments stay one segment,
 * nothing a user typed reaches git as an option, and files the commands write stay inside the checkout. Each refusal
 * names the option, the value and the expected form, before anything is read from or written to the checkout.
 */

/** One directory name: what `{app}` and `{env}` of a path template may be filled in with. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** An environment or app name that is exactly one path segment (no '/', no '..', no leading '-' or '.'). */
export function checkSegment(option: string, value: string, example: string): string {
    if (!SEGMENT.test(value) || value.length > 253) {
        throw new UsageError(
            `${option} ${JSON.stringify(value)} is not valid; expected a name of letters, digits, '.', '_' and '-' that starts with a letter or digit (one directory name, no '/'), e.g. ${example}.`,
        );
    }
    return value;
}

/** A value that would be read as an option if it reached git (or gh) as an argument. */
export function checkNotOption(option: string, value: string, expected: string): string {
    if (value.startsWith("-") || value === "" || /[\0\n\r]/.test(value)) {
        throw new UsageError(`${option} ${JSON.stringify(value)} is not valid; expected ${expected}.`);
    }
    return value;
}

/** A branch name git accepts (`git check-ref-format --branch`), never one that starts with '-'. */
export function checkBranchName(option: string, value: string, valid: (name: string) => boolean): string {
    checkNotOption(option, value, "a branch name, e.g. main");
    if (!valid(value)) {
        throw new UsageError(
            `${option} ${JSON.stringify(value)} is not a valid branch name; expected a name git accepts (git check-ref-format --branch), e.g. main.`,
        );
    }
    return value;
}

/** A full or abbreviated commit SHA (the CI's build commit, for the audit trailer). */
export function checkSourceCommit(value: string): string {
    if (!/^[0-9a-f]{7,64}$/.test(value)) {
        throw new UsageError(
            `--source-commit ${JSON.stringify(value)} is not valid; expected the commit SHA the image was built from (7 to 64 lowercase hex digits), e.g. $GITHUB_SHA.`,
        );
    }
    return value;
}

/** The CI run's address (for the audit trailer): an https URL without credentials or white space. */
export function checkBuildUrl(value: string): string {
    let url: URL | undefined;
    try {
        url = new URL(value);
    } catch {
        url = undefined;
    }
    if (url && (url.username !== "" || url.password !== "")) {
        // Never echoed: the credentials in it may be real.
        throw new UsageError(
            "--build-url carries credentials (user:password@; the value is not shown); expected the https URL of the CI run, without credentials, e.g. https://github.com/acme/guestbook/actions/runs/123.",
        );
    }
    if (!url || url.protocol !== "https:" || /\s/.test(value)) {
        throw new UsageError(
            `--build-url ${JSON.stringify(value)} is not valid; expected the https URL of the CI run, without credentials, e.g. https://github.com/acme/guestbook/actions/runs/123.`,
        );
    }
    return value;
}

/**
 * A repository-relative file the command is about to read and write: refused when it, or a directory on its way,
 * is a symlink that leaves the checkout, and when the file itself is a symlink (git would commit the link, not the
 * file written through it).
 */
export function checkInsideCheckout(repoRoot: string, file: string, option: string): void {
    const root = fs.realpathSync(repoRoot);
    const full = path.join(repoRoot, file);
    let real: string;
    try {
        real = fs.realpathSync(full);
    } catch {
        throw new DeliveryError(`${file} (from ${option}) cannot be resolved in ${repoRoot}.`);
    }
    if (real !== root && !real.startsWith(root + path.sep)) {
        throw new DeliveryError(
            `${file} (from ${option}) resolves to ${real}, outside the checkout ${root} (a symlink); the commands only write files inside the GitOps checkout.`,
        );
    }
    if (fs.lstatSync(full).isSymbolicLink()) {
        throw new DeliveryError(
            `${file} (from ${option}) is a symlink to ${path.relative(root, real)}; git would commit the link, not the edit. Point the layout at the file itself.`,
        );
    }
}
