/**
 * A Git host's push webhook, as GitHub sends it (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push):
 * a JSON push event signed with HMAC-SHA256 of the body (X-Hub-Signature-256) and, as GitHub still does, HMAC-SHA1
 * (X-Hub-Signature). The cluster tests and the latency benchmark send it to the real receivers (Flux's
 * notification-controller, Argo CD's API server).
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";

export interface PushEvent {
    /** The branch pushed (refs/heads/<branch>). */
    branch: string;
    /** The commit the branch now points at. */
    after: string;
    /** The repository as the host describes it: Argo CD matches Applications by these URLs. */
    repository: { cloneUrl: string; sshUrl?: string; htmlUrl: string; fullName: string };
}

/** The push event's JSON body (the fields receivers read; GitHub sends many more). */
export function pushBody(event: PushEvent): string {
    const { repository: r } = event;
    return JSON.stringify({
        ref: `refs/heads/${event.branch}`,
        before: "0".repeat(40),
        after: event.after,
        created: false,
        deleted: false,
        forced: false,
        commits: [{ id: event.after, message: "test push", added: [], removed: [], modified: [] }],
        head_commit: { id: event.after, message: "test push", added: [], removed: [], modified: [] },
        repository: {
            name: r.fullName.split("/").pop(),
            full_name: r.fullName,
            html_url: r.htmlUrl,
            clone_url: r.cloneUrl,
            ssh_url: r.sshUrl ?? r.cloneUrl,
            default_branch: event.branch,
        },
        pusher: { name: "test", email: "test@example.com" },
        sender: { login: "test" },
    });
}

/** GitHub's signature headers for `body` under `secret` (undefined: none, as an unsigned request). */
export function githubHeaders(body: string, secret: string | undefined, event = "push"): Record<string, string> {
    const headers: Record<string, string> = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/gitops-stack-test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": crypto.randomUUID(),
    };
    if (secret !== undefined) {
        headers["X-Hub-Signature-256"] = `sha256=${crypto.createHmac("sha256", secret).update(body).digest("hex")}`;
        headers["X-Hub-Signature"] = `sha1=${crypto.createHmac("sha1", secret).update(body).digest("hex")}`;
    }
    return headers;
}

/**
 * POSTs `body` to http://127.0.0.1:<port><path> (https:// with `tls`: argocd-server serves TLS with the certificate
 * it generates, which is not checked here); resolves with the status code and the response text.
 */
export function post(
    port: number,
    path: string,
    body: string,
    headers: Record<string, string>,
    options: { tls?: boolean } = {},
): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
        const request = options.tls ? https.request : http.request;
        const req = request(
            {
                host: "127.0.0.1",
                port,
                path,
                method: "POST",
                headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
                ...(options.tls ? { rejectUnauthorized: false } : {}),
            },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => (text += chunk));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
            },
        );
        req.setTimeout(30_000, () => req.destroy(new Error(`POST ${path}: no answer in 30 s`)));
        req.on("error", reject);
        req.end(body);
    });
}
