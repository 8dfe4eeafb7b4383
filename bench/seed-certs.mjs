// Seeding many real certificates for the listing benchmarks (bench/api.mjs, bench/admin-list.mjs): each is
// signed by the named CA (through the toolkit bundle, dist/toolkit.mjs) and stored through the certificate
// repository, so the rows, the DER and the search names are exactly what issuance stores.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `count` certificates with CN and DNS SAN host-N.bench.test, validity 30..394 days (so expiry order is not
 * insertion order), for the key in `csrPem`, signed by the CA `caName` whose key is in `home`/ca; 4
 * concurrent callers with batches of 64 so inserts share transactions (group commit) as at run time.
 * Returns the seconds it took.
 */
export async function seedCertificates(t, { databaseUrl, home, caName, csrPem, count }) {
  const db = await t.openDatabase(databaseUrl);
  const ports = t.databasePorts(db);
  const ca = await t.findCa(ports.cas, caName);
  const issuer = await t.prepareIssuer(
    { cas: ports.cas, keys: t.keyStoreRegistry({ caDir: join(home, "ca") }) },
    ca,
    undefined,
    new Date(),
  );
  const profile = new t.Profiles().get("webserver");
  const { csr } = t.readCsr(Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
  const random = { bytes: (n) => randomBytes(n) };
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const batch = [];
      for (let k = 0; k < 64 && next < count; k++) {
        const i = next++;
        const name = `host-${i}.bench.test`;
        batch.push(
          await t.issueCertificate(issuer, {
            serial: t.newSerial(random),
            spki: csr.spki,
            keyType: "EC",
            subject: t.parseName(`/CN=${name}`),
            sans: [t.parseGeneralName(`DNS:${name}`)],
            profile,
            expiresDays: 30 + (i % 365),
            overrides: {},
            now: new Date(),
            csrDer: null,
            watchers: [],
          }),
        );
      }
      await ports.certs.insert(batch);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const seconds = (performance.now() - started) / 1000;
  await db.close();
  return seconds;
}

/** A fresh schema in the PostgreSQL database at `url`; returns a URL whose search_path is that schema. */
export async function freshPostgresSchema(url, prefix) {
  const { default: pg } = await import("pg");
  const schema = `${prefix}_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** An EC P-256 key and CSR for /CN=leaf.bench.test in `dir` (leaf.key, leaf.csr), made by openssl through `run`; returns the CSR's PEM. */
export function benchCsr(run, dir) {
  const args = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "leaf.key")];
  run("openssl", [...args, "-subj", "/CN=leaf.bench.test", "-out", join(dir, "leaf.csr")]);
  return readFileSync(join(dir, "leaf.csr"), "utf8");
}
