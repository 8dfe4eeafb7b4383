// What the issuance benchmarks share: a P-256 CSR made by openssl, a CA made in-process through initCa
// (on any key backend), one issue-and-store call, and the rate of a call with N callers in flight.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as t from "../dist/toolkit.mjs";

/** A DER CSR for `name`.example.com with a new EC P-256 key, both written into `home`. */
export function csrFor(home, name) {
  const key = join(home, `${name}.key`);
  const csr = join(home, `${name}.csr`);
  execFileSync(
    "openssl",
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key].concat([
      "-subj",
      `/CN=${name}.example.com`,
      "-out",
      csr,
      "-outform",
      "DER",
    ]),
    { stdio: "ignore" },
  );
  return readFileSync(csr);
}

/**
 * A fresh installation (SQLite in a temporary TSCA_HOME) with one CA of `keyType` ("EC": P-256, "RSA":
 * 2048 bits) whose key is in `keyBackend` with `keyOptions`. `env` adds settings (TSCA_PKCS11_LIBRARY …).
 */
export async function benchCa(keyType, { name = `bench-${keyType}`, keyBackend, keyOptions, env = {} } = {}) {
  const home = mkdtempSync(join(tmpdir(), "tsca-bench-"));
  const db = await t.openDatabase(join(home, "tsca.sqlite3"));
  const ports = t.databasePorts(db);
  const settings = t.loadSettings({ TSCA_HOME: home, ...env });
  const keys = t.keyStoreRegistry(settings);
  const defaults = t.defaultsFromSettings(settings);
  const deps = { ...ports, keys, defaults, clock: { now: () => new Date() }, random: { bytes: (n) => randomBytes(n) } };
  const ctx = t.keyHostContext("system", ports, deps.clock, deps.random, "bench");
  const ca = await t.initCa(ctx, deps, {
    name,
    subject: t.parseName(`/CN=${name}`),
    key: keyType === "EC" ? { keyType: "EC", curve: "secp256r1", hash: "SHA-256" } : { keyType: "RSA", keySize: 2048, hash: "SHA-256" },
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
    ...(keyBackend ? { keyBackend, keyOptions } : {}),
  });
  return { home, db, deps: { ...deps, profiles: new t.Profiles() }, ca };
}

/** One certificate for a parsed CSR through `issuer`: built, name constraints and lint checked, signed, optionally stored. */
export function issuerCall(deps, issuer) {
  const profile = deps.profiles.get("webserver");
  return async (c, kt, sans, store) => {
    const cert = await t.issueCertificate(issuer, {
      serial: t.newSerial(deps.random),
      spki: c.spki,
      keyType: kt,
      subject: c.subject,
      sans,
      profile,
      expiresDays: 90,
      overrides: {},
      now: new Date(),
      csrDer: store ? c.der : null,
      watchers: [],
    });
    if (store) await deps.certs.insert([cert]);
  };
}

/** Rate of `fn` with `inFlight` concurrent callers (a server handles many requests at once). */
export async function timed(fn, seconds, inFlight = 1) {
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
