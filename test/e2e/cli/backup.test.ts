/**
 * `tsca backup DIR` (issue 13) on a real installation: taken while `tsca serve` answers OCSP requests from
 * several concurrent clients (the backup runs as a child process so the clients keep going; every answer
 * during the backup must be a successful, good one); `--verify` passes, then names the file after one byte
 * of a copied key changes and after a mode change; a directory without a manifest (an interrupted backup) is
 * refused; a non-empty DIR is refused with one sentence. Restore as docs/operations.md says (copy back with
 * modes into a fresh TSCA_HOME): a fresh `tsca serve` there gives the same `list_cas`, the same CRL bytes at
 * the CRL URL and the same OCSP status for a good and a revoked certificate (openssl ocsp). While the
 * backup runs, sign_cert writes back to back: the SQLite copy is one snapshot (integrity_check, and every
 * certificate signed before it started, none signed after it ended). With PostgreSQL the backup copies the
 * key directories and says the database needs pg_dump; the test then dumps with pg_dump and restores with
 * pg_restore into a new database as docs/operations.md says, and the restored installation answers the same.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { newHome, runTsca, spawnTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { BACKENDS, POSTGRES_URL, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { expectOneSentence, pgQuery, scratch } from "../../helpers/oracles.js";
import { ocspStatus, opensslAsync, responseStatus, startServe, waitFor, type Server } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");

/** tsca as a child process without blocking this process's event loop (the OCSP clients run in it). */
function tscaAsync(t: TscaEnv, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnTsca(t, args);
  let stdout = "";
  let stderr = "";
  p.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  p.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on("close", (code) => resolve({ code, stdout, stderr })));
}

const get = async (url: string): Promise<Buffer> => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};

describe.each(BACKENDS)("tsca backup (%s)", (backend) => {
  const made: TscaEnv[] = [];
  const servers: Server[] = [];

  const databases: string[] = [];

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
    for (const t of made.splice(0)) await disposeInstallation(t);
    for (const d of databases.splice(0)) await pgQuery(POSTGRES_URL!, `DROP DATABASE IF EXISTS ${d}`);
  });

  it("backs up while serve answers OCSP under load, verifies, detects changes, and restores to the same answers", async () => {
    const url = await freshDatabaseUrl(backend);
    const t = tscaEnv(url);
    made.push(t);
    const pki = makePki(t);
    const good = leaf(t, "Inter", "good.example.test");
    const bad = leaf(t, "Inter", "revoked.example.test");
    tsca(t, ["revoke_cert", "--reason", "key_compromise", bad.serial]);
    tsca(t, ["generate_ocsp_keys"]);
    tsca(t, ["generate_crls"]);
    const rootFile = scratch("root.pem", pki.rootPem);
    const interFile = scratch("inter.pem", pki.interPem);
    const goodFile = scratch("good.pem", good.pem);
    const badFile = scratch("bad.pem", bad.pem);
    const inter = hex(pki.inter);

    const server = await startServe(t);
    servers.push(server);
    const ocspUrl = (s: Server): string => `${s.base}/ocsp/${inter}/cert/`;

    // Load: four clients POST the same OCSP request back to back until told to stop.
    const reqFile = join(t.home, "ocsp.req");
    const made1 = await opensslAsync(["ocsp", "-issuer", interFile, "-cert", goodFile, "-no_nonce", "-reqout", reqFile]);
    expect(made1.code, made1.stderr).toBe(0);
    const request = readFileSync(reqFile);
    let answered = 0;
    const failures: string[] = [];
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        const res = await fetch(ocspUrl(server), {
          method: "POST",
          headers: { "content-type": "application/ocsp-request" },
          body: request,
        });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200 || responseStatus(body) !== 0) failures.push(`${res.status} ${body.toString("hex").slice(0, 20)}`);
        else answered++;
      }
    };
    const clients = [client(), client(), client(), client()];
    await waitFor(async () => answered >= 50);

    const dir = join(newHome("tsca-backup-"), "b");
    // Writes too: sign_cert runs back to back while the backup is taken, so the copy must be one snapshot.
    const csr = makeCsr("ec", "/CN=busy.example.test");
    const countCerts = (file: string): number =>
      Number(execFileSync("sqlite3", [file, "SELECT count(*) FROM certificate"], { encoding: "utf8" }));
    // Leaves and responder certificates so far (SQLite; read through the live WAL database).
    const base = backend === "sqlite" ? countCerts(join(t.home, "tsca.sqlite3")) : 0;
    let signed = 0;
    let backupDone = false;
    const writer = (async (): Promise<void> => {
      while (!backupDone || signed === 0) {
        const r = await tscaAsync(t, ["sign_cert", "--ca", "Inter", "--csr", csr.path]);
        expect(r.code, r.stderr).toBe(0);
        signed++;
      }
    })();
    await waitFor(async () => signed >= 1);
    const before = answered;
    const signedBefore = signed;
    const backup = await tscaAsync(t, ["backup", dir]);
    const during = answered - before;
    backupDone = true;
    await writer;
    // The server keeps answering after the backup too.
    const after = answered;
    await waitFor(async () => answered >= after + 50);
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(backup.code, backup.stderr).toBe(0);
    // Answers came while the backup ran (it is a child process; the clients kept this event loop busy).
    expect(during, "OCSP answers during the backup").toBeGreaterThan(0);

    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
      database: { kind: string; migration: string | null; file: string | null };
      files: { path: string; kind: string; mode: string; sha256: string | null; size: number }[];
    };
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(manifest.database.migration).toMatch(/^\d{4}-/);
    const keys = manifest.files.filter((f) => f.kind === "file" && /^(ca|ocsp)\//.test(f.path));
    expect(keys.length).toBeGreaterThanOrEqual(4); // two CA keys, two responder keys
    for (const f of manifest.files) expect(f.mode).toBe(f.kind === "dir" ? "0700" : "0600");
    if (backend === "sqlite") {
      expect(manifest.database).toMatchObject({ kind: "sqlite", file: "tsca.sqlite3" });
      expect(backup.stdout).toMatch(/^database: tsca\.sqlite3 \(SQLite, migration /);
      // A consistent database: SQLite's own check of every page and index.
      expect(execFileSync("sqlite3", [join(dir, "tsca.sqlite3"), "PRAGMA integrity_check"], { encoding: "utf8" }).trim()).toBe("ok");
      // Every certificate signed before the backup started is in it; none signed after it finished.
      const copied = countCerts(join(dir, "tsca.sqlite3"));
      expect(copied).toBeGreaterThanOrEqual(base + signedBefore);
      expect(copied).toBeLessThanOrEqual(base + signed);
    } else {
      expect(manifest.database).toMatchObject({ kind: "postgres", file: null });
      expect(backup.stdout).toContain("PostgreSQL is not copied by tsca backup; dump it with pg_dump");
      expect(existsSync(join(dir, "tsca.sqlite3"))).toBe(false);
    }

    // --verify: intact, then one changed byte, then a changed mode, each named.
    const verify = (): ReturnType<typeof runTsca> => runTsca({ home: t.home, env: {} }, ["backup", "--verify", dir]);
    const ok = verify();
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: \d+ files match /);
    const key = keys.find((f) => f.path.startsWith("ca/"))!;
    const keyPath = join(dir, ...key.path.split("/"));
    const original = readFileSync(keyPath);
    const changed = Buffer.from(original);
    const at = Math.floor(changed.length / 2);
    changed[at] = changed[at]! ^ 0x01;
    writeFileSync(keyPath, changed);
    const r1 = verify();
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`${key.path}: SHA-256 differs from the manifest.`);
    expect(r1.stderr).toMatch(/Error: .*1 difference from the manifest/);
    writeFileSync(keyPath, original);
    expect(verify().code).toBe(0);
    chmodSync(keyPath, 0o644);
    const r2 = verify();
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`${key.path}: mode 0644, the manifest says 0600.`);
    chmodSync(keyPath, 0o600);
    expect(verify().code).toBe(0);

    // Restore (docs/operations.md): copy back with modes into a fresh TSCA_HOME, start a fresh serve there.
    // PostgreSQL: pg_dump and pg_restore as docs/operations.md says, into a new database (the tests share
    // one database, one schema each: the dump is limited to this test's schema).
    let restoredUrl = url;
    if (backend === "postgres") {
      const schema = /search_path=(\w+)/.exec(new URL(url!).searchParams.get("options") ?? "")![1]!;
      const name = `tsca_restore_${randomBytes(5).toString("hex")}`;
      await pgQuery(POSTGRES_URL!, `CREATE DATABASE ${name}`);
      databases.push(name);
      const dump = `${dir}.pgdump`;
      execFileSync("pg_dump", ["--format=custom", "--no-owner", `--schema=${schema}`, `--file=${dump}`, `--dbname=${POSTGRES_URL!}`]);
      const target = new URL(POSTGRES_URL!);
      target.pathname = `/${name}`;
      execFileSync("pg_restore", ["--no-owner", `--dbname=${target.toString()}`, dump]);
      target.searchParams.set("options", `-c search_path=${schema}`);
      restoredUrl = target.toString();
    }
    const t2: TscaEnv = tscaEnv(restoredUrl);
    made.push({ home: t2.home, env: {} }); // the restored database is dropped above
    chmodSync(t2.home, 0o700);
    for (const part of ["ca", "ocsp", ...(backend === "sqlite" ? ["tsca.sqlite3"] : [])])
      execFileSync("cp", ["-a", join(dir, part), join(t2.home, part)]);
    expect(statSync(join(t2.home, key.path)).mode & 0o777).toBe(0o600);
    const restored = await startServe(t2);
    servers.push(restored);

    expect(tsca(t2, ["list_cas"])).toBe(tsca(t, ["list_cas"]));
    for (const path of [`/crl/${inter}`, `/crl/${hex(pki.root)}`, `/crl/${inter}/user`])
      expect((await get(`${restored.base}${path}`)).equals(await get(`${server.base}${path}`)), path).toBe(true);
    for (const [file, status] of [
      [goodFile, "good"],
      [badFile, "revoked"],
    ] as const) {
      for (const s of [server, restored]) {
        const r = await ocspStatus(ocspUrl(s), interFile, [file], rootFile, ["-verify_other", interFile]);
        expect(r.out).toContain(`${file}: ${status}`);
        expect(r.out).toContain("Response verify OK");
      }
    }
    expect(tsca(t2, ["check"])).not.toContain("FAIL");
  });

  it("refuses a non-empty DIR with one sentence and a directory without a manifest on --verify", async () => {
    const url = await freshDatabaseUrl(backend);
    const t = tscaEnv(url);
    made.push(t);
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Root"]);
    const parent = newHome("tsca-backup-");
    const full = join(parent, "full");
    mkdirSync(full);
    writeFileSync(join(full, "notes.txt"), "keep me");
    expectOneSentence(
      runTsca(t, ["backup", full]),
      1,
      /full: The backup directory exists and is not empty; give a new or empty directory\.\n$/,
    );
    expect(readFileSync(join(full, "notes.txt"), "utf8")).toBe("keep me");

    const empty = join(parent, "empty");
    mkdirSync(empty, { mode: 0o755 });
    const r = runTsca(t, ["backup", empty]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(empty).mode & 0o777).toBe(0o700);

    const interrupted = join(parent, "interrupted");
    mkdirSync(interrupted);
    expectOneSentence(runTsca(t, ["backup", "--verify", interrupted]), 1, /No manifest\.json: not a backup, or one that was interrupted\./);
  });
});
