/**
 * The revocation change feed in SQL: rows are written by the triggers of migration 0004 only; this side
 * reads them (one primary-key range query per poll) and prunes old ones.
 */
import type { Kysely } from "kysely";
import type { RevocationChange, RevocationChangeFeed, RevocationChangeScope } from "../../core/ports/revocation-change-feed.js";
import { databaseError } from "./database-errors.js";
import type { Database } from "./schema.js";

export class SqlRevocationChangeFeed implements RevocationChangeFeed {
  constructor(private readonly db: Kysely<Database>) {}

  async latest(): Promise<number> {
    try {
      const row = await this.db.selectFrom("revocation_counter").select("value").where("id", "=", 1).executeTakeFirst();
      return Number(row?.value ?? 0);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async since(seq: number, limit: number): Promise<RevocationChange[]> {
    try {
      const rows = await this.db
        .selectFrom("revocation_event")
        .select(["seq", "scope", "ca_serial", "serial"])
        .where("seq", ">", seq)
        .orderBy("seq")
        .limit(limit)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), scope: r.scope as RevocationChangeScope, caSerial: r.ca_serial, serial: r.serial }));
    } catch (e) {
      throw databaseError(e);
    }
  }

  async prune(before: Date): Promise<number> {
    try {
      const r = await this.db.deleteFrom("revocation_event").where("created_at", "<", before.toISOString()).executeTakeFirst();
      return Number(r.numDeletedRows);
    } catch (e) {
      throw databaseError(e);
    }
  }
}
