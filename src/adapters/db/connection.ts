/**
 * Opening the database named by TSCA_DATABASE_URL: an SQLite file (default, embedded) or PostgreSQL
 * (`postgres://…`). `openDatabase` runs migrations before the Kysely instance is handed out;
 * `prepareDatabase` (tsca serve) hands it out at once and leaves `migrate()` to the caller, so a server can
 * start while PostgreSQL is down and retry. Driver errors never reach the user as such: they become
 * ERR_DATABASE with one sentence.
 */
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Kysely, SqliteDialect, PostgresDialect, sql } from "kysely";
import { cachingStatements } from "./statement-cache.js";
import { TscaError } from "../../core/errors.js";
import { MIGRATIONS, MIGRATIONS_TABLE, type Dialect } from "./migrations.js";
import { backfillPostgres, backfillSqlite } from "./migration-backfill.js";
import { connectionLost, createPostgresPool, discardingLostConnections } from "./postgres-pool.js";
import type { Database } from "./schema.js";

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * Milliseconds the database may keep a caller waiting (`tsca serve`): PostgreSQL connecting and each
   * statement, SQLite's wait for a lock. Unset (the CLI): PostgreSQL without limit, SQLite 15 s.
   */
  timeoutMs?: number;
}

/** A database handle whose schema may not be up to date yet; `migrate()` is its first round trip. */
export interface PreparedDatabase extends OpenDatabase {
  /** Apply pending migrations; throws ERR_DATABASE and may be called again after a failure. */
  migrate(): Promise<void>;
}

/** Advisory lock key for migrations (any constant; "tsca" in ASCII). */
const PG_LOCK_KEY = 0x74736361;

/**
 * The SQLite file a database URL names, or undefined for PostgreSQL. Another scheme (`mysql://…`,
 * `postgres:` without `//`) is refused rather than taken as a file name (config/settings.ts says the same
 * with the setting's source; this guards callers that pass a URL directly).
 */
export function sqlitePath(url: string): string | undefined {
  if (url.startsWith("sqlite:")) return url.replace(/^sqlite:(\/\/)?/, "");
  if (/^postgres(ql)?:\/\//.test(url)) return undefined;
  if (/^[a-z][a-z0-9+.-]+:/i.test(url))
    throw new TscaError(
      "ERR_CONFIG",
      `${url.replace(/\/\/[^@/]*@/, "//…@")}: Not a database tsca can open: give postgres://…, postgresql://…, sqlite:PATH or a file path.`,
    );
  return url;
}

/** Why an SQLite file could not be used, in a few words (the driver's message), for the one-sentence error. */
function sqliteReason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return (err.message ?? String(e)).replace(/[.\s]+$/, "") + (err.code ? ` (${err.code})` : "");
}

/**
 * SQLite in WAL mode with `synchronous = FULL`: every commit is fsynced before it returns, so a CA row is
 * durable before its key is moved into CA_DIR, a certificate is durable before sign_cert prints it, and a
 * failed fsync fails the statement (with NORMAL, a WAL commit is durable only at the next checkpoint,
 * https://sqlite.org/pragma.html#pragma_synchronous). Cost measured with bench/issuance.mjs: see
 * docs/architecture.md.
 *
 * A data directory that cannot be written (read-only file system, full disk) still serves the commands
 * that only read, and `tsca serve`: when the database cannot be opened for writing it is opened
 * read-only, without the mkdir/chmod and migrations that would write. A WAL database needs a usable -shm
 * file to be read; on a read-only directory that exists only while a writer has the database open, and
 * a full disk cannot grow it. When the -wal file is missing or empty, every commit is in the main file
 * (the last writer checkpointed it on close), so it is opened as an immutable snapshot
 * (https://sqlite.org/uri.html#uriimmutable), which a long-running reader does not see change. A command
 * that writes then fails with ERR_DATABASE.
 */
/**
 * `journal_mode = WAL` on a new database upgrades a shared lock to an exclusive one. When several processes
 * open the same new file at once, SQLite answers SQLITE_BUSY at once, without the busy handler, to the one
 * that would otherwise deadlock (https://sqlite.org/c3ref/busy_handler.html): it must let go and retry.
 * Bounded in attempts; the pause only lets the other process finish its switch.
 */
function switchToWal(raw: import("better-sqlite3").Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      raw.pragma("journal_mode = WAL");
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== "SQLITE_BUSY" || attempt === 50) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 * attempt);
    }
  }
}

async function openSqlite(path: string): Promise<OpenDatabase> {
  // URI file names (for `immutable`) are read once, when the driver loads; ours never start with "file:".
  process.env.SQLITE_USE_URI ??= "1";
  const { default: BetterSqlite3 } = await import("better-sqlite3");
  type Raw = import("better-sqlite3").Database;
  const memory = path === ":memory:";
  const openWritable = (): Raw => {
    if (!memory && !existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const raw = new BetterSqlite3(path, { timeout: 15_000 });
    try {
      // The database holds the secrets that unlock the OCSP responder keys: owner-only, like key files.
      // SQLite gives the -wal and -shm files the database file's mode.
      if (!memory && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
      switchToWal(raw);
      raw.pragma("foreign_keys = ON");
      raw.pragma("synchronous = FULL");
      return raw;
    } catch (e) {
      raw.close();
      throw e;
    }
  };
  const openReadOnly = (): Raw => {
    const probe = (raw: Raw): Raw => {
      try {
        raw.prepare("SELECT count(*) FROM sqlite_master").get();
        raw.pragma("foreign_keys = ON");
        return raw;
      } catch (e) {
        raw.close();
        throw e;
      }
    };
    try {
      return probe(new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: 15_000 }));
    } catch (e) {
      // Frames in the WAL that cannot be read without a usable -shm: a snapshot of the main file would miss them.
      if (existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0) throw e;
      return probe(new BetterSqlite3(`${pathToFileURL(path).href}?immutable=1`, { readonly: true, timeout: 15_000 }));
    }
  };
  let raw: Raw;
  let canWrite = true;
  try {
    raw = openWritable();
  } catch (first) {
    if (memory || !existsSync(path))
      throw new TscaError("ERR_DATABASE", `${path}: Cannot create the SQLite database: ${sqliteReason(first)}.`, { cause: first });
    try {
      raw = openReadOnly();
      canWrite = false;
    } catch (e) {
      throw new TscaError("ERR_DATABASE", `${path}: Cannot open the SQLite database: ${sqliteReason(first)}.`, { cause: e });
    }
  }
  const apply = raw.transaction(() => {
    raw.exec(MIGRATIONS_TABLE);
    const done = new Set((raw.prepare("SELECT id FROM tsca_migrations").all() as { id: string }[]).map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      for (const stmt of m.up("sqlite")) raw.exec(stmt);
      if (m.backfill) backfillSqlite(raw, m.backfill);
      raw.prepare("INSERT INTO tsca_migrations (id, applied_at) VALUES (?, ?)").run(m.id, new Date().toISOString());
    }
  });
  // Fast path: nothing to do when every migration is recorded (one read, no write lock).
  const pending = (() => {
    try {
      const rows = raw.prepare("SELECT id FROM tsca_migrations").all() as { id: string }[];
      return rows.length < MIGRATIONS.length;
    } catch {
      return true;
    }
  })();
  if (pending) {
    if (!canWrite) {
      raw.close();
      throw new TscaError("ERR_DATABASE", `${path}: The SQLite database needs an upgrade but cannot be written (read-only or full disk).`);
    }
    try {
      apply.immediate();
    } catch (e) {
      throw new TscaError("ERR_DATABASE", `${path}: Applying database migrations failed.`, { cause: e });
    }
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

/** Client-side limit for migration statements, which may rewrite large tables: generous, but not unbounded. */
const MIGRATION_READ_TIMEOUT_MS = 600_000;

async function migratePostgres(pool: import("pg").Pool): Promise<void> {
  // Fast path, like SQLite's: one read within the normal timeouts when every migration is recorded.
  try {
    const rows = (await pool.query<{ id: string }>("SELECT id FROM tsca_migrations")).rows;
    if (rows.length >= MIGRATIONS.length) return;
  } catch (e) {
    if (connectionLost(e))
      throw new TscaError("ERR_DATABASE", "Cannot connect to the PostgreSQL database named by TSCA_DATABASE_URL.", { cause: e });
    // Most likely no tsca_migrations table yet: the full path below creates it.
  }
  const client = await pool.connect().catch((e: unknown) => {
    throw new TscaError("ERR_DATABASE", "Cannot connect to the PostgreSQL database named by TSCA_DATABASE_URL.", { cause: e });
  });
  // pg reads a per-query `query_timeout` (lib/client.js), which its type definitions do not list.
  const run = (text: string, values?: unknown[]) =>
    client.query<{ id: string }>({ text, values, query_timeout: MIGRATION_READ_TIMEOUT_MS } as import("pg").QueryConfig);
  let failure: unknown;
  try {
    await run("BEGIN");
    // A migration may take longer than a request may; the LOCAL setting ends with the transaction.
    await run("SET LOCAL statement_timeout = 0");
    await run("SELECT pg_advisory_xact_lock($1)", [PG_LOCK_KEY]);
    await run(MIGRATIONS_TABLE);
    const done = new Set((await run("SELECT id FROM tsca_migrations")).rows.map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      for (const stmt of m.up("postgres")) await run(stmt);
      if (m.backfill) await backfillPostgres(run, m.backfill);
      await run("INSERT INTO tsca_migrations (id, applied_at) VALUES ($1, $2)", [m.id, new Date().toISOString()]);
    }
    await run("COMMIT");
  } catch (e) {
    failure = e;
    await client.query("ROLLBACK").catch(() => undefined);
    throw new TscaError("ERR_DATABASE", "Applying database migrations failed.", { cause: e });
  } finally {
    client.release(failure !== undefined && connectionLost(failure));
  }
}

async function preparePostgres(url: string, options: DatabaseOptions): Promise<PreparedDatabase> {
  const pool = await createPostgresPool(url, options);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: discardingLostConnections(pool) }) });
  // Kysely ends the pool only if it ever used it; a command that fails before its first query would
  // otherwise keep the process alive until the pool's idle timeout (10 s).
  const close = async (): Promise<void> => {
    await db.destroy();
    if (!pool.ending) await pool.end();
  };
  return { db, dialect: "postgres", close, migrate: () => migratePostgres(pool) };
}

/**
 * The database, with its schema not yet checked: no round trip for PostgreSQL (so `tsca serve` can start
 * while the database is down and call `migrate()` until it succeeds). SQLite is local and opens here.
 */
export async function prepareDatabase(url: string, options: DatabaseOptions = {}): Promise<PreparedDatabase> {
  const path = sqlitePath(url);
  if (path === undefined) return preparePostgres(url, options);
  const opened = await openSqlite(path);
  // better-sqlite3 waits for a lock synchronously, holding up the whole event loop: keep it short on
  // request paths.
  if (options.timeoutMs) await sql`PRAGMA busy_timeout = ${sql.lit(options.timeoutMs)}`.execute(opened.db);
  return { ...opened, migrate: async () => undefined };
}

/** The database, migrated and ready. */
export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<OpenDatabase> {
  const prepared = await prepareDatabase(url, options);
  try {
    await prepared.migrate();
  } catch (e) {
    await prepared.close();
    throw e;
  }
  return { db: prepared.db, dialect: prepared.dialect, close: prepared.close };
}
