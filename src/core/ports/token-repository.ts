import type { Grant } from "../access/permissions.js";

/**
 * API tokens (issue 10): a bearer token acts as its user. Only the token's SHA-256 is stored, so a copy
 * of the database hands out no working token; the token itself is shown once, when it is made.
 */

export interface ApiToken {
  /** Unique in the installation; the same characters as a user name. */
  name: string;
  /** The user the token acts as. */
  user: string;
  createdAt: Date;
  /** null: never expires. The token stops working at this instant. */
  expiresAt: Date | null;
  /** null: not revoked. */
  revokedAt: Date | null;
  /** When a request last used it, updated at most about once a minute (see authenticateToken). */
  lastUsedAt: Date | null;
}

/** What authenticating a request needs, read in one round trip: the token, its user's state and grants. */
export interface TokenCredentials {
  token: ApiToken;
  userEnabled: boolean;
  superuser: boolean;
  grants: Grant[];
}

export interface TokenRepository {
  /** Store a new token with the hex SHA-256 of its secret; ERR_TOKEN_NAME_TAKEN when the name exists. */
  insert(token: ApiToken, hash: string): Promise<void>;
  get(name: string): Promise<ApiToken | undefined>;
  /** The token whose secret has this hex SHA-256 (one indexed lookup), whatever its state. */
  byHash(hash: string): Promise<ApiToken | undefined>;
  /**
   * The token whose secret has this hex SHA-256 with its user's enabled flag, superuser flag and grants, in
   * one query (it runs for every API request); undefined when no token has this hash.
   */
  credentials(hash: string): Promise<TokenCredentials | undefined>;
  /** Every token, or those of one user, by creation time then name. */
  list(user?: string): Promise<ApiToken[]>;
  /** Revoke (a token revoked already keeps its first revocation time); ERR_TOKEN_NOT_FOUND when unknown. */
  revoke(name: string, now: Date): Promise<ApiToken>;
  /** Record a use at `now`, unless a later one is recorded already. */
  touch(name: string, now: Date): Promise<void>;
}
