/**
 * The database half of `tsca backup` (core/ports/database-snapshot.ts). SQLite: a second connection on the
 * file runs SQLite's online backup API (https://sqlite.org/backup.html) through better-sqlite3, which copies
 * the committed pages, including those still in the -wal file, as one consistent snapshot while tsca serve
 * keeps reading and writing. All pages are copied in one step: a backup copied in several steps restarts
 * whenever another connection writes between two of them, and might never finish under load. In WAL mode the
 * step holds only a read snapshot, which blocks no writer. PostgreSQL: no copy here (pg_dump).
 */
import { chmod } from "node:fs/promises";
import { sql, type Kysely } from "kysely";
import { TscaError } from "../../core/errors.js";
import type { DatabaseSnapshot } from "../../core/ports/database-snapshot.js";
import { MIGRATIONS } from "./migrations.js";
import { sqlitePath } from "./connection.js";
import type { Database } from "./schema.js";

async function migrationLevel(db: Kysely<Database>): Promise<string | undefined> {
  const rows = await sql<{ id: string }>`SELECT id FROM tsca_migrations`.execute(db);
  const applied = new Set(rows.rows.map((r) => r.id));
  // The migrations are ordered; the level is the last one this program knows that the database has.
  return [...MIGRATIONS].reverse().find((m) => applied.has(m.id))?.id;
}

export function databaseSnapshot(db: Kysely<Database>, databaseUrl: string): DatabaseSnapshot {
  const file = sqlitePath(databaseUrl);
  if (file === undefined) return { kind: "postgres", migrationLevel: () => migrationLevel(db) };
  return {
    kind: "sqlite",
    migrationLevel: () => migrationLevel(db),
    copyTo: async (path: string): Promise<void> => {
      if (file === ":memory:") throw new TscaError("ERR_CONFIG", "An in-memory SQLite database cannot be backed up.");
      const { default: BetterSqlite3 } = await import("better-sqlite3");
      const source = new BetterSqlite3(file, { fileMustExist: true, timeout: 15_000 });
      try {
        await source.backup(path, { progress: () => 0x7fffffff });
        await chmod(path, 0o600); // it holds the secrets of the OCSP responder keys, like the live database
      } catch (e) {
        throw new TscaError("ERR_DATABASE", `${file}: Cannot back up the SQLite database: ${(e as Error).message}.`, { cause: e });
      } finally {
        source.close();
      }
    },
  };
}
