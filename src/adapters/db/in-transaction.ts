/**
 * Run `work` in a transaction: a new one, or the caller's when the repository was built over one (a unit
 * of work), because Kysely cannot nest transactions and the unit of work must commit as a whole.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

export function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute((trx: Transaction<Database>) => work(trx));
}
