/**
 * ACME resources in SQL (tables acme_*, migration 0015); the same queries serve SQLite and PostgreSQL.
 * Times are ISO 8601 text in UTC (always 24 characters from Date#toISOString, so they compare as text),
 * booleans 0/1, and the JSON-shaped members (JWK, contact, identifiers, problems) JSON text.
 *
 * Status changes that two hosts may race for (challenge validation, finalize) are conditional updates,
 * `UPDATE … WHERE id = ? AND status IN (…)`: the database serialises them and exactly one sees a changed
 * row. Used nonces are single inserts with ON CONFLICT DO NOTHING rather than a caught unique violation: on
 * PostgreSQL a failed statement aborts the whole transaction, and the unit of work groups several callers'
 * work in one (adapters/db/unit-of-work.ts), so a replayed nonce must not fail anyone else's request.
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type {
  AcmeAccount,
  AcmeAuthorization,
  AcmeAuthorizationStatus,
  AcmeChallenge,
  AcmeChallengeStatus,
  AcmeEabKey,
  AcmeOrder,
  AcmeOrderStatus,
} from "../../core/acme/model.js";
import { TscaError } from "../../core/errors.js";
import type { AcmeAccountPatch, AcmeChallengePatch, AcmeOrderPatch, AcmeRepository } from "../../core/ports/acme-repository.js";
import { databaseError, isUniqueViolation } from "./database-errors.js";
import { inTransaction } from "./in-transaction.js";
import {
  accountFromRow,
  authzFromRow,
  authzToRow,
  challengeFromRow,
  challengeToRow,
  eabKeyFromRow,
  iso,
  isoOrNull,
  orderFromRow,
  orderToRow,
} from "./acme-rows.js";
import type { AcmeAccountTable, AcmeChallengeTable, AcmeOrderTable, Database } from "./schema.js";

/** The acme_secret row of the nonce key (RFC 8555 §6.5: any host must be able to check any host's nonce). */
const NONCE_KEY = "nonce-key";

/** Orders that never produced a certificate are kept this long past their expiry (for clients polling late, and operators). */
const ORDER_RETENTION_MS = 30 * 86_400_000;

/** Rows per multi-row insert: far below SQLite's 32,766 bound parameters at 11 columns. */
const INSERT_CHUNK = 500;

function keyInUse(thumbprint: string, e: unknown): TscaError {
  return new TscaError("ERR_ACME_KEY_IN_USE", "This key already belongs to another ACME account of this CA.", {
    cause: e,
    fields: { thumbprint },
  });
}

/** PostgreSQL names the constraint, SQLite the columns. */
const isKeyUnique = (e: unknown): boolean =>
  isUniqueViolation(e, "acme_account_key_unique") || isUniqueViolation(e, "acme_account.thumbprint");

/** Runs a query, turning a driver error into ERR_DATABASE (or ERR_DATABASE_UNAVAILABLE) as every repository does. */
async function guarded<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (e) {
    throw databaseError(e);
  }
}

/** Kysely reports affected rows as bigint (SQLite `changes`, PostgreSQL `rowCount`). */
const changed = (n: bigint | undefined): boolean => (n ?? 0n) > 0n;

export class SqlAcmeRepository implements AcmeRepository {
  /** The key never changes once stored, so one read per repository is enough. */
  private nonceKeyCache: Buffer | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  private async readSecret(name: string): Promise<Buffer | undefined> {
    const row = await this.db.selectFrom("acme_secret").select("value").where("name", "=", name).executeTakeFirst();
    return row ? Buffer.from(row.value) : undefined;
  }

  async nonceKey(): Promise<Buffer> {
    if (this.nonceKeyCache) return this.nonceKeyCache;
    try {
      let key = await this.readSecret(NONCE_KEY);
      if (!key) {
        // Two hosts starting at once both insert; DO NOTHING keeps the first, and both then read that one.
        await this.db
          .insertInto("acme_secret")
          .values({ name: NONCE_KEY, value: randomBytes(32), created_at: iso(new Date()) })
          .onConflict((oc) => oc.column("name").doNothing())
          .execute();
        key = await this.readSecret(NONCE_KEY);
      }
      if (!key) throw new Error("acme_secret: the nonce key was inserted but cannot be read");
      this.nonceKeyCache = key;
      return key;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async useNonce(nonce: string, expires: Date): Promise<boolean> {
    try {
      // RFC 8555 §6.5.2: a nonce is accepted once. The primary key decides between two hosts racing.
      const r = await this.db
        .insertInto("acme_nonce")
        .values({ nonce, expires_at: iso(expires) })
        .onConflict((oc) => oc.column("nonce").doNothing())
        .executeTakeFirst();
      return changed(r.numInsertedOrUpdatedRows);
    } catch (e) {
      if (isUniqueViolation(e, "acme_nonce")) return false;
      throw databaseError(e);
    }
  }

  async purgeExpired(now: Date): Promise<number> {
    try {
      return await inTransaction(this.db, async (trx) => {
        const nonces = await trx.deleteFrom("acme_nonce").where("expires_at", "<", iso(now)).executeTakeFirst();
        // Authorizations and challenges go with their order (ON DELETE CASCADE; SQLite runs with foreign_keys = ON).
        const orders = await trx
          .deleteFrom("acme_order")
          .where("expires_at", "<", iso(new Date(now.getTime() - ORDER_RETENTION_MS)))
          .where("certificate_serial", "is", null)
          .executeTakeFirst();
        return Number(nonces.numDeletedRows) + Number(orders.numDeletedRows);
      });
    } catch (e) {
      throw databaseError(e);
    }
  }

  async insertAccount(a: AcmeAccount): Promise<void> {
    try {
      await this.db
        .insertInto("acme_account")
        .values({
          id: a.id,
          ca_serial: a.caSerial,
          status: a.status,
          jwk: JSON.stringify(a.jwk),
          thumbprint: a.thumbprint,
          contact: JSON.stringify(a.contact),
          tos_agreed: a.termsOfServiceAgreed ? 1 : 0,
          eab_kid: a.eabKid,
          created_at: iso(a.createdAt),
          updated_at: iso(a.updatedAt),
        })
        .execute();
    } catch (e) {
      // Two newAccount requests with one key racing: the second learns the key is taken (§7.3.1).
      if (isKeyUnique(e)) throw keyInUse(a.thumbprint, e);
      throw databaseError(e);
    }
  }

  async getAccount(id: string): Promise<AcmeAccount | undefined> {
    try {
      const row = await this.db.selectFrom("acme_account").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? accountFromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  findAccountByThumbprint(caSerial: string, thumbprint: string): Promise<AcmeAccount | undefined> {
    return guarded(async () => {
      const row = await this.db
        .selectFrom("acme_account")
        .selectAll()
        .where("ca_serial", "=", caSerial)
        .where("thumbprint", "=", thumbprint)
        .executeTakeFirst();
      return row ? accountFromRow(row) : undefined;
    });
  }

  async updateAccount(id: string, patch: AcmeAccountPatch, now: Date): Promise<void> {
    const row: Partial<AcmeAccountTable> = { updated_at: iso(now) };
    if (patch.status !== undefined) row.status = patch.status;
    if (patch.contact !== undefined) row.contact = JSON.stringify(patch.contact);
    if (patch.jwk !== undefined) row.jwk = JSON.stringify(patch.jwk);
    if (patch.thumbprint !== undefined) row.thumbprint = patch.thumbprint;
    if (patch.termsOfServiceAgreed !== undefined) row.tos_agreed = patch.termsOfServiceAgreed ? 1 : 0;
    try {
      await this.db.updateTable("acme_account").set(row).where("id", "=", id).execute();
    } catch (e) {
      // §7.3.5: the new key of a key change must not be another account's key.
      if (patch.thumbprint !== undefined && isKeyUnique(e)) throw keyInUse(patch.thumbprint, e);
      throw databaseError(e);
    }
  }

  insertEabKey(k: AcmeEabKey): Promise<void> {
    return guarded(async () => {
      await this.db
        .insertInto("acme_eab_key")
        .values({
          kid: k.kid,
          ca_serial: k.caSerial,
          hmac_key: k.key,
          bound_account_id: k.boundAccountId,
          bound_at: null,
          created_by: k.createdBy,
          created_at: iso(k.createdAt),
        })
        .execute();
    });
  }

  getEabKey(kid: string): Promise<AcmeEabKey | undefined> {
    return guarded(async () => {
      const row = await this.db.selectFrom("acme_eab_key").selectAll().where("kid", "=", kid).executeTakeFirst();
      return row ? eabKeyFromRow(row) : undefined;
    });
  }

  listEabKeys(caSerial: string): Promise<AcmeEabKey[]> {
    return guarded(async () => {
      const rows = await this.db
        .selectFrom("acme_eab_key")
        .selectAll()
        .where("ca_serial", "=", caSerial)
        .orderBy("created_at")
        .orderBy("kid")
        .execute();
      return rows.map(eabKeyFromRow);
    });
  }

  bindEabKey(kid: string, accountId: string, now: Date): Promise<boolean> {
    return guarded(async () => {
      // §7.3.4: a key binds one account; of two newAccount requests with the same kid, one wins.
      const r = await this.db
        .updateTable("acme_eab_key")
        .set({ bound_account_id: accountId, bound_at: iso(now) })
        .where("kid", "=", kid)
        .where("bound_account_id", "is", null)
        .executeTakeFirst();
      return changed(r.numUpdatedRows);
    });
  }

  insertOrder(order: AcmeOrder, authorizations: AcmeAuthorization[], challenges: AcmeChallenge[]): Promise<void> {
    return guarded(async () => {
      await inTransaction(this.db, async (trx) => {
        await trx.insertInto("acme_order").values(orderToRow(order)).execute();
        for (let i = 0; i < authorizations.length; i += INSERT_CHUNK)
          await trx
            .insertInto("acme_authz")
            .values(authorizations.slice(i, i + INSERT_CHUNK).map(authzToRow))
            .execute();
        for (let i = 0; i < challenges.length; i += INSERT_CHUNK)
          await trx
            .insertInto("acme_challenge")
            .values(challenges.slice(i, i + INSERT_CHUNK).map(challengeToRow))
            .execute();
      });
    });
  }

  getOrder(id: string): Promise<AcmeOrder | undefined> {
    return guarded(async () => {
      const row = await this.db.selectFrom("acme_order").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? orderFromRow(row) : undefined;
    });
  }

  listOrders(accountId: string, limit: number, after?: string, usableAt?: Date): Promise<AcmeOrder[]> {
    return guarded(async () => {
      let q = this.db.selectFrom("acme_order").selectAll().where("account_id", "=", accountId);
      if (usableAt)
        q = q.where((eb) =>
          eb.or([
            eb("status", "in", ["valid", "processing"]),
            eb.and([eb("status", "in", ["pending", "ready"]), eb("expires_at", ">", iso(usableAt))]),
          ]),
        );
      if (after !== undefined) {
        const cursor = await this.db
          .selectFrom("acme_order")
          .select("created_at")
          .where("id", "=", after)
          .where("account_id", "=", accountId)
          .executeTakeFirst();
        // An unknown cursor (another account's order, or one purged since) ends the list rather than restarting it.
        if (!cursor) return [];
        // Newest first, ties broken by id: a keyset page, stable while orders are added.
        q = q.where((eb) =>
          eb.or([eb("created_at", "<", cursor.created_at), eb.and([eb("created_at", "=", cursor.created_at), eb("id", "<", after)])]),
        );
      }
      const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return rows.map(orderFromRow);
    });
  }

  findOrderByCertificate(certificateSerial: string): Promise<AcmeOrder | undefined> {
    return guarded(async () => {
      const row = await this.db.selectFrom("acme_order").selectAll().where("certificate_serial", "=", certificateSerial).executeTakeFirst();
      return row ? orderFromRow(row) : undefined;
    });
  }

  findOrdersReplacing(caSerial: string, certId: string): Promise<AcmeOrder[]> {
    return guarded(async () => {
      const rows = await this.db
        .selectFrom("acme_order")
        .selectAll()
        .where("ca_serial", "=", caSerial)
        .where("replaces", "=", certId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(orderFromRow);
    });
  }

  async updateOrder(id: string, from: readonly AcmeOrderStatus[], patch: AcmeOrderPatch, now: Date): Promise<boolean> {
    if (!from.length) return false;
    const row: Partial<AcmeOrderTable> = { updated_at: iso(now) };
    if (patch.status !== undefined) row.status = patch.status;
    if (patch.error !== undefined) row.error = patch.error === null ? null : JSON.stringify(patch.error);
    if (patch.signingRequestId !== undefined) row.signing_request_id = patch.signingRequestId;
    if (patch.certificateSerial !== undefined) row.certificate_serial = patch.certificateSerial;
    if (patch.notBefore !== undefined) row.not_before = isoOrNull(patch.notBefore);
    if (patch.notAfter !== undefined) row.not_after = isoOrNull(patch.notAfter);
    try {
      const r = await this.db
        .updateTable("acme_order")
        .set(row)
        .where("id", "=", id)
        .where("status", "in", [...from])
        .executeTakeFirst();
      return changed(r.numUpdatedRows);
    } catch (e) {
      throw databaseError(e);
    }
  }

  getAuthorization(id: string): Promise<AcmeAuthorization | undefined> {
    return guarded(async () => {
      const row = await this.db.selectFrom("acme_authz").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? authzFromRow(row) : undefined;
    });
  }

  authorizationsOfOrder(orderId: string): Promise<AcmeAuthorization[]> {
    return guarded(async () => {
      // A stable order (identifier, then wildcard) so the order object lists its authorizations the same way each time.
      const rows = await this.db
        .selectFrom("acme_authz")
        .selectAll()
        .where("order_id", "=", orderId)
        .orderBy("identifier_type")
        .orderBy("identifier_value")
        .orderBy("wildcard")
        .orderBy("id")
        .execute();
      return rows.map(authzFromRow);
    });
  }

  async updateAuthorization(
    id: string,
    from: readonly AcmeAuthorizationStatus[],
    status: AcmeAuthorizationStatus,
    now: Date,
  ): Promise<boolean> {
    if (!from.length) return false;
    try {
      const r = await this.db
        .updateTable("acme_authz")
        .set({ status, updated_at: iso(now) })
        .where("id", "=", id)
        .where("status", "in", [...from])
        .executeTakeFirst();
      return changed(r.numUpdatedRows);
    } catch (e) {
      throw databaseError(e);
    }
  }

  deactivateAccountResources(accountId: string, now: Date): Promise<void> {
    return guarded(async () => {
      await inTransaction(this.db, async (trx) => {
        // §7.3.6: nothing the account started may be finished after it is deactivated.
        await trx
          .updateTable("acme_authz")
          .set({ status: "deactivated", updated_at: iso(now) })
          .where("account_id", "=", accountId)
          .where("status", "in", ["pending", "valid"])
          .execute();
        // "ready" is as unfinished as "pending": its finalize would need the deactivated account's key.
        await trx
          .updateTable("acme_order")
          .set({ status: "invalid", updated_at: iso(now) })
          .where("account_id", "=", accountId)
          .where("status", "in", ["pending", "ready"])
          .execute();
      });
    });
  }

  getChallenge(id: string): Promise<AcmeChallenge | undefined> {
    return guarded(async () => {
      const row = await this.db.selectFrom("acme_challenge").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? challengeFromRow(row) : undefined;
    });
  }

  challengesOfAuthorization(authzId: string): Promise<AcmeChallenge[]> {
    return guarded(async () => {
      const rows = await this.db
        .selectFrom("acme_challenge")
        .selectAll()
        .where("authz_id", "=", authzId)
        .orderBy("type")
        .orderBy("id")
        .execute();
      return rows.map(challengeFromRow);
    });
  }

  challengesOfOrder(orderId: string): Promise<AcmeChallenge[]> {
    return guarded(async () => {
      const rows = await this.db
        .selectFrom("acme_challenge")
        .innerJoin("acme_authz", "acme_authz.id", "acme_challenge.authz_id")
        .selectAll("acme_challenge")
        .where("acme_authz.order_id", "=", orderId)
        .orderBy("acme_challenge.authz_id")
        .orderBy("acme_challenge.type")
        .orderBy("acme_challenge.id")
        .execute();
      return rows.map(challengeFromRow);
    });
  }

  async updateChallenge(id: string, from: readonly AcmeChallengeStatus[], patch: AcmeChallengePatch, now: Date): Promise<boolean> {
    if (!from.length) return false;
    const row: Partial<AcmeChallengeTable> = { updated_at: iso(now) };
    if (patch.status !== undefined) row.status = patch.status;
    if (patch.validated !== undefined) row.validated_at = isoOrNull(patch.validated);
    if (patch.error !== undefined) row.error = patch.error === null ? null : JSON.stringify(patch.error);
    try {
      const r = await this.db
        .updateTable("acme_challenge")
        .set(row)
        .where("id", "=", id)
        .where("status", "in", [...from])
        .executeTakeFirst();
      return changed(r.numUpdatedRows);
    } catch (e) {
      throw databaseError(e);
    }
  }

  staleValidations(before: Date, limit: number): Promise<AcmeChallenge[]> {
    return guarded(async () => {
      const rows = await this.db
        .selectFrom("acme_challenge")
        .selectAll()
        .where("status", "=", "processing")
        .where("updated_at", "<", iso(before))
        .orderBy("updated_at")
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(challengeFromRow);
    });
  }
}
