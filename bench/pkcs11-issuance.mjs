// PKCS#11 issuance throughput (issue 12): certificates signed AND stored per second, 32 in flight, for an
// EC P-256 CA whose key is on a SoftHSM2 token, against an EC P-256 CA whose key is a file, measured in
// the same run and interleaved (file, token, file, token) so that machine load hits both alike. Beside
// each: the raw signature rate of the same key through tsca's Signer (32 in flight).
// Needs softhsm2 (Debian) and pkcs11js (npm ci builds it). Run: npm run build && node bench/pkcs11-issuance.mjs
// Target: >= 2,500 stored certificates/s for the token CA.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as t from "../dist/toolkit.mjs";
import { benchCa, csrFor, issuerCall, timed } from "./issuance-common.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LIBRARY = process.env.TSCA_PKCS11_LIBRARY ?? "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN = "bench";
const PIN = "1234";

// A SoftHSM2 token of our own: SoftHSM reads SOFTHSM2_CONF when the module is initialised (first use).
const hsm = mkdtempSync(join(tmpdir(), "tsca-bench-hsm-"));
mkdirSync(join(hsm, "tokens"));
writeFileSync(join(hsm, "softhsm2.conf"), `directories.tokendir = ${hsm}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`);
process.env.SOFTHSM2_CONF = join(hsm, "softhsm2.conf");
execFileSync("softhsm2-util", ["--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "5678"], { stdio: "ignore" });

async function installation(kind) {
  const made =
    kind === "token"
      ? await benchCa("EC", {
          name: "token-p256",
          keyBackend: "pkcs11",
          keyOptions: { token: TOKEN, label: "bench token CA" },
          env: { TSCA_PKCS11_LIBRARY: LIBRARY, TSCA_PKCS11_PIN: PIN },
        })
      : await benchCa("EC", { name: "file-p256" });
  const { home, deps, ca } = made;
  const { csr } = t.readCsr(csrFor(home, "leaf"));
  const issue = issuerCall(deps, await t.prepareIssuer(deps, ca, undefined, new Date()));
  const signer = await deps.keys.get(ca.keyBackend, ca.keyOptions).load(ca.keyRef, undefined);
  const data = randomBytes(400);
  return {
    ...made,
    stored: () => timed(() => issue(csr, "EC", [], true), SECONDS, IN_FLIGHT),
    raw: () => timed(() => signer.sign(data, "SHA-256"), SECONDS, IN_FLIGHT),
  };
}

const fmt = (n) => n.toFixed(0).padStart(7);
console.log(
  `tsca PKCS#11 issuance benchmark (${SECONDS}s per measurement, ${IN_FLIGHT} in flight, ${ROUNDS} rounds, Node ${process.version}, SQLite WAL, ${LIBRARY})\n`,
);
const file = await installation("file");
const token = await installation("token");
const figures = { file: { stored: [], raw: [] }, token: { stored: [], raw: [] } };
for (let round = 0; round < ROUNDS; round++)
  for (const [name, inst] of [
    ["file", file],
    ["token", token],
  ]) {
    figures[name].stored.push(await inst.stored());
    figures[name].raw.push(await inst.raw());
  }
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log("CA key (EC P-256)   signed+stored/s   raw sign/s   stored/raw   rounds (stored)");
for (const name of ["file", "token"]) {
  const f = figures[name];
  console.log(
    `${(name === "file" ? "file (CA_DIR)" : "token (SoftHSM2)").padEnd(18)}  ${fmt(mean(f.stored))}           ${fmt(mean(f.raw))}      ${(mean(f.stored) / mean(f.raw)).toFixed(2)}        ${f.stored.map((x) => x.toFixed(0)).join(", ")}`,
  );
}
const ratio = mean(figures.token.stored) / mean(figures.file.stored);
console.log(`\ntoken / file, stored issuance: ${ratio.toFixed(2)}`);
const rate = mean(figures.token.stored);
console.log(
  `target: token P-256 >= 2500 stored certificates/s (${IN_FLIGHT} in flight): ${rate >= 2500 ? "PASS" : "FAIL"} (${rate.toFixed(0)}/s)`,
);
await file.db.close();
await token.db.close();
