import * as path from "node:path";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { deployKey } from "./deployKey";
import { DeliveryError, UsageError } from "./errors";
import { addApp, DEFAULT_TEMPLATE } from "./addApp";
import { checkBuildUrl, checkNotOption, checkSourceCommit } from "./args";
import { promote } from "./promote";
import { rotateKey } from "./rotateKey";
import { setImage, type Io } from "./setImage";

/** The directory holding the committed Pulumi.<stack>.yaml files (this repository's root). */
export const PROJECT_ROOT = path.resolve(__dirname, "../..");

export const USAGE = `Usage: npm run gitops -- <command> [options]   (or npm run set-image / npm run promote)

  set-image   pin a new image tag or digest in one app's overlay for one environment, and commit it
  promote     copy the image pins of one environment's overlays into another's, on a branch with a pull request
  deploy-key  print the public half of a stack's SSH deploy key, and where to register it (before the first up)
  add-app     scaffold a new app's base and overlays from a template, and print the stack entries to add
  rotate-key  rotate the stack's Git credential without a moment without a working one (see rotate-key --help)

set-image --repo <gitops checkout> --env <env> --app <app> (--tag <tag> | --digest sha256:<hex> | both)
          [--image <name>] [--stack <name> | --path-template <template>] [--push] [--remote origin]
          [--allow-downgrade] [--outside-range] [--source-commit <sha>] [--build-url <url>]
  --image           the images entry to change (its name), when the overlay has several
  --stack           read the layout (appPathTemplate, apps) from Pulumi.<name>.yaml; --env defaults to its tier.
                    With image automation on, a tag outside the app's semverRange is refused.
  --path-template   layout of the checkout; default apps/{app}/overlays/{env}
  --push            push the current branch after committing (never forced); when another release pushed first,
                    fetch, re-apply the same change on the new tip and push again (up to 5 attempts)
  --allow-downgrade accept a tag older than the pinned one (a rollback)
  --outside-range   accept a tag the app's image automation would replace (outside its semverRange)
  --source-commit   the commit the image was built from (commit trailer Source-Commit)
  --build-url       the CI run that built it (commit trailer Build-URL)

promote --repo <gitops checkout> --from <env> --to <env> (--app <app>... | --all-apps)
        (--from-stack <source stack> | --skip-verification) [--stack <target stack>] [--from-ref HEAD]
        [--from-context <ctx>] [--kubeconfig <file>] [--base <branch>] [--direct] [--push] [--branch <name>]
        [--remote origin] [--path-template <template>] [--source-commit <sha>] [--build-url <url>]
  --from-stack    the source environment's stack: promote reads that environment's live state (as npm run status
                  does) and refuses what does not run healthy there at the images being promoted; its overlays are
                  read where that stack puts them
  --from-context  the kube context of the source environment (default: the stack's kubernetes:context)
  --skip-verification  promote without that check; the pull request says nothing was verified
  --stack         the target environment's stack: its operator and targetRevision decide the pull request's
                  base (Argo CD: the tracked branch; Flux: the tracked branch, or the default branch for
                  tag/semver refs). Required for prod.
  --from-ref      where the source overlays are read (default HEAD)
  --base          the branch the pull request goes into, instead of the one the stack tracks
  --direct        commit onto the checked-out target branch instead of a pull request (not for prod)
  --push          push the promotion branch (again, when it exists) and open the pull request with gh; when
                  that is not possible (no gh, not GitHub), exit 1 with the compare URL or the command to run

deploy-key --stack <name> [--stdin]
  --stack         the stack whose sshPrivateKey is read: with the Pulumi CLI (pulumi config get sshPrivateKey
                  --stack <name>, run where Pulumi.<name>.yaml lives), or
  --stdin         from standard input (a key file, or the CLI's output piped in)
                  Prints "<type> <base64> gitops-stack-<name>" on stdout, the fingerprint and where to register the
                  key (read-only, or with write access when image automation pushes) on stderr. Never the private key.
add-app --repo <gitops checkout> --app <name> --image <repository> --tag <tag> [--stack <stack>]...
        [--semver-range <range>] [--namespace {app}-{env}] [--depends-on <app>]... [--base-path apps/{app}/base]
        [--template <dir>]
  --stack         the environments to add it to, by stack (repeatable; default: every committed stack). Each
                  overlay goes where that stack's appPathTemplate puts it; the name, namespace, dependencies,
                  image and range are checked with the stack's own rules
  --semver-range  image automation's range for the app (the stack entry gets image and semverRange; overlays of
                  Flux stacks with image automation get the setter marker)
  --template      the template directory (base/ and overlay/; default templates/app of this repository)
  Files that exist are never overwritten; stack files are not edited: the entries to add are printed, as YAML and
  as pulumi config set --path lines. Running it again changes nothing.

rotate-key --stack <stack> [--out <new dir>]
rotate-key --stack <stack> --check [--public-key <dir>/deploy-key.pub] [--context <ctx>] [--kubeconfig <file>]
           [--timeout 120]
  Rotates the stack's Git credential (authKind) so that a working one is always in place: new credential, added at
  the Git host beside the old one, pulumi config set --secret, pulumi up, --check, then revoke the old one.
  --out           SSH: the new directory the key pair is generated into (ed25519; the private key is never printed);
                  prints the public key and the exact commands of each step
  --check         step 4: asks the operator to fetch now and reads the stack's state as npm run status does; exit 0
                  when the cluster reads the repository with the new credential (SSH: the Secret holds the key of
                  --public-key), 1 when the old one must not be revoked yet

Common: --stack-dir <dir> (where Pulumi.<stack>.yaml live; default this repository),
        --config key=value (override a stack key, as for npm run render; repeatable), -h/--help.
Exit status: 0 done or nothing to change, 1 refused or failed, 2 bad arguments.
`;

const trailers = {
    "source-commit": { type: "string" },
    "build-url": { type: "string" },
} as const;

/** The audit trailers, checked. */
function trailerValues(v: { "source-commit"?: string; "build-url"?: string }) {
    return {
        sourceCommit: v["source-commit"] === undefined ? undefined : checkSourceCommit(v["source-commit"]),
        buildUrl: v["build-url"] === undefined ? undefined : checkBuildUrl(v["build-url"]),
    };
}

/** The commands' I/O: the working directory, environment and stdout, and standard input for deploy-key --stdin. */
export interface GitopsIo extends Io {
    readonly readStdin?: () => Promise<string>;
}

const common = {
    repo: { type: "string" },
    stack: { type: "string" },
    "stack-dir": { type: "string" },
    config: { type: "string", multiple: true, default: [] as string[] },
    "path-template": { type: "string" },
    push: { type: "boolean", default: false },
    remote: { type: "string", default: "origin" },
    help: { type: "boolean", short: "h", default: false },
} as const;

function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
    try {
        return parseArgs({ args, options, strict: true as const, allowPositionals: false as const }).values;
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
}

function required(values: Record<string, unknown>, names: readonly string[]): void {
    const missing = names.filter((n) => values[n] === undefined);
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(", ")}.`);
}

async function dispatch(argv: readonly string[], io: GitopsIo, err: (text: string) => void): Promise<number> {
    const [command, ...rest] = argv;
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
        io.out(USAGE);
        return command === undefined ? 2 : 0;
    }
    const stackDir = (dir: string | undefined) => (dir === undefined ? PROJECT_ROOT : path.resolve(io.cwd, dir));
    if (command === "set-image") {
        const v = parse(rest, {
            ...common,
            env: { type: "string" },
            app: { type: "string" },
            tag: { type: "string" },
            digest: { type: "string" },
            image: { type: "string" },
            "allow-downgrade": { type: "boolean", default: false },
            "outside-range": { type: "boolean", default: false },
            ...trailers,
        });
        if (v.help) {
            io.out(USAGE);
            return 0;
        }
        required(v, ["repo", "app"]);
        if (v.env === undefined && v.stack === undefined) throw new UsageError("missing --env (or --stack).");
        if (v.tag === undefined && v.digest === undefined) throw new UsageError("missing --tag or --digest.");
        if (v.stack !== undefined && v["path-template"] !== undefined) {
            throw new UsageError("--stack and --path-template are exclusive: the stack has its own appPathTemplate.");
        }
        return setImage(
            {
                repo: v.repo!,
                app: v.app!,
                env: v.env,
                pin: { tag: v.tag, digest: v.digest },
                image: v.image,
                stack: v.stack,
                stackDir: stackDir(v["stack-dir"]),
                config: v.config!,
                pathTemplate: v["path-template"],
                push: v.push!,
                remote: v.remote!,
                allowDowngrade: v["allow-downgrade"]!,
                outsideRange: v["outside-range"]!,
                ...trailerValues(v),
            },
            io,
        );
    }
    if (command === "promote") {
        const v = parse(rest, {
            ...common,
            app: { type: "string", multiple: true, default: [] as string[] },
            "all-apps": { type: "boolean", default: false },
            from: { type: "string" },
            to: { type: "string" },
            "from-stack": { type: "string" },
            "from-ref": { type: "string", default: "HEAD" },
            base: { type: "string" },
            direct: { type: "boolean", default: false },
            branch: { type: "string" },
            "skip-verification": { type: "boolean", default: false },
            kubeconfig: { type: "string" },
            "from-context": { type: "string" },
            ...trailers,
        });
        if (v.help) {
            io.out(USAGE);
            return 0;
        }
        required(v, ["repo", "from", "to"]);
        if (v.app!.length === 0 && !v["all-apps"])
            throw new UsageError("missing --app <name> (repeatable) or --all-apps.");
        if (v.app!.length > 0 && v["all-apps"]) throw new UsageError("--app and --all-apps are exclusive.");
        if (v.direct && (v.branch !== undefined || v.base !== undefined)) {
            throw new UsageError(
                "--direct commits onto the checked-out branch; --branch and --base are for pull requests.",
            );
        }
        return promote(
            {
                repo: v.repo!,
                apps: v.app!,
                allApps: v["all-apps"]!,
                from: v.from!,
                to: v.to!,
                stack: v.stack,
                fromStack: v["from-stack"],
                stackDir: stackDir(v["stack-dir"]),
                config: v.config!,
                pathTemplate: v["path-template"],
                fromRef: v["from-ref"]!,
                base: v.base,
                direct: v.direct!,
                push: v.push!,
                remote: v.remote!,
                branch: v.branch,
                skipVerification: v["skip-verification"]!,
                kubeconfig: v.kubeconfig === undefined ? undefined : path.resolve(io.cwd, v.kubeconfig),
                fromContext:
                    v["from-context"] === undefined
                        ? undefined
                        : checkNotOption("--from-context", v["from-context"], "a context of the kubeconfig"),
                ...trailerValues(v),
            },
            io,
        );
    }
    if (command === "deploy-key") {
        const v = parse(rest, {
            stack: common.stack,
            "stack-dir": common["stack-dir"],
            config: common.config,
            help: common.help,
            stdin: { type: "boolean", default: false },
        });
        if (v.help) {
            io.out(USAGE);
            return 0;
        }
        required(v, ["stack"]);
        const stack = checkNotOption("--stack", v.stack!, "a stack name with a Pulumi.<name>.yaml, e.g. dev");
        if (v.stdin && io.readStdin === undefined) throw new UsageError("--stdin: no standard input to read.");
        return deployKey(
            { stack, stackDir: stackDir(v["stack-dir"]), config: v.config!, stdin: v.stdin! },
            { env: io.env, out: io.out, err, readStdin: io.readStdin ?? (() => Promise.resolve("")) },
        );
    }
    if (command === "add-app") {
        const v = parse(rest, {
            repo: { type: "string" },
            app: { type: "string" },
            stack: { type: "string", multiple: true, default: [] as string[] },
            "stack-dir": { type: "string" },
            config: { type: "string", multiple: true, default: [] as string[] },
            image: { type: "string" },
            tag: { type: "string" },
            "semver-range": { type: "string" },
            namespace: { type: "string", default: "{app}-{env}" },
            "depends-on": { type: "string", multiple: true, default: [] as string[] },
            "base-path": { type: "string", default: "apps/{app}/base" },
            template: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
        });
        if (v.help) {
            io.out(USAGE);
            return 0;
        }
        required(v, ["repo", "app", "image", "tag"]);
        return addApp(
            {
                repo: v.repo!,
                app: v.app!,
                stacks: v.stack!,
                stackDir: stackDir(v["stack-dir"]),
                config: v.config!,
                image: v.image!,
                tag: v.tag!,
                semverRange: v["semver-range"],
                namespace: v.namespace!,
                dependsOn: v["depends-on"]!,
                basePath: v["base-path"]!,
                template: v.template ?? DEFAULT_TEMPLATE,
            },
            io,
        );
    }
    if (command === "rotate-key") {
        const v = parse(rest, {
            stack: { type: "string" },
            "stack-dir": { type: "string" },
            config: { type: "string", multiple: true, default: [] as string[] },
            out: { type: "string" },
            check: { type: "boolean", default: false },
            "public-key": { type: "string" },
            kubeconfig: { type: "string" },
            context: { type: "string" },
            timeout: { type: "string", default: "120" },
            help: { type: "boolean", short: "h", default: false },
        });
        if (v.help) {
            io.out(USAGE);
            return 0;
        }
        required(v, ["stack"]);
        const timeout = Number(v.timeout);
        if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600) {
            throw new UsageError(
                `--timeout ${JSON.stringify(v.timeout)} is not valid; expected whole seconds from 1 to 3600.`,
            );
        }
        if (v.check && v.out !== undefined)
            throw new UsageError("--check and --out are exclusive: --out starts a rotation.");
        return rotateKey(
            {
                stack: v.stack!,
                stackDir: stackDir(v["stack-dir"]),
                config: v.config!,
                out: v.out,
                check: v.check!,
                publicKey: v["public-key"],
                kubeconfig: v.kubeconfig === undefined ? undefined : path.resolve(io.cwd, v.kubeconfig),
                context:
                    v.context === undefined
                        ? undefined
                        : checkNotOption("--context", v.context, "a context of the kubeconfig"),
                timeoutSeconds: timeout,
            },
            io,
        );
    }
    throw new UsageError(
        `unknown command ${JSON.stringify(command)}; expected set-image, promote, deploy-key, add-app or rotate-key.`,
    );
}

/**
 * Runs one command line (without the program name) and returns the exit status: 0 done or nothing to change,
 * 1 refused or failed (the message says why), 2 bad arguments. Messages go to `err`, results to `io.out`.
 */
export async function runGitops(argv: readonly string[], io: GitopsIo, err: (text: string) => void): Promise<number> {
    try {
        return await dispatch(argv, io, err);
    } catch (e) {
        if (e instanceof UsageError) {
            err(`gitops: ${e.message}\n\n${USAGE}`);
            return 2;
        }
        if (e instanceof DeliveryError) {
            err(`gitops: ${e.message}\n`);
            return 1;
        }
        err(`gitops: ${(e as Error).stack ?? String(e)}\n`);
        return 1;
    }
}
