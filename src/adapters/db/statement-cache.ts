/**
 * better-sqlite3 behind Kysely with its prepared statements kept: Kysely's SQLite driver prepares every
 * query again, and on the signing path (token check, queue insert, worker claim, certificate insert,
 * audit append) preparing took ~8 % of the server's CPU (bench/api.mjs with --cpu-prof). A statement is
 * reusable once it has run; better-sqlite3 recompiles it by itself after a schema change. Statements are
 * kept by SQL text, the most recently used first, up to `size`: queries with a variable number of
 * parameters (IN lists, multi-row inserts) make many texts, and those fall out of the cache.
 *
 * Kysely streams through `iterate()`, which keeps a statement busy until the iteration ends; nothing here
 * streams, and a cached statement that is busy anyway is prepared afresh rather than shared.
 */
import type { Database as Raw, Statement } from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

export function cachingStatements(raw: Raw, size = 256): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare: (sql: string): SqliteStatement => {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        // Map keeps insertion order: re-inserting makes it the most recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit as unknown as SqliteStatement;
      }
      const stmt = raw.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value as string);
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}
