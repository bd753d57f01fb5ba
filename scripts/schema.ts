/**
 * npm run schema: writes schema.json, the component package's schema as Pulumi's analyzer infers it from the sources
 * (src/component/schema.ts). Run it after changing GitOpsStackArgs or a component's outputs, or package.json's version;
 * tests/component/schema.test.ts fails until the file matches.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { inferSchema } from "../src/component/schema";

const ROOT = path.resolve(__dirname, "..");

inferSchema(ROOT).then(
    async (schema) => {
        // Formatted as `npm run lint` checks it (prettier), so a regenerated file is only a diff where it changed.
        const file = path.join(ROOT, "schema.json");
        const options = (await prettier.resolveConfig(file)) ?? {};
        fs.writeFileSync(file, await prettier.format(JSON.stringify(schema), { ...options, filepath: file }));
        process.stdout.write(
            `schema: schema.json (${Object.keys(schema.resources).join(", ")}, version ${schema.version})\n`,
        );
    },
    (err: unknown) => {
        process.stderr.write(`schema: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
