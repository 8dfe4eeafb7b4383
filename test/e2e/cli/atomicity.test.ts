/**
 * Creating a CA is atomic (issue: "no key file is left without its database row and no row without its
 * key"), even when the process is killed midway: init_ca is SIGKILLed at many moments — during RSA-4096
 * key generation, during parent-key decryption, around the insert, after the commit — chosen by the
 * child's progress (CPU time used, files appearing), never by wall-clock delays, so a busy machine hits
 * the same moments as an idle one; and after one `tsca list_cas` (which
 * finishes or undoes half-done creations) every key file has its row, every row its key, and .pending/ is
 * empty. Also: several processes starting at once on a fresh store migrate it once and all succeed.
 */
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { spawnTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { caDir, databaseRows, keyFile, plainSerial } from "../../helpers/oracles.js";

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function finished(child: ReturnType<typeof spawnTsca>): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * When to kill: after the process has used this much CPU time (start-up, key generation, key decryption
 * and encryption are CPU work, so the moment is the same on a busy machine as on an idle one), or as soon
 * as its key is staged in .pending/ (between staging and the insert or commit), or as soon as its key is
 * committed to CA_DIR (during the CRLs and OCSP responder that follow). Progress, never wall-clock time.
 */
type KillPoint = { cpuMs: number } | "staged" | "committed";

/** CPU time (user + system, all threads) a process has used so far, in ms; undefined once it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which is in parentheses and may contain spaces): utime is 14th, stime 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
      .replace(/^.*\) /s, "")
      .split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

const keyFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".key")) : []);

/** Start init_ca and SIGKILL it at `point` (unless it finished before), and report what happened. */
async function killAt(t: TscaEnv, args: string[], point: KillPoint): Promise<Outcome> {
  const dir = caDir(t);
  const committedBefore = keyFiles(dir).length;
  const reached = (pid: number): boolean =>
    point === "staged"
      ? keyFiles(join(dir, ".pending")).length > 0
      : point === "committed"
        ? keyFiles(dir).length > committedBefore
        : (cpuMs(pid) ?? Infinity) >= point.cpuMs;
  const child = spawnTsca(t, args);
  const done = finished(child);
  let exited = false;
  void done.then(() => (exited = true));
  // Poll every millisecond (not a busy loop, which would take a core from the child on a 2-core machine):
  // the child's progress decides when, however long it takes to get there.
  while (!exited && !reached(child.pid!)) await new Promise((r) => setTimeout(r, 1));
  child.kill("SIGKILL");
  return done;
}

interface CaRow {
  serial: string;
  key_ref: string;
  der: Buffer | string;
}

/** After one list_cas (the recovery), keys and rows correspond one to one and each key fits its certificate. */
async function expectNoOrphans(t: TscaEnv): Promise<number> {
  expect(tsca(t, ["list_cas"]).split("\n").filter(Boolean)).toHaveLength(((await databaseRows(t)).certificate_authority ?? []).length);
  const rows = ((await databaseRows(t)).certificate_authority ?? []) as CaRow[];
  const dir = caDir(t);
  const keyFiles = readdirSync(dir)
    .filter((f) => f.endsWith(".key"))
    .sort();
  expect(keyFiles).toEqual(rows.map((r) => r.key_ref).sort());
  expect(readdirSync(join(dir, ".pending"))).toEqual([]);
  for (const row of rows) {
    expect(row.key_ref).toBe(`${row.serial}.key`);
    const der = typeof row.der === "string" ? Buffer.from(row.der.replace(/^\\x/, ""), "hex") : Buffer.from(row.der);
    const certKey = new X509Certificate(der).publicKey.export({ type: "spki", format: "der" });
    const pem = readFileSync(join(dir, row.key_ref), "utf8");
    const key = createPrivateKey(pem.includes("ENCRYPTED") ? { key: pem, passphrase: "secret" } : pem);
    expect(createPublicKey(key).export({ type: "spki", format: "der" }).equals(certKey)).toBe(true);
  }
  return rows.length;
}

describe.each(BACKENDS)("atomicity (%s)", (backend) => {
  it("init_ca killed during RSA-4096 key generation and at many moments of an EC creation leaves no orphan", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=root.example.com"]);
    let created = 2;
    let killed = 0;
    let i = 0;
    const attempt = async (args: string[], point: KillPoint): Promise<void> => {
      const name = `K${i++}`;
      const o = await killAt(t, ["init_ca", ...args, name, `/CN=${name.toLowerCase()}.example.com`], point);
      if (o.signal === "SIGKILL") killed++;
      else expect(o.code, o.stderr).toBe(0);
      created = await expectNoOrphans(t);
    };
    // RSA-4096 generation takes from a few hundred ms to several seconds of CPU time: these kills land in
    // start-up, in key generation, or just after it.
    for (const cpu of [150, 400, 800, 1500]) await attempt([], { cpuMs: cpu });
    // EC: kills spread over start-up (node itself takes ~100 ms of CPU), staging, the insert and the commit,
    // and the first CRLs and OCSP responder after the commit.
    for (const point of [{ cpuMs: 60 }, { cpuMs: 120 }, { cpuMs: 200 }, "staged", "committed"] as KillPoint[])
      await attempt(["--key-type", "EC"], point);
    // Intermediates: the parent is loaded and signs between key staging and the insert.
    for (const point of [{ cpuMs: 150 }, "staged", "committed"] as KillPoint[])
      await attempt(["--key-type", "EC", "--parent", "Root"], point);
    expect(killed).toBeGreaterThan(0);
    expect(created).toBeGreaterThanOrEqual(1);
  });

  it("init_ca killed while the encrypted parent key is decrypted or the new key is encrypted leaves no orphan", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "--password", "secret", "Root", "/CN=root.example.com"]);
    let killed = 0;
    // Decrypting the parent key and encrypting the new one are CPU work (scrypt/PBKDF2): CPU-time kill points hit them.
    const points: KillPoint[] = [{ cpuMs: 150 }, { cpuMs: 300 }, { cpuMs: 500 }, "staged", "committed"];
    for (const [i, point] of points.entries()) {
      const o = await killAt(
        t,
        [
          "init_ca",
          "--key-type",
          "EC",
          "--parent",
          "Root",
          "--parent-password",
          "secret",
          "--password",
          "secret",
          `E${i}`,
          `/CN=e${i}.example.com`,
        ],
        point,
      );
      if (o.signal === "SIGKILL") killed++;
      else expect(o.code, o.stderr).toBe(0);
      await expectNoOrphans(t);
    }
    expect(killed).toBeGreaterThan(0);
  });

  it("recovery finishes a creation whose row exists, removes a staged key without a row, and spares live processes", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const serial = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Done", "/CN=done.example.com"]).trim();
    const pending = join(caDir(t), ".pending");
    const dead = spawnSync("true").pid; // a process id that has exited
    const plain = plainSerial(serial);
    const keyPem = readFileSync(keyFile(t, serial));

    // Killed between the insert and the commit: the row exists, the key is still staged.
    renameSync(keyFile(t, serial), join(pending, `${plain}.${dead}.key`));
    // Killed before the insert: a staged key without a row.
    const orphan = randomBytes(20).toString("hex").toUpperCase();
    writeFileSync(join(pending, `${orphan}.${dead}.key`), keyPem, { mode: 0o600 });
    // Still being created by a live process (this test runner): must be left alone.
    const live = randomBytes(20).toString("hex").toUpperCase();
    writeFileSync(join(pending, `${live}.${process.pid}.key`), keyPem, { mode: 0o600 });

    tsca(t, ["list_cas"]);
    expect(readFileSync(keyFile(t, serial)).equals(keyPem)).toBe(true);
    expect(readdirSync(pending).sort()).toEqual([`${live}.${process.pid}.key`]);
    expect(existsSync(join(caDir(t), `${orphan}.key`))).toBe(false);
    expect(existsSync(join(caDir(t), `${live}.key`))).toBe(false);
    // The recovered CA can sign again.
    expect(tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Done", "Probe", "/CN=probe.example.com"])).toMatch(
      /^([0-9A-F]{2}:){19}[0-9A-F]{2}\n$/,
    );
  });

  it("four processes starting at once on a fresh store all succeed and migrate it once", async () => {
    for (let round = 0; round < 3; round++) {
      const t = tscaEnv(await freshDatabaseUrl(backend));
      const outcomes = await Promise.all([0, 1, 2, 3].map(() => finished(spawnTsca(t, ["list_cas"]))));
      for (const o of outcomes) expect(o).toEqual({ code: 0, signal: null, stdout: "", stderr: "" });
      const migrations = (await databaseRows(t)).tsca_migrations as { id: string; applied_at: string }[];
      const ids = migrations.map((m) => m.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
      // A later start applies nothing again.
      tsca(t, ["list_cas"]);
      expect((await databaseRows(t)).tsca_migrations).toEqual(migrations);
    }
  });

  it("four init_ca at once on a fresh store all succeed", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map((i) => finished(spawnTsca(t, ["init_ca", "--key-type", "EC", `Parallel ${i}`, `/CN=p${i}.example.com`]))),
    );
    for (const o of outcomes) {
      expect(o.stderr).toBe("");
      expect(o.code).toBe(0);
      expect(o.stdout).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}\n$/);
    }
    expect(await expectNoOrphans(t)).toBe(4);
  });
});
