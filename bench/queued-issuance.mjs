// Queued issuance throughput (DESIGN.md "Who signs, where"): certificates/s from request to stored
// certificate through the signing queue, with an EC P-256 CA, on SQLite and (when TSCA_BENCH_POSTGRES_URL
// or TSCA_TEST_POSTGRES_URL is set) on PostgreSQL. Two figures per database:
//   end to end  32 requests in flight: submit_request (CSR check, insert, audit, NOTIFY) → worker (claim,
//               lint, sign, store, audit, one commit per batch) → stored; a slot is refilled when its
//               request is done;
//   worker      the worker draining a queue filled beforehand (the signing side alone);
// and, as the baseline measured in the same run, direct sign_cert (32 in flight) and the ratio.
// Run: npm run build && node bench/queued-issuance.mjs   Target: >= 2,000/s on PostgreSQL on 2 cores.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import * as t from "../dist/toolkit.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const BATCH = Number(process.env.BENCH_BATCH ?? 64);
const DRAIN = Number(process.env.BENCH_DRAIN ?? 5000);
const PG_URL = process.env.TSCA_BENCH_POSTGRES_URL ?? process.env.TSCA_TEST_POSTGRES_URL;

function csr(home) {
  const out = join(home, "leaf.csr");
  execFileSync(
    "openssl",
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(home, "leaf.key")].concat([
      "-subj",
      "/CN=leaf.example.com",
      "-out",
      out,
      "-outform",
      "DER",
    ]),
    { stdio: "ignore" },
  );
  return readFileSync(out);
}

async function freshPostgres() {
  const schema = `bench_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const url = new URL(PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

async function setup(backend) {
  const home = mkdtempSync(join(tmpdir(), "tsca-bench-queue-"));
  const url = backend === "postgres" ? await freshPostgres() : join(home, "tsca.sqlite3");
  const env = { ...process.env, TSCA_HOME: home, TSCA_DATABASE_URL: url };
  execFileSync(process.execPath, [join(ROOT, "bin", "tsca.js"), "init_ca", "--key-type", "EC", "Bench", "/CN=Bench P-256 CA"], {
    env,
    stdio: "ignore",
  });
  const db = await t.openDatabase(url);
  const settings = { ...t.loadSettings(), caDir: join(home, "ca"), databaseUrl: url };
  const ports = t.databasePorts(db);
  const profiles = new t.Profiles(settings.profiles, settings.defaultProfile);
  const defaults = t.defaultsFromSettings(settings);
  const keys = t.keyStoreRegistry(settings);
  return { home, url, db, ports, profiles, defaults, keys, settings, csrDer: csr(home) };
}

const params = { sans: ["DNS:leaf.example.com"], profile: "webserver", watchers: [] };

/** Direct sign_cert, `IN_FLIGHT` callers, for SECONDS. */
async function direct(s) {
  const ctx = t.keyHostContext("cli", s.ports);
  const deps = { ...s.ports, keys: new t.CachedKeyStoreRegistry(s.keys), profiles: s.profiles, defaults: s.defaults };
  const req = {
    csr: s.csrDer,
    ca: "Bench",
    sans: [t.parseGeneralName("DNS:leaf.example.com")],
    profile: "webserver",
    overrides: {},
    watchers: [],
  };
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        await t.signCert(ctx, deps, req);
        n++;
      }
    }),
  );
  return (n * 1000) / (performance.now() - start);
}

function worker(s, signal, onIssued, concurrency) {
  const queue = t.signingQueue(s.db, s.url, { pollMs: 5 });
  const ctx = t.keyHostContext("system", s.ports, undefined, undefined, "worker");
  const run = t.runSigningWorker(
    ctx,
    { queue, keys: new t.CachedKeyStoreRegistry(s.keys), profiles: s.profiles, defaults: s.defaults, password: () => undefined },
    { batch: BATCH, concurrency, once: false, signal, onBatch: (r) => onIssued(r.issued + r.failed), onError: (e) => console.error(e) },
  );
  return run.finally(() => queue.close());
}

/** End to end: IN_FLIGHT requests outstanding; each finished request frees a slot for the next submission. */
async function endToEnd(s, concurrency) {
  const ctx = t.keyHostContext("cli", s.ports);
  const stop = new AbortController();
  let done = 0;
  let free = IN_FLIGHT;
  let waiters = [];
  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    w.forEach((r) => r());
  };
  const running = worker(
    s,
    stop.signal,
    (k) => {
      done += k;
      free += k;
      wakeAll();
    },
    concurrency,
  );
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const submit = async () => {
    while (performance.now() < end) {
      if (free === 0) {
        // A timer too: the last slots may be freed after the deadline, when no batch is left to wake us.
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
        continue;
      }
      free--;
      await t.submitSigningRequest(
        ctx,
        { cas: s.ports.cas, uow: s.ports.uow, profiles: s.profiles },
        { ca: "Bench", csr: s.csrDer, parameters: params },
      );
    }
  };
  await Promise.all(Array.from({ length: 4 }, submit));
  const rate = (done * 1000) / (performance.now() - start);
  stop.abort();
  await running;
  return rate;
}

/** The worker alone: a queue of DRAIN requests filled first, then drained. */
async function drain(s, concurrency) {
  const ctx = t.keyHostContext("cli", s.ports);
  for (let i = 0; i < DRAIN; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, DRAIN - i) }, () =>
        t.submitSigningRequest(
          ctx,
          { cas: s.ports.cas, uow: s.ports.uow, profiles: s.profiles },
          { ca: "Bench", csr: s.csrDer, parameters: params },
        ),
      ),
    );
  const pending = async () =>
    Number(
      (await s.db.db.selectFrom("signing_request").select(s.db.db.fn.countAll().as("n")).where("status", "=", "pending").executeTakeFirst())
        .n,
    );
  const total = await pending();
  const stop = new AbortController();
  let done = 0;
  let finished;
  const all = new Promise((r) => (finished = r));
  const start = performance.now();
  const running = worker(
    s,
    stop.signal,
    (k) => {
      done += k;
      if (done >= total) finished();
    },
    concurrency,
  );
  await all;
  const rate = (done * 1000) / (performance.now() - start);
  stop.abort();
  await running;
  return { rate, total };
}

async function bench(backend) {
  const s = await setup(backend);
  const concurrency = backend === "postgres" ? 2 : 1;
  const baseline = await direct(s);
  const e2e = await endToEnd(s, concurrency);
  const drained = await drain(s, concurrency);
  const issued = Number(
    (await s.db.db.selectFrom("signing_request").select(s.db.db.fn.countAll().as("n")).where("status", "=", "issued").executeTakeFirst()).n,
  );
  await s.db.close();
  return { backend, baseline, e2e, drain: drained.rate, drained: drained.total, issued };
}

const fmt = (n) => n.toFixed(0).padStart(7);
console.log(`tsca queued issuance benchmark (EC P-256 CA, ${IN_FLIGHT} in flight, batch ${BATCH}, ${SECONDS}s, Node ${process.version})\n`);
const results = [await bench("sqlite")];
if (PG_URL) results.push(await bench("postgres"));
else console.log("(PostgreSQL skipped: set TSCA_BENCH_POSTGRES_URL or TSCA_TEST_POSTGRES_URL)\n");
console.log("database     direct sign_cert/s   queued end-to-end/s   ratio   worker drain/s (queue of N)");
for (const r of results)
  console.log(
    `${r.backend.padEnd(10)}   ${fmt(r.baseline)}              ${fmt(r.e2e)}               ${(r.e2e / r.baseline).toFixed(2)}    ${fmt(r.drain)} (${r.drained})`,
  );
console.log(`(requests issued during the runs: ${results.map((r) => `${r.backend} ${r.issued}`).join(", ")})`);
const p = results.find((r) => r.backend === "postgres");
if (p) console.log(`\ntarget: PostgreSQL queued end-to-end >= 2000/s: ${p.e2e >= 2000 ? "PASS" : "FAIL"} (${p.e2e.toFixed(0)}/s)`);
