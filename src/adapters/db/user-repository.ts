/**
 * Users and their grants in SQL (tables tsca_user and user_grant, migration 0009). A global grant is
 * stored with ca_serial '*' (a NULL could not be part of the primary key) and is null in the port.
 */
import type { Kysely, Selectable } from "kysely";
import { TscaError } from "../../core/errors.js";
import { isPermission, type Grant } from "../../core/access/permissions.js";
import type { User, UserRepository } from "../../core/ports/user-repository.js";
import { databaseError, isUniqueViolation } from "./database-errors.js";
import { inTransaction } from "./in-transaction.js";
import type { Database, UserTable } from "./schema.js";

const GLOBAL = "*";

const toCaSerial = (g: Grant): string => g.caSerial ?? GLOBAL;

function fromRow(r: Selectable<UserTable>): User {
  return {
    name: r.name,
    passwordHash: r.password_hash,
    superuser: Number(r.superuser) === 1,
    enabled: Number(r.enabled) === 1,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/** user_grant rows as grants; a permission this version does not know (written by a newer one) grants nothing here. */
export const grantsFromRows = (rows: readonly { permission: string; ca_serial: string }[]): Grant[] =>
  rows.flatMap((r) =>
    isPermission(r.permission) ? [{ permission: r.permission, caSerial: r.ca_serial === GLOBAL ? null : r.ca_serial }] : [],
  );

const notFound = (name: string): TscaError => new TscaError("ERR_USER_NOT_FOUND", `${name}: No such user.`, { fields: { user: name } });

export class SqlUserRepository implements UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<User | undefined> {
    try {
      const row = await this.db.selectFrom("tsca_user").selectAll().where("name", "=", name).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async list(): Promise<User[]> {
    try {
      return (await this.db.selectFrom("tsca_user").selectAll().orderBy("name").execute()).map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async insert(user: User): Promise<void> {
    try {
      await this.db
        .insertInto("tsca_user")
        .values({
          name: user.name,
          password_hash: user.passwordHash,
          superuser: user.superuser ? 1 : 0,
          enabled: user.enabled ? 1 : 0,
          created_at: user.createdAt.toISOString(),
          updated_at: user.updatedAt.toISOString(),
        })
        .execute();
    } catch (e) {
      // The primary key is the name: PostgreSQL names the constraint tsca_user_pkey, SQLite the column tsca_user.name.
      if (isUniqueViolation(e, "tsca_user"))
        throw new TscaError("ERR_USER_NAME_TAKEN", `${user.name}: A user with this name exists already.`, {
          cause: e,
          fields: { user: user.name },
        });
      throw databaseError(e);
    }
  }

  async update(name: string, patch: Partial<Pick<User, "passwordHash" | "superuser" | "enabled">>, now: Date): Promise<void> {
    const set: Partial<UserTable> = { updated_at: now.toISOString() };
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.superuser !== undefined) set.superuser = patch.superuser ? 1 : 0;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    let updated: bigint;
    try {
      updated = (await this.db.updateTable("tsca_user").set(set).where("name", "=", name).executeTakeFirst()).numUpdatedRows;
    } catch (e) {
      throw databaseError(e);
    }
    if (updated === 0n) throw notFound(name);
  }

  async grants(name: string): Promise<Grant[]> {
    try {
      const rows = await this.db
        .selectFrom("user_grant")
        .select(["permission", "ca_serial"])
        .where("user_name", "=", name)
        .orderBy("permission")
        .orderBy("ca_serial")
        .execute();
      return grantsFromRows(rows);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async addGrants(name: string, grants: Grant[], now: Date): Promise<void> {
    try {
      await inTransaction(this.db, async (trx) => {
        // Checked here, not left to the foreign key, so that a missing user is ERR_USER_NOT_FOUND on both databases.
        const user = await trx.selectFrom("tsca_user").select("name").where("name", "=", name).executeTakeFirst();
        if (!user) throw notFound(name);
        const unique = [...new Map(grants.map((g) => [`${g.permission} ${toCaSerial(g)}`, g])).values()];
        if (unique.length === 0) return;
        await trx
          .insertInto("user_grant")
          .values(
            unique.map((g) => ({ user_name: name, permission: g.permission, ca_serial: toCaSerial(g), created_at: now.toISOString() })),
          )
          .onConflict((oc) => oc.columns(["user_name", "permission", "ca_serial"]).doNothing())
          .execute();
      });
    } catch (e) {
      throw databaseError(e);
    }
  }

  async removeGrants(name: string, grants: Grant[]): Promise<number> {
    if (grants.length === 0) return 0;
    try {
      const result = await this.db
        .deleteFrom("user_grant")
        .where("user_name", "=", name)
        .where((eb) => eb.or(grants.map((g) => eb.and([eb("permission", "=", g.permission), eb("ca_serial", "=", toCaSerial(g))]))))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    } catch (e) {
      throw databaseError(e);
    }
  }
}
