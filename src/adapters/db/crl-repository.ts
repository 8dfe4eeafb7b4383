/**
 * Generated CRLs in SQL through Kysely; the same queries serve SQLite and PostgreSQL. CRL numbers come
 * from a counter row per (CA, scope, reasons), bumped by an upsert as the first statement of the
 * transaction that also stores the CRL. That statement takes the write lock (SQLite: the database
 * write lock, waited for up to the busy timeout; PostgreSQL: the counter row's lock), so a second
 * process asking for a number waits until the first has stored its CRL, then gets the next one. If the
 * CRL cannot be made, the transaction rolls back and the number is not used.
 *
 * Under that lock the transaction reads the newest CRL already stored in the scope and hands it to the
 * builder, which decides whether what it read is still current (core/revocation/publish-crl.ts). Its
 * statement comes after the upsert, so it sees every CRL committed before this one got its number
 * (PostgreSQL read committed: each statement sees what had committed when it began).
 */
import { sql, type Kysely, type Selectable } from "kysely";
import type { CrlRepository, CrlStamp, CrlToStore, RevokedEntry, StoredCrl } from "../../core/ports/crl-repository.js";
import { crlScope, reasonsFromKey, reasonsKey, type CrlScope, type CrlScopeKind } from "../../core/revocation/crl-scope.js";
import { databaseError } from "./database-errors.js";
import { inTransaction } from "./in-transaction.js";
import type { CrlTable, Database } from "./schema.js";

type Meta = Omit<StoredCrl, "der">;

function fromRow(r: Omit<Selectable<CrlTable>, "der">): Meta {
  return {
    caSerial: r.ca_serial,
    scope: crlScope(r.scope as CrlScopeKind, reasonsFromKey(r.only_some_reasons)),
    // PostgreSQL returns BIGINT as a string.
    number: Number(r.number),
    delta: Boolean(r.delta),
    baseNumber: r.base_number === null ? null : Number(r.base_number),
    thisUpdate: new Date(r.this_update),
    nextUpdate: new Date(r.next_update),
    createdAt: new Date(r.created_at),
    revocationSeq: r.revocation_seq === null ? null : Number(r.revocation_seq),
    revocationSeqFrom: r.revocation_seq_from === null ? null : Number(r.revocation_seq_from),
  };
}

const META_COLUMNS = [
  "ca_serial",
  "scope",
  "only_some_reasons",
  "number",
  "delta",
  "base_number",
  "this_update",
  "next_update",
  "created_at",
  "revocation_seq",
  "revocation_seq_from",
] as const;

export class SqlCrlRepository implements CrlRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async store(
    caSerial: string,
    scope: CrlScope,
    now: Date,
    build: (number: number, newest: CrlStamp | undefined) => Promise<CrlToStore>,
  ): Promise<StoredCrl> {
    const key = { ca_serial: caSerial, scope: scope.kind, only_some_reasons: reasonsKey(scope) };
    let made: CrlToStore | undefined;
    let number = 0;
    try {
      await inTransaction(this.db, async (trx) => {
        const row = await trx
          .insertInto("crl_number")
          .values({ ...key, last_number: 1 })
          .onConflict((oc) =>
            oc.columns(["ca_serial", "scope", "only_some_reasons"]).doUpdateSet({ last_number: sql`crl_number.last_number + 1` }),
          )
          .returning("last_number")
          .executeTakeFirstOrThrow();
        number = Number(row.last_number);
        const newest = await trx
          .selectFrom("crl")
          .select(["number", "delta", "base_number", "this_update", "revocation_seq"])
          .where("ca_serial", "=", caSerial)
          .where("scope", "=", key.scope)
          .where("only_some_reasons", "=", key.only_some_reasons)
          .orderBy("number", "desc")
          .limit(1)
          .executeTakeFirst();
        made = await build(
          number,
          newest && {
            number: Number(newest.number),
            delta: Boolean(newest.delta),
            baseNumber: newest.base_number === null ? null : Number(newest.base_number),
            thisUpdate: new Date(newest.this_update),
            revocationSeq: newest.revocation_seq === null ? null : Number(newest.revocation_seq),
          },
        );
        await trx
          .insertInto("crl")
          .values({
            ...key,
            number,
            delta: made.delta ? 1 : 0,
            base_number: made.baseNumber,
            this_update: made.thisUpdate.toISOString(),
            next_update: made.nextUpdate.toISOString(),
            der: made.der,
            created_at: now.toISOString(),
            revocation_seq: made.revocationSeq ?? null,
            revocation_seq_from: made.revocationSeqFrom ?? null,
          })
          .execute();
      });
    } catch (e) {
      // Errors of `build` (signing, key problems, a stale read) are the caller's; only driver errors are translated.
      if (made === undefined && !isDriverError(e)) throw e;
      throw databaseError(e);
    }
    return {
      caSerial,
      scope,
      number,
      createdAt: now,
      ...made!,
      revocationSeq: made!.revocationSeq ?? null,
      revocationSeqFrom: made!.revocationSeqFrom ?? null,
    };
  }

  async latest(caSerial: string, scope: CrlScope, kind: "complete" | "delta"): Promise<StoredCrl | undefined> {
    try {
      const row = await this.db
        .selectFrom("crl")
        .selectAll()
        .where("ca_serial", "=", caSerial)
        .where("scope", "=", scope.kind)
        .where("only_some_reasons", "=", reasonsKey(scope))
        .where("delta", "=", kind === "delta" ? 1 : 0)
        .orderBy("number", "desc")
        .limit(1)
        .executeTakeFirst();
      return row ? { ...fromRow(row), der: Buffer.from(row.der) } : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  /**
   * Keyset pagination by serial over the partial index certificate_revoked_serial (migration 0003): each
   * page is one index range scan, so reading a million revoked certificates costs a hundred short queries
   * and never more than one page of rows in memory. Pages are separate statements, not one snapshot; a
   * revocation committed meanwhile may or may not be included, as it would be a moment earlier or later.
   */
  async *revokedCertificates(caSerial: string, notAfterSince: Date, batchSize = 10_000): AsyncGenerator<RevokedEntry[]> {
    const since = notAfterSince.toISOString();
    for (let after = ""; ;) {
      let rows: {
        serial: string;
        revoked_at: string | null;
        revoked_reason: string | null;
        compromised_at: string | null;
        not_after: string;
      }[];
      try {
        rows = await this.db
          .selectFrom("certificate")
          .select(["serial", "revoked_at", "revoked_reason", "compromised_at", "not_after"])
          .where("ca_serial", "=", caSerial)
          .where("revoked_at", "is not", null)
          .where("serial", ">", after)
          .where("not_after", ">=", since)
          .orderBy("serial")
          .limit(batchSize)
          .execute();
      } catch (e) {
        throw databaseError(e);
      }
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        serial: r.serial,
        revokedAt: new Date(r.revoked_at!),
        reason: r.revoked_reason,
        compromisedAt: r.compromised_at ? new Date(r.compromised_at) : null,
        notAfter: new Date(r.not_after),
      }));
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]!.serial;
    }
  }

  /** One aggregate over crl_number: a row per CA and scope, so a few rows even with many CRLs stored. */
  async changeMark(): Promise<number> {
    try {
      const row = await this.db
        .selectFrom("crl_number")
        .select((eb) => eb.fn.sum<number | string | null>("last_number").as("mark"))
        .executeTakeFirst();
      // PostgreSQL returns SUM(BIGINT) as a NUMERIC string.
      return Number(row?.mark ?? 0);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async list(caSerial: string): Promise<Meta[]> {
    try {
      const rows = await this.db
        .selectFrom("crl")
        .select(META_COLUMNS)
        .where("ca_serial", "=", caSerial)
        // By number, never by thisUpdate: the number says which CRL of a scope is newest (RFC 5280 §5.2.3).
        .orderBy("scope")
        .orderBy("only_some_reasons")
        .orderBy("number", "desc")
        .execute();
      return rows.map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }
}

/** better-sqlite3 and pg errors carry a string `code` (SQLITE_BUSY, 40001, …). */
function isDriverError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_") || /^[0-9A-Z]{5}$/.test(code));
}
