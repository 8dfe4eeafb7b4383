/**
 * UnitOfWork over Kysely: each `run` commits all of its writes or none, on SQLite (BEGIN … COMMIT on the
 * one connection) and PostgreSQL (one pooled connection). The composition root says how to bind the ports
 * to a transaction, so this file does not know every repository.
 *
 * Group commit: units of work requested in the same turn of the event loop, or while the previous group
 * was committing, run one after another in one database transaction, and each caller's promise resolves only after that commit. Under concurrent
 * issuance (a server, 32 requests in flight) N commits — N fsyncs with SQLite's synchronous=FULL, N round
 * trips to PostgreSQL — become one. The audit events of the group are appended together just before the
 * commit (one step of the chain's head instead of one per unit, see SqlAuditLog.appendMany), in the order
 * the units recorded them. A unit that fails makes the group roll back; then every unit runs again alone,
 * so each caller gets exactly its own outcome (failures are the exception, so the common path carries no
 * per-unit savepoint). The work functions therefore must not act outside the ports they are given.
 */
import type { Kysely } from "kysely";
import type { AuditEventInput, AuditLog, TimedAuditEvent } from "../../core/ports/audit-log.js";
import type { TransactionPorts, UnitOfWork } from "../../core/ports/unit-of-work.js";
import { databaseError } from "./database-errors.js";
import type { Database } from "./schema.js";

interface Pending {
  work: (tx: TransactionPorts) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

/** Collects the audit events of a transaction; they are appended in one step before it commits. */
class DeferredAudit implements AuditLog {
  readonly entries: TimedAuditEvent[] = [];
  append(event: AuditEventInput, time: Date): Promise<void> {
    this.entries.push({ event, time });
    return Promise.resolve();
  }
  appendMany(entries: readonly TimedAuditEvent[]): Promise<void> {
    this.entries.push(...entries);
    return Promise.resolve();
  }
}

export class SqlUnitOfWork implements UnitOfWork {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bind: (trx: Kysely<Database>) => TransactionPorts,
    private readonly maxGroup = 256,
  ) {}

  run<T>(work: (tx: TransactionPorts) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return Promise.reject(new Error("SqlUnitOfWork: nested units of work are not supported"));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Run `works` in one transaction; the audit events they record are appended last, in order. */
  private transaction(works: Pending["work"][]): Promise<unknown[]> {
    return this.db.transaction().execute(async (trx) => {
      const ports = this.bind(trx);
      const audit = new DeferredAudit();
      const values: unknown[] = [];
      for (const work of works) values.push(await work({ ...ports, audit }));
      await ports.audit.appendMany(audit.entries);
      return values;
    });
  }

  /**
   * One flush at a time: units that arrive while a group's transaction is open wait for its commit and
   * then go together in the next one, so under load a group holds what arrived during the previous commit
   * (on PostgreSQL, also one holder of the audit chain's head lock at a time instead of many queued ones).
   */
  private async flush(): Promise<void> {
    while (this.pending.length) {
      const group = this.pending.splice(0, this.maxGroup);
      if (group.length > 1) {
        try {
          const values = await this.transaction(group.map((p) => p.work));
          group.forEach((p, i) => p.resolve(values[i]));
          continue;
        } catch {
          // Some unit failed (or the commit did): nothing of the group is stored; each runs alone below.
        }
      }
      for (const p of group) {
        try {
          p.resolve((await this.transaction([p.work]))[0]);
        } catch (e) {
          p.reject(databaseError(e));
        }
      }
    }
    // No await since the loop's last check: a unit that arrives from here on schedules the next flush.
    this.scheduled = false;
  }
}
