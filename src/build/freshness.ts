/**
 * Refuses to run a compiled program or package (bin/program.js, bin/plugin.js) older than its sources. `npm run build`
 * compiles them (and `npm ci` runs it, through `prepare`); the engine runs the compiled JavaScript, so an edit made
 * after the build would otherwise go unseen by `pulumi up`, silently. Imported first by both entry points; in the
 * sources (tests, tsx) there is no build manifest beside this file and nothing is checked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** Written by src/build/build.ts beside the bundles. */
export const BUILD_MANIFEST = "build-inputs.json";

export interface BuildManifest {
    /** When the build started (ms since the epoch): a source modified after it is newer than the bundle. */
    readonly builtAt: number;
    /** The project root, relative to the bundles' directory. */
    readonly root: string;
    /** Every source file the bundles were compiled from, relative to the root. */
    readonly inputs: readonly string[];
}

/** The sources changed (or gone) since the build described by the manifest in `dir`; [] when there is none. */
export function staleInputs(dir: string): string[] {
    const file = path.join(dir, BUILD_MANIFEST);
    if (!fs.existsSync(file)) return [];
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as BuildManifest;
    const root = path.resolve(dir, manifest.root);
    return manifest.inputs.filter((input) => {
        try {
            return fs.statSync(path.join(root, input)).mtimeMs > manifest.builtAt;
        } catch {
            return true;
        }
    });
}

const stale = staleInputs(__dirname);
if (stale.length > 0) {
    const shown = stale.slice(0, 5).join(", ") + (stale.length > 5 ? ` and ${stale.length - 5} more` : "");
    throw new pulumi.RunError(
        `gitops-stack: the compiled program in ${__dirname} is older than its sources (changed since the build: ${shown}); run npm run build (npm ci runs it too), then run Pulumi again.`,
    );
}
