// The web admin's certificate list (issue 9, "Benchmark") over BENCH_CERTS (100,000) certificates:
//
//   npm run build && node bench/admin-list.mjs
//
// Seeds the certificates (bench/seed-certs.mjs, the same seeding as bench/api.mjs: real DER signed by an
// EC P-256 CA), starts `tsca serve`, logs in once through the login form (cookie and CSRF token as a
// browser sends them), then times GET /admin/certificates pages one request at a time on one keep-alive
// connection over loopback (so each time is the server's plus one loopback round trip), BENCH_SAMPLES
// (200) each after 10 warm-up requests, p50/p99 in ms:
//   first page        /admin/certificates (50 rows, the default)
//   deep page         a page in the middle of the listing, reached through the pages' Next page cursors
//   q name prefix     q=host-4242 with 100,000 (CN/SAN prefix: 11 match)
//   q serial prefix   q=<first 6 hex digits of a stored serial>
//   CA + status       ca=<the CA's serial>&status=valid
// On SQLite, and on PostgreSQL too when TSCA_BENCH_POSTGRES_URL or TSCA_TEST_POSTGRES_URL is set (a fresh
// schema is made in it). Target: p50 <= 30 ms. Prints a table; no pass/fail exit code.
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exchange } from "./http-exchange.mjs";
import { benchCsr, freshPostgresSchema, seedCertificates } from "./seed-certs.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CERTS = Number(process.env.BENCH_CERTS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const PG_URL = process.env.TSCA_BENCH_POSTGRES_URL ?? process.env.TSCA_TEST_POSTGRES_URL;
const PASSWORD = "a long password for timing the list";
const TARGET_P50_MS = 30;

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const t = await import("../dist/toolkit.mjs");

const cookieOf = (res) => /tsca_session=([^;]+)/.exec([res.headers["set-cookie"] ?? []].flat().join("\n"))?.[1];
const csrfOf = (html) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const nextOf = (html) => /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replace(/&amp;/g, "&");
const rowsOf = (html) => [...html.matchAll(/<td><a href="\/admin\/certificates\/([0-9A-F]+)">/g)].map((m) => m[1]);

/** One backend: seed, serve, log in, measure; returns the table rows. */
async function runBackend(name, pgUrl) {
  const home = mkdtempSync(join(tmpdir(), "tsca-bench-admin-"));
  const databaseUrl = pgUrl ? await freshPostgresSchema(pgUrl, "bench_admin") : join(home, "tsca.sqlite3");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_")));
  Object.assign(env, { TSCA_HOME: home, TSCA_DATABASE_URL: databaseUrl });
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { env, cwd: home, maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.toString();
  };
  const tsca = (...args) => run(process.execPath, [join(ROOT, "bin/tsca.js"), ...args]);

  const caSerial = tsca("init_ca", "--key-type", "EC", "Bench", "/CN=Bench admin list P-256 CA").trim().replace(/:/g, "");
  const passwordFile = join(home, "password.txt");
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  tsca("create_user", "bench", "--superuser", "--password-file", passwordFile);
  const csrPem = benchCsr(run, home);
  const seconds = await seedCertificates(t, { databaseUrl, home, caName: "Bench", csrPem, count: CERTS });
  console.log(`${name}: seeded ${CERTS} certificates in ${seconds.toFixed(1)} s`);

  const proc = spawn(process.execPath, [join(ROOT, "bin/tsca.js"), "serve", "--port", "0"], {
    env,
    cwd: home,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout.on("data", (d) => {
      buf += d;
      for (let nl; (nl = buf.indexOf("\n")) >= 0;) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const o = JSON.parse(line);
          if (o.msg === "listening") resolve(`http://127.0.0.1:${o.port}`);
        } catch {
          // not JSON
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`tsca serve exited ${code}`)));
  });

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Log in once, as the browser does: the form's cookie and token, then the post.
    const form = await exchange(agent, base, { path: "/admin/login" });
    const login = await exchange(agent, base, {
      method: "POST",
      path: "/admin/login",
      headers: { cookie: `tsca_session=${cookieOf(form)}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrfOf(form.body), username: "bench", password: PASSWORD }).toString(),
    });
    if (login.status !== 303) throw new Error(`login: ${login.status} ${login.body.slice(0, 300)}`);
    const headers = { cookie: `tsca_session=${cookieOf(login)}` };
    const get = async (path) => {
      const r = await exchange(agent, base, { path, headers });
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
      return r;
    };
    const measure = async (label, path) => {
      const times = [];
      let last;
      for (let i = 0; i < SAMPLES + 10; i++) {
        last = await get(path);
        if (i >= 10) times.push(last.ms);
      }
      times.sort((a, b) => a - b);
      const rows = rowsOf(last.body).length;
      if (rows === 0) throw new Error(`${label}: no rows on ${path}`);
      return { backend: name, label, p50: quantile(times, 0.5), p99: quantile(times, 0.99), rows };
    };

    const first = await get("/admin/certificates");
    const someSerial = rowsOf(first.body)[0];
    // The middle of the listing, reached by following the cursors (up to 500 rows a step to get there sooner).
    const step = Math.max(1, Math.min(500, Math.floor(CERTS / 10)));
    let url = `/admin/certificates?limit=${step}`;
    for (let seen = 0; seen < CERTS / 2; seen += step) url = nextOf((await get(url)).body);
    const cursor = new URL(url, base).searchParams.get("cursor");
    return [
      await measure("first page", "/admin/certificates"),
      await measure("deep page (cursor)", `/admin/certificates?cursor=${encodeURIComponent(cursor)}`),
      await measure("q name prefix", `/admin/certificates?q=host-${Math.floor(CERTS * 0.04242)}`),
      await measure("q serial prefix", `/admin/certificates?q=${someSerial.slice(0, 6)}`),
      await measure("CA + status", `/admin/certificates?ca=${caSerial}&status=valid`),
    ];
  } finally {
    agent.destroy();
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    rmSync(home, { recursive: true, force: true });
  }
}

console.log(`tsca web admin certificate list: ${CERTS} certificates, node ${process.version}, ${SAMPLES} samples per page, one client`);
const rows = [...(await runBackend("SQLite")), ...(PG_URL ? await runBackend("PostgreSQL", PG_URL) : [])];
const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad("backend", 11)}${pad("page", 21)}${pad("rows", 6)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}p50 <= ${TARGET_P50_MS} ms`);
for (const r of rows)
  console.log(
    `${pad(r.backend, 11)}${pad(r.label, 21)}${pad(r.rows, 6)}${pad(r.p50.toFixed(1), 9)}${pad(r.p99.toFixed(1), 9)}${r.p50 <= TARGET_P50_MS ? "yes" : "NO"}`,
  );
if (!PG_URL) console.log("(PostgreSQL skipped: set TSCA_BENCH_POSTGRES_URL or TSCA_TEST_POSTGRES_URL)");
