/**
 * Expiry mail records in SQL (table expiry_notice, migration 0014). One row per certificate, watcher and
 * threshold, upserted after every delivery attempt: a success marks it sent, a failure keeps the error and
 * counts the attempt (a sent row is never turned back into a failed one).
 */
import { sql, type Kysely, type Selectable } from "kysely";
import type { ExpiryNotice, ExpiryNoticeRepository } from "../../core/ports/expiry-notices.js";
import { databaseError } from "./database-errors.js";
import type { Database, ExpiryNoticeTable } from "./schema.js";

function fromRow(r: Selectable<ExpiryNoticeTable>): ExpiryNotice {
  return {
    certSerial: r.cert_serial,
    watcher: r.watcher,
    thresholdDays: Number(r.threshold_days),
    status: r.status === "sent" ? "sent" : "failed",
    attempts: Number(r.attempts),
    lastError: r.last_error,
    sentAt: r.sent_at ? new Date(r.sent_at) : null,
    updatedAt: new Date(r.updated_at),
  };
}

/** Serials per IN list: well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

export class SqlExpiryNoticeRepository implements ExpiryNoticeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async forCertificates(serials: string[]): Promise<ExpiryNotice[]> {
    const out: ExpiryNotice[] = [];
    try {
      for (let i = 0; i < serials.length; i += CHUNK) {
        const rows = await this.db
          .selectFrom("expiry_notice")
          .selectAll()
          .where("cert_serial", "in", serials.slice(i, i + CHUNK))
          .execute();
        out.push(...rows.map(fromRow));
      }
    } catch (e) {
      throw databaseError(e);
    }
    return out;
  }

  async record(n: { certSerial: string; watcher: string; thresholdDays: number; error: string | null }, now: Date): Promise<ExpiryNotice> {
    const at = now.toISOString();
    const sent = n.error === null;
    try {
      await this.db
        .insertInto("expiry_notice")
        .values({
          cert_serial: n.certSerial,
          watcher: n.watcher,
          threshold_days: n.thresholdDays,
          status: sent ? "sent" : "failed",
          attempts: 1,
          last_error: n.error,
          sent_at: sent ? at : null,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.columns(["cert_serial", "watcher", "threshold_days"]).doUpdateSet({
            status: sent ? "sent" : sql<string>`CASE WHEN expiry_notice.status = 'sent' THEN 'sent' ELSE 'failed' END`,
            attempts: sql<number>`expiry_notice.attempts + 1`,
            last_error: n.error,
            sent_at: sent ? at : sql<string | null>`expiry_notice.sent_at`,
            updated_at: at,
          }),
        )
        .execute();
      const row = await this.db
        .selectFrom("expiry_notice")
        .selectAll()
        .where("cert_serial", "=", n.certSerial)
        .where("watcher", "=", n.watcher)
        .where("threshold_days", "=", n.thresholdDays)
        .executeTakeFirstOrThrow();
      return fromRow(row);
    } catch (e) {
      throw databaseError(e);
    }
  }
}
