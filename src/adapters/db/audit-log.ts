/**
 * The hash-chained audit log in SQL (tables audit_event and audit_head, migration 0009), on SQLite and
 * PostgreSQL. The chain itself (encoding, hash, verification walk) is core/audit/audit-chain.ts.
 *
 * Appending is serialized by the head row: `UPDATE audit_head SET seq = seq + 1 … RETURNING` takes
 * PostgreSQL's row lock (a concurrent append waits, then re-reads the committed row under READ COMMITTED)
 * and SQLite's write lock, so two appends never take the same seq or the same previous hash, whether they
 * come from one process or many. The lock is held until the transaction ends, which is the caller's when
 * the log was built over a unit of work's transaction: the event commits or rolls back with the change.
 */
import { sql, type Kysely, type Selectable } from "kysely";
import { AuditChainWalk, auditEventHash, canonicalJson, type StoredAuditEvent } from "../../core/audit/audit-chain.js";
import type {
  AuditAnchor,
  AuditBreak,
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditLog,
  AuditOutcome,
  AuditReader,
  TimedAuditEvent,
} from "../../core/ports/audit-log.js";
import { databaseError } from "./database-errors.js";
import { inTransaction } from "./in-transaction.js";
import type { AuditEventTable, Database } from "./schema.js";

/** Events read per round trip by verify(): bounded memory whatever the size of the log. */
const VERIFY_CHUNK = 2000;

function stored(r: Selectable<AuditEventTable>): StoredAuditEvent {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    object: r.object,
    outcome: r.outcome,
    requestId: r.request_id,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function fromRow(r: Selectable<AuditEventTable>): AuditEvent {
  let detail: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(r.detail) as unknown;
    if (parsed !== null && typeof parsed === "object" && Object.keys(parsed).length > 0) detail = parsed as Record<string, unknown>;
  } catch {
    // An edited, unparsable detail: listed without it; verify() names the event.
  }
  return {
    seq: Number(r.seq),
    time: new Date(r.at),
    actor: r.actor,
    action: r.action,
    object: r.object,
    outcome: r.outcome as AuditOutcome,
    requestId: r.request_id,
    ...(detail ? { detail } : {}),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class SqlAuditLog implements AuditLog, AuditReader {
  /** `dialect` postgres: the events and the head's new hash go in one statement (a data-modifying CTE). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres" = "sqlite",
  ) {}

  append(event: AuditEventInput, time: Date): Promise<void> {
    return this.appendMany([{ event, time }]);
  }

  /**
   * Several events at once (a signing worker's batch): one head update reserves their seqs, the chain is
   * computed in memory, one multi-row insert stores them, one update moves the head's hash. Three
   * statements for any number of events, instead of three per event.
   */
  async appendMany(entries: readonly TimedAuditEvent[]): Promise<void> {
    if (!entries.length) return;
    try {
      await inTransaction(this.db, async (trx) => {
        // First statement: the lock. Its RETURNING hash is still the previous event's (this statement does not change it).
        const head = await trx
          .updateTable("audit_head")
          .set((eb) => ({ seq: eb("seq", "+", entries.length) }))
          .where("id", "=", 1)
          .returning(["seq", "hash"])
          .executeTakeFirstOrThrow();
        let seq = Number(head.seq) - entries.length;
        let prevHash = head.hash;
        const rows = entries.map(({ event, time }) => {
          const detail = event.detail ?? {};
          const fields = {
            seq: ++seq,
            at: time.toISOString(),
            actor: event.actor,
            action: event.action,
            object: event.object,
            outcome: event.outcome,
            requestId: event.requestId,
            prevHash,
          };
          const hash = auditEventHash({ ...fields, detail });
          prevHash = hash;
          return {
            seq: fields.seq,
            at: fields.at,
            actor: fields.actor,
            action: fields.action,
            object: fields.object,
            outcome: fields.outcome,
            request_id: fields.requestId,
            detail: canonicalJson(detail),
            prev_hash: fields.prevHash,
            hash,
          };
        });
        if (this.dialect === "postgres" && rows.length <= 500) {
          // One round trip instead of two: PostgreSQL runs the INSERT of the CTE with the UPDATE.
          await trx
            .with("stored", (db) => db.insertInto("audit_event").values(rows))
            .updateTable("audit_head")
            .set({ hash: prevHash })
            .where("id", "=", 1)
            .execute();
          return;
        }
        // Chunks keep each statement under SQLite's bound-parameter limit (10 columns x 500 rows).
        for (let i = 0; i < rows.length; i += 500)
          await trx
            .insertInto("audit_event")
            .values(rows.slice(i, i + 500))
            .execute();
        await trx.updateTable("audit_head").set({ hash: prevHash }).where("id", "=", 1).execute();
      });
    } catch (e) {
      throw databaseError(e);
    }
  }

  /** Matching events, oldest first; with a limit, the newest `limit` of them (still oldest first). */
  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    try {
      let q = this.db.selectFrom("audit_event").selectAll();
      if (filter.actor !== undefined) q = q.where("actor", "=", filter.actor);
      if (filter.action !== undefined) q = q.where("action", "=", filter.action);
      // substr, not LIKE: SQLite's LIKE ignores ASCII case and both treat % and _ as wildcards. Both count characters.
      if (filter.object !== undefined && filter.object !== "")
        q = q.where(sql<boolean>`substr(object, 1, ${[...filter.object].length}) = ${filter.object}`);
      // `at` is always toISOString() text, so text order is time order.
      if (filter.since !== undefined) q = q.where("at", ">=", filter.since.toISOString());
      if (filter.until !== undefined) q = q.where("at", "<", filter.until.toISOString());
      if (filter.limit !== undefined) {
        const rows = await q.orderBy("seq", "desc").limit(filter.limit).execute();
        return rows.reverse().map(fromRow);
      }
      return (await q.orderBy("seq", "asc").execute()).map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }

  /**
   * Walk the chain in chunks of VERIFY_CHUNK events, up to the head read first: every event up to the
   * head's seq has committed (appends commit in seq order, serialized by the head row), and events
   * appended during the walk are left for the next one.
   */
  async verify(anchor?: AuditAnchor): Promise<{ events: number; head: AuditAnchor; broken?: AuditBreak }> {
    try {
      const headRow = await this.db.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirstOrThrow();
      const head = { seq: Number(headRow.seq), hash: headRow.hash };
      const walk = new AuditChainWalk(head.seq);
      let after = 0;
      for (;;) {
        const rows = await this.db
          .selectFrom("audit_event")
          .selectAll()
          .where("seq", ">", after)
          .where("seq", "<=", head.seq)
          .orderBy("seq", "asc")
          .limit(VERIFY_CHUNK)
          .execute();
        for (const row of rows) {
          const broken = walk.push(stored(row));
          if (broken) return { events: walk.events, head, broken };
          if (anchor && Number(row.seq) === anchor.seq && row.hash !== anchor.hash)
            return {
              events: walk.events,
              head,
              broken: { seq: anchor.seq, problem: "changed", detail: `event ${anchor.seq} no longer has the hash it was anchored with` },
            };
        }
        if (rows.length < VERIFY_CHUNK) break;
        after = Number(rows.at(-1)!.seq);
      }
      const broken =
        walk.end(head) ??
        (anchor && anchor.seq > head.seq
          ? ({
              seq: anchor.seq,
              problem: "removed",
              detail: `event ${anchor.seq}, which was anchored, is no longer in the log (it ends at event ${head.seq})`,
            } as const)
          : undefined);
      return broken ? { events: walk.events, head, broken } : { events: walk.events, head };
    } catch (e) {
      throw databaseError(e);
    }
  }
}
