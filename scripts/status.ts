/**
 * On-call status of a stack: every Application (Argo CD) or GitRepository + Kustomization (Flux) the stack declares,
 * with sync state, health, revision and last change, and the cause and fix of whatever is not fine.
 *
 *   npm run status -- --stack <name> [--context <ctx>] [--kubeconfig <file>] [--repo <checkout>] [--json]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ClusterReadError, formatReport, runStatus, StatusUsageError } from "../src/status";
import { parseCommandLine } from "./cli";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `Usage: npm run status -- --stack <name> [options]

Shows every Application (Argo CD) or GitRepository and Kustomization (Flux) the stack declares, with its sync
state, health, revision and last change, and for each one that is not fine the cause and the fix.

  --stack <name>        stack (a committed Pulumi.<name>.yaml)
  --context <name>      kube context (default: the stack's kubernetes:context, else the current context)
  --kubeconfig <file>   kubeconfig file (default: $KUBECONFIG or ~/.kube/config)
  --repo <dir>          local checkout of the GitOps repository: check whether a failing path exists at the
                        revision the operator tried (git cat-file -e <rev>:<path>)
  --config key=value    override a stack key, as the render does (e.g. operator=flux); repeatable
  --json                print the machine-readable report (schemaVersion 1, see docs/reference/status.md)
  --now <iso time>      evaluate sync windows at this time instead of now
  -h, --help            show this help

Exit status: 0 everything is fine, 1 something needs a person (or the cluster could not be read),
2 bad arguments (unknown stack, invalid stack configuration, unreadable kubeconfig, unknown context).
`;

function main(): number {
    const args = parseCommandLine(
        "status",
        USAGE,
        {
            stack: { type: "string" },
            context: { type: "string" },
            kubeconfig: { type: "string" },
            repo: { type: "string" },
            config: { type: "string", multiple: true, default: [] },
            json: { type: "boolean", default: false },
            now: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
        },
        ["stack"],
    );
    if (typeof args === "number") return args;
    const now = args.now === undefined ? undefined : new Date(args.now);
    if (now && Number.isNaN(now.getTime())) {
        process.stderr.write(`status: --now ${JSON.stringify(args.now)} is not a time; expected ISO 8601.\n`);
        return 2;
    }
    if (args.repo && !fs.existsSync(path.join(args.repo, ".git")) && !fs.existsSync(path.join(args.repo, "HEAD"))) {
        process.stderr.write(`status: --repo ${args.repo} is not a git checkout.\n`);
        return 2;
    }
    try {
        const report = runStatus({
            root: ROOT,
            stack: args.stack,
            config: args.config,
            kubeconfig: args.kubeconfig,
            context: args.context,
            repoDir: args.repo && path.resolve(args.repo),
            now,
        });
        process.stdout.write(args.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
        return report.ok ? 0 : 1;
    } catch (err) {
        if (err instanceof StatusUsageError) {
            process.stderr.write(`status: ${err.message}\n`);
            return 2;
        }
        if (err instanceof ClusterReadError) {
            process.stderr.write(`status: the cluster could not be read: ${err.message}\n`);
            return 1;
        }
        throw err;
    }
}

process.exitCode = main();
