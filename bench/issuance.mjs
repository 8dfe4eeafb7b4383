// Issuance throughput: certificates signed AND stored per second in one process, with an EC P-256 CA
// and an RSA-2048 CA, each beside the raw signature rate of the same key measured in the same run; plus
// the whole-process time of one `tsca sign_cert`. Run: npm run build && node bench/issuance.mjs
// Target (issue 3): P-256 on SQLite >= 3,000 stored certificates/s on a 2-core machine.
import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, sign, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as t from "../dist/toolkit.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);

function csrFor(home, name) {
  const key = join(home, `${name}.key`);
  const csr = join(home, `${name}.csr`);
  execFileSync(
    "openssl",
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-subj",
      `/CN=${name}.example.com`,
      "-out",
      csr,
      "-outform",
      "DER",
    ],
    { stdio: "ignore" },
  );
  return readFileSync(csr);
}

async function setup(keyType) {
  const home = mkdtempSync(join(tmpdir(), "tsca-bench-"));
  const db = await t.openDatabase(join(home, "tsca.sqlite3"));
  const cas = new t.SqlCaRepository(db.db);
  const certs = new t.SqlCertificateRepository(db.db);
  const keys = new t.FileKeyStore(join(home, "ca"));
  const deps = { cas, keys, clock: { now: () => new Date() }, random: { bytes: (n) => randomBytes(n) } };
  const ca = await t.initCa(deps, {
    name: `bench-${keyType}`,
    subject: t.parseName(`/CN=Bench ${keyType} CA`),
    key: keyType === "EC" ? { keyType: "EC", curve: "secp256r1", hash: "SHA-256" } : { keyType: "RSA", keySize: 2048, hash: "SHA-256" },
    keyDefaults: { keySize: 2048, minKeySize: 2048, curve: "secp256r1", hash: "SHA-256" },
    expiresDays: 3650,
    certificate: {
      pathLength: 0,
      crlUrls: [],
      ocspUrls: [],
      issuerUrls: [],
      nameConstraints: { permitted: [], excluded: [] },
      policies: [],
      subjectAltNames: [],
      issuerAltNames: [],
    },
    sign: {
      crlUrls: [t.parseGeneralName("URI:http://ca.example.com/crl")],
      ocspUrls: [t.parseGeneralName("URI:http://ocsp.example.com/")],
      issuerUrls: [t.parseGeneralName("URI:http://ca.example.com/ca.der")],
      issuerAltNames: [],
    },
  });
  return { home, db, deps: { ...deps, certs, profiles: new t.Profiles(), defaultExpires: 100 }, ca };
}

/** Rate of `fn` with `inFlight` concurrent callers (a server handles many requests at once). */
async function timed(fn, seconds, inFlight = 1) {
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      await fn();
      n++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return (n * 1000) / (performance.now() - start);
}

function rawSignRate(keyPem, seconds) {
  const key = createPrivateKey(keyPem);
  const data = randomBytes(400);
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    sign("sha256", data, key);
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

async function bench(keyType) {
  const { home, db, deps, ca } = await setup(keyType);
  const csrDer = csrFor(home, "leaf");
  const issuer = await t.prepareIssuer(deps, ca, undefined, new Date());
  const profile = deps.profiles.get("webserver");
  const { csr } = t.readCsr(csrDer);
  // Issuance engine: certificate built, name constraints and lint checked, signed, stored (one row each;
  // concurrent callers share transactions through group commit). The CSR was verified on intake.
  const issueAndStore = async () => {
    const cert = await t.issueCertificate(issuer, {
      serial: t.newSerial(deps.random),
      spki: csr.spki,
      keyType: "EC",
      subject: csr.subject,
      sans: [],
      profile,
      expiresDays: 90,
      overrides: {},
      now: new Date(),
      csrDer: csr.der,
      watchers: [],
    });
    await deps.certs.insert([cert]);
  };
  const sequential = await timed(issueAndStore, SECONDS, 1);
  const concurrent = await timed(issueAndStore, SECONDS, IN_FLIGHT);
  // Full request path: the CSR parsed and its proof of possession verified too.
  const full = await timed(
    async () => {
      const { csr: c, keyType: kt, requestedSans } = t.readCsr(csrDer);
      const cert = await t.issueCertificate(issuer, {
        serial: t.newSerial(deps.random),
        spki: c.spki,
        keyType: kt,
        subject: c.subject,
        sans: requestedSans,
        profile,
        expiresDays: 90,
        overrides: {},
        now: new Date(),
        csrDer: c.der,
        watchers: [],
      });
      await deps.certs.insert([cert]);
    },
    SECONDS,
    IN_FLIGHT,
  );
  // Without storing, to show the cost of the insert.
  const unstored = await timed(async () => {
    await t.issueCertificate(issuer, {
      serial: t.newSerial(deps.random),
      spki: csr.spki,
      keyType: "EC",
      subject: csr.subject,
      sans: [],
      profile,
      expiresDays: 90,
      overrides: {},
      now: new Date(),
      csrDer: null,
      watchers: [],
    });
  }, SECONDS);
  const raw = rawSignRate(readFileSync(join(home, "ca", `${ca.serial}.key`)), SECONDS);
  const stored = Number((await db.db.selectFrom("certificate").select(db.db.fn.countAll().as("n")).executeTakeFirst()).n);
  await db.close();
  return { keyType, sequential, concurrent, full, unstored, raw, stored, home, caSerial: ca.serial };
}

function oneSignCert(home, caSerial) {
  const csr = join(home, "leaf.csr");
  const runs = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "tsca.js"), "sign_cert", "--ca", caSerial, "--csr", csr], {
      env: { ...process.env, TSCA_HOME: home },
    });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  const base = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ["-e", "0"]);
    base.push(performance.now() - t0);
  }
  base.sort((a, b) => a - b);
  return { median: runs[6], baseline: base[6] };
}

const fmt = (n) => n.toFixed(0).padStart(7);
console.log(`tsca issuance benchmark (${SECONDS}s per measurement, Node ${process.version}, SQLite WAL)\n`);
const results = [];
for (const kt of ["EC", "RSA"]) results.push(await bench(kt));
console.log(`CA key        signed+stored/s   signed+stored/s   +CSR verify/s   signed only/s   raw sign/s   stored(${IN_FLIGHT})/raw`);
console.log(`              (1 in flight)     (${IN_FLIGHT} in flight)      (${IN_FLIGHT} in flight)`);
for (const r of results)
  console.log(
    `${(r.keyType === "EC" ? "EC P-256" : "RSA-2048").padEnd(12)}  ${fmt(r.sequential)}           ${fmt(r.concurrent)}           ${fmt(r.full)}         ${fmt(r.unstored)}        ${fmt(r.raw)}     ${(r.concurrent / r.raw).toFixed(2)}`,
  );
console.log(`(rows stored during the run: ${results.map((r) => r.stored).join(", ")})`);
const ec = results[0];
const one = oneSignCert(ec.home, ec.caSerial);
console.log(
  `\nwhole-process tsca sign_cert (EC P-256 CA): median ${one.median.toFixed(0)} ms (node -e 0: ${one.baseline.toFixed(0)} ms, ratio ${(one.median / one.baseline).toFixed(1)})`,
);
console.log(
  `\ntarget: EC P-256 >= 3000 stored certificates/s (${IN_FLIGHT} in flight): ${ec.concurrent >= 3000 ? "PASS" : "FAIL"} (${ec.concurrent.toFixed(0)}/s)`,
);
