/**
 * Issue 19 §7: `npm run status` against things that are not a healthy cluster, with the real kubectl: a kubeconfig
 * that is a FIFO or missing, a port nobody listens on, an HTTP server that answers 404 (or 401, or never), and an exec
 * credential plugin that never returns. Each ends within the request timeout, says which of "cannot read the
 * kubeconfig" / "cannot reach the cluster" / "reached the cluster ..., but" happened, leaves no process behind, and
 * the CLI exits 2 (kubeconfig) or 3 (cluster).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeconfigContexts, kubeconfigFileProblem } from "../../src/config/rules/kubeContext";
import { ClusterReadError, runStatus, StatusUsageError } from "../../src/status";
import { TEST_SEALED_CERTIFICATE, TEST_SEALED_PRIVATE_KEY } from "../support/testKeys";
import { ROOT } from "./fixtures";

let dir: string;
const children: ChildProcess[] = [];

function kubeconfig(
    name: string,
    server: string,
    user: Record<string, unknown> = { token: "t0k3n-4f1c" },
    cluster: Record<string, unknown> = {},
): string {
    const file = path.join(dir, name);
    fs.writeFileSync(
        file,
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "c", cluster: { server, ...cluster } }],
            users: [{ name: "u", user }],
            contexts: [{ name: "test", context: { cluster: "c", user: "u" } }],
            "current-context": "test",
        }),
    );
    return file;
}

/**
 * A loopback server in a process of its own (runStatus blocks this one while kubectl runs): `silent` accepts
 * connections and never answers; otherwise every request gets `status` and `body`. Resolves to its port.
 */
async function serve(
    answer: { status: number; body?: string; type?: string; tls?: boolean } | "silent" | "closed",
): Promise<number> {
    const handler = (a: { status: number; body?: string; type?: string }) =>
        `(q, r) => r.writeHead(${a.status}, { "Content-Type": ${JSON.stringify(a.type ?? "text/plain")} }).end(${JSON.stringify(a.body ?? "")})`;
    const code =
        answer === "silent" || answer === "closed"
            ? `const s = require("node:net").createServer(() => {});`
            : answer.tls
              ? `const s = require("node:https").createServer({ cert: ${JSON.stringify(TEST_SEALED_CERTIFICATE)}, key: ${JSON.stringify(TEST_SEALED_PRIVATE_KEY)} }, ${handler(answer)});`
              : `const s = require("node:http").createServer(${handler(answer)});`;
    const child = spawn(
        process.execPath,
        [
            "-e",
            `${code} s.listen(0, "127.0.0.1", () => { console.log(s.address().port); ${answer === "closed" ? "s.close();" : ""} });`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(child);
    return new Promise((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))));
}
/** What runStatus throws for a kubeconfig, and how long it took. */
function failure(file: string, requestTimeoutMs = 15_000): { error: Error; ms: number } {
    const start = Date.now();
    try {
        runStatus({ root: ROOT, stack: "dev", context: "test", kubeconfig: file, requestTimeoutMs });
    } catch (err) {
        return { error: err as Error, ms: Date.now() - start };
    }
    throw new Error("runStatus did not fail");
}

/** Whether a process still runs: a zombie (killed, not yet reaped by whoever inherited it) does not. */
const alive = (pid: number): boolean => {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return !/^\d+ \(.*\) [ZX] /.test(stat);
    } catch {
        try {
            process.kill(pid, 0);
            return true;
        } catch {
            return false;
        }
    }
};

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitops-status-reach-"));
});
afterAll(() => {
    for (const child of children) child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
});

describe("cannot read the kubeconfig (exit 2)", () => {
    it("a FIFO is refused before kubectl would block on it", () => {
        const fifo = path.join(dir, "fifo");
        execFileSync("mkfifo", [fifo]);
        expect(kubeconfigFileProblem(fifo)).toMatch(/is a FIFO \(named pipe\), not a file/);
        const { error, ms } = failure(fifo);
        expect(error).toBeInstanceOf(StatusUsageError);
        expect(error.message).toMatch(/^cannot read the kubeconfig .*fifo is a FIFO/);
        expect(ms).toBeLessThan(5000);
    });

    it("a missing file, a directory, and $KUBECONFIG with none of its files", () => {
        expect(kubeconfigFileProblem(path.join(dir, "missing"))).toMatch(/missing does not exist/);
        expect(kubeconfigFileProblem(dir)).toMatch(/is a directory/);
        expect(kubeconfigContexts(undefined, { KUBECONFIG: `${dir}/a:${dir}/b` }, dir).problem).toMatch(
            /none of its files exists/,
        );
        expect(kubeconfigContexts(undefined, {}, dir).problem).toMatch(
            /\.kube\/config does not exist and \$KUBECONFIG is not set/,
        );
        const { error } = failure(path.join(dir, "missing"));
        expect(error.message).toMatch(/^cannot read the kubeconfig .*missing does not exist/);
    });

    it("a kubeconfig without contexts says so, not that a context is missing", () => {
        const empty = path.join(dir, "empty");
        fs.writeFileSync(empty, "apiVersion: v1\nkind: Config\n");
        const start = Date.now();
        expect(() => runStatus({ root: ROOT, stack: "dev", kubeconfig: empty })).toThrow(
            /cannot read the kubeconfig .*: it has no contexts/,
        );
        expect(Date.now() - start).toBeLessThan(15_000);
    });
});

describe("cannot reach the cluster (exit 3)", () => {
    it("connection refused", async () => {
        const port = await serve("closed");
        const { error } = failure(kubeconfig("refused", `https://127.0.0.1:${port}`));
        expect(error).toBeInstanceOf(ClusterReadError);
        expect(error.message).toMatch(
            new RegExp(
                `^cannot reach the cluster at https://127\\.0\\.0\\.1:${port} \\(context test\\): connection refused`,
            ),
        );
    });

    it("a server that accepts connections and never answers: bounded by the request timeout", async () => {
        const port = await serve("silent");
        const { error, ms } = failure(kubeconfig("silent", `http://127.0.0.1:${port}`), 2000);
        expect(error.message).toMatch(/^cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+ \(context test\): /);
        expect(error.message).toMatch(/timed out|no answer within 2s/);
        expect(ms).toBeLessThan(9000);
    });

    it("an exec credential plugin that never returns is killed with kubectl, at the timeout", async () => {
        // TLS (verification skipped): the plugin is asked for credentials before a request is sent.
        const port = await serve({ status: 404, tls: true });
        const pidFile = path.join(dir, "plugin.pid");
        const plugin = path.join(dir, "hang-plugin");
        fs.writeFileSync(plugin, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 300\n`, { mode: 0o755 });
        const file = kubeconfig(
            "exec",
            `https://127.0.0.1:${port}`,
            { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: plugin, interactiveMode: "Never" } },
            { "insecure-skip-tls-verify": true },
        );
        const { error, ms } = failure(file, 2000);
        expect(error).toBeInstanceOf(ClusterReadError);
        expect(error.message).toMatch(
            /^cannot reach the cluster at https:\/\/127\.0\.0\.1:\d+ \(context test\): no answer within 2s .*the context's credential plugin hang-plugin may never return/,
        );
        expect(ms).toBeLessThan(9000);
        const pid = Number(fs.readFileSync(pidFile, "utf8"));
        // SIGKILL is delivered at once, but the process ends when the kernel next runs it: a loaded machine may show
        // it for a moment. Left alive, it would sleep 300 s; 5 s tells the two apart.
        const deadline = Date.now() + 5000;
        while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(alive(pid), "the plugin outlived the command").toBe(false);
    });
});

describe("reached the cluster, but (exit 3)", () => {
    it("an HTTP server that answers 404 is not a cluster without Argo CD", async () => {
        const port = await serve({ status: 404, body: "404 page not found" });
        const { error } = failure(kubeconfig("404", `http://127.0.0.1:${port}`));
        expect(error.message).toMatch(
            /^reached the cluster at http:\/\/127\.0\.0\.1:\d+ \(context test\), but it is not a Kubernetes API server/,
        );
        expect(error.message).not.toMatch(/Argo CD is not installed|pulumi up/);
    });

    it("a server that answers 200 with something that is not a Kubernetes version", async () => {
        const port = await serve({ status: 200, body: "<html>hello</html>", type: "text/html" });
        const { error } = failure(kubeconfig("html", `http://127.0.0.1:${port}`));
        expect(error.message).toMatch(
            /, but it is not a Kubernetes API server: GET \/version did not answer a Kubernetes version/,
        );
    });

    it("credentials refused (401), and never repeated", async () => {
        const port = await serve({
            status: 401,
            type: "application/json",
            body: '{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
        });
        const { error } = failure(kubeconfig("401", `http://127.0.0.1:${port}`));
        expect(error.message).toMatch(
            /^reached the cluster at .*, but it refused the credentials \(401 Unauthorized\)/,
        );
        expect(error.message).not.toContain("t0k3n-4f1c");
    });
});

describe("the CLI's exit status says which", () => {
    const cli = (...args: string[]) =>
        spawnSync(
            process.execPath,
            ["--import", "tsx", path.join(ROOT, "scripts/status.ts"), "--stack", "dev", ...args],
            {
                cwd: ROOT,
                encoding: "utf8",
                timeout: 60_000,
            },
        );

    it("2 for a kubeconfig it cannot read, 3 for a cluster it cannot reach", async () => {
        const fifo = path.join(dir, "fifo-cli");
        execFileSync("mkfifo", [fifo]);
        const unreadable = cli("--kubeconfig", fifo, "--context", "test");
        expect(unreadable.status).toBe(2);
        expect(unreadable.stderr).toMatch(/^status: cannot read the kubeconfig .*is a FIFO/);

        const port = await serve({ status: 404 });
        const notKube = cli("--kubeconfig", kubeconfig("404-cli", `http://127.0.0.1:${port}`), "--context", "test");
        expect(notKube.status).toBe(3);
        expect(notKube.stderr).toMatch(/^status: reached the cluster at .*, but it is not a Kubernetes API server/);
    });
});
