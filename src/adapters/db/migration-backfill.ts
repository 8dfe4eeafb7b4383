/**
 * Backfills: the part of a migration that SQL cannot compute because it needs a source row parsed in
 * TypeScript (a certificate's names are inside its DER). The runner reads the source table in pages in
 * key order (keyset, never OFFSET, so a large table costs one index range scan per page) and inserts
 * the derived rows, inside the migration's transaction: a migration is recorded only with its backfill.
 */
import type { Database as SqliteDatabase } from "better-sqlite3";
import type { Backfill } from "./migrations.js";

/** Source rows read per page; each page's derived rows go in with a few multi-row INSERTs. */
const PAGE = 500;
/** Bound parameters per INSERT: below SQLite's limit (32,766) and PostgreSQL's (65,535). */
const MAX_PARAMETERS = 30_000;

const selectPage = (b: Backfill, placeholder: (n: number) => string): string =>
  `SELECT ${[b.from.key, ...b.from.columns].join(", ")} FROM ${b.from.table}
   WHERE ${b.from.key} > ${placeholder(1)} ORDER BY ${b.from.key} LIMIT ${PAGE}`;

/** INSERT statements for `rows`, each under the parameter limit. */
function inserts(b: Backfill, rows: unknown[][], placeholder: (n: number) => string): { text: string; values: unknown[] }[] {
  const width = b.into.columns.length;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / width));
  const out: { text: string; values: unknown[] }[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const tuples = chunk.map((_, r) => `(${b.into.columns.map((__, c) => placeholder(r * width + c + 1)).join(", ")})`);
    out.push({ text: `INSERT INTO ${b.into.table} (${b.into.columns.join(", ")}) VALUES ${tuples.join(", ")}`, values: chunk.flat() });
  }
  return out;
}

/** SQLite: synchronous, inside better-sqlite3's migration transaction. Keys are TEXT, so '' precedes them all. */
export function backfillSqlite(raw: SqliteDatabase, b: Backfill): void {
  const select = raw.prepare(selectPage(b, () => "?"));
  let after = "";
  for (;;) {
    const page = select.all(after) as Record<string, unknown>[];
    if (!page.length) return;
    for (const s of inserts(
      b,
      page.flatMap((r) => b.rows(r)),
      () => "?",
    ))
      raw.prepare(s.text).run(...s.values);
    after = String(page[page.length - 1]![b.from.key]);
  }
}

/** PostgreSQL: through the migration's client, inside its transaction. */
export async function backfillPostgres(
  run: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>,
  b: Backfill,
): Promise<void> {
  const dollar = (n: number): string => `$${n}`;
  let after = "";
  for (;;) {
    const page = (await run(selectPage(b, dollar), [after])).rows as Record<string, unknown>[];
    if (!page.length) return;
    for (const s of inserts(
      b,
      page.flatMap((r) => b.rows(r)),
      dollar,
    ))
      await run(s.text, s.values);
    after = String(page[page.length - 1]![b.from.key]);
  }
}
