import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");

/** The versions and cache directory scripts/cluster/versions.sh sets (the build scripts' single source). */
export function clusterVersions(): Record<string, string> {
    const out = execFileSync(
        "bash",
        ["-c", '. "$1" && env | grep -E "^(CLUSTER_BIN|[A-Z_]+_VERSION)="', "-", "scripts/cluster/versions.sh"],
        { cwd: ROOT, encoding: "utf8" },
    );
    return Object.fromEntries(
        out
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

/**
 * `<cache>/bin/<name>-<version>`, or an error that says how to build it: `build` is the script that does (default:
 * the Flux controllers' scripts/cluster/build-flux.sh).
 */
export function binaryPath(name: string, version: string, build = "scripts/cluster/build-flux.sh"): string {
    const file = path.join(clusterVersions().CLUSTER_BIN, `${name}-${version}`);
    if (!fs.existsSync(file)) {
        throw new Error(`${file} is missing: run ${build} first (it builds ${name})`);
    }
    return file;
}

/** A process started by the test, its output in a log file. */
export interface Started {
    name: string;
    child: ChildProcess;
    logFile: string;
    /** The last lines of its log, for failure messages. */
    tail(lines?: number): string;
    stop(): Promise<void>;
}

/**
 * Starts `command` in its own process group (so a signal to the test runner's group does not reach it and stop()
 * can end it and anything it started), with stdout and stderr appended to `<dir>/<name>.log`.
 */
export function startLogged(
    dir: string,
    name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
): Started {
    const logFile = path.join(dir, `${name}.log`);
    const fd = fs.openSync(logFile, "a");
    const child = spawn(command, args, {
        stdio: ["ignore", fd, fd],
        detached: true,
        env: { ...process.env, ...env },
    });
    fs.closeSync(fd);
    const tail = (lines = 30) =>
        fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "";
    return {
        name,
        child,
        logFile,
        tail,
        stop: () => stopProcess(child),
    };
}

/** SIGTERM to the process group, SIGKILL after 5 s; resolves when the process has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return Promise.resolve();
    const pid = child.pid;
    return new Promise((resolve) => {
        const kill = setTimeout(() => signal(-pid, "SIGKILL"), 5_000);
        child.once("exit", () => {
            clearTimeout(kill);
            resolve();
        });
        signal(-pid, "SIGTERM");
    });
}

function signal(pid: number, sig: NodeJS.Signals): void {
    try {
        process.kill(pid, sig);
    } catch {
        // Already gone.
    }
}

/** Resolves once the child's stdout matches `pattern`; rejects on exit or after `ms`, with `context()` appended. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, ms: number, context: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
        let seen = "";
        const fail = (why: string) => {
            clearTimeout(timer);
            reject(new Error(`${why}; output so far:\n${seen}\n${context()}`));
        };
        const timer = setTimeout(() => fail(`no line matching ${pattern} within ${ms} ms`), ms);
        child.once("exit", (code) => fail(`exited with ${code} before printing ${pattern}`));
        child.stdout!.on("data", (chunk: Buffer) => {
            seen += chunk.toString();
            if (pattern.test(seen)) {
                clearTimeout(timer);
                child.removeAllListeners("exit");
                resolve();
            }
        });
    });
}

/** Resolves once GET http://127.0.0.1:<port><path> answers 200, polling every 250 ms, or rejects after `ms`. */
export async function waitForHttp(port: number, urlPath: string, ms: number, context: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    let last = "";
    while (Date.now() < deadline) {
        const status = await new Promise<number | string>((resolve) => {
            const req = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 1_000 }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", (err) => resolve(err.message));
            req.on("timeout", () => req.destroy(new Error("timeout")));
        });
        if (status === 200) return;
        last = String(status);
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`http://127.0.0.1:${port}${urlPath} not ready within ${ms} ms (last: ${last})\n${context()}`);
}
