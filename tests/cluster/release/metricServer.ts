import * as http from "node:http";

/**
 * A loopback stand-in for the Prometheus HTTP API that an AnalysisTemplate's `prometheus` provider queries: it
 * answers every instant query (`/api/v1/query`, GET or POST as Prometheus' Go client sends it) with one sample of
 * the value the test sets, and records the queries. The AnalysisRun's measurement, its success condition and what
 * the Rollout does with the result stay the real Argo Rollouts controller's.
 */
export interface MetricServer {
    /** The address the AnalysisTemplate's `prometheus-address` argument is set to. */
    address: string;
    /** The value every query answers from now on (e.g. 1 = every request succeeded). */
    set(value: number): void;
    /** The PromQL queries received, in order. */
    queries: string[];
    stop(): Promise<void>;
}

export async function startMetricServer(port: number): Promise<MetricServer> {
    let value = 1;
    const queries: string[] = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
            if (url.pathname !== "/api/v1/query") {
                res.writeHead(404).end();
                return;
            }
            const form = new URLSearchParams(req.method === "POST" ? body : url.search);
            queries.push(form.get("query") ?? "");
            const time = Number(form.get("time") ?? Date.now() / 1000);
            res.writeHead(200, { "Content-Type": "application/json" }).end(
                JSON.stringify({
                    status: "success",
                    data: { resultType: "vector", result: [{ metric: {}, value: [time, String(value)] }] },
                }),
            );
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", resolve);
    });
    return {
        address: `http://127.0.0.1:${port}`,
        set: (v) => (value = v),
        queries,
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
