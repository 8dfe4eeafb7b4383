/**
 * A CA row names its key store: key_backend and key_options (migration 0009) are stored and read back on
 * both database backends, a CA made by init_ca records the file backend with no options, and a CA whose
 * backend this installation does not have is refused with ERR_KEY_BACKEND in one sentence when its key
 * is needed — never looked for in CA_DIR.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlCaRepository } from "../../src/adapters/db/ca-repository.js";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import { BACKENDS, freshDatabaseUrl } from "../helpers/databases.js";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../helpers/cli.js";

describe.each(BACKENDS)("CA key backend and options (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase;
  let cas: SqlCaRepository;
  let serial: string;

  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    t = tscaEnv(url);
    serial = tsca(t, ["init_ca", "--key-type", "EC", "Files", "/CN=files.example.test"]).trim().replace(/:/g, "");
    db = await openDatabase(url ?? join(t.home, "tsca.sqlite3"));
    cas = new SqlCaRepository(db.db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("init_ca records the file backend with empty options", async () => {
    const ca = (await cas.get(serial))!;
    expect(ca.keyBackend).toBe("file");
    expect(ca.keyOptions).toEqual({});
    const row = await db.db
      .selectFrom("certificate_authority")
      .select(["key_backend", "key_options"])
      .where("serial", "=", serial)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ key_backend: "file", key_options: "{}" });
  });

  it("stores and reads back per-backend options; a backend this host lacks is ERR_KEY_BACKEND in one sentence", async () => {
    const ca = (await cas.get(serial))!;
    const options = { token: "tsca", label: "Token", nested: { slot: [1, 2] } };
    await cas.insert({ ...ca, serial: "7E57AB", name: "Token", keyBackend: "pkcs11", keyOptions: options, keyRef: "0A0B0C0D" });
    const back = (await cas.get("7E57AB"))!;
    expect(back.keyBackend).toBe("pkcs11");
    expect(back.keyOptions).toEqual(options);
    // pkcs11 is a backend every installation knows; without its module it names the setting to make.
    const noModule = runTsca(t, ["dump_crl", "--ca", "Token", "-"]);
    expect(noModule.code).toBe(1);
    expect(noModule.stdout).toBe("");
    expect(noModule.stderr.trim()).toBe("Error: No PKCS#11 module is configured: set TSCA_PKCS11_LIBRARY to the module's path.");

    await cas.insert({ ...ca, serial: "7E57AC", name: "Elsewhere", keyBackend: "tpm", keyOptions: {}, keyRef: "k" });
    const r = runTsca(t, ["dump_crl", "--ca", "Elsewhere", "-"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toBe("Error: tpm: Unknown key backend (this installation has file, pkcs11).");
    // The file CA is unaffected.
    expect(tsca(t, ["dump_crl", "--ca", "Files", "-"])).toContain("-----BEGIN X509 CRL-----");
  });
});
