/**
 * Render diff for pull requests: renders a stack at a git ref (with that ref's own render script and stack file) and
 * in the working tree, and prints which objects were added, removed or changed, with a unified diff. No cluster
 * credentials needed.
 *
 *   npm run render:diff -- --stack <name> --base <git-ref> [--config key=value ...] [--exit-code]
 */
// First: the compile cache must be on before the SDK modules load.
import "./compileCache";
import * as path from "node:path";
import { describeError } from "../src/offline/render";
import { formatRenderDiff, hasChanges, renderDiff } from "../src/offline/renderDiff";
import { parseCommandLine } from "./cli";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `Usage: npm run render:diff -- --stack <name> --base <git-ref> [--config key=value ...] [--exit-code]

Renders the stack at <git-ref> and in the working tree (committed or not) and prints the objects that were
added, removed or changed, with a unified diff of the changed and added ones.

  --stack <name>        stack to render (Pulumi.<name>.yaml, as it is on each side)
  --base <git-ref>      branch, tag or commit to compare with, e.g. origin/main
  --config key=value    override a key on both sides (repeatable)
  --exit-code           exit 1 when the renders differ, like git diff --exit-code
  -h, --help            show this help

Exit status: 0 done (with or without changes, unless --exit-code), 1 changes with --exit-code,
2 error (bad arguments, unknown ref, stack, key or value on either side).
`;

async function run(): Promise<number> {
    const args = parseCommandLine(
        "render:diff",
        USAGE,
        {
            stack: { type: "string" },
            base: { type: "string" },
            config: { type: "string", multiple: true, default: [] },
            "exit-code": { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
        },
        ["stack", "base"],
    );
    if (typeof args === "number") return args;
    const diff = await renderDiff({ root: ROOT, stack: args.stack, base: args.base, config: args.config });
    process.stdout.write(formatRenderDiff(diff));
    return args["exit-code"] && hasChanges(diff.comparison) ? 1 : 0;
}

run().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(`render:diff: ${describeError(err).message}\n`);
        process.exitCode = 2;
    },
);
