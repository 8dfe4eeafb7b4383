// ACME issuance throughput (issue 11): complete orders per second — newOrder → http-01 → finalize → download
// of the chain — with BENCH_IN_FLIGHT (16) orders in flight, one account per in-flight slot, driven by the
// same client (bench/acme-client-lite.mjs) against Debian's pebble (the reference, PEBBLE_VA_NOSLEEP=1) and
// against `tsca serve --worker` over HTTPS in the same run. Prints both rates and the ratio; target: tsca ≥ 2×
// pebble. Run: npm run build && node bench/acme.mjs
// Knobs: BENCH_SECONDS (20) per server, BENCH_IN_FLIGHT (16), BENCH_ACME_SERVERS ("pebble,tsca"),
// TSCA_BENCH_POSTGRES_URL (tsca on a fresh schema of that PostgreSQL database instead of SQLite).
//
// Both servers ask the same in-process DNS server (dns2: every name → 127.0.0.1) and send http-01 to the
// same in-process responder. Each order is for a fresh name, so no server can reuse an authorization.
// pebble runs with PEBBLE_WFE_NONCEREJECT=0 and PEBBLE_AUTHZREUSE=0 (wave2-stack.md §6), tsca with SQLite
// and TSCA_ACME_ALLOW_LOOPBACK=1. Nothing here asserts on time.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import dns2 from "dns2";
import { AcmeClientLite, transport } from "./acme-client-lite.mjs";
import { freshPostgresSchema } from "./seed-certs.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const SERVERS = (process.env.BENCH_ACME_SERVERS ?? "pebble,tsca").split(",");
const PG_URL = process.env.TSCA_BENCH_POSTGRES_URL;
// A request without an answer for this long means the server hangs (pebble 2.x sometimes stops answering
// under this load); a pebble that hangs is started afresh for the pass, at most PEBBLE_ATTEMPTS times.
const HANG_MS = Number(process.env.BENCH_HANG_MS ?? 15_000);
const PEBBLE_ATTEMPTS = 3;
const work = mkdtempSync(join(tmpdir(), "tsca-bench-acme-"));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}

/**
 * CPU milliseconds used so far by process `pid` and its descendants (utime + stime in /proc, Linux; 100
 * ticks per second), or NaN where /proc is missing: tsca serve --worker is two processes.
 */
function treeCpuMs(pid) {
  const procs = new Map();
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        procs.set(Number(d), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 10 });
      } catch {
        // the process ended while we read
      }
    }
  } catch {
    return NaN;
  }
  const walk = (p) => (procs.get(p)?.ms ?? 0) + [...procs].filter(([, v]) => v.ppid === p).reduce((t, [c]) => t + walk(c), 0);
  return walk(pid);
}

async function freePort() {
  const s = createNetServer();
  await new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A DNS server answering A 127.0.0.1 for every name (and nothing else: no CAA, so issuance is allowed). */
async function startDns() {
  const { Packet } = dns2;
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      if (q.type === Packet.TYPE.A)
        response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address: "127.0.0.1" });
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  return { address: `127.0.0.1:${server.addresses().udp.port}`, close: () => server.close() };
}

/** The http-01 responder (RFC 8555 §8.3): token → key authorization, shared by every client. */
async function startHttp01() {
  const tokens = new Map();
  const server = createHttpServer((req, res) => {
    const token = req.url.startsWith("/.well-known/acme-challenge/") ? req.url.slice(28) : "";
    const ka = tokens.get(token);
    if (ka === undefined) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": "application/octet-stream" }).end(ka);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, tokens, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Spawns `cmd` and resolves once a line of its output satisfies `ready` (returning its value). */
function startProcess(cmd, args, env, ready) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const onData = (d) => {
      out += d.toString();
      if (started) return void (out = out.slice(-20_000));
      for (const line of out.split("\n")) {
        const v = ready(line);
        if (v !== undefined) {
          started = true;
          return resolve({ proc, value: v, output: () => out });
        }
      }
    };
    let started = false;
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`${cmd} exited ${code} before it was ready: ${out}`)));
  });
}

const stop = (proc) =>
  new Promise((resolve) =>
    proc.exitCode !== null || proc.signalCode !== null ? resolve() : (proc.once("exit", resolve), proc.kill("SIGTERM")),
  );

async function startPebble(dnsAddress, http01Port) {
  const dir = mkdtempSync(join(work, "pebble-"));
  const rootKey = join(dir, "root.key");
  const root = join(dir, "root.pem");
  const ec = (keyout) => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyout];
  run("openssl", [
    "req",
    "-x509",
    ...ec(rootKey),
    "-subj",
    "/CN=bench pebble TLS root",
    "-days",
    "2",
    "-out",
    root,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  const key = join(dir, "tls.key");
  const csr = run("openssl", ["req", "-new", ...ec(key), "-subj", "/CN=localhost"]);
  const cert = join(dir, "tls.pem");
  writeFileSync(join(dir, "ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  run(
    "openssl",
    ["x509", "-req", "-CA", root, "-CAkey", rootKey, "-CAcreateserial", "-days", "2", "-extfile", join(dir, "ext"), "-out", cert],
    { input: csr },
  );
  const port = await freePort();
  const config = join(dir, "pebble.json");
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${await freePort()}`,
        certificate: cert,
        privateKey: key,
        httpPort: http01Port,
        tlsPort: await freePort(),
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  const env = { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" };
  const { proc, output } = await startProcess("pebble", ["-config", config, "-dnsserver", dnsAddress], env, (l) =>
    l.includes(`Listening on: 127.0.0.1:${port}`) ? true : undefined,
  );
  return {
    name: "pebble",
    directory: `https://127.0.0.1:${port}/dir`,
    ca: readFileSync(root, "utf8"),
    output,
    stop: () => stop(proc),
    cpuMs: () => treeCpuMs(proc.pid),
  };
}

async function startTsca(dnsAddress, http01Port) {
  // mkdtemp makes the directory 0700.
  const home = mkdtempSync(join(work, "tsca-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_")));
  Object.assign(env, {
    TSCA_HOME: home,
    TSCA_ACME_ALLOW_LOOPBACK: "1",
    TSCA_ACME_HTTP01_PORT: String(http01Port),
    TSCA_ACME_DNS_RESOLVER: dnsAddress,
    ...(PG_URL ? { TSCA_DATABASE_URL: await freshPostgresSchema(PG_URL, "bench_acme") } : {}),
  });
  const tsca = (args, input) => run(process.execPath, [join(ROOT, "bin/tsca.js"), ...args], { env, cwd: home, input });
  tsca(["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=bench ACME root"]);
  const serial = tsca(["init_ca", "--key-type", "EC", "--parent", "Root", "--acme-enable", "ACME", "/CN=bench ACME issuing CA"]).trim();
  const tlsKey = join(home, "tls.key");
  const csr = run("openssl", [
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    tlsKey,
    "-subj",
    "/CN=localhost",
  ]);
  chmodSync(tlsKey, 0o600);
  const tlsCert = join(home, "tls.pem");
  writeFileSync(tlsCert, tsca(["sign_cert", "--ca", "Root", "--webserver", "--alt", "DNS:localhost", "--alt", "IP:127.0.0.1"], csr));
  const root = tsca(["dump_ca", "Root"]);
  const args = [
    join(ROOT, "bin/tsca.js"),
    "serve",
    "--worker",
    "--port",
    "0",
    "--tls-port",
    "0",
    "--tls-cert",
    tlsCert,
    "--tls-key",
    tlsKey,
  ];
  const {
    proc,
    value: tlsPort,
    output,
  } = await startProcess(process.execPath, args, { ...env }, (l) => {
    try {
      const o = JSON.parse(l);
      return o.msg === "listening" && o.tlsPort ? o.tlsPort : undefined;
    } catch {
      return undefined;
    }
  });
  return {
    name: "tsca",
    directory: `https://127.0.0.1:${tlsPort}/acme/${serial.replace(/:/g, "")}/directory`,
    ca: root,
    output,
    stop: () => stop(proc),
    cpuMs: () => treeCpuMs(proc.pid),
  };
}

/** Complete orders per second with IN_FLIGHT slots, each with its own account, for SECONDS. */
async function measure(server, http01, honorRetryAfter) {
  const http = transport({ ca: server.ca, maxSockets: IN_FLIGHT * 2, timeoutMs: HANG_MS });
  const clients = [];
  for (let i = 0; i < IN_FLIGHT; i++) {
    const c = new AcmeClientLite({ directoryUrl: server.directory, http, honorRetryAfter });
    await c.newAccount({ contact: [`mailto:bench${i}@example.test`] });
    clients.push(c);
  }
  const present = (_authz, challenge, keyAuthorization) => {
    http01.tokens.set(challenge.token, keyAuthorization);
    return () => http01.tokens.delete(challenge.token);
  };
  let seq = 0;
  // Slots stop at `until` or at the first failure (the others' orders then end or hang up to HANG_MS).
  const slot = async (client, until, done) => {
    while (performance.now() < until && !done.failure) {
      const name = `o${seq++}.${honorRetryAfter ? "r" : "p"}.${server.name}.bench.test`;
      const { pem } = await client.issue([{ type: "dns", value: name }], { present });
      if (!pem.includes("BEGIN CERTIFICATE")) throw new Error(`${server.name}: no certificate for ${name}`);
      done.n++;
      done.last = performance.now();
    }
  };
  const run = async (until, done) => {
    await Promise.all(clients.map((c) => slot(c, until, done).catch((e) => void (done.failure ??= e))));
    return done;
  };
  // A short warm-up (connections, JIT, first database pages), then the measured run.
  const warm = await run(performance.now() + 2000, { n: 0 });
  if (warm.failure) throw warm.failure;
  const clientCpu0 = process.cpuUsage();
  const serverCpu0 = server.cpuMs();
  const start = performance.now();
  const done = await run(start + SECONDS * 1000, { n: 0, last: start });
  // A server that stopped answering after a good stretch (pebble, see HANG_MS) is measured over the
  // time it answered: up to its last completed order. Any other failure, or an early hang, fails the pass.
  const hung = done.failure && /no answer in/.test(String(done.failure.message)) && done.last - start >= 3000;
  if (done.failure && !hung) throw done.failure;
  const elapsed = (hung ? done.last : performance.now()) - start;
  const rate = (done.n * 1000) / elapsed;
  const clientCpu = process.cpuUsage(clientCpu0);
  // CPU per order on each side: the client (with the DNS and http-01 responders) runs on the same cores,
  // so the rate any server can reach is bounded by what the client itself needs. (After a hang the
  // client's share includes the wait, which costs next to nothing.)
  const clientMs = (clientCpu.user + clientCpu.system) / 1000 / done.n;
  const serverMs = (server.cpuMs() - serverCpu0) / done.n;
  http.close();
  if (hung) console.error(`${server.name} stopped answering after ${(elapsed / 1000).toFixed(1)} s: measured up to then`);
  return { orders: done.n, rate, clientMs, serverMs, seconds: elapsed / 1000 };
}

const dns = await startDns();
const http01 = await startHttp01();
const results = {};
const line = (label, r) =>
  console.log(
    `${label.padEnd(44)} ${r.rate.toFixed(1).padStart(7)} orders/s  (${r.orders} orders in ${r.seconds.toFixed(1)} s, ${IN_FLIGHT} in flight; ` +
      `CPU per order: server ${r.serverMs.toFixed(1)} ms, client ${r.clientMs.toFixed(1)} ms)`,
  );
/** One pass against a freshly started server; pebble is started again when it stops answering. */
async function pass(name, honorRetryAfter) {
  for (let attempt = 1; ; attempt++) {
    const server = name === "pebble" ? await startPebble(dns.address, http01.port) : await startTsca(dns.address, http01.port);
    try {
      return await measure(server, http01, honorRetryAfter);
    } catch (e) {
      await server.stop();
      if (name === "pebble" && attempt < PEBBLE_ATTEMPTS && /no answer in/.test(String(e?.message))) {
        console.error(`pebble stopped answering (${e.message}); starting it again for this pass`);
        continue;
      }
      // The server's last output explains a failed order better than the client's problem document.
      console.error(`${name} output (tail):\n${server.output().slice(-4000)}`);
      throw e;
    } finally {
      await server.stop();
    }
  }
}

try {
  for (const name of SERVERS) {
    const label = name === "tsca" ? `tsca serve --worker (${PG_URL ? "PostgreSQL" : "SQLite"})` : "pebble";
    results[name] = await pass(name, true);
    line(label, results[name]);
    // Diagnosis: the same server when clients poll with their own 50 ms..1 s backoff instead of waiting
    // as its Retry-After says (how much of the rate is the server's advice rather than its work).
    results[`${name}-poll`] = await pass(name, false);
    line(`${label}, Retry-After ignored`, results[`${name}-poll`]);
  }
  if (results.pebble && results.tsca) {
    console.log(`ratio tsca / pebble                          ${(results.tsca.rate / results.pebble.rate).toFixed(2)}× (target ≥ 2×)`);
    console.log(`ratio with Retry-After ignored               ${(results["tsca-poll"].rate / results["pebble-poll"].rate).toFixed(2)}×`);
  }
} finally {
  await http01.close();
  dns.close();
}
