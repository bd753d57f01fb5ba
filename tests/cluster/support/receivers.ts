/**
 * Loopback stand-ins for the internet services that notifications go to, so a controller's real notifier code runs
 * unchanged against them:
 *
 *   startInterceptor(port, dir, hosts) → an HTTPS proxy on 127.0.0.1 that terminates TLS for `hosts` (slack.com,
 *       events.pagerduty.com, a Teams or webhook host) with a certificate of a CA made for the run, records every
 *       request and answers as the service would. The controller gets HTTPS_PROXY (Go's ProxyFromEnvironment; it
 *       never proxies 127.0.0.1, so the apiserver is reached directly) and SSL_CERT_FILE (Go's root CAs) from `env`.
 *   startSmtpSink(port)                 → an SMTP server on 127.0.0.1 that accepts AUTH PLAIN/LOGIN and mail, records
 *       both, and offers no STARTTLS (Go's net/smtp sends PLAIN credentials in clear only to a loopback host).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";

export interface InterceptedRequest {
    /** The host the client asked the proxy to connect to (CONNECT host:443). */
    host: string;
    method: string;
    path: string;
    headers: http.IncomingHttpHeaders;
    body: string;
    /** When it arrived (ms since the epoch). */
    at: number;
}

export interface Interceptor {
    requests: InterceptedRequest[];
    /** Environment for the process whose HTTPS requests go through the interceptor. */
    env: { HTTPS_PROXY: string; SSL_CERT_FILE: string; NO_PROXY: string };
    close(): Promise<void>;
}

/** How a service answers a request it accepted (status and JSON body). */
function answer(host: string, req: InterceptedRequest): { status: number; body: unknown } {
    if (host === "slack.com") {
        // chat.postMessage's success answer (https://api.slack.com/methods/chat.postMessage).
        return { status: 200, body: { ok: true, channel: "C0TEST", ts: `${(req.at / 1000).toFixed(6)}` } };
    }
    if (host === "events.pagerduty.com") {
        // Events API v2 enqueue's answer (https://developer.pagerduty.com/api-reference/).
        return { status: 202, body: { status: "success", message: "Event processed", dedup_key: "test" } };
    }
    return { status: 200, body: {} };
}

/** A CA and one server certificate for `hosts`, made with openssl in `dir`. */
function makeCertificates(dir: string, hosts: readonly string[]): { ca: string; key: string; cert: string } {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = (name: string) => path.join(dir, name);
    const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    openssl(
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gitops-stack test CA"].concat([
            "-keyout",
            file("ca.key"),
            "-out",
            file("ca.crt"),
        ]),
    );
    openssl(
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${hosts[0]}`, "-keyout", file("server.key")].concat([
            "-out",
            file("server.csr"),
        ]),
    );
    fs.writeFileSync(file("san.ext"), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}\n`);
    openssl(
        ["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key")].concat([
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            file("san.ext"),
            "-out",
            file("server.crt"),
        ]),
    );
    return {
        ca: file("ca.crt"),
        key: fs.readFileSync(file("server.key"), "utf8"),
        cert: fs.readFileSync(file("server.crt"), "utf8"),
    };
}

export function startInterceptor(port: number, dir: string, hosts: readonly string[]): Promise<Interceptor> {
    const certs = makeCertificates(dir, hosts);
    const requests: InterceptedRequest[] = [];
    // The decrypted side: one HTTP server fed the TLS sockets of every CONNECT tunnel.
    const inner = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
            const host = (req.socket as tls.TLSSocket & { connectHost?: string }).connectHost ?? "";
            const recorded = {
                host,
                method: req.method ?? "",
                path: req.url ?? "",
                headers: req.headers,
                body,
                at: Date.now(),
            };
            requests.push(recorded);
            const { status, body: reply } = answer(host, recorded);
            res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(reply));
        });
    });
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    const sockets = new Set<net.Socket>();
    proxy.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    proxy.on("connect", (req, socket: net.Socket, head: Buffer) => {
        const host = (req.url ?? "").replace(/:\d+$/, "");
        if (!hosts.includes(host)) {
            socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
            return;
        }
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length > 0) socket.unshift(head);
        const secure = new tls.TLSSocket(socket, { isServer: true, key: certs.key, cert: certs.cert });
        (secure as tls.TLSSocket & { connectHost?: string }).connectHost = host;
        inner.emit("connection", secure);
    });
    return new Promise((resolve, reject) => {
        proxy.once("error", reject);
        proxy.listen(port, "127.0.0.1", () =>
            resolve({
                requests,
                env: { HTTPS_PROXY: `http://127.0.0.1:${port}`, SSL_CERT_FILE: certs.ca, NO_PROXY: "" },
                close: () =>
                    new Promise((r) => {
                        for (const s of sockets) s.destroy();
                        inner.close();
                        proxy.close(() => r());
                    }),
            }),
        );
    });
}

export interface SmtpMessage {
    /** The credentials the client authenticated with ("user:password"), if any. */
    auth?: string;
    from: string;
    to: string[];
    /** The message as sent (headers and body). */
    data: string;
    at: number;
}

export interface SmtpSink {
    messages: SmtpMessage[];
    close(): Promise<void>;
}

/** A minimal SMTP server (RFC 5321 commands a Go client sends), recording every message. */
export function startSmtpSink(port: number): Promise<SmtpSink> {
    const messages: SmtpMessage[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        let buffer = "";
        let auth: string | undefined;
        let from = "";
        let to: string[] = [];
        let mode: "command" | "data" | "login-user" | "login-pass" = "command";
        let loginUser = "";
        let data = "";
        const reply = (line: string) => socket.write(`${line}\r\n`);
        reply("220 gitops-stack-test ESMTP");
        socket.on("data", (chunk: Buffer) => {
            buffer += chunk.toString("latin1");
            let i: number;
            while ((i = buffer.indexOf("\r\n")) >= 0) {
                const line = buffer.slice(0, i);
                buffer = buffer.slice(i + 2);
                if (mode === "data") {
                    if (line === ".") {
                        messages.push({ auth, from, to, data, at: Date.now() });
                        data = "";
                        mode = "command";
                        reply("250 OK: queued");
                    } else data += (line.startsWith("..") ? line.slice(1) : line) + "\n";
                    continue;
                }
                if (mode === "login-user") {
                    loginUser = Buffer.from(line, "base64").toString();
                    mode = "login-pass";
                    reply(`334 ${Buffer.from("Password:").toString("base64")}`);
                    continue;
                }
                if (mode === "login-pass") {
                    auth = `${loginUser}:${Buffer.from(line, "base64").toString()}`;
                    mode = "command";
                    reply("235 Authentication successful");
                    continue;
                }
                const [verb, ...rest] = line.split(" ");
                switch (verb.toUpperCase()) {
                    case "EHLO":
                        reply("250-gitops-stack-test");
                        reply("250-AUTH PLAIN LOGIN");
                        reply("250 8BITMIME");
                        break;
                    case "HELO":
                        reply("250 gitops-stack-test");
                        break;
                    case "AUTH": {
                        const [mechanism, initial] = rest;
                        if (mechanism.toUpperCase() === "PLAIN" && initial) {
                            const [, user, pass] = Buffer.from(initial, "base64").toString().split("\0");
                            auth = `${user}:${pass}`;
                            reply("235 Authentication successful");
                        } else if (mechanism.toUpperCase() === "LOGIN") {
                            mode = "login-user";
                            reply(`334 ${Buffer.from("Username:").toString("base64")}`);
                        } else reply("504 Unrecognized authentication type");
                        break;
                    }
                    case "MAIL":
                        from = line
                            .replace(/^MAIL FROM:\s*/i, "")
                            .replace(/[<>]/g, "")
                            .split(" ")[0];
                        to = [];
                        reply("250 OK");
                        break;
                    case "RCPT":
                        to.push(
                            line
                                .replace(/^RCPT TO:\s*/i, "")
                                .replace(/[<>]/g, "")
                                .split(" ")[0],
                        );
                        reply("250 OK");
                        break;
                    case "DATA":
                        mode = "data";
                        reply("354 End data with <CR><LF>.<CR><LF>");
                        break;
                    case "RSET":
                        from = "";
                        to = [];
                        reply("250 OK");
                        break;
                    case "NOOP":
                        reply("250 OK");
                        break;
                    case "QUIT":
                        reply("221 Bye");
                        socket.end();
                        break;
                    default:
                        reply("502 Command not implemented");
                }
            }
        });
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () =>
            resolve({
                messages,
                close: () =>
                    new Promise((r) => {
                        for (const s of sockets) s.destroy();
                        server.close(() => r());
                    }),
            }),
        );
    });
}
