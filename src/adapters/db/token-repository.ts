/**
 * API tokens in SQL (table api_token, migration 0010). Only the hex SHA-256 of a token is stored; byHash
 * is the one lookup every API request makes, through the unique index on hash.
 */
import type { Kysely, Selectable } from "kysely";
import { TscaError } from "../../core/errors.js";
import type { ApiToken, TokenCredentials, TokenRepository } from "../../core/ports/token-repository.js";
import { databaseError, isUniqueViolation } from "./database-errors.js";
import type { ApiTokenTable, Database } from "./schema.js";
import { grantsFromRows } from "./user-repository.js";

const COLUMNS = ["name", "user_name", "created_at", "expires_at", "revoked_at", "last_used_at"] as const;

type Row = Pick<Selectable<ApiTokenTable>, (typeof COLUMNS)[number]>;

const date = (s: string | null): Date | null => (s === null ? null : new Date(s));

function fromRow(r: Row): ApiToken {
  return {
    name: r.name,
    user: r.user_name,
    createdAt: new Date(r.created_at),
    expiresAt: date(r.expires_at),
    revokedAt: date(r.revoked_at),
    lastUsedAt: date(r.last_used_at),
  };
}

const notFound = (name: string): TscaError =>
  new TscaError("ERR_TOKEN_NOT_FOUND", `${name}: No such API token.`, { fields: { token: name } });

export class SqlTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(token: ApiToken, hash: string): Promise<void> {
    try {
      await this.db
        .insertInto("api_token")
        .values({
          name: token.name,
          user_name: token.user,
          hash,
          created_at: token.createdAt.toISOString(),
          expires_at: token.expiresAt?.toISOString() ?? null,
          revoked_at: token.revokedAt?.toISOString() ?? null,
          last_used_at: token.lastUsedAt?.toISOString() ?? null,
        })
        .execute();
    } catch (e) {
      // The primary key is the name: PostgreSQL names the constraint api_token_pkey, SQLite the column api_token.name.
      if (isUniqueViolation(e, "api_token_pkey") || isUniqueViolation(e, "api_token.name"))
        throw new TscaError("ERR_TOKEN_NAME_TAKEN", `${token.name}: An API token with this name exists already.`, {
          cause: e,
          fields: { token: token.name },
        });
      throw databaseError(e);
    }
  }

  async get(name: string): Promise<ApiToken | undefined> {
    try {
      const row = await this.db.selectFrom("api_token").select(COLUMNS).where("name", "=", name).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async byHash(hash: string): Promise<ApiToken | undefined> {
    try {
      const row = await this.db.selectFrom("api_token").select(COLUMNS).where("hash", "=", hash).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async credentials(hash: string): Promise<TokenCredentials | undefined> {
    try {
      // One row per grant (one with null grant columns when there is none): the token, user and grants in one round trip.
      const rows = await this.db
        .selectFrom("api_token as t")
        .innerJoin("tsca_user as u", "u.name", "t.user_name")
        .leftJoin("user_grant as g", "g.user_name", "t.user_name")
        .select([
          "t.name",
          "t.user_name",
          "t.created_at",
          "t.expires_at",
          "t.revoked_at",
          "t.last_used_at",
          "u.enabled",
          "u.superuser",
          "g.permission",
          "g.ca_serial",
        ])
        .where("t.hash", "=", hash)
        .execute();
      const first = rows[0];
      if (!first) return undefined;
      const grants = rows.flatMap((r) =>
        r.permission !== null && r.ca_serial !== null ? [{ permission: r.permission, ca_serial: r.ca_serial }] : [],
      );
      return {
        token: fromRow(first),
        userEnabled: Number(first.enabled) === 1,
        superuser: Number(first.superuser) === 1,
        grants: grantsFromRows(grants).sort((a, b) =>
          `${a.permission} ${a.caSerial ?? "*"}`.localeCompare(`${b.permission} ${b.caSerial ?? "*"}`),
        ),
      };
    } catch (e) {
      throw databaseError(e);
    }
  }

  async list(user?: string): Promise<ApiToken[]> {
    try {
      let q = this.db.selectFrom("api_token").select(COLUMNS);
      if (user !== undefined) q = q.where("user_name", "=", user);
      return (await q.orderBy("created_at").orderBy("name").execute()).map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async revoke(name: string, now: Date): Promise<ApiToken> {
    try {
      // A second revocation keeps the first time: that is when the token stopped working.
      await this.db
        .updateTable("api_token")
        .set({ revoked_at: now.toISOString() })
        .where("name", "=", name)
        .where("revoked_at", "is", null)
        .execute();
    } catch (e) {
      throw databaseError(e);
    }
    const token = await this.get(name);
    if (!token) throw notFound(name);
    return token;
  }

  async touch(name: string, now: Date): Promise<void> {
    const at = now.toISOString();
    try {
      // ISO 8601 UTC strings of one length sort like the instants they name, on both databases.
      await this.db
        .updateTable("api_token")
        .set({ last_used_at: at })
        .where("name", "=", name)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", at)]))
        .execute();
    } catch (e) {
      throw databaseError(e);
    }
  }
}
