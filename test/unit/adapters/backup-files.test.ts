/**
 * `tsca backup --verify` on real files (adapters/fs/backup-files.ts with core/usecases/backup.ts): every kind
 * of difference from the manifest is named — a missing file, a file not in the manifest, a file grown, a
 * file whose bytes changed at the same size, a directory whose mode changed, a file where the manifest has a
 * directory — and a missing or foreign manifest is refused. Also: copyTree keeps modes and the manifest is
 * written atomically (no temporary file left).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FsBackupFiles } from "../../../src/adapters/fs/backup-files.js";
import { MANIFEST_FORMAT, verifyBackup, type BackupManifest } from "../../../src/core/usecases/backup.js";
import { isTscaError } from "../../../src/core/errors.js";

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "tsca-backup-unit-"));
  dirs.push(d);
  return d;
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A source key directory, backed up into a fresh target with a manifest made from what was copied. */
async function backedUp(): Promise<{ files: FsBackupFiles; dir: string }> {
  const src = join(temp(), "keys");
  mkdirSync(join(src, "sub"), { recursive: true, mode: 0o700 });
  chmodSync(src, 0o700);
  writeFileSync(join(src, "a.key"), "alpha key bytes", { mode: 0o600 });
  writeFileSync(join(src, "sub", "b.key"), "beta key bytes", { mode: 0o600 });
  const files = new FsBackupFiles();
  const dir = join(temp(), "backup");
  await files.createTarget(dir);
  expect(await files.copyTree(src, dir, "ca")).toBe(true);
  expect(await files.copyTree(join(src, "absent"), dir, "ocsp")).toBe(false);
  const entries = await files.list(dir);
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    tscaVersion: "test",
    createdAt: new Date(0).toISOString(),
    database: { kind: "sqlite", migration: null, file: null },
    files: entries.map((e) => ({
      path: e.path,
      kind: e.kind,
      size: e.size,
      mode: e.mode.toString(8).padStart(4, "0"),
      sha256: e.kind === "file" ? e.sha256 : null,
    })),
  };
  await files.writeManifest(dir, JSON.stringify(manifest));
  return { files, dir };
}

describe("backup files and --verify", () => {
  it("copies with modes, writes the manifest without leftovers, and verifies clean", async () => {
    const { files, dir } = await backedUp();
    expect(readdirSync(dir).sort()).toEqual(["ca", "manifest.json"]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "ca", "sub")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "ca", "sub", "b.key")).mode & 0o777).toBe(0o600);
    expect((await files.list(dir)).map((e) => e.path)).toEqual(["ca", "ca/a.key", "ca/sub", "ca/sub/b.key"]);
    expect((await verifyBackup(files, dir)).problems).toEqual([]);
  });

  it("names every difference", async () => {
    const { files, dir } = await backedUp();
    rmSync(join(dir, "ca", "a.key"));
    writeFileSync(join(dir, "ca", "extra.key"), "x", { mode: 0o600 });
    writeFileSync(join(dir, "ca", "sub", "b.key"), "BETA KEY BYTES"); // same size, other bytes
    chmodSync(join(dir, "ca", "sub"), 0o755);
    expect((await verifyBackup(files, dir)).problems).toEqual([
      "ca/a.key: missing.",
      "ca/sub: mode 0755, the manifest says 0700.",
      "ca/sub/b.key: SHA-256 differs from the manifest.",
      "ca/extra.key: not in the manifest.",
    ]);
  });

  it("names a grown file by its size and a directory where a file was", async () => {
    const { files, dir } = await backedUp();
    writeFileSync(join(dir, "ca", "a.key"), "alpha key bytes and more");
    rmSync(join(dir, "ca", "sub", "b.key"));
    mkdirSync(join(dir, "ca", "sub", "b.key"), { mode: 0o700 });
    expect((await verifyBackup(files, dir)).problems).toEqual([
      "ca/a.key: 24 bytes, the manifest says 15.",
      "ca/sub/b.key: is a dir, the manifest says file.",
    ]);
  });

  it("refuses a directory without a manifest or with a foreign one, and a non-empty target", async () => {
    const files = new FsBackupFiles();
    const dir = temp();
    const code = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => "resolved",
        (e: unknown) => (isTscaError(e) ? `${e.code}: ${e.message}` : String(e)),
      );
    expect(await code(verifyBackup(files, dir))).toBe(
      `ERR_BACKUP_MISMATCH: ${dir}: No manifest.json: not a backup, or one that was interrupted.`,
    );
    writeFileSync(join(dir, "manifest.json"), '{"format":"other"}');
    expect(await code(verifyBackup(files, dir))).toBe(`ERR_BACKUP_MISMATCH: ${dir}: manifest.json is not a tsca backup manifest.`);
    expect(await code(files.createTarget(dir))).toMatch(/^ERR_BACKUP_TARGET: .*exists and is not empty/);
  });
});
