/**
 * CA private keys: PKCS#8 files named by serial, 0600 in 0700 directories, optionally encrypted with
 * PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) so that openssl opens them; never in the database, never in any
 * output. Intermediates need the parent's password, and a missing or wrong one changes nothing.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl, type Backend } from "../../helpers/databases.js";
import { openssl, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { caDir, caPem, expectRefused, keyFile, listTree, opensslVerify, ossl, pgQuery, plainSerial } from "../../helpers/oracles.js";

const mode = (p: string): number => statSync(p).mode & 0o777;

/** The public key of a certificate and of a key file, both as openssl prints them. */
const certPublicKey = (pem: string): string => ossl(["x509", "-noout", "-pubkey"], pem);
const keyPublicKey = (path: string, password?: string): string =>
  ossl(["pkey", "-in", path, "-pubout", ...(password !== undefined ? ["-passin", `pass:${password}`] : [])]);

/** Everything the database holds, as text: every file of the SQLite store, or every row of every table in PostgreSQL. */
async function databaseDump(t: TscaEnv, backend: Backend, url: string | undefined): Promise<string> {
  if (backend === "sqlite") {
    return readdirSync(t.home)
      .filter((f) => f.startsWith("tsca.sqlite3"))
      .map((f) => readFileSync(join(t.home, f)).toString("latin1"))
      .join("\n");
  }
  const tables = await pgQuery<{ table_name: string }>(
    url!,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
  );
  expect(tables.map((r) => r.table_name)).toContain("certificate_authority");
  let out = "";
  for (const { table_name } of tables) {
    const rows = await pgQuery<{ j: string }>(url!, `SELECT row_to_json(x)::text AS j FROM "${table_name}" x`);
    out += rows.map((r) => r.j).join("\n") + "\n";
  }
  return out;
}

/** Fragments by which a private key could be recognized: PEM armor, its base64 body, its raw private scalar. */
function keySecrets(path: string, password?: string): string[] {
  const pem = readFileSync(path, "utf8");
  const key = createPrivateKey(password !== undefined ? { key: pem, passphrase: password } : pem);
  const jwk = key.export({ format: "jwk" });
  const d = Buffer.from(jwk.d!, "base64url");
  const plainPem = key.export({ type: "pkcs8", format: "pem" }) as string;
  const body = plainPem.split("\n")[1]!;
  return ["PRIVATE KEY", body, d.toString("hex"), d.toString("hex").toUpperCase(), d.toString("base64"), d.toString("latin1")];
}

describe.each(BACKENDS)("CA keys (%s)", (backend) => {
  it("are PKCS#8 files named by serial, mode 0600 in 0700 directories, matching the certificate", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=root.example.com"]).trim();
    const sub = tsca(t, ["init_ca", "--key-type", "Ed25519", "--parent", "Root", "Sub", "/CN=sub.example.com"]).trim();
    expect(listTree(caDir(t))).toEqual([".pending/", `${plainSerial(sub)}.key`, `${plainSerial(root)}.key`].sort());
    expect(mode(caDir(t))).toBe(0o700);
    expect(mode(join(caDir(t), ".pending"))).toBe(0o700);
    for (const [serial, type] of [
      [root, "EC"],
      [sub, "ED25519"],
    ] as const) {
      const path = keyFile(t, serial);
      expect(mode(path)).toBe(0o600);
      expect(readFileSync(path, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      expect(ossl(["pkey", "-in", path, "-noout", "-text"])).toContain(type === "EC" ? "ASN1 OID: prime256v1" : "ED25519 Private-Key:");
      expect(keyPublicKey(path)).toBe(certPublicKey(caPem(t, serial)));
    }
    expect(tsca(t, ["view_ca", "Root"])).toContain(`* path: ${keyFile(t, root)}\n* encrypted: no\n`);
    // The SQLite database holds the secrets of the OCSP responder keys: owner-only like the key files.
    if (backend === "sqlite") {
      expect(mode(join(t.home, "tsca.sqlite3"))).toBe(0o600);
    }
  });

  it("--password encrypts with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) that openssl pkey -passin opens", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const serial = tsca(t, ["init_ca", "--key-type", "EC", "--password", "secret", "Enc", "/CN=enc.example.com"]).trim();
    const path = keyFile(t, serial);
    const pem = readFileSync(path, "utf8");
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(mode(path)).toBe(0o600);

    expect(keyPublicKey(path, "secret")).toBe(certPublicKey(caPem(t, serial)));
    const asn1 = ossl(["asn1parse", "-in", path]);
    expect(asn1).toContain(":PBES2");
    expect(asn1).toContain(":PBKDF2");
    expect(asn1).toContain(":hmacWithSHA256");
    expect(asn1).toContain(":aes-256-cbc");
    // The PBKDF2 iteration count: the INTEGER after the 16-byte salt (asn1parse prints it in hex).
    const iterations = /prim: OCTET STRING +\[HEX DUMP\]:[0-9A-F]{32}\n.*prim: INTEGER +:([0-9A-F]+)\n/.exec(asn1)?.[1];
    expect(parseInt(iterations!, 16)).toBeGreaterThanOrEqual(600_000);

    const wrong = openssl(["pkey", "-in", path, "-noout", "-passin", "pass:wrong"]);
    expect(wrong.code).not.toBe(0);
    expect(openssl(["pkey", "-in", path, "-noout", "-passin", "pass:"]).code).not.toBe(0);
    expect(tsca(t, ["view_ca", "Enc"])).toContain("* encrypted: yes\n");
  });

  it("--password without a value reads the password (here: from standard input)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const serial = tsca(t, ["init_ca", "--key-type", "EC", "Prompted", "/CN=prompted.example.com", "--password"], {
      input: "from-stdin\n",
    }).trim();
    expect(serial).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(keyPublicKey(keyFile(t, serial), "from-stdin")).toBe(certPublicKey(caPem(t, serial)));
  });

  it("an intermediate below an encrypted parent needs --parent-password; missing or wrong leaves nothing behind", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "--password", "secret", "Root", "/CN=root.example.com"]);
    const child = ["init_ca", "--key-type", "EC", "--parent", "Root", "Child", "/CN=child.example.com"];
    await expectRefused(t, child, 1, /^Error: The private key is encrypted and no password was given\.\n$/);
    await expectRefused(t, [...child, "--parent-password", "wrong"], 1, /^Error: Could not decrypt the private key: wrong password\.\n$/);
    // An RSA child: the refusal comes before the (slow) key generation, and still leaves nothing.
    await expectRefused(
      t,
      ["init_ca", "--key-size", "2048", "--parent", "Root", "--parent-password", "wrong", "RsaChild", "/CN=rsa.example.com"],
      1,
      /wrong password/,
    );
    const serial = tsca(t, [...child, "--parent-password", "secret"]).trim();
    expect(opensslVerify(caPem(t, "Root"), [], caPem(t, serial)).code).toBe(0);
    // The child's own key is not encrypted unless asked for.
    expect(readFileSync(keyFile(t, serial), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // A parent password for a parent whose key is not encrypted is a mistake too.
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Plain", "/CN=plain.example.com"]);
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Plain", "--parent-password", "secret", "X", "/CN=x.example.com"],
      1,
      /not encrypted/,
    );
  });

  it("never stores a key in the database and never prints one (view_ca, list_cas, dump_ca in every format)", async () => {
    const url = await freshDatabaseUrl(backend);
    const t = tscaEnv(url);
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=root.example.com"]).trim();
    const enc = tsca(t, [
      "init_ca",
      "--key-type",
      "Ed25519",
      "--parent",
      "Root",
      "--password",
      "secret",
      "Enc",
      "/CN=enc.example.com",
    ]).trim();
    const secrets = [...keySecrets(keyFile(t, root)), ...keySecrets(keyFile(t, enc), "secret")];
    const encryptedBody = readFileSync(keyFile(t, enc), "utf8").split("\n")[1]!;

    const dump = await databaseDump(t, backend, url);
    // The oracle works: the certificate is in the dump (as DER bytes or hex).
    const certDer = Buffer.from(caPem(t, root).split("\n").slice(1, -2).join(""), "base64");
    expect(dump.includes(certDer.toString("latin1")) || dump.includes(certDer.toString("hex"))).toBe(true);
    for (const s of [...secrets, encryptedBody])
      expect(dump.includes(s), `database contains ${JSON.stringify(s).slice(0, 40)}`).toBe(false);

    const outputs = [
      ["list_cas"],
      ["list_cas", "--tree"],
      ["list_cas", "--output-format", "json"],
      ...[root, enc].flatMap((ca) => [
        ["view_ca", ca],
        ["view_ca", "--output-format", "json", ca],
        ["view_ca", "--output-format", "pem", "--bundle", ca],
        ["view_ca", "--output-format", "der", ca],
        ["dump_ca", "--bundle", ca],
        ["dump_ca", "-f", "DER", ca],
      ]),
    ];
    for (const args of outputs) {
      const r = runTsca(t, args);
      expect(r.code).toBe(0);
      const all = r.stdoutBytes.toString("latin1") + r.stderr;
      for (const s of [...secrets, encryptedBody]) expect(all.includes(s), `${args.join(" ")} printed a key fragment`).toBe(false);
    }
    // An error involving the key names no key material either.
    const r = runTsca(t, ["init_ca", "--key-type", "EC", "--parent", "Enc", "--parent-password", "wrong", "X", "/CN=x.example.com"]);
    for (const s of [...secrets, encryptedBody]) expect(r.stderr.includes(s)).toBe(false);
  });

  it("key files follow TSCA_CA_DIR", async () => {
    const url = await freshDatabaseUrl(backend);
    const probe = tscaEnv(url);
    const t = tscaEnv(url, { TSCA_CA_DIR: join(probe.home, "elsewhere", "keys") });
    const serial = tsca(t, ["init_ca", "--key-type", "EC", "Moved", "/CN=moved.example.com"]).trim();
    const path = join(probe.home, "elsewhere", "keys", `${plainSerial(serial)}.key`);
    expect(mode(path)).toBe(0o600);
    expect(mode(join(probe.home, "elsewhere", "keys"))).toBe(0o700);
    expect(keyPublicKey(path)).toBe(certPublicKey(caPem(t, serial)));
    expect(listTree(caDir(t))).toEqual([]);
    expect(createPublicKey(readFileSync(path, "utf8")).asymmetricKeyType).toBe("ec");
  });
});
