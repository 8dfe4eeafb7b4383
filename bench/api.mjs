// The REST API under load (issue 10, "Benchmark"), on a real `tsca serve --worker` with an EC P-256 CA:
//
//   npm run build && node bench/api.mjs
//
// (a) Signing end to end over HTTP: BENCH_CLIENTS (32) keep-alive clients each POST /api/v1/cas/{ca}/sign
//     ?wait=30 with a CSR and wait for the 201 that carries the certificate (token check, CSR check, queue
//     insert, the in-process worker's claim/lint/sign/store, the waiter) → certificates/s, p50/p99.
//     Baselines measured in the same run against the same server: GET /healthz with the same clients (the
//     HTTP ceiling of this process), and GET /api/v1/profiles (the ceiling of an authenticated API call).
//     The same POST without ?wait (202 when queued) then measures the submission side alone, and the time
//     until the worker has issued all of them the queue's drain rate. Target: >= 1,500 certificates/s.
// (b) GET /api/v1/certificates over BENCH_CERTS (100,000) certificates seeded beforehand (real DER signed
//     by the CA, through the toolkit bundle): the first page, a deep page (the middle, reached by cursors),
//     and `q` searches by CN prefix and by serial prefix, limit=50, one keep-alive client (so the time is the
//     server's plus one loopback round trip) → p50/p99. Target: p50 <= 20 ms.
// The load generator for (a) runs in its own process (this file with --load), so its JSON parsing does not
// share the server's event loop. SQLite by default; PostgreSQL when TSCA_BENCH_POSTGRES_URL is set (a fresh
// schema is made in it). Env: BENCH_SECONDS (10), BENCH_CLIENTS (32), BENCH_CERTS (100000),
// BENCH_SAMPLES (200), BENCH_SERVER_NODE_ARGS (Node options for the server, to profile it), BENCH_SERVE_ARGS (more serve options). The per-token rate limit is switched off (TSCA_API_RATE_LIMIT=0): it would cap the
// benchmark at 100 requests/s. Prints figures; no pass/fail exit code.
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exchange } from "./http-exchange.mjs";
import { benchCsr, freshPostgresSchema, seedCertificates } from "./seed-certs.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const CERTS = Number(process.env.BENCH_CERTS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const PG_URL = process.env.TSCA_BENCH_POSTGRES_URL;

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

// --- the load generator (child process): `node bench/api.mjs --load JSON` prints one JSON line ---
if (process.argv[2] === "--load") {
  const o = JSON.parse(process.argv[3]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients });
  const latencies = [];
  const statuses = {};
  let firstError;
  const deadline = performance.now() + o.seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const r = await exchange(agent, o.base, o.request);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (o.expect.includes(r.status)) latencies.push(r.ms);
      else firstError ??= `${r.status} ${r.body.slice(0, 300)}`;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: o.clients }, client));
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      ok: latencies.length,
      rps: latencies.length / elapsed,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      statuses,
      firstError,
    }),
  );
  agent.destroy();
  process.exit(0);
}

// --- set-up ---
const t = await import("../dist/toolkit.mjs");
const home = mkdtempSync(join(tmpdir(), "tsca-bench-api-"));

const databaseUrl = PG_URL ? await freshPostgresSchema(PG_URL, "bench_api") : join(home, "tsca.sqlite3");
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_")));
Object.assign(env, { TSCA_HOME: home, TSCA_DATABASE_URL: databaseUrl, TSCA_API_RATE_LIMIT: "0" });

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { env, cwd: home, input, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}
const tsca = (...args) => run(process.execPath, [join(ROOT, "bin/tsca.js"), ...args]);

tsca("init_ca", "--key-type", "EC", "Bench", "/CN=Bench API P-256 CA");
tsca("create_user", "bench", "--superuser", "--no-password");
const token = tsca("create_token", "bench", "--name", "bench").trim();
const csrPem = benchCsr(run, home);

/** CERTS real certificates signed by the CA (bench/seed-certs.mjs). */
const seed = () => seedCertificates(t, { databaseUrl, home, caName: "Bench", csrPem, count: CERTS });

/** `tsca serve --worker` on a free port; resolves when it logs "listening". */
function startServer() {
  return new Promise((resolve, reject) => {
    // BENCH_SERVER_NODE_ARGS: Node options for the server alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    // BENCH_SERVE_ARGS: more `tsca serve` options, e.g. "--workers 2" (HTTP in two processes, the signer in the primary).
    const serveArgs = (process.env.BENCH_SERVE_ARGS ?? "").split(" ").filter(Boolean);
    const proc = spawn(process.execPath, [...nodeArgs, join(ROOT, "bin/tsca.js"), "serve", "--worker", "--port", "0", ...serveArgs], {
      env,
      cwd: home,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const o = JSON.parse(line);
          if (o.msg === "listening") resolve({ proc, base: `http://127.0.0.1:${o.port}` });
        } catch {
          // not JSON
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`tsca serve exited ${code}`)));
  });
}

/** One load run in a child process (`expect`: the statuses that count as done): { ok, rps, p50, p99, statuses, firstError }. */
function load(base, request, expect, seconds = SECONDS) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), "--load", JSON.stringify({ base, request, expect, seconds, clients: CLIENTS })],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

/** `samples` sequential requests of `path` on one keep-alive connection, after 10 warm-up requests. */
async function latency(agent, base, path, samples = SAMPLES) {
  const headers = { authorization: `Bearer ${token}` };
  const times = [];
  let last;
  for (let i = 0; i < samples + 10; i++) {
    last = await exchange(agent, base, { path, headers });
    if (last.status !== 200) throw new Error(`GET ${path}: ${last.status} ${last.body.slice(0, 300)}`);
    if (i >= 10) times.push(last.ms);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), body: JSON.parse(last.body) };
}

const backend = PG_URL ? "PostgreSQL" : "SQLite";
console.log(`tsca REST API benchmark: ${backend}, node ${process.version}, ${CLIENTS} keep-alive clients, ${SECONDS} s per load run`);
const seedSeconds = await seed();
console.log(`seeded ${CERTS} certificates in ${seedSeconds.toFixed(1)} s (${(CERTS / seedSeconds).toFixed(0)}/s)`);

const server = await startServer();
try {
  const auth = { authorization: `Bearer ${token}` };
  const signRequest = {
    method: "POST",
    path: "/api/v1/cas/Bench/sign?wait=30",
    headers: auth,
    body: JSON.stringify({ csr: csrPem, alt: ["DNS:leaf.bench.test"] }),
  };
  // Correctness first: the certificate the API hands out must verify with openssl.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = await exchange(agent, server.base, signRequest);
  if (one.status !== 201) throw new Error(`sign: ${one.status} ${one.body}`);
  const caFile = join(home, "ca.pem");
  const leafFile = join(home, "api-leaf.pem");
  writeFileSync(caFile, tsca("dump_ca", "Bench"));
  writeFileSync(leafFile, JSON.parse(one.body).certificate.pem);
  const verified = run("openssl", ["verify", "-CAfile", caFile, leafFile]).trim();
  console.log(`check: ${verified}`);

  // Warm-up (JIT, connections, the key cache), then the measured runs.
  await load(server.base, { path: "/healthz" }, [200], 1);
  await load(server.base, signRequest, [201], 2);
  const healthz = await load(server.base, { path: "/healthz" }, [200]);
  const profiles = await load(server.base, { path: "/api/v1/profiles", headers: auth }, [200]);
  const sign = await load(server.base, signRequest, [201]);
  // Where the time goes: the same POST without ?wait (202 once queued) is the submission side alone (HTTP,
  // token, CSR check, insert, audit); the in-process worker signs what piles up, and the queue's drain rate
  // is what it issued from the start of that run until nothing is pending.
  const db = await t.openDatabase(databaseUrl);
  const pending = async () =>
    Number(
      (await db.db.selectFrom("signing_request").select(db.db.fn.countAll().as("n")).where("status", "=", "pending").executeTakeFirst()).n,
    );
  const submitStart = performance.now();
  // A request the worker issued before the answer was written comes back 201, not 202: both count as queued.
  const submit = await load(server.base, { ...signRequest, path: "/api/v1/cas/Bench/sign" }, [201, 202]);
  const leftAtEnd = await pending();
  while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 50));
  const drainSeconds = (performance.now() - submitStart) / 1000;
  await db.close();
  const row = (name, r, unit) =>
    console.log(
      `${name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} ${unit.padEnd(8)} p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(8)} ms  statuses ${JSON.stringify(r.statuses)}${r.firstError ? `  first error: ${r.firstError}` : ""}`,
    );
  console.log(`\n(a) signing over HTTP, ${CLIENTS} clients`);
  row("GET /healthz (HTTP ceiling)", healthz, "req/s");
  row("GET /api/v1/profiles (authenticated ceiling)", profiles, "req/s");
  row("POST /api/v1/cas/Bench/sign?wait=30 -> 201", sign, "certs/s");
  row("POST /api/v1/cas/Bench/sign -> 202/201 (no wait)", submit, "req/s");
  console.log(
    `queue drain: ${submit.ok} queued requests issued in ${drainSeconds.toFixed(1)} s from the start of that run (${leftAtEnd} still pending when it ended): ${(submit.ok / drainSeconds).toFixed(0)} certificates/s`,
  );
  console.log(
    `signing: ${((sign.rps / healthz.rps) * 100).toFixed(1)} % of the /healthz ceiling, ${((sign.rps / profiles.rps) * 100).toFixed(1)} % of the authenticated one`,
  );
  console.log(`target >= 1500 certificates/s: ${sign.rps >= 1500 ? "met" : "NOT met"} (${sign.rps.toFixed(0)}/s)`);

  // (b) listing
  const total = CERTS + sign.ok + 2;
  console.log(`\n(b) GET /api/v1/certificates, limit=50, over ~${total} certificates, 1 keep-alive client, ${SAMPLES} samples each`);
  const first = await latency(agent, server.base, "/api/v1/certificates?limit=50");
  // Walk to the middle by cursors, 500 per page.
  let cursor;
  let walked = 0;
  const walkStart = performance.now();
  let pages = 0;
  while (walked < total / 2) {
    const r = await exchange(agent, server.base, {
      path: `/api/v1/certificates?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      headers: auth,
    });
    if (r.status !== 200) throw new Error(`walk: ${r.status} ${r.body.slice(0, 300)}`);
    const page = JSON.parse(r.body);
    walked += page.items.length;
    pages++;
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const walkMs = (performance.now() - walkStart) / pages;
  const deep = await latency(agent, server.base, `/api/v1/certificates?limit=50&cursor=${encodeURIComponent(cursor)}`);
  const qCn = await latency(agent, server.base, "/api/v1/certificates?limit=50&q=host-4242");
  const someSerial = first.body.items[7].serial.replace(/:/g, "").slice(0, 6);
  const qSerial = await latency(agent, server.base, `/api/v1/certificates?limit=50&q=${someSerial}`);
  const qBroad = await latency(agent, server.base, "/api/v1/certificates?limit=50&q=host-1");
  const lrow = (name, r) =>
    console.log(
      `${name.padEnd(52)} p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms  (${r.body.items.length} items)`,
    );
  lrow("first page", first);
  lrow(`deep page (after ${walked} by cursor)`, deep);
  lrow("q=host-4242 (CN/SAN prefix, few matches)", qCn);
  lrow("q=host-1 (CN/SAN prefix, ~11 % of all)", qBroad);
  lrow(`q=${someSerial} (serial prefix)`, qSerial);
  console.log(`walking pages of 500 to the middle: ${walkMs.toFixed(1)} ms per page (${pages} pages)`);
  const worst = Math.max(first.p50, deep.p50, qCn.p50, qBroad.p50, qSerial.p50);
  console.log(`target p50 <= 20 ms: ${worst <= 20 ? "met" : "NOT met"} (worst p50 ${worst.toFixed(2)} ms)`);
  agent.destroy();
} finally {
  server.proc.kill("SIGTERM");
}
