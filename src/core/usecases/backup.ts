/**
 * `tsca backup DIR` and `tsca backup --verify DIR`. A backup is the SQLite database copied online (SQLite's
 * backup API, https://sqlite.org/backup.html: a consistent snapshot while tsca serve keeps using the file;
 * a plain copy of a live WAL database may miss commits still in the -wal file), the key directories (CA_DIR
 * as ca/, TSCA_OCSP_KEY_DIR as ocsp/) with their modes, and manifest.json naming every file with its size,
 * mode and SHA-256. The manifest is written last: a directory without one is an interrupted backup and
 * `--verify` refuses it. With PostgreSQL the database is pg_dump's job (docs/operations.md).
 */
import type { UseCaseContext } from "../access/context.js";
import { guardKeyHost } from "../access/guard.js";
import { TscaError } from "../errors.js";
import type { BackupFileEntry, BackupFiles } from "../ports/backup-files.js";
import type { Clock } from "../ports/clock.js";
import type { DatabaseSnapshot } from "../ports/database-snapshot.js";

export const MANIFEST_NAME = "manifest.json";
export const MANIFEST_FORMAT = "tsca-backup/1";
/** The database's name inside a backup: restored as $TSCA_HOME/tsca.sqlite3 (docs/operations.md). */
export const DATABASE_FILE = "tsca.sqlite3";

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  tscaVersion: string;
  createdAt: string;
  database: { kind: "sqlite" | "postgres"; migration: string | null; file: string | null };
  files: { path: string; kind: "file" | "dir"; size: number; mode: string; sha256: string | null }[];
}

export interface BackupDeps {
  files: BackupFiles;
  database: DatabaseSnapshot;
  clock: Clock;
  /** The key directories and their names inside the backup. */
  keyDirs: { path: string; as: string }[];
  version: string;
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, "0");

export async function takeBackup(ctx: UseCaseContext, deps: BackupDeps, req: { dir: string }): Promise<BackupManifest> {
  // A backup holds every CA key: only the command line on the key host makes one.
  await guardKeyHost(ctx, "installation.backup", req.dir);
  await deps.files.createTarget(req.dir);
  const migration = (await deps.database.migrationLevel()) ?? null;
  let file: string | null = null;
  if (deps.database.copyTo) {
    await deps.database.copyTo(`${req.dir}/${DATABASE_FILE}`);
    file = DATABASE_FILE;
  }
  for (const k of deps.keyDirs) await deps.files.copyTree(k.path, req.dir, k.as);
  const entries = await deps.files.list(req.dir);
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    tscaVersion: deps.version,
    createdAt: deps.clock.now().toISOString(),
    database: { kind: deps.database.kind, migration, file },
    files: entries.map((e: BackupFileEntry) => ({
      path: e.path,
      kind: e.kind,
      size: e.size,
      mode: octal(e.mode),
      sha256: e.kind === "file" ? e.sha256 : null,
    })),
  };
  await deps.files.writeManifest(req.dir, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function parseManifest(dir: string, text: string | undefined): BackupManifest {
  if (text === undefined)
    throw new TscaError("ERR_BACKUP_MISMATCH", `${dir}: No ${MANIFEST_NAME}: not a backup, or one that was interrupted.`);
  try {
    const m = JSON.parse(text) as BackupManifest;
    if (m.format === MANIFEST_FORMAT && Array.isArray(m.files)) return m;
  } catch {
    // reported below
  }
  throw new TscaError("ERR_BACKUP_MISMATCH", `${dir}: ${MANIFEST_NAME} is not a tsca backup manifest.`);
}

/** Every difference between the backup and its manifest, one sentence each naming the file; empty when it is intact. */
export async function verifyBackup(files: BackupFiles, dir: string): Promise<{ manifest: BackupManifest; problems: string[] }> {
  const manifest = parseManifest(dir, await files.readManifest(dir));
  const problems: string[] = [];
  for (const f of manifest.files) {
    const now = await files.inspect(dir, f.path);
    if (!now) problems.push(`${f.path}: missing.`);
    else if (now.kind !== f.kind) problems.push(`${f.path}: is a ${now.kind}, the manifest says ${f.kind}.`);
    else {
      if (octal(now.mode) !== f.mode) problems.push(`${f.path}: mode ${octal(now.mode)}, the manifest says ${f.mode}.`);
      if (f.kind === "file" && now.size !== f.size) problems.push(`${f.path}: ${now.size} bytes, the manifest says ${f.size}.`);
      else if (f.kind === "file" && now.sha256 !== f.sha256) problems.push(`${f.path}: SHA-256 differs from the manifest.`);
    }
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const e of await files.list(dir)) if (!listed.has(e.path)) problems.push(`${e.path}: not in the manifest.`);
  return { manifest, problems };
}
