import YAML, { isMap, isScalar, isSeq, type Document, type ToStringOptions } from "yaml";
import { DeliveryError } from "./errors";
import { samePin, type Pin } from "./oci";

/** One entry of a Kustomization's `images:` list. https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/ */
export interface ImageEntry {
    /** The image the base refers to (the entry's key). */
    readonly name: string;
    readonly newName?: string;
    readonly pin: Pin;
}

/** What one edit did to one entry. */
export interface ImageChange {
    readonly name: string;
    readonly before: Pin;
    readonly after: Pin;
    /** The entry did not exist and was appended. */
    readonly added: boolean;
}

/** A pin to write for one image (promote also carries newName when it adds an entry the target lacks). */
export interface ImagePin {
    readonly name: string;
    readonly newName?: string;
    readonly pin: Pin;
}

export interface OverlayEdit {
    readonly text: string;
    readonly changes: ImageChange[];
}

/** The only keys an edit may touch; any other difference in the output is a formatting change and is refused. */
const EDITABLE_LINE = /^\s*(-\s+)?(images|name|newName|newTag|digest):/;

function parse(text: string, file: string): Document.Parsed {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) {
        throw new DeliveryError(`${file} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
    if (!isMap(doc.contents)) throw new DeliveryError(`${file} is not a Kustomization (expected a YAML mapping).`);
    return doc;
}

const scalarString = (node: unknown): string | undefined =>
    isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;

/** The `images:` entries of a kustomization.yaml, in file order. */
export function readImages(text: string, file: string): ImageEntry[] {
    return entries(parse(text, file), file).map((e) => e.entry);
}

function entries(doc: Document.Parsed, file: string): Array<{ index: number; entry: ImageEntry }> {
    const images = doc.get("images", true);
    if (images === undefined || images === null || (isScalar(images) && images.value === null)) return [];
    if (!isSeq(images)) throw new DeliveryError(`${file}: images is not a list.`);
    return images.items.map((item, index) => {
        const name = isMap(item) ? scalarString(item.get("name", true)) : undefined;
        if (!isMap(item) || name === undefined) {
            throw new DeliveryError(
                `${file}: images[${index}] has no name; expected {name, newName?, newTag?, digest?}.`,
            );
        }
        const newName = scalarString(item.get("newName", true));
        const tag = scalarString(item.get("newTag", true));
        const digest = scalarString(item.get("digest", true));
        return { index, entry: { name, newName, pin: { tag, digest } } };
    });
}

/**
 * The stringify options under which the unedited document reproduces the file byte for byte. Files written by
 * `kustomize edit` indent sequences differently from hand-written ones; the edit must keep whichever the file uses.
 */
function faithfulOptions(doc: Document.Parsed, text: string, file: string): ToStringOptions {
    for (const indent of [2, 4]) {
        for (const indentSeq of [true, false]) {
            const options: ToStringOptions = { indent, indentSeq, lineWidth: 0 };
            if (doc.toString(options) === text) return options;
        }
    }
    throw new DeliveryError(
        `${file} cannot be edited without reformatting it (its layout is not one the YAML writer reproduces byte for byte); set the image by hand, or normalise the file once with two-space indentation.`,
    );
}

/** Line diff (longest common subsequence): the lines only in `a` and only in `b`. Overlays are small. */
function changedLines(a: string[], b: string[]): { removed: string[]; added: string[] } {
    const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) {
        for (let j = b.length - 1; j >= 0; j--) {
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    const removed: string[] = [];
    const added: string[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
        if (a[i] === b[j]) {
            i++;
            j++;
        } else if (lcs[i + 1][j] >= lcs[i][j + 1]) removed.push(a[i++]);
        else added.push(b[j++]);
    }
    removed.push(...a.slice(i));
    added.push(...b.slice(j));
    return { removed, added };
}

/**
 * Checks that the edit changed the image fields and nothing else: every other line (comments included) is
 * byte-identical, and the file reads back with exactly the pins that were written.
 */
function verify(before: string, after: string, file: string, pins: readonly ImagePin[]): void {
    const { removed, added } = changedLines(before.split("\n"), after.split("\n"));
    const removedKeys = removed.some((l) => EDITABLE_LINE.test(l));
    // A removed key takes the comment lines written above it along; nothing else may go.
    const stray = [
        ...removed.filter((l) => !EDITABLE_LINE.test(l) && !(removedKeys && /^\s*#/.test(l))),
        ...added.filter((l) => !EDITABLE_LINE.test(l)),
    ];
    if (stray.length > 0) {
        throw new DeliveryError(
            `${file}: the edit would change more than the image fields (${stray.map((l) => JSON.stringify(l)).join(", ")}); set the image by hand.`,
        );
    }
    const reread = new Map(readImages(after, file).map((e) => [e.name, e.pin]));
    for (const p of pins) {
        const got = reread.get(p.name);
        if (!got || !samePin(got, p.pin)) {
            throw new DeliveryError(
                `${file}: the edited file does not read back as ${p.name} ${JSON.stringify(p.pin)}.`,
            );
        }
    }
}

/**
 * Writes each pin into the overlay's `images:` entry of that name: exactly the given tag and digest (a tag alone
 * removes an old digest, which would otherwise keep the old image running; a digest alone removes the tag, which
 * would otherwise name a version the digest is not). An image the overlay has no entry for is appended when
 * `addMissing` is set, else refused. Comments, key order and formatting stay as they are.
 */
export function pinImages(
    text: string,
    file: string,
    pins: readonly ImagePin[],
    options: { addMissing: boolean },
): OverlayEdit {
    const doc = parse(text, file);
    const stringify = faithfulOptions(doc, text, file);
    const existing = entries(doc, file);
    const changes: ImageChange[] = [];
    for (const p of pins) {
        const found = existing.find((e) => e.entry.name === p.name);
        if (!found) {
            if (!options.addMissing) {
                throw new DeliveryError(
                    `${file} has no images entry named ${JSON.stringify(p.name)}; it has: ${existing.map((e) => e.entry.name).join(", ") || "none"}.`,
                );
            }
            const entry: Record<string, string> = { name: p.name };
            if (p.newName !== undefined) entry.newName = p.newName;
            if (p.pin.tag !== undefined) entry.newTag = p.pin.tag;
            if (p.pin.digest !== undefined) entry.digest = p.pin.digest;
            if (doc.has("images") && isSeq(doc.get("images", true))) doc.addIn(["images"], doc.createNode(entry));
            else doc.set("images", doc.createNode([entry]));
            changes.push({ name: p.name, before: {}, after: p.pin, added: true });
            continue;
        }
        if (samePin(found.entry.pin, p.pin)) continue;
        const at = (key: string) => ["images", found.index, key];
        // setIn on an existing scalar keeps the node, so its comments and quoting style survive.
        if (p.pin.tag !== undefined) doc.setIn(at("newTag"), p.pin.tag);
        else if (doc.hasIn(at("newTag"))) doc.deleteIn(at("newTag"));
        if (p.pin.digest !== undefined) doc.setIn(at("digest"), p.pin.digest);
        else if (doc.hasIn(at("digest"))) doc.deleteIn(at("digest"));
        changes.push({ name: p.name, before: found.entry.pin, after: p.pin, added: false });
    }
    if (changes.length === 0) return { text, changes };
    const edited = doc.toString(stringify);
    verify(text, edited, file, pins);
    return { text: edited, changes };
}
