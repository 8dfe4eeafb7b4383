/**
 * Web admin sessions in SQL (table admin_session, migration 0012): found by the hex SHA-256 of the session
 * id, expired ones deleted with one range on the expires_at index. Times are ISO 8601 UTC text of one fixed
 * width, so comparing them as text compares the times.
 */
import type { Kysely, Selectable } from "kysely";
import type { AdminSession, AdminSessionRepository } from "../../core/ports/admin-sessions.js";
import { databaseError } from "./database-errors.js";
import type { AdminSessionTable, Database } from "./schema.js";

function fromRow(r: Selectable<AdminSessionTable>): AdminSession {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(r.data);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    // Damaged data holds nothing worth keeping: the session goes on without its CSRF secret (forms get a new one).
  }
  return {
    idHash: r.id_hash,
    user: r.user_name,
    data,
    createdAt: new Date(r.created_at),
    lastSeenAt: new Date(r.last_seen_at),
    expiresAt: new Date(r.expires_at),
  };
}

export class SqlAdminSessionRepository implements AdminSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(idHash: string): Promise<AdminSession | undefined> {
    try {
      const row = await this.db.selectFrom("admin_session").selectAll().where("id_hash", "=", idHash).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async put(s: AdminSession): Promise<void> {
    const row = {
      id_hash: s.idHash,
      user_name: s.user,
      data: JSON.stringify(s.data),
      created_at: s.createdAt.toISOString(),
      last_seen_at: s.lastSeenAt.toISOString(),
      expires_at: s.expiresAt.toISOString(),
    };
    try {
      await this.db
        .insertInto("admin_session")
        .values(row)
        .onConflict((oc) =>
          oc.column("id_hash").doUpdateSet({
            user_name: row.user_name,
            data: row.data,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
          }),
        )
        .execute();
    } catch (e) {
      throw databaseError(e);
    }
  }

  async touch(idHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
    try {
      await this.db
        .updateTable("admin_session")
        .set({ last_seen_at: lastSeenAt.toISOString(), expires_at: expiresAt.toISOString() })
        .where("id_hash", "=", idHash)
        .execute();
    } catch (e) {
      throw databaseError(e);
    }
  }

  async delete(idHash: string): Promise<void> {
    try {
      await this.db.deleteFrom("admin_session").where("id_hash", "=", idHash).execute();
    } catch (e) {
      throw databaseError(e);
    }
  }

  async deleteExpired(now: Date): Promise<number> {
    try {
      const r = await this.db.deleteFrom("admin_session").where("expires_at", "<=", now.toISOString()).executeTakeFirst();
      return Number(r.numDeletedRows);
    } catch (e) {
      throw databaseError(e);
    }
  }
}
