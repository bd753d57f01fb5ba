/**
 * Compiles what the Pulumi engine runs: the program (index.ts → bin/program.js, Pulumi.yaml `main`) and the component
 * package's entry (src/component/plugin.ts → bin/plugin.js, package.json `main`), each one esbuild bundle of this
 * project's code with the npm packages left to node_modules, plus the manifest src/build/freshness.ts checks.
 *
 * The engine used to run index.ts through ts-node with its type check (`typescript: true`): 8-10 s of CPU on every
 * preview, twice per up (issue 25 §9). The type check is `npm run typecheck`, part of `npm test`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";
import { BUILD_MANIFEST, type BuildManifest } from "./freshness";

/** Bundle name to its source, relative to the project root. */
export const ENTRY_POINTS = { program: "index.ts", plugin: "src/component/plugin.ts" } as const;

export async function buildPackage(root: string, outdir = path.join(root, "bin")): Promise<BuildManifest> {
    const builtAt = Date.now();
    const result = await build({
        absWorkingDir: root,
        entryPoints: ENTRY_POINTS,
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node22",
        packages: "external",
        outdir,
        // No source map: the SDK captures a stack trace for every resource, and source-map-support then parsed the
        // bundle's map on every run (0.35 s of CPU of a dev stack's 1.6). The bundle keeps names and each module's path.
        sourcemap: false,
        metafile: true,
        logLevel: "warning",
    });
    const manifest: BuildManifest = {
        builtAt,
        root: path.relative(outdir, root) || ".",
        inputs: Object.keys(result.metafile.inputs).sort(),
    };
    fs.writeFileSync(path.join(outdir, BUILD_MANIFEST), JSON.stringify(manifest, null, 1) + "\n");
    return manifest;
}
