// OCSP responder throughput and latency on loopback, beside the ceiling measured in the same run.
//
//   npm run build && node bench/ocsp.mjs
//
// A real `tsca serve` (one process) answers an EC P-256 CA's OCSP requests: GET and POST without nonce
// (RFC 5019: the pre-signed, cached path) and with a fresh nonce per request (RFC 8954: signed live).
// The ceiling is the same Fastify setup (createFastify from dist/tsca-server.mjs) returning a fixed 500-byte
// body. The web admin is mounted (tsca serve always mounts it; checked before measuring). The load generator runs in its own process with a fixed number of keep-alive connections: wrk
// (one thread) when installed, else bench/http-load.mjs. Target (issue 4): cached path >= 70 % of the ceiling.
// Env: BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONCURRENCY (16), BENCH_CLIENT (wrk|node; default wrk when on PATH),
// BENCH_METRICS=1: serve with Prometheus metrics on (--metrics-port) and scrape /metrics once a second while
// measuring, as a busy Prometheus would (issue 13: metrics on must keep the cached path >= 70 % of the ceiling).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HAVE_WRK = spawnSync("wrk", ["--version"]).error === undefined;
const CLIENT = process.env.BENCH_CLIENT ?? (HAVE_WRK ? "wrk" : "node");
const METRICS = process.env.BENCH_METRICS === "1";
const home = mkdtempSync(join(tmpdir(), "tsca-bench-ocsp-"));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_")));
env.TSCA_HOME = home;

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { env, cwd: home, input, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const tsca = (...args) => run(process.execPath, [join(ROOT, "bin/tsca.js"), ...args]).toString();
const file = (name, data) => {
  const p = join(home, name);
  if (data !== undefined) writeFileSync(p, data);
  return p;
};

/** Start a process that prints a JSON line with `port` (tsca serve logs {"msg":"listening","port":…}). */
function startServer(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { env, cwd: home, stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    const info = {};
    proc.stdout.on("data", (d) => {
      buf += d;
      for (const line of buf.split("\n")) {
        try {
          const o = JSON.parse(line);
          if (o.msg === "metrics listening") info.metricsPort = o.metricsPort;
          if (o.port && (o.msg === undefined || o.msg === "listening")) return resolve({ proc, port: o.port, ...info });
        } catch {
          // not a complete JSON line yet
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}`)));
  });
}

const ms = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);

function luaScript(o) {
  const lines = [];
  if (o.method === "POST") lines.push(`wrk.method = "POST"`, `wrk.headers["Content-Type"] = "application/ocsp-request"`);
  if (o.bodiesFile) {
    lines.push(
      `local f = assert(io.open("${o.bodiesFile}", "rb")); local all = f:read("*all"); f:close()`,
      `local len = ${o.bodyLen}; local n = #all / len; local i = 0`,
      `request = function() i = (i % n) + 1; return wrk.format(nil, nil, nil, all:sub((i - 1) * len + 1, i * len)) end`,
    );
  } else if (o.bodyFile) {
    lines.push(`local f = assert(io.open("${o.bodyFile}", "rb")); wrk.body = f:read("*all"); f:close()`);
  } else if (o.pathsFile) {
    lines.push(
      `local paths = {}; for l in io.lines("${o.pathsFile}") do paths[#paths + 1] = l end; local i = 0`,
      `request = function() i = (i % #paths) + 1; return wrk.format(nil, paths[i]) end`,
    );
  }
  return file(`wrk-${Math.random().toString(36).slice(2)}.lua`, lines.join("\n") + "\n");
}

/** One measurement: { rps, p50, p99, errors } with the chosen client. */
function load(o, seconds = SECONDS) {
  return new Promise((resolve, reject) => {
    let args;
    let cmd;
    if (CLIENT === "wrk") {
      cmd = "wrk";
      args = ["-t1", `-c${CONCURRENCY}`, `-d${seconds}s`, "--latency", "-s", luaScript(o), o.url];
    } else {
      cmd = process.execPath;
      const bodies = o.bodiesFile ?? o.bodyFile ?? "-";
      const len = o.bodiesFile ? o.bodyLen : o.bodyFile ? readFileSync(o.bodyFile).length : 0;
      args = [
        join(ROOT, "bench/http-load.mjs"),
        o.url,
        o.method,
        bodies,
        String(len),
        String(CONCURRENCY),
        String(seconds),
        ...(o.pathsFile ? [o.pathsFile] : []),
      ];
    }
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${cmd} failed: ${out}`));
      if (CLIENT !== "wrk") return resolve(JSON.parse(out.trim().split("\n").pop()));
      const pct = (p) => {
        const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
        return m ? ms(m[1], m[2]) : NaN;
      };
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({ rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), p50: pct(50), p99: pct(99), errors });
    });
  });
}

// --- set-up: a CA, a leaf, its responder, the requests (made by openssl) ---
const caSerial = tsca("init_ca", "--key-type", "EC", "Bench", "/CN=Bench OCSP CA").trim().replace(/:/g, "");
run("openssl", [
  "req",
  "-new",
  "-newkey",
  "ec",
  "-pkeyopt",
  "ec_paramgen_curve:P-256",
  "-nodes",
  "-keyout",
  file("leaf.key"),
  "-subj",
  "/CN=leaf.bench.test",
  "-out",
  file("leaf.csr"),
]);
file("leaf.pem", tsca("sign_cert", "--ca", "Bench", "--csr", file("leaf.csr")));
file("ca.pem", tsca("dump_ca", "Bench"));
tsca("generate_ocsp_keys");
run("openssl", ["ocsp", "-issuer", file("ca.pem"), "-cert", file("leaf.pem"), "-no_nonce", "-reqout", file("req.der")]);
run("openssl", ["ocsp", "-issuer", file("ca.pem"), "-cert", file("leaf.pem"), "-reqout", file("nonce.der")]);
const plain = readFileSync(file("req.der"));
const nonceTemplate = readFileSync(file("nonce.der"));
// openssl puts the 16-octet nonce last in an unsigned request: fresh nonces are fresh last 16 bytes.
const nonceBodies = Buffer.concat(Array.from({ length: 4096 }, () => Buffer.concat([nonceTemplate.subarray(0, -16), randomBytes(16)])));
file("nonce-bodies.der", nonceBodies);
const ocspPath = `/ocsp/${caSerial}/cert/`;
const b64 = (der) => encodeURIComponent(der.toString("base64"));
const noncePaths = [];
for (let i = 0; i < 4096; i++)
  noncePaths.push(`${ocspPath}${b64(nonceBodies.subarray(i * nonceTemplate.length, (i + 1) * nonceTemplate.length))}`);
file("nonce-paths.txt", noncePaths.join("\n") + "\n");

const server = await startServer([join(ROOT, "bin/tsca.js"), "serve", "--port", "0", ...(METRICS ? ["--metrics-port", "0"] : [])]);
const ceiling = await startServer([join(ROOT, "bench/ocsp-ceiling-server.mjs")]);
const base = `http://127.0.0.1:${server.port}`;
const cbase = `http://127.0.0.1:${ceiling.port}`;
try {
  // Correctness first: openssl must accept what is being measured.
  const check = spawnSync(
    "openssl",
    ["ocsp", "-issuer", file("ca.pem"), "-cert", file("leaf.pem"), "-url", `${base}${ocspPath}`, "-CAfile", file("ca.pem")],
    { encoding: "utf8" },
  );
  if (!/Response verify OK/.test(check.stderr) || !/: good/.test(check.stdout))
    throw new Error(`openssl does not accept the responses: ${check.stdout}${check.stderr}`);
  // tsca serve always mounts the web admin (issue 9), so these figures are with it. Its hooks and headers
  // stay inside its plugin scope: its login page carries its CSP, an OCSP answer carries nothing of it.
  const adminPage = await fetch(`${base}/admin/login`);
  if (adminPage.status !== 200 || !adminPage.headers.get("content-security-policy"))
    throw new Error(`the web admin is not mounted (GET /admin/login: ${adminPage.status})`);
  const ocspAnswer = await fetch(`${base}${ocspPath}${b64(plain)}`);
  await ocspAnswer.arrayBuffer();
  for (const h of ["content-security-policy", "set-cookie", "x-frame-options"])
    if (ocspAnswer.headers.get(h)) throw new Error(`an OCSP answer carries the admin's ${h} header`);
  const cachedBody = file("plain.der", plain);
  const scenarios = [
    ["ceiling GET (fixed 500 B)", { url: `${cbase}/fixed/${b64(plain)}`, method: "GET" }],
    ["ceiling POST (fixed 500 B)", { url: `${cbase}/fixed/`, method: "POST", bodyFile: cachedBody }],
    ["OCSP GET, cached (no nonce)", { url: `${base}${ocspPath}${b64(plain)}`, method: "GET" }],
    ["OCSP POST, cached (no nonce)", { url: `${base}${ocspPath}`, method: "POST", bodyFile: cachedBody }],
    [
      "OCSP POST, nonce (signed live)",
      { url: `${base}${ocspPath}`, method: "POST", bodiesFile: file("nonce-bodies.der"), bodyLen: nonceTemplate.length },
    ],
    ["OCSP GET, nonce (signed live)", { url: `${base}${ocspPath}`, method: "GET", pathsFile: file("nonce-paths.txt") }],
  ];
  // Rounds interleave every scenario, so a busy neighbour on a shared machine hits all of them alike; each
  // figure is the median over rounds, and "of ceiling" the median of same-round ratios.
  const runs = Object.fromEntries(scenarios.map(([name]) => [name, []]));
  // With metrics on: a scrape every second throughout, each checked to be a complete exposition.
  let scrapes = 0;
  let scraping;
  const scrapeTimer = !METRICS
    ? undefined
    : setInterval(() => {
        scraping = fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)
          .then((r) => r.text())
          .then((text) => {
            if (!/^tsca_ocsp_requests_total\{/m.test(text)) throw new Error("a /metrics scrape lacks tsca_ocsp_requests_total");
            scrapes++;
          });
      }, 1_000);
  for (const [, o] of scenarios) await load(o, 1); // warm-up: JIT, connections, the response cache
  for (let round = 0; round < ROUNDS; round++) for (const [name, o] of scenarios) runs[name].push(await load(o));
  clearInterval(scrapeTimer);
  await scraping;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const results = Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => [
      name,
      {
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        errors: rs.reduce((a, r) => a + r.errors, 0),
      },
    ]),
  );
  const ceilingOf = (name) => (name.includes("GET") ? "ceiling GET (fixed 500 B)" : "ceiling POST (fixed 500 B)");
  const share = (name) => median(runs[name].map((r, i) => r.rps / runs[ceilingOf(name)][i].rps));
  const ratio = (name) => `${(share(name) * 100).toFixed(0)} %`;
  const rows = Object.entries(results).map(([name, r]) => [
    name,
    r.rps.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.errors),
    name.startsWith("ceiling") ? "" : ratio(name),
  ]);
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "errors", "of ceiling"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(
    `OCSP on loopback (web admin mounted${METRICS ? `, metrics on: ${scrapes} scrapes of /metrics` : ""}): 1 server process, ${CLIENT} with ${CONCURRENCY} keep-alive connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per scenario (medians), node ${process.version}`,
  );
  console.log(fmt(header));
  for (const r of rows) console.log(fmt(r));
  const cachedGet = share("OCSP GET, cached (no nonce)");
  const cachedPost = share("OCSP POST, cached (no nonce)");
  console.log(
    `target: cached path >= 70 % of the ceiling: GET ${(cachedGet * 100).toFixed(0)} %, POST ${(cachedPost * 100).toFixed(0)} % -> ${cachedGet >= 0.7 && cachedPost >= 0.7 ? "met" : "NOT met"}`,
  );
  if (Object.values(results).some((r) => r.errors > 0)) console.log("note: some requests failed (see errors column)");
} finally {
  server.proc.kill("SIGTERM");
  ceiling.proc.kill("SIGTERM");
}
