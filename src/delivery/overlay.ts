import YAML, {
    isCollection,
    isMap,
    isPair,
    isScalar,
    isSeq,
    Scalar,
    type Document,
    type ToStringOptions,
    type YAMLMap,
} from "yaml";
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
    /**
     * A digest alone was written, and the entry's newTag was kept because Flux's setter marker names it: image
     * automation writes that field, and removing it would stop the automation for this image.
     */
    readonly keptTag?: SetterMarker;
}

/**
 * Flux's image automation setter marker, a comment on the field the automation writes:
 * `# {"$imagepolicy": "<namespace>:<policy>[:tag|:name|:digest]"}` (no suffix: the whole image reference).
 * https://fluxcd.io/flux/guides/image-update/#configure-image-update-for-custom-resources
 */
export interface SetterMarker {
    readonly namespace: string;
    readonly policy: string;
    readonly field?: "tag" | "name" | "digest";
    /** The marker as written (without the '#'). */
    readonly text: string;
}

export function parseSetterMarker(comment: string | null | undefined): SetterMarker | undefined {
    const text = comment?.trim();
    if (!text || !text.startsWith("{")) return undefined;
    let value: unknown;
    try {
        value = (JSON.parse(text) as Record<string, unknown>)["$imagepolicy"];
    } catch {
        return undefined;
    }
    if (typeof value !== "string") return undefined;
    const [namespace, policy, field, ...rest] = value.split(":");
    if (!namespace || !policy || rest.length > 0) return undefined;
    if (field !== undefined && field !== "tag" && field !== "name" && field !== "digest") return undefined;
    return { namespace, policy, field: field as SetterMarker["field"], text };
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

/** Every comment of a document, one entry per line, in no particular order. */
function comments(doc: Document.Parsed): string[] {
    const found: string[] = [];
    const add = (c: string | null | undefined) => {
        if (c) found.push(...c.split("\n").map((l) => l.trim()));
    };
    const walk = (node: unknown) => {
        if (isPair(node)) {
            walk(node.key);
            walk(node.value);
            return;
        }
        if (!isScalar(node) && !isCollection(node)) return;
        add(node.commentBefore);
        add(node.comment);
        if (isCollection(node)) node.items.forEach(walk);
    };
    add(doc.commentBefore);
    walk(doc.contents);
    add(doc.comment);
    return found.sort();
}

/** A setter marker found on a field of an `images:` entry. */
export interface PlacedMarker {
    /** The entry's name. */
    readonly image: string;
    /** The field it is written on (newTag, digest, newName). */
    readonly key: string;
    readonly marker: SetterMarker;
}

/** The setter markers of every `images:` entry, in file order. */
export function imageSetterMarkers(text: string, file: string): PlacedMarker[] {
    const doc = parse(text, file);
    const images = doc.get("images", true);
    if (!isSeq(images)) return [];
    return images.items.flatMap((item) => {
        if (!isMap(item)) return [];
        const image = scalarString(item.get("name", true)) ?? "?";
        return item.items.flatMap((pair) => {
            const marker = isScalar(pair.value) ? parseSetterMarker(pair.value.comment) : undefined;
            const key = isScalar(pair.key) ? String(pair.key.value) : "?";
            return marker ? [{ image, key, marker }] : [];
        });
    });
}

/**
 * Checks that the edit changed the image fields and nothing else: every other line is byte-identical, every
 * comment is still there (a comment of a removed field moves to the next line), every setter marker is on the same
 * field of the same entry, and the file reads back with exactly the pins that were written.
 */
function verify(before: string, after: string, file: string, pins: ReadonlyArray<{ name: string; pin: Pin }>): void {
    const { removed, added } = changedLines(before.split("\n"), after.split("\n"));
    const stray = [...removed, ...added].filter((l) => !EDITABLE_LINE.test(l) && !/^\s*#/.test(l));
    const lost = JSON.stringify(comments(parse(before, file))) !== JSON.stringify(comments(parse(after, file)));
    const moved = JSON.stringify(imageSetterMarkers(before, file)) !== JSON.stringify(imageSetterMarkers(after, file));
    if (stray.length > 0 || lost || moved) {
        const what =
            stray.length > 0
                ? `more than the image fields (${stray.map((l) => JSON.stringify(l)).join(", ")})`
                : lost
                  ? "its comments"
                  : "its image automation setter markers";
        throw new DeliveryError(`${file}: the edit would change ${what}; set the image by hand.`);
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
 * Removes one key of an images entry; the comments written above it or beside it stay, on the line before the
 * next key (or after the entry when it was the last).
 */
function removeKeepingComments(entry: YAMLMap, key: string): void {
    const index = entry.items.findIndex((p) => isScalar(p.key) && p.key.value === key);
    if (index < 0) return;
    const pair = entry.items[index];
    const carried = [
        isScalar(pair.key) ? pair.key.commentBefore : undefined,
        isScalar(pair.value) ? pair.value.commentBefore : undefined,
        isScalar(pair.value) ? pair.value.comment : undefined,
    ].filter((c): c is string => typeof c === "string" && c !== "");
    entry.items.splice(index, 1);
    if (carried.length === 0) return;
    const next = entry.items[index];
    // A key set in this edit is still a plain string; it becomes a node that can hold a comment.
    if (next && typeof next.key === "string") next.key = new Scalar(next.key);
    if (next && isScalar(next.key)) {
        next.key.commentBefore = [...carried, next.key.commentBefore].filter((c) => c).join("\n");
    } else {
        entry.comment = [entry.comment, ...carried].filter((c) => c).join("\n");
    }
}

const markerOf = (entry: YAMLMap, key: string): SetterMarker | undefined => {
    const value = entry.get(key, true);
    return isScalar(value) ? parseSetterMarker(value.comment) : undefined;
};

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
        const entry = (doc.get("images", true) as { items: unknown[] }).items[found.index] as YAMLMap;
        const tagMarker = markerOf(entry, "newTag");
        const digestMarker = markerOf(entry, "digest");
        if (p.pin.digest === undefined && digestMarker !== undefined) {
            throw new DeliveryError(
                `${file}: the digest of ${p.name} carries Flux's setter marker ${digestMarker.text}: image automation writes digests there, and a tag alone would remove it. Pass the image's digest as well (--digest).`,
            );
        }
        // A digest alone replaces the tag (which would otherwise name a version the digest is not), except a tag
        // the automation writes: that field, its comment and its marker stay, and the digest decides what runs.
        const keptTag = p.pin.tag === undefined && found.entry.pin.tag !== undefined ? tagMarker : undefined;
        const after: Pin = { tag: p.pin.tag ?? (keptTag ? found.entry.pin.tag : undefined), digest: p.pin.digest };
        if (samePin(found.entry.pin, after)) continue;
        const at = (key: string) => ["images", found.index, key];
        // setIn on an existing scalar keeps the node, so its comments and quoting style survive.
        if (after.tag !== undefined && after.tag !== found.entry.pin.tag) doc.setIn(at("newTag"), after.tag);
        if (after.digest !== undefined) doc.setIn(at("digest"), after.digest);
        if (after.tag === undefined) removeKeepingComments(entry, "newTag");
        if (after.digest === undefined) removeKeepingComments(entry, "digest");
        changes.push({ name: p.name, before: found.entry.pin, after, added: false, ...(keptTag ? { keptTag } : {}) });
    }
    if (changes.length === 0) return { text, changes };
    const edited = doc.toString(stringify);
    verify(
        text,
        edited,
        file,
        changes.map((c) => ({ name: c.name, pin: c.after })),
    );
    return { text: edited, changes };
}
