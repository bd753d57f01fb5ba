/**
 * npm run build: compiles the program and the component package's entry into bin/ (src/build/build.ts). `npm ci`
 * runs it (package.json `prepare`), so a fresh clone is ready for `pulumi up` after the documented install.
 */
import * as path from "node:path";
import { buildPackage } from "../src/build/build";

buildPackage(path.resolve(__dirname, "..")).then(
    (manifest) =>
        process.stdout.write(`build: bin/program.js and bin/plugin.js from ${manifest.inputs.length} sources\n`),
    (err: unknown) => {
        process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
