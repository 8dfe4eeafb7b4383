// CRL generation: time and peak memory for 100,000 and 1,000,000 revoked certificates with an EC P-256
// key, beside the signature time alone (the same TBS size hashed and signed). Every case runs in its own
// process, so its peak RSS (getrusage maxRSS) is its own. Run: npm run build && node bench/crl.mjs
// Target (issue 4): 1,000,000 entries in under 10 s and under 500 MB.
//
// Cases:
//   builder         signCrl (core/revocation/crl-builder.ts) over entries produced one by one
//   builder+input   the same, but first holding all entries as the certificate repository returns
//                   them (an array of row objects with Dates), the way publishCrl feeds the builder
//   publish-sqlite  publishCrl end to end: query the revoked certificates from SQLite, build, sign, store
//   sign            signature alone: SHA-256 + ECDSA over a buffer of the same size as the TBSCertList
// Options: BENCH_SIZES=100000,1000000  BENCH_CASES=builder,builder+input,publish-sqlite,sign
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const CASES = (process.env.BENCH_CASES ?? "builder,builder+input,publish-sqlite,sign").split(",");
const LIMIT_SECONDS = 10;
const LIMIT_MB = 500;
const REASONS = ["key_compromise", "superseded", "cessation_of_operation", "unspecified"];
const REASON_CODES = [1, 4, 5, null];

const mb = (bytes) => Math.round(bytes / 1048576);
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** A P-256 CA made by openssl around a node key: its subject DER and SKI feed the CRL, and openssl can verify it. */
async function benchCa(t, dir) {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keyPath = join(dir, "ca.key");
  const certPath = join(dir, "ca.pem");
  writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }));
  execFileSync("openssl", [
    "req",
    "-x509",
    "-key",
    keyPath,
    "-subj",
    "/CN=Bench CRL CA",
    "-days",
    "2",
    "-addext",
    "subjectKeyIdentifier=hash",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    certPath,
  ]);
  const der = execFileSync("openssl", ["x509", "-in", certPath, "-outform", "DER"]);
  const cert = t.parseCertificate(der);
  const ski = cert.extensions.find((e) => e.oid === "2.5.29.14").value.subarray(2);
  return { certPath, der, issuer: cert.subjectDer, ski, key: privateKey, signer: new t.NodeSigner(privateKey) };
}

/** n entries, one by one: a random 20-octet positive serial, a revocation time, a reason, sometimes an invalidity date. */
function* entries(n) {
  const random = randomBytes(20 * Math.min(n, 65536));
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const j = (i % 65536) * 20;
    random[j] &= 0x7f;
    random[j + 19] = i & 0xff; // distinct serials
    random[j + 18] = (i >> 8) & 0xff;
    random[j + 17] = (i >> 16) & 0xff;
    yield {
      serial: random.toString("hex", j, j + 20),
      revokedAt: new Date(base + i * 1000),
      reasonCode: REASON_CODES[i % 4],
      invalidityDate: i % 10 === 0 ? new Date(base) : null,
    };
  }
}

async function child(name, n) {
  const t = await import("../dist/toolkit.mjs");
  const dir = mkdtempSync(join(tmpdir(), "tsca-crl-bench-"));
  const ca = await benchCa(t, dir);
  const crlBase = {
    issuer: ca.issuer,
    authorityKeyId: ca.ski,
    number: 1n,
    thisUpdate: new Date(),
    nextUpdate: new Date(Date.now() + 86_400_000),
  };
  const rssBefore = process.memoryUsage().rss;
  const out = { case: name, n, rssBeforeMb: mb(rssBefore) };
  try {
    if (name === "builder") {
      const t0 = performance.now();
      const { der, entryCount } = await t.signCrl(
        { ...crlBase, entries: entries(n), entryCountHint: n, issuingDistributionPoint: t.scopeExtension(t.crlScope("user")) },
        ca.signer,
        "SHA-256",
      );
      out.seconds = (performance.now() - t0) / 1000;
      out.crlMb = +(der.length / 1048576).toFixed(1);
      out.entries = entryCount;
      out.maxRssMb = maxRssMb();
      // Not timed: openssl must read and verify what was built.
      writeFileSync(join(dir, "bench.crl"), der);
      const v0 = performance.now();
      const r = spawnSync("openssl", ["crl", "-inform", "DER", "-in", join(dir, "bench.crl"), "-noout", "-CAfile", ca.certPath], {
        encoding: "utf8",
      });
      out.opensslVerify = `${r.stderr.trim()} (${((performance.now() - v0) / 1000).toFixed(1)} s)`;
    } else if (name === "builder+input") {
      // What SqlCertificateRepository.revokedBy returns: one object per row, with Dates.
      const rows = [];
      const far = new Date(Date.UTC(2030, 0, 1));
      let i = 0;
      for (const e of entries(n))
        rows.push({
          serial: e.serial.toUpperCase(),
          revokedAt: e.revokedAt,
          reason: REASONS[i++ % 4],
          compromisedAt: e.invalidityDate,
          notAfter: far,
        });
      out.inputMb = mb(process.memoryUsage().rss - rssBefore);
      const codes = { key_compromise: 1, superseded: 4, cessation_of_operation: 5, unspecified: 0 };
      const t0 = performance.now();
      const mapped = (function* () {
        for (const r of rows)
          yield { serial: r.serial, revokedAt: r.revokedAt, reasonCode: codes[r.reason], invalidityDate: r.compromisedAt };
      })();
      const { der } = await t.signCrl({ ...crlBase, entries: mapped, entryCountHint: rows.length }, ca.signer, "SHA-256");
      out.seconds = (performance.now() - t0) / 1000;
      out.crlMb = +(der.length / 1048576).toFixed(1);
      out.maxRssMb = maxRssMb();
    } else if (name === "publish-sqlite") {
      const dbPath = join(dir, "tsca.sqlite3");
      const db = await t.openDatabase(dbPath);
      const cas = new t.SqlCaRepository(db.db);
      const now = new Date();
      await cas.insert({
        serial: "7E57",
        name: "bench",
        parentSerial: null,
        enabled: true,
        commonName: "Bench CRL CA",
        subject: "CN=Bench CRL CA",
        notBefore: new Date(now.getTime() - 3600_000),
        notAfter: new Date(now.getTime() + 86_400_000),
        pathLength: 0,
        keyType: "EC",
        signatureHash: "SHA-256",
        keyBackend: "file",
        keyRef: "none",
        keyEncrypted: false,
        der: ca.der,
        signCrlUrls: [],
        signOcspUrls: [],
        signIssuerUrls: [],
        signIssuerAltNames: [],
        website: null,
        termsOfService: null,
        caaIdentity: null,
        revokedAt: null,
        revokedReason: null,
        createdAt: now,
        updatedAt: now,
      });
      // Bulk load (not timed) straight through better-sqlite3; a tiny placeholder DER keeps the file small.
      const { default: Sqlite } = await import("better-sqlite3");
      const raw = new Sqlite(dbPath);
      const insert =
        raw.prepare(`INSERT INTO certificate (serial, ca_serial, common_name, subject, not_before, not_after, der, csr_der, profile, autogenerated,
        revoked_at, revoked_reason, compromised_at, watchers, created_at, updated_at) VALUES (?, '7E57', 'x', 'CN=x', ?, ?, x'3000', NULL, NULL, 0, ?, ?, ?, '[]', ?, ?)`);
      const l0 = performance.now();
      raw.transaction(() => {
        let i = 0;
        for (const e of entries(n)) {
          const iso = e.revokedAt.toISOString();
          insert.run(
            e.serial.toUpperCase(),
            iso,
            "2030-01-01T00:00:00.000Z",
            iso,
            REASONS[i++ % 4],
            e.invalidityDate?.toISOString() ?? null,
            iso,
            iso,
          );
        }
      })();
      raw.close();
      out.loadSeconds = +((performance.now() - l0) / 1000).toFixed(1);
      const deps = {
        cas,
        certs: new t.SqlCertificateRepository(db.db),
        crls: new t.SqlCrlRepository(db.db),
        changes: new t.SqlRevocationChangeFeed(db.db),
        clock: { now: () => new Date() },
      };
      const rssLoaded = process.memoryUsage().rss;
      out.rssBeforeMb = mb(rssLoaded);
      const t0 = performance.now();
      const { crl, entryCount } = await t.publishCrl(deps, {
        ca: await cas.get("7E57"),
        signer: ca.signer,
        scope: t.crlScope("user"),
        expiresSeconds: 86_400,
      });
      out.seconds = (performance.now() - t0) / 1000;
      out.crlMb = +(crl.der.length / 1048576).toFixed(1);
      out.entries = entryCount;
      out.maxRssMb = maxRssMb();
      await db.close();
    } else if (name === "sign") {
      // A TBSCertList of n entries is about 55 bytes per entry here; hash and sign that much.
      const tbs = randomBytes(n * 55);
      const key = ca.key;
      const t0 = performance.now();
      sign("sha256", tbs, key);
      out.seconds = (performance.now() - t0) / 1000;
      const s0 = performance.now();
      for (let i = 0; i < 1000; i++) sign("sha256", tbs.subarray(0, 100), key);
      out.smallSignMs = +((performance.now() - s0) / 1000).toFixed(3);
      out.maxRssMb = maxRssMb();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

function parent() {
  console.log(`CRL generation, EC P-256, node ${process.version}; each case in its own process (peak RSS = getrusage maxRSS)`);
  const results = [];
  for (const n of SIZES)
    for (const name of CASES) {
      const r = spawnSync(process.execPath, ["--max-old-space-size=4096", SELF, "--case", name, String(n)], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (r.status !== 0) {
        console.log(`${name} n=${n}: FAILED\n${r.stderr}`);
        continue;
      }
      const res = JSON.parse(r.stdout.trim().split("\n").pop());
      results.push(res);
      const extra = [
        res.entries !== undefined ? `${res.entries} entries` : "",
        res.crlMb !== undefined ? `CRL ${res.crlMb} MiB` : "",
        res.inputMb !== undefined ? `input objects ~${res.inputMb} MB` : "",
        res.loadSeconds !== undefined ? `bulk load ${res.loadSeconds} s (untimed)` : "",
        res.smallSignMs !== undefined ? `one 100-byte signature ${res.smallSignMs} ms` : "",
        res.opensslVerify ? `openssl crl -CAfile: ${res.opensslVerify}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      console.log(
        `${name.padEnd(15)} n=${String(n).padStart(8)}  ${res.seconds.toFixed(2).padStart(6)} s  peak RSS ${String(res.maxRssMb).padStart(4)} MB (before: ${res.rssBeforeMb} MB)  ${extra}`,
      );
    }
  const target = results.find((r) => r.case === "builder" && r.n === 1_000_000);
  if (target) {
    const ok = target.seconds < LIMIT_SECONDS && target.maxRssMb < LIMIT_MB;
    console.log(
      `${ok ? "PASS" : "FAIL"}: 1,000,000-entry CRL built and signed in ${target.seconds.toFixed(2)} s (< ${LIMIT_SECONDS} s) with peak RSS ${target.maxRssMb} MB (< ${LIMIT_MB} MB)`,
    );
  }
  for (const r of results.filter((x) => x.n === 1_000_000 && x.case !== "builder" && x.case !== "sign"))
    console.log(
      `${r.seconds < LIMIT_SECONDS && r.maxRssMb < LIMIT_MB ? "PASS" : "FAIL"}: ${r.case} at 1,000,000: ${r.seconds.toFixed(2)} s, peak RSS ${r.maxRssMb} MB`,
    );
}

if (process.argv[2] === "--case") await child(process.argv[3], Number(process.argv[4]));
else parent();
