/**
 * Opening the database named by TSCA_DATABASE_URL: an SQLite file (default, embedded) or PostgreSQL
 * (`postgres://…`). Migrations run before the Kysely instance is handed out. Driver errors never reach
 * the user as such: they become ERR_DATABASE with one sentence.
 */
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, PostgresDialect } from "kysely";
import { TscaError } from "../../core/errors.js";
import { MIGRATIONS, MIGRATIONS_TABLE, type Dialect } from "./migrations.js";
import type { Database } from "./schema.js";

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

/** Advisory lock key for migrations (any constant; "tsca" in ASCII). */
const PG_LOCK_KEY = 0x74736361;

export function sqlitePath(url: string): string | undefined {
  if (url.startsWith("sqlite:")) return url.replace(/^sqlite:(\/\/)?/, "");
  if (/^postgres(ql)?:\/\//.test(url)) return undefined;
  return url;
}

async function openSqlite(path: string): Promise<OpenDatabase> {
  const { default: BetterSqlite3 } = await import("better-sqlite3");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let raw: import("better-sqlite3").Database;
  try {
    raw = new BetterSqlite3(path, { timeout: 15_000 });
    // The database holds the secrets that unlock the OCSP responder keys: owner-only, like key files.
    // SQLite gives the -wal and -shm files the database file's mode.
    if (path !== ":memory:" && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    raw.pragma("journal_mode = WAL");
    raw.pragma("foreign_keys = ON");
    raw.pragma("synchronous = NORMAL");
  } catch (e) {
    throw new TscaError("ERR_DATABASE", `${path}: Cannot open the SQLite database.`, { cause: e });
  }
  const apply = raw.transaction(() => {
    raw.exec(MIGRATIONS_TABLE);
    const done = new Set((raw.prepare("SELECT id FROM tsca_migrations").all() as { id: string }[]).map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      for (const stmt of m.up("sqlite")) raw.exec(stmt);
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
    try {
      apply.immediate();
    } catch (e) {
      throw new TscaError("ERR_DATABASE", `${path}: Applying database migrations failed.`, { cause: e });
    }
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<OpenDatabase> {
  const pg = await import("pg");
  const Pool = pg.default.Pool;
  const pool = new Pool({ connectionString: url, max: 4 });
  const client = await pool.connect().catch((e: unknown) => {
    void pool.end();
    throw new TscaError("ERR_DATABASE", "Cannot connect to the PostgreSQL database named by TSCA_DATABASE_URL.", { cause: e });
  });
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [PG_LOCK_KEY]);
    await client.query(MIGRATIONS_TABLE);
    const done = new Set((await client.query<{ id: string }>("SELECT id FROM tsca_migrations")).rows.map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      for (const stmt of m.up("postgres")) await client.query(stmt);
      await client.query("INSERT INTO tsca_migrations (id, applied_at) VALUES ($1, $2)", [m.id, new Date().toISOString()]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release();
    await pool.end();
    throw new TscaError("ERR_DATABASE", "Applying database migrations failed.", { cause: e });
  }
  client.release();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Kysely ends the pool only if it ever used it; a command that fails before its first query would
  // otherwise keep the process alive until the pool's idle timeout (10 s).
  const close = async (): Promise<void> => {
    await db.destroy();
    if (!pool.ending) await pool.end();
  };
  return { db, dialect: "postgres", close };
}

export async function openDatabase(url: string): Promise<OpenDatabase> {
  const path = sqlitePath(url);
  return path !== undefined ? openSqlite(path) : openPostgres(url);
}
