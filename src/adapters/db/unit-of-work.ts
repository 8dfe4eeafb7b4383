/**
 * UnitOfWork over Kysely: one database transaction per `run`, on SQLite (BEGIN … COMMIT on the one
 * connection) and PostgreSQL (one pooled connection). The composition root says how to bind the ports to
 * a transaction, so this file does not know every repository.
 */
import type { Kysely } from "kysely";
import type { TransactionPorts, UnitOfWork } from "../../core/ports/unit-of-work.js";
import { databaseError } from "./database-errors.js";
import type { Database } from "./schema.js";

export class SqlUnitOfWork implements UnitOfWork {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bind: (trx: Kysely<Database>) => TransactionPorts,
  ) {}

  async run<T>(work: (tx: TransactionPorts) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) throw new Error("SqlUnitOfWork: nested units of work are not supported");
    try {
      return await this.db.transaction().execute((trx) => work(this.bind(trx)));
    } catch (e) {
      throw databaseError(e);
    }
  }
}
