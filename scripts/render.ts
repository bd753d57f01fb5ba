/**
 * Renders a stack offline: runs the program (src/program main) under Pulumi's mock engine with the stack's
 * configuration and writes every Kubernetes object and Helm release it declares as YAML. No cluster, Pulumi CLI,
 * backend or secret is needed; secrets are written as the placeholder.
 *
 *   npm run render -- --stack <name> [--config key=value ...] [--out <dir>]
 */
// First: the compile cache must be on before the SDK modules load.
import "./compileCache";
import * as path from "node:path";
import { describeError, formatSummary, renderStack, writeRender } from "../src/offline/render";
import { ConfigArgumentError } from "../src/offline/stackFile";
import { parseCommandLine } from "./cli";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `Usage: npm run render -- --stack <name> [--config key=value ...] [--out <dir>]

Renders every Kubernetes object and Helm release the stack declares to YAML, without a cluster.

  --stack <name>        stack to render (a committed Pulumi.<name>.yaml)
  --config key=value    override a key for this render, as pulumi config set would (repeatable;
                        secrets cannot be set here: they are always written as a placeholder)
  --out <dir>           output directory (default: rendered/<stack>); its previous render is replaced,
                        a directory that is not a previous render is refused
  -h, --help            show this help

Exit status: 0 rendered, 1 the stack, a key, a value or the output directory is wrong, 2 bad arguments
(an unknown option, no --stack, a --config that is not key=value or that passes a secret).

A secret the configuration needs but the stack file does not hold is rendered as the placeholder and reported
as a warning on stderr, with the pulumi config set --secret command that sets it.
`;

async function run(): Promise<number> {
    const args = parseCommandLine(
        "render",
        USAGE,
        {
            stack: { type: "string" },
            config: { type: "string", multiple: true, default: [] },
            out: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
        },
        ["stack"],
    );
    if (typeof args === "number") return args;
    let render;
    try {
        render = await renderStack({ root: ROOT, stack: args.stack, config: args.config });
    } catch (err) {
        // A --config that is not key=value (or passes a secret) is a bad command line, not a bad stack.
        if (!(err instanceof ConfigArgumentError)) throw err;
        process.stderr.write(`render: ${err.message}\n\n${USAGE}`);
        return 2;
    }
    const outDir = args.out ?? path.join(ROOT, "rendered", args.stack);
    writeRender(render, outDir);
    for (const warning of render.summary.warnings) process.stderr.write(`render: warning: ${warning}\n`);
    // As the user wrote it; the default relative to where they are (the repository root under npm run).
    process.stdout.write(formatSummary(render.summary, args.out ?? path.relative(process.cwd(), outDir)));
    return 0;
}

run().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        const { message } = describeError(err);
        process.stderr.write(`render: ${message}\n`);
        process.exitCode = 1;
    },
);
