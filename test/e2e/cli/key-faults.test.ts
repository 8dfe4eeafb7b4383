/**
 * CA creation and key files under real faults (issue 14): the real `tsca` process gets I/O errors from
 * strace's fault injection or from a really full file system, and afterwards there is either a whole CA
 * (a row whose key openssl matches to its certificate and that signs) or nothing at all, never "Internal
 * error". Also: a staged key whose PID now belongs to an unrelated process is recovered (PID reuse); a
 * certificate is durable (fsynced) before sign_cert prints it, and a failed fsync fails the command; a
 * full disk never leaves a 0-byte OCSP responder key.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeCsr } from "../../helpers/certs.js";
import { CA_EXTENSION_ARGS, newEcKeyArgs, openssl, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { fillUp, mountUnavailable, smallFileSystem, straceUnavailable, tscaUnderStrace, type Mount } from "../../helpers/faults.js";
import {
  caDir,
  caPem,
  databaseRows,
  expectOneSentence,
  keyFile,
  listTree,
  ossl,
  opensslVerify,
  plainSerial,
  scratch,
} from "../../helpers/oracles.js";

const NO_STRACE = straceUnavailable();
const NO_MOUNT = mountUnavailable();
if (NO_STRACE) console.log(`key-faults: strace fault injection skipped: ${NO_STRACE}`);
if (NO_MOUNT) console.log(`key-faults: full-disk cases skipped: ${NO_MOUNT}`);

const RENAMES = "rename,renameat,renameat2";
const FSYNCS = "fsync,fdatasync";
/** Every rename of the traced process fails with EIO (the only rename of init_ca/import_ca is the key commit). */
const RENAME_EIO = ["-e", `trace=${RENAMES}`, "-e", `inject=${RENAMES}:error=EIO`];

interface CaRow {
  serial: string;
  name: string;
  key_ref: string;
  der: Buffer | string;
}

const certPem = (der: Buffer | string): string =>
  ossl(["x509", "-inform", "DER"], typeof der === "string" ? Buffer.from(der.replace(/^\\x/, ""), "hex") : Buffer.from(der));

/**
 * Whole CAs or nothing: every row has its key file, openssl finds the key's public key in the row's
 * certificate, no other key file exists and nothing is pending. Returns the names of the CAs.
 */
async function expectWholeCas(t: TscaEnv, dir = caDir(t)): Promise<string[]> {
  const rows = ((await databaseRows(t)).certificate_authority ?? []) as CaRow[];
  const files = listTree(dir).filter((f) => f !== ".pending/");
  expect(files).toEqual(rows.map((r) => r.key_ref).sort());
  for (const row of rows) {
    const pub = ossl(["pkey", "-in", join(dir, row.key_ref), "-pubout"]);
    expect(ossl(["x509", "-noout", "-pubkey"], certPem(row.der)), `key of ${row.name}`).toBe(pub);
  }
  return rows.map((r) => r.name).sort();
}

/** The CA signs a leaf that openssl verifies against the CA certificate. */
function expectSigns(t: TscaEnv, ca: string): void {
  const csr = makeCsr("ec", `/CN=leaf-of-${ca.toLowerCase()}.example.com`);
  const pem = tsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path, "--expires", "7"]);
  const v = opensslVerify(caPem(t, ca), [], pem);
  expect(v.code, v.stderr).toBe(0);
}

/** A self-signed CA made by openssl, for import_ca. */
function opensslCa(cn: string): { key: string; cert: string } {
  const key = scratch("import.key");
  const cert = scratch("import.pem");
  const r = openssl(["req", "-x509", ...newEcKeyArgs(key), "-out", cert, "-subj", `/CN=${cn}`, "-days", "30", ...CA_EXTENSION_ARGS]);
  expect(r.code, r.stderr).toBe(0);
  return { key, cert };
}

describe.each(BACKENDS)("CA keys under faults (%s)", (backend) => {
  it.skipIf(NO_STRACE)(
    "init_ca whose key rename fails (EIO): exit 1 with ERR_IO, and a whole CA that signs after the next command",
    async () => {
      const t = tscaEnv(await freshDatabaseUrl(backend));
      tsca(t, ["init_ca", "--key-type", "EC", "Before", "/CN=before.example.com"]);
      const r = tscaUnderStrace(t, ["init_ca", "--key-type", "EC", "Faulty", "/CN=faulty.example.com"], RENAME_EIO);
      // The next command (any: here list_cas) finishes the commit before it reads anything.
      expect(tsca(t, ["list_cas"])).toMatch(/ - Before\n.* - Faulty\n$|- Faulty\n.* - Before\n$/);
      expect(await expectWholeCas(t)).toEqual(["Before", "Faulty"]);
      expectSigns(t, "Faulty");
      expectOneSentence(r, 1, /Faulty: The CA is stored but its key could not be committed .*\(EIO\).*next tsca command/);
      expect(r.stderr).not.toMatch(/Internal error/);
      // The name stays taken: the CA exists.
      expectOneSentence(runTsca(t, ["init_ca", "--key-type", "EC", "Faulty", "/CN=faulty.example.com"]), 1, /already exists/);
    },
  );

  it.skipIf(NO_STRACE)("import_ca whose key rename fails (EIO): exit 1 with ERR_IO, and a whole CA after the next command", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["list_cas"]);
    const ca = opensslCa("imported.example.com");
    const r = tscaUnderStrace(t, ["import_ca", "Imported", ca.key, ca.cert], RENAME_EIO);
    tsca(t, ["list_cas"]);
    expect(await expectWholeCas(t)).toEqual(["Imported"]);
    expectSigns(t, "Imported");
    expectOneSentence(r, 1, /Imported: The CA is stored but its key could not be committed .*\(EIO\)/);
  });

  it.skipIf(NO_STRACE)("init_ca whose staged key cannot be fsynced (EIO): exit 1 with ERR_IO, nothing stored, the name free", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["list_cas"]); // the store exists and is migrated: the fault hits the key, not the database
    const r = tscaUnderStrace(
      t,
      ["init_ca", "--key-type", "EC", "NoSync", "/CN=nosync.example.com"],
      ["-e", `trace=${FSYNCS}`, "-e", `inject=${FSYNCS}:error=EIO`],
    );
    // Nothing at all, right away: no row, no key file, nothing pending.
    expect(listTree(caDir(t)).filter((f) => f.endsWith(".key"))).toEqual([]);
    expect((await databaseRows(t)).certificate_authority ?? []).toEqual([]);
    expectOneSentence(r, 1, /Cannot write the new CA key: .*\(EIO\)\.$/m);
    expect(r.stderr).not.toMatch(/Internal error/);
    tsca(t, ["init_ca", "--key-type", "EC", "NoSync", "/CN=nosync.example.com"]);
    expect(await expectWholeCas(t)).toEqual(["NoSync"]);
  });

  describe("a staged key whose PID was reused by an unrelated live process", () => {
    let sleeper: ChildProcess | undefined;
    afterEach(() => {
      sleeper?.kill("SIGKILL");
      sleeper = undefined;
    });

    /** Start time (clock ticks since boot, field 22 of /proc/<pid>/stat) and boot id prefix, as tsca stamps them. */
    const procStamp = (pid: number): { start: number; boot: string } => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
      const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().replace(/-/g, "").slice(0, 12);
      return { start, boot };
    };

    it.skipIf(process.platform !== "linux")(
      "is committed (row exists) or removed (no row), while a live creator's key is spared",
      async () => {
        const t = tscaEnv(await freshDatabaseUrl(backend));
        const serials = ["Old", "New", "Live"].map((n) =>
          tsca(t, ["init_ca", "--key-type", "EC", n, `/CN=${n.toLowerCase()}.example.com`]).trim(),
        );
        // An unrelated process that outlives the next command: its PID stands for one reused after a kill.
        sleeper = spawn("sleep", ["600"], { stdio: "ignore" });
        const pid = sleeper.pid!;
        const { start, boot } = procStamp(pid);
        const pending = join(caDir(t), ".pending");
        const hourAgo = new Date(Date.now() - 3_600_000);
        const stage = (serial: string, stamp: string, mtime?: Date): string => {
          const staged = join(pending, `${plainSerial(serial)}.${stamp}.key`);
          renameSync(keyFile(t, serial), staged);
          if (mtime) utimesSync(staged, mtime, mtime);
          return staged;
        };
        // Killed init_ca of an older tsca (<SERIAL>.<PID>.key), an hour before this PID's process started.
        stage(serials[0]!, String(pid), hourAgo);
        // Killed init_ca of this tsca: same PID, another start time.
        stage(serials[1]!, `${pid}-${start + 1}-${boot}`);
        // Still being created by the live process that staged it: must be left alone.
        const live = stage(serials[2]!, `${pid}-${start}-${boot}`, hourAgo);
        // A staged key without a row, of a killed process whose PID was reused: removed.
        const orphan = join(pending, `${"AB".repeat(20)}.${pid}-${start + 2}-${boot}.key`);
        writeFileSync(orphan, readFileSync(live), { mode: 0o600 });

        expect(tsca(t, ["list_cas"]).split("\n").filter(Boolean)).toHaveLength(3);
        expect(readdirSync(pending)).toEqual([live.slice(pending.length + 1)]);
        expectSigns(t, "Old");
        expectSigns(t, "New");
        expectOneSentence(
          runTsca(t, ["sign_cert", "--ca", "Live", "--csr", makeCsr("ec", "/CN=x.example.com").path]),
          1,
          /still in \.pending \(its CA creation has not finished\)/,
        );
        // Once that process is gone, the next command commits its key too.
        sleeper.kill("SIGKILL");
        await new Promise((r) => sleeper!.once("exit", r));
        tsca(t, ["list_cas"]);
        expect(await expectWholeCas(t)).toEqual(["Live", "New", "Old"]);
        expectSigns(t, "Live");
      },
    );
  });
});

describe("durability of what sign_cert and init_ca report (sqlite)", () => {
  /** A CA and a CSR in a fresh SQLite installation. */
  function setUp(): { t: TscaEnv; csr: string; db: string } {
    const t = tscaEnv();
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=root.example.com"]);
    return { t, csr: makeCsr("ec", "/CN=leaf.example.com").path, db: join(t.home, "tsca.sqlite3") };
  }

  it.skipIf(NO_STRACE)("the row is fsynced after its last write and before the certificate is printed", () => {
    const { t, csr, db } = setUp();
    const trace = scratch("sign.trace");
    const r = tscaUnderStrace(
      t,
      ["sign_cert", "--ca", "Root", "--csr", csr],
      ["-y", "-s", "40", "-e", `trace=write,pwrite64,writev,pwritev,${FSYNCS}`],
      trace,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(trace, "utf8").split("\n");
    const printed = lines.findIndex((l) => /\bwrite\(1<[^>]*>, "-----BEGIN CERTIFICATE/.test(l));
    expect(printed).toBeGreaterThan(0);
    const toDatabase = (l: string): boolean => l.includes(`<${db}-wal>`) || l.includes(`<${db}>`);
    const lastWrite = lines.slice(0, printed).findLastIndex((l) => /\bp?writev?\(|\bpwrite64\(/.test(l) && toDatabase(l));
    expect(lastWrite).toBeGreaterThan(0);
    const synced = lines.slice(lastWrite + 1, printed).some((l) => /\b(fsync|fdatasync)\(/.test(l) && toDatabase(l) && / = 0$/.test(l));
    expect(synced, lines.slice(lastWrite, printed + 1).join("\n")).toBe(true);
  });

  it.skipIf(NO_STRACE)("an fsync that fails once the commit record is written makes sign_cert fail and print nothing", () => {
    const { t, csr, db } = setUp();
    // The first fsync of the database files in sign_cert makes the new WAL's header durable; every later
    // one (the commit, the checkpoint at exit) fails.
    const r = tscaUnderStrace(
      t,
      ["sign_cert", "--ca", "Root", "--csr", csr],
      ["-P", db, "-P", `${db}-wal`, "-e", `trace=${FSYNCS}`, "-e", `inject=${FSYNCS}:error=EIO:when=2+`],
    );
    expectOneSentence(r, 1);
    expect(r.stdout).not.toContain("CERTIFICATE");
  });
  it.skipIf(NO_STRACE)(
    "init_ca whose database commit cannot be fsynced fails, and the next command leaves a whole CA or nothing",
    async () => {
      const { t, db } = setUp();
      const r = tscaUnderStrace(
        t,
        ["init_ca", "--key-type", "EC", "Second", "/CN=second.example.com"],
        ["-P", db, "-P", `${db}-wal`, "-e", `trace=${FSYNCS}`, "-e", `inject=${FSYNCS}:error=EIO:when=2+`],
      );
      expectOneSentence(r, 1);
      // Whether the commit record survived is up to SQLite's recovery; either way nothing is half-done.
      tsca(t, ["list_cas"]);
      const names = await expectWholeCas(t);
      expect([["Root"], ["Root", "Second"]]).toContainEqual(names);
      if (names.includes("Second")) expectSigns(t, "Second");
      else tsca(t, ["init_ca", "--key-type", "EC", "Second", "/CN=second.example.com"]);
    },
  );
});

describe.skipIf(NO_MOUNT)("full disk (sqlite)", () => {
  let disk: Mount | undefined;
  afterEach(() => {
    disk?.release();
    disk = undefined;
  });

  it("generate_ocsp_keys with no space for a new responder key: exit 1 with ERR_IO, no 0-byte or partial key, the responder unchanged", async () => {
    disk = smallFileSystem(256);
    const ocspDir = join(disk.path, "ocsp");
    const t = tscaEnv(undefined, { TSCA_OCSP_KEY_DIR: ocspDir });
    // init_ca makes the first responder; the renewal (--force) is what meets the full disk.
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=root.example.com"]);
    const [firstKey] = readdirSync(ocspDir);
    const responderBefore = (await databaseRows(t)).ocsp_responder;
    expect(responderBefore).toHaveLength(1);
    const filler = fillUp(disk.path);
    const r = runTsca(t, ["generate_ocsp_keys", "--force"]);
    expect(listTree(disk.path)).toEqual(["filler", "ocsp/", `ocsp/${firstKey}`]); // no new key file, no temporary file
    expect((await databaseRows(t)).ocsp_responder).toEqual(responderBefore);
    // The CA is named on stderr with the reason, and the run fails (generate_ocsp_keys reports each CA it could not renew).
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/"Root" .*Cannot write the OCSP responder key .*no space left on device \(ENOSPC\)\.$/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // With space again, the same command renews the responder.
    rmSync(filler);
    expect(tsca(t, ["generate_ocsp_keys", "--force"])).toMatch(/renewed, valid until/);
    expect(readdirSync(ocspDir)).toHaveLength(2); // the previous key is kept until the next renewal
  });

  it("init_ca with no space for the staged key: exit 1 with ERR_IO, nothing stored, and the same init_ca works with space again", async () => {
    disk = smallFileSystem(256);
    const t = tscaEnv(undefined, { TSCA_CA_DIR: join(disk.path, "ca") });
    tsca(t, ["init_ca", "--key-type", "EC", "First", "/CN=first.example.com"]);
    const filler = fillUp(disk.path);
    const r = runTsca(t, ["init_ca", "--key-type", "RSA", "--key-size", "4096", "Full", "/CN=full.example.com"]);
    // Nothing of the failed creation, right away: First alone, whole.
    expect(await expectWholeCas(t, join(disk.path, "ca"))).toEqual(["First"]);
    expectOneSentence(r, 1, /Cannot write the new CA key: no space left on device \(ENOSPC\)\.$/m);
    rmSync(filler);
    tsca(t, ["init_ca", "--key-type", "EC", "Full", "/CN=full.example.com"]);
    expect(await expectWholeCas(t, join(disk.path, "ca"))).toEqual(["First", "Full"]);
  });
});
