import * as http from "node:http";

/** One request notification-controller's Slack notifier sent. */
export interface SlackPost {
    authorization: string | undefined;
    body: {
        channel?: string;
        username?: string;
        attachments?: Array<{ color?: string; author_name?: string; text?: string; fields?: unknown[] }>;
    };
}

export interface SlackReceiver {
    /** The Provider's `address`: this receiver's chat.postMessage endpoint. */
    address: string;
    posts: SlackPost[];
    close(): Promise<void>;
}

/**
 * A stand-in for Slack's chat.postMessage on 127.0.0.1: records each post and answers as Slack does (`{"ok":true}`).
 */
export function startSlackReceiver(port: number): Promise<SlackReceiver> {
    const posts: SlackPost[] = [];
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
        req.on("end", () => {
            if (req.method === "POST" && req.url === "/api/chat.postMessage") {
                try {
                    posts.push({ authorization: req.headers.authorization, body: JSON.parse(raw) });
                } catch {
                    posts.push({ authorization: req.headers.authorization, body: { username: `unparsable: ${raw}` } });
                }
                res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
            } else {
                res.writeHead(404).end();
            }
        });
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () =>
            resolve({
                address: `http://127.0.0.1:${port}/api/chat.postMessage`,
                posts,
                close: () => new Promise((r) => server.close(() => r())),
            }),
        );
    });
}
