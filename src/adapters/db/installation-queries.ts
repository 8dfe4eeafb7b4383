/**
 * The database half of `tsca check` (core/ports/installation-health.ts): which migrations the database has
 * against those this program knows, and how long the oldest signing request has been pending.
 */
import { sql, type Kysely } from "kysely";
import type { InstallationHealth } from "../../core/ports/installation-health.js";
import { MIGRATIONS } from "./migrations.js";
import type { Database } from "./schema.js";

export class SqlInstallationQueries implements Pick<InstallationHealth, "migrations" | "pendingBefore"> {
  constructor(private readonly db: Kysely<Database>) {}

  async migrations(): Promise<{ missing: string[]; unknown: string[] }> {
    const rows = await sql<{ id: string }>`SELECT id FROM tsca_migrations`.execute(this.db);
    const applied = new Set(rows.rows.map((r) => r.id));
    const known = new Set(MIGRATIONS.map((m) => m.id));
    return {
      missing: MIGRATIONS.map((m) => m.id).filter((id) => !applied.has(id)),
      unknown: [...applied].filter((id) => !known.has(id)).sort(),
    };
  }

  async pendingBefore(cutoff: Date): Promise<{ count: number; oldest: Date | undefined }> {
    // created_at is ISO 8601 UTC text on both backends, so text order is time order.
    const row = await this.db
      .selectFrom("signing_request")
      .select((eb) => [eb.fn.countAll<string | number>().as("count"), eb.fn.min("created_at").as("oldest")])
      .where("status", "=", "pending")
      .where("created_at", "<", cutoff.toISOString())
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), oldest: row.oldest ? new Date(row.oldest) : undefined };
  }
}
