/**
 * API tokens (issue 10): a bearer token (RFC 6750) acts as its user, with the user's grants. Tokens are
 * made, listed and revoked only by the key host's command line, like users.
 *
 * A token is `tsca_` and 32 random bytes in base64url (RFC 4648 §5), 256 bits. Only its SHA-256 is stored:
 * a secret that random cannot be guessed from its hash, so a slow password hash (argon2) would add nothing
 * but cost to every API request. The prefix lets secret scanners recognise a leaked token.
 */
import { createHash } from "node:crypto";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardKeyHost } from "../access/guard.js";
import { FULL_ACCESS, grantsOf, type AccessPolicy } from "../access/permissions.js";
import { TscaError } from "../errors.js";
import type { ApiToken, TokenRepository } from "../ports/token-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { UserRepository } from "../ports/user-repository.js";
import { existingUser, NAME_PATTERN } from "./users.js";

export interface TokenDeps {
  tokens: TokenRepository;
  users: UserRepository;
  uow: UnitOfWork;
}

const PREFIX = "tsca_";
const SECRET_BYTES = 32;
/** `tsca_` and 43 base64url characters (32 bytes, no padding). */
export const TOKEN_PATTERN = /^tsca_[A-Za-z0-9_-]{43}$/;
/** Tokens live at most ten years; longer is a token that outlives everyone who knew about it. */
export const MAX_TOKEN_DAYS = 3650;
const DAY_MS = 86_400_000;
/** last_used_at is written at most this often per token: per request it would turn every read into a write. */
export const TOUCH_INTERVAL_MS = 60_000;

/** The hex SHA-256 a token is stored and looked up by. */
export const tokenHash = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

function assertTokenName(name: string): void {
  if (!NAME_PATTERN.test(name))
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      `${JSON.stringify(name)}: A token name has 1 to 64 letters, digits, dots, dashes or underscores, and starts with a letter or digit.`,
    );
}

function expiry(now: Date, days: number | undefined): Date | null {
  if (days === undefined) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)
    throw new TscaError("ERR_INVALID_ARGUMENT", `${days}: A token expires after 1 to ${MAX_TOKEN_DAYS} whole days.`);
  return new Date(now.getTime() + days * DAY_MS);
}

/**
 * Make a token for `user`. The token is returned once, here; the database keeps only its hash. Without a
 * name it is `<user>-<8 hex digits>` (the user part shortened to keep within 64 characters).
 */
export async function createToken(
  ctx: UseCaseContext,
  deps: TokenDeps,
  req: { user: string; name?: string; expiresDays?: number },
): Promise<{ token: string; record: ApiToken }> {
  const name = req.name ?? `${req.user.slice(0, 55)}-${ctx.random.bytes(4).toString("hex")}`;
  await guardKeyHost(ctx, "token.create", `token:${name}`);
  assertTokenName(name);
  const now = ctx.clock.now();
  const record: ApiToken = {
    name,
    user: req.user,
    createdAt: now,
    expiresAt: expiry(now, req.expiresDays),
    revokedAt: null,
    lastUsedAt: null,
  };
  const token = PREFIX + ctx.random.bytes(SECRET_BYTES).toString("base64url");
  await deps.uow.run(async (tx) => {
    await existingUser(tx.users, req.user);
    await tx.tokens.insert(record, tokenHash(token));
    const detail = { user: req.user, expires: record.expiresAt?.toISOString() ?? null };
    await tx.audit.append(auditEvent(ctx, "token.create", `token:${name}`, detail), now);
  });
  return { token, record };
}

/** Every token, or those of one user; never a token's secret or hash. */
export async function listTokens(ctx: UseCaseContext, deps: TokenDeps, req: { user?: string }): Promise<ApiToken[]> {
  await guardKeyHost(ctx, "token.list", req.user !== undefined ? `user:${req.user}` : "token:*");
  return deps.tokens.list(req.user);
}

/** Revoke a token: the next request that presents it is refused. Revoking it again changes nothing. */
export async function revokeToken(ctx: UseCaseContext, deps: TokenDeps, req: { name: string }): Promise<ApiToken> {
  await guardKeyHost(ctx, "token.revoke", `token:${req.name}`);
  const now = ctx.clock.now();
  return deps.uow.run(async (tx) => {
    const token = await tx.tokens.revoke(req.name, now);
    await tx.audit.append(auditEvent(ctx, "token.revoke", `token:${req.name}`, { user: token.user }), now);
    return token;
  });
}

/** The one answer to every refused token: it does not say whether the token is unknown, revoked, expired or its user disabled. */
const refused = (): TscaError => new TscaError("ERR_UNAUTHENTICATED", "The API token is not valid.");

/** When this process last wrote last_used_at, per repository and token: a burst of requests writes once. */
const touched = new WeakMap<TokenRepository, Map<string, number>>();

/**
 * Record that a token was used, at most once per TOUCH_INTERVAL_MS (by the stored time and by what this
 * process wrote last). The time is informational: a host that cannot write (read-only SQLite) still
 * authenticates, so a failed write is ignored.
 */
async function noteUse(tokens: TokenRepository, token: ApiToken, now: Date): Promise<void> {
  let mine = touched.get(tokens);
  if (!mine) touched.set(tokens, (mine = new Map()));
  const last = Math.max(token.lastUsedAt?.getTime() ?? -Infinity, mine.get(token.name) ?? -Infinity);
  if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
  mine.set(token.name, now.getTime());
  await tokens.touch(token.name, now).catch(() => undefined);
}

/**
 * For every API request: the token's user and policy; throws ERR_UNAUTHENTICATED (one sentence, no hint
 * whether the token is unknown, revoked, expired or its user disabled). One query by the indexed hash
 * reads the token with its user's state and grants, afresh on every request, so that a disabled user, a
 * revoked token or a changed grant takes effect at once. (`users` is part of the contract the API codes
 * against; the one-query read goes through `tokens`.)
 */
export async function authenticateToken(
  deps: { tokens: TokenRepository; users: UserRepository },
  presented: string,
  now: Date,
): Promise<{ user: string; tokenName: string; access: AccessPolicy }> {
  // Anything not shaped like a token is refused without a query.
  if (!TOKEN_PATTERN.test(presented)) throw refused();
  const found = await deps.tokens.credentials(tokenHash(presented));
  if (!found || !found.userEnabled) throw refused();
  const { token } = found;
  if (token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime())) throw refused();
  await noteUse(deps.tokens, token, now);
  // The same policy accessOf() gives a signed-in user: a superuser everything, anyone else its grants.
  return { user: token.user, tokenName: token.name, access: found.superuser ? FULL_ACCESS : grantsOf(found.grants) };
}
