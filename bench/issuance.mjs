// Issuance throughput: certificates signed AND stored per second in one process, with an EC P-256 CA
// and an RSA-2048 CA, each beside the raw signature rate of the same key measured in the same run; plus
// the whole-process time of one `tsca sign_cert`. Run: npm run build && node bench/issuance.mjs
// Target (issue 3): P-256 on SQLite >= 3,000 stored certificates/s on a 2-core machine.
import { spawnSync } from "node:child_process";
import { createPrivateKey, sign, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as t from "../dist/toolkit.mjs";
import { benchCa, csrFor, issuerCall, timed } from "./issuance-common.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);

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
  const { home, db, deps, ca } = await benchCa(keyType);
  const csrDer = csrFor(home, "leaf");
  const issuer = await t.prepareIssuer(deps, ca, undefined, new Date());
  const { csr } = t.readCsr(csrDer);
  const issue = issuerCall(deps, issuer);
  // Issuance engine, one row per certificate (concurrent callers share transactions through group
  // commit); the CSR was verified on intake.
  const issueAndStore = () => issue(csr, "EC", [], true);
  const sequential = await timed(issueAndStore, SECONDS, 1);
  const concurrent = await timed(issueAndStore, SECONDS, IN_FLIGHT);
  // Full request path: the CSR parsed and its proof of possession verified too.
  const full = await timed(
    () => {
      const { csr: c, keyType: kt, requestedSans } = t.readCsr(csrDer);
      return issue(c, kt, requestedSans, true);
    },
    SECONDS,
    IN_FLIGHT,
  );
  // Without storing, to show the cost of the insert.
  const unstored = await timed(() => issue(csr, "EC", [], false), SECONDS);
  const raw = rawSignRate(readFileSync(join(home, "ca", `${ca.serial}.key`)), SECONDS);
  const stored = Number((await db.db.selectFrom("certificate").select(db.db.fn.countAll().as("n")).executeTakeFirst()).n);
  await db.close();
  return { keyType, sequential, concurrent, full, unstored, raw, stored, home, caSerial: ca.serial };
}

/** Median wall time of a whole process, over `runs` runs. */
function medianProcessMs(args, env, runs = 12) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { env });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

function oneSignCert(home, caSerial) {
  const args = [join(ROOT, "bin", "tsca.js"), "sign_cert", "--ca", caSerial, "--csr", join(home, "leaf.csr")];
  return { median: medianProcessMs(args, { ...process.env, TSCA_HOME: home }), baseline: medianProcessMs(["-e", "0"], process.env) };
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
