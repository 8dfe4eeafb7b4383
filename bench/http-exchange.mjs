// One timed HTTP exchange for the benchmarks that talk to `tsca serve` (bench/api.mjs, bench/admin-list.mjs).
import http from "node:http";

/**
 * One request on a keep-alive agent: status, headers, body and the round-trip time in ms. A body is sent as
 * JSON unless `headers` name another content type; a connection error resolves with status 0.
 */
export function exchange(agent, base, { method = "GET", path, headers = {}, body }) {
  return new Promise((resolve) => {
    const url = new URL(path, base);
    const start = performance.now();
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        agent,
        headers: body ? { "content-type": "application/json", ...headers, "content-length": Buffer.byteLength(body) } : headers,
      },
      (res) => {
        const chunks = [];
        res.on("data", (d) => chunks.push(d));
        res.on("end", () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - start,
          }),
        );
      },
    );
    req.on("error", (e) => resolve({ status: 0, headers: {}, body: String(e), ms: performance.now() - start }));
    req.end(body);
  });
}
