/**
 * The signing queue in SQL (see core/ports/signing-queue.ts).
 *
 * Claim: one UPDATE … WHERE id IN (SELECT … ORDER BY created_at LIMIT n) RETURNING, as the first
 * statement of the batch's transaction. On PostgreSQL the subquery takes `FOR UPDATE SKIP LOCKED`, so
 * concurrent workers claim disjoint requests without waiting for each other, and the row locks last until
 * the batch commits or rolls back (a killed worker's session ends and its requests are pending again).
 * On SQLite the UPDATE makes the transaction a write transaction from its first statement: one worker at
 * a time, and no read-then-upgrade that a concurrent writer could fail with SQLITE_BUSY.
 *
 * Wake-up: PostgreSQL workers LISTEN on `tsca_signing_request` (the repository NOTIFYs on insert) and
 * also poll, so a lost notification (the listening connection dropped) delays a request by one poll
 * interval at most; SQLite has no notifications and polls.
 */
import { sql, type Kysely } from "kysely";
import type { Client } from "pg";
import type { SigningQueue } from "../../core/ports/signing-queue.js";
import type { SigningRequest } from "../../core/ports/signing-requests.js";
import type { TransactionPorts } from "../../core/ports/unit-of-work.js";
import { databaseError } from "./database-errors.js";
import type { Dialect } from "./migrations.js";
import type { Database } from "./schema.js";
import { SIGNING_REQUEST_CHANNEL, signingRequestFromRow } from "./signing-request-repository.js";

export interface SigningQueueOptions {
  /** Poll interval in ms: SQLite's only wake-up, PostgreSQL's fallback. Default 200 (SQLite), 3000 (PostgreSQL). */
  pollMs?: number;
  /** PostgreSQL: the database URL to open the LISTEN connection with; without it, polling only. */
  listenUrl?: string;
}

export class SqlSigningQueue implements SigningQueue {
  private readonly pollMs: number;
  private listener: Client | undefined;
  private connecting: Promise<void> | undefined;
  /** A notification arrived since the last wait: the next wait returns at once. */
  private notified = false;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly bind: (trx: Kysely<Database>) => TransactionPorts,
    private readonly options: SigningQueueOptions = {},
  ) {
    this.pollMs = options.pollMs ?? (dialect === "postgres" ? 3_000 : 200);
  }

  async claim<T>(limit: number, work: (requests: SigningRequest[], tx: TransactionPorts) => Promise<T>): Promise<T | undefined> {
    let claimed = false;
    try {
      return await this.db.transaction().execute(async (trx) => {
        let pick = trx
          .selectFrom("signing_request")
          .select("id")
          .where("status", "=", "pending")
          .orderBy("created_at")
          .orderBy("id")
          .limit(limit);
        if (this.dialect === "postgres") pick = pick.forUpdate().skipLocked();
        const rows = await trx
          .updateTable("signing_request")
          .set({ updated_at: sql<string>`updated_at` })
          .where("id", "in", pick)
          .returningAll()
          .execute();
        if (!rows.length) return undefined;
        claimed = true;
        const requests = rows
          .map(signingRequestFromRow)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
        return await work(requests, this.bind(trx));
      });
    } catch (e) {
      // An error of the work itself (a bug) is passed on as it is; driver errors become ERR_DATABASE.
      throw claimed ? e : databaseError(e);
    }
  }

  async countAttempts(ids: string[], now: Date): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable("signing_request")
      .set((eb) => ({ attempts: eb("attempts", "+", 1), updated_at: now.toISOString() }))
      .where("id", "in", ids)
      .where("status", "=", "pending")
      .execute()
      .catch(() => undefined);
  }

  async wait(signal: AbortSignal): Promise<void> {
    if (this.dialect === "postgres" && this.options.listenUrl) await this.listen();
    if (this.notified || signal.aborted) {
      this.notified = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      signal.addEventListener("abort", done);
      this.wake = done;
    });
    this.notified = false;
  }

  nudge(): void {
    this.notified = true;
    this.wake?.();
  }

  /** Open the LISTEN connection if there is none; failures leave polling in charge and are retried next wait. */
  private async listen(): Promise<void> {
    if (this.listener || this.closed) return;
    this.connecting ??= (async () => {
      const pg = await import("pg");
      const client = new pg.default.Client({ connectionString: this.options.listenUrl, keepAlive: true });
      const drop = (): void => {
        if (this.listener === client) this.listener = undefined;
        void client.end().catch(() => undefined);
      };
      client.on("error", drop);
      client.on("end", drop);
      client.on("notification", () => {
        this.notified = true;
        this.wake?.();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${SIGNING_REQUEST_CHANNEL}`);
        if (this.closed) drop();
        else {
          this.listener = client;
          // Requests inserted before LISTEN took effect were not announced: look once.
          this.notified = true;
        }
      } catch {
        drop();
      }
    })().finally(() => (this.connecting = undefined));
    await this.connecting;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.connecting;
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
  }
}
