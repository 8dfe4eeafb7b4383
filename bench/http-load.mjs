// A bounded HTTP load generator in its own process: `concurrency` keep-alive connections, each sending
// the next request as soon as the previous answer is complete, for `seconds`. Used by bench/ocsp.mjs when
// wrk is not installed. Prints one JSON line: requests, rps, p50/p99 (ms), errors.
// Usage: node bench/http-load.mjs URL METHOD BODIES_FILE BODY_LEN CONCURRENCY SECONDS [PATHS_FILE]
import http from "node:http";
import { readFileSync } from "node:fs";

const [url, method, bodiesFile, bodyLen, concurrency, seconds, pathsFile] = process.argv.slice(2);
const target = new URL(url);
const bodies = [];
if (bodiesFile && bodiesFile !== "-") {
  const all = readFileSync(bodiesFile);
  for (let i = 0; i < all.length; i += Number(bodyLen)) bodies.push(all.subarray(i, i + Number(bodyLen)));
}
const paths = pathsFile ? readFileSync(pathsFile, "utf8").split("\n").filter(Boolean) : [target.pathname];
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const latencies = [];
let errors = 0;
let n = 0;
const deadline = performance.now() + Number(seconds) * 1000;

function one() {
  return new Promise((resolve) => {
    const i = n++;
    const body = bodies.length ? bodies[i % bodies.length] : undefined;
    const start = performance.now();
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: paths[i % paths.length],
        agent,
        headers: body ? { "content-type": "application/ocsp-request", "content-length": body.length } : {},
      },
      (res) => {
        res.on("data", () => undefined);
        res.on("end", () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - start);
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

async function worker() {
  while (performance.now() < deadline) await one();
}
const began = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const elapsed = (performance.now() - began) / 1000;
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
console.log(JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), errors }));
agent.destroy();
