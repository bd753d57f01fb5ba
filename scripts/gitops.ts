/**
 * The delivery commands: set-image (the CI step after an image build), promote (environment to environment,
 * by pull request), and deploy-key (a stack's deploy key before its first up). See `npm run gitops -- --help` and
 * docs/how-to/promote-release.md.
 *
 *   npm run set-image -- --repo <gitops checkout> --env dev --app guestbook --tag 1.4.2
 *   npm run promote -- --repo <gitops checkout> --app guestbook --from staging --to prod --stack prod
 *   npm run gitops -- deploy-key --stack dev
 */
import { runGitops } from "../src/delivery/cli";

// npm runs scripts in the package root; relative paths the user typed are relative to where they typed them.
const cwd = process.env.INIT_CWD ?? process.cwd();

/** All of standard input (deploy-key --stdin: a private key, kept in memory). */
async function readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

runGitops(
    process.argv.slice(2),
    { cwd, env: process.env, out: (text) => process.stdout.write(text), readStdin },
    (text) => process.stderr.write(text),
).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(`gitops: ${(err as Error).message}\n`);
        process.exitCode = 1;
    },
);
