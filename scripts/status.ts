/**
 * On-call status of a stack: every Application (Argo CD) or GitRepository + Kustomization (Flux) the stack declares,
 * with sync state, health, revision and last change, and the cause and fix of whatever is not fine.
 *
 *   npm run status -- --stack <name> [--context <ctx>] [--kubeconfig <file>] [--repo <checkout>] [--json]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ClusterReadError, formatReport, runStatus, StatusUsageError } from "../src/status";
import { parseGoDuration } from "../src/config/rules/durations";
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
  --request-timeout <d> bound of each request to the cluster, credential plugin included (default 20s;
                        e.g. 5s, 1m); the first request checks the cluster answers at all
  -h, --help            show this help

Exit status: 0 everything is fine; 1 the cluster was read and something needs a person;
2 bad arguments, or the kubeconfig cannot be read (unknown stack, invalid stack configuration, a kubeconfig
that is missing, a FIFO or unreadable, an unknown context); 3 the cluster could not be read: it cannot be reached
(refused, DNS, timeout, TLS, a credential plugin that fails or never returns) or it answered but refused
(credentials rejected, forbidden, not a Kubernetes API server).
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
            "request-timeout": { type: "string", default: "20s" },
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
    const timeoutMs = parseGoDuration(args["request-timeout"]);
    if (timeoutMs === undefined || timeoutMs < 1000 || timeoutMs > 10 * 60_000) {
        process.stderr.write(
            `status: --request-timeout ${JSON.stringify(args["request-timeout"])} is not valid; expected a duration from 1s to 10m, e.g. 20s.\n`,
        );
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
            requestTimeoutMs: timeoutMs,
        });
        process.stdout.write(args.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
        return report.ok ? 0 : 1;
    } catch (err) {
        if (err instanceof StatusUsageError) {
            process.stderr.write(`status: ${err.message}\n`);
            return 2;
        }
        if (err instanceof ClusterReadError) {
            process.stderr.write(`status: ${err.message}\n`);
            return 3;
        }
        throw err;
    }
}

process.exitCode = main();
