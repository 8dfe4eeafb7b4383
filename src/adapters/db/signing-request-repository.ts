/**
 * Signing requests in SQL (table signing_request, migration 0009); the same queries serve SQLite and
 * PostgreSQL. On PostgreSQL an insert also notifies the workers (`NOTIFY tsca_signing_request`), which
 * PostgreSQL delivers only when the inserting transaction commits, so a worker never wakes for a request
 * it cannot see yet.
 */
import { sql, type Kysely, type Selectable } from "kysely";
import type {
  NewSigningRequest,
  SigningRequest,
  SigningRequestOutcome,
  SigningRequestParameters,
  SigningRequestRepository,
  SigningRequestStatus,
} from "../../core/ports/signing-requests.js";
import { databaseError } from "./database-errors.js";
import { inTransaction } from "./in-transaction.js";
import type { Dialect } from "./migrations.js";
import type { Database, SigningRequestTable } from "./schema.js";

/** The channel workers LISTEN on; the payload is empty (a wake-up, the queue is the table). */
export const SIGNING_REQUEST_CHANNEL = "tsca_signing_request";

export function signingRequestFromRow(r: Selectable<SigningRequestTable>): SigningRequest {
  return {
    id: r.id,
    caSerial: r.ca_serial,
    csr: Buffer.from(r.csr),
    parameters: JSON.parse(r.parameters) as SigningRequestParameters,
    status: r.status as SigningRequestStatus,
    certificateSerial: r.certificate_serial,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    requestedBy: r.requested_by,
    requestId: r.request_id,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    attempts: Number(r.attempts),
  };
}

export class SqlSigningRequestRepository implements SigningRequestRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async insert(req: NewSigningRequest, now: Date): Promise<void> {
    try {
      await inTransaction(this.db, async (trx) => {
        await trx
          .insertInto("signing_request")
          .values({
            id: req.id,
            ca_serial: req.caSerial,
            csr: req.csr,
            parameters: JSON.stringify(req.parameters),
            status: "pending",
            certificate_serial: null,
            error_code: null,
            error_message: null,
            requested_by: req.requestedBy,
            request_id: req.requestId,
            attempts: 0,
            created_at: now.toISOString(),
            updated_at: now.toISOString(),
          })
          .execute();
        if (this.dialect === "postgres") await sql`SELECT pg_notify(${SIGNING_REQUEST_CHANNEL}, '')`.execute(trx);
      });
    } catch (e) {
      throw databaseError(e);
    }
  }

  async get(id: string): Promise<SigningRequest | undefined> {
    try {
      const row = await this.db.selectFrom("signing_request").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? signingRequestFromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async getMany(ids: string[]): Promise<SigningRequest[]> {
    const out: SigningRequest[] = [];
    try {
      // Chunks keep each statement under SQLite's bound-parameter limit.
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await this.db
          .selectFrom("signing_request")
          .selectAll()
          .where("id", "in", ids.slice(i, i + 1000))
          .execute();
        out.push(...rows.map(signingRequestFromRow));
      }
      return out;
    } catch (e) {
      throw databaseError(e);
    }
  }

  /**
   * One statement for the whole batch (UPDATE … FROM VALUES, SQLite ≥ 3.33 and PostgreSQL; both name the
   * columns of a VALUES list column1, column2, …): a batch costs one round trip, not one per request.
   */
  async complete(outcomes: SigningRequestOutcome[], now: Date): Promise<void> {
    if (!outcomes.length) return;
    try {
      for (let i = 0; i < outcomes.length; i += 200) {
        const rows = outcomes.slice(i, i + 200).map((o) => {
          const status = o.status === "retry" ? "pending" : o.status;
          const serial = o.status === "issued" ? o.certificateSerial : null;
          const code = o.status === "failed" ? o.errorCode : null;
          const message = o.status === "failed" ? o.errorMessage : null;
          return sql`(${o.id}, ${status}, ${serial}, ${code}, ${message}, ${o.status === "retry" ? 1 : 0})`;
        });
        await sql`UPDATE signing_request SET
            status = v.column2,
            certificate_serial = v.column3,
            error_code = v.column4,
            error_message = v.column5,
            attempts = attempts + CAST(v.column6 AS INTEGER),
            updated_at = ${now.toISOString()}
          FROM (VALUES ${sql.join(rows)}) AS v
          WHERE signing_request.id = v.column1 AND signing_request.status = 'pending'`.execute(this.db);
      }
    } catch (e) {
      throw databaseError(e);
    }
  }
}
