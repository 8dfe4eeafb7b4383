/**
 * The web admin's sessions over the database (core/ports/admin-sessions.ts), in the shape @fastify/session
 * wants from a store (`get`, `set`, `destroy` with callbacks), so that it never falls back to its in-memory
 * default: that one would leak memory and, worse, not be seen by the other web hosts.
 *
 * The cookie carries a session id of 32 random bytes (base64url); the table keeps only its SHA-256. The id is
 * not signed: a 256-bit random value cannot be guessed, and a signing key would be one more secret that every
 * web host must share and protect while adding nothing the lookup does not already refuse. A cookie that is
 * not shaped like an id is refused without a query.
 *
 * Expiry (core/access/session-lifetime.ts) is decided here, on the injected clock, not by cookie dates: the
 * cookie is a browser-session cookie, and a session that is idle or too old is deleted when presented and
 * then looks like no session at all. Use is recorded at most once a minute. Expired rows of sessions nobody
 * presents again are deleted by a sweep that runs at most every SWEEP_INTERVAL_MS, from a request.
 */
import { createHash, randomBytes } from "node:crypto";
import { sessionExpired, sessionExpiresAt, sessionNeedsTouch, type SessionLifetime } from "../../../core/access/session-lifetime.js";
import type { AdminSession, AdminSessionRepository } from "../../../core/ports/admin-sessions.js";
import type { Clock } from "../../../core/ports/clock.js";

/** The cookie's name; its value is the session id. */
export const SESSION_COOKIE = "tsca_session";

/**
 * The cookie's path: "/", not "/admin", because the REST API under /api/v1 accepts the session too (issue
 * 10) and a browser sends a cookie only below its path. No other route reads it (OCSP and CRLs ignore
 * cookies); HttpOnly and SameSite=Strict keep it from scripts and from cross-site requests.
 */
export const SESSION_COOKIE_PATH = "/";

/** 32 random bytes, base64url without padding (RFC 4648 §5). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const newSessionId = (): string => randomBytes(32).toString("base64url");

export const sessionIdHash = (id: string): string => createHash("sha256").update(id, "utf8").digest("hex");

/** Keys of the session object that are the store's own bookkeeping, not data. */
const USER_KEY = "user";
const CREATED_KEY = "createdAt";

const SWEEP_INTERVAL_MS = 5 * 60_000;

/** @fastify/session's signer option: the id goes into the cookie as it is (see above). */
export const unsignedIds = {
  sign: (value: string): string => value,
  unsign: (value: string): { valid: boolean; renew: boolean; value: string | null } =>
    SESSION_ID_PATTERN.test(value) ? { valid: true, renew: false, value } : { valid: false, renew: false, value: null },
};

type Callback<T = void> = (err: Error | null, value?: T) => void;

export class AdminSessionStore {
  private lastSweep = -Infinity;

  constructor(
    private readonly repo: AdminSessionRepository,
    private readonly clock: Clock,
    private readonly lifetime: SessionLifetime,
  ) {}

  /**
   * The live session for a presented id, or undefined (unknown, malformed or expired; an expired one is
   * deleted). Records use when due. Shared with the API's session authenticator.
   */
  async load(sessionId: string): Promise<AdminSession | undefined> {
    if (!SESSION_ID_PATTERN.test(sessionId)) return undefined;
    const now = this.clock.now();
    this.sweep(now);
    const idHash = sessionIdHash(sessionId);
    const found = await this.repo.get(idHash);
    if (!found) return undefined;
    if (sessionExpired(found.expiresAt, now)) {
      await this.repo.delete(idHash);
      return undefined;
    }
    if (sessionNeedsTouch(found.lastSeenAt, now)) {
      const expiresAt = sessionExpiresAt(found.createdAt, now, this.lifetime, found.user !== null);
      await this.repo.touch(idHash, now, expiresAt);
      return { ...found, lastSeenAt: now, expiresAt };
    }
    return found;
  }

  /** Deletes expired rows now and then; a failure is left for the next sweep (the rows are refused anyway). */
  private sweep(now: Date): void {
    if (now.getTime() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now.getTime();
    this.repo.deleteExpired(now).catch(() => undefined);
  }

  // --- the @fastify/session store interface ---

  get(sessionId: string, callback: Callback<Record<string, unknown> | null>): void {
    this.load(sessionId).then(
      (s) => callback(null, s ? { ...s.data, ...(s.user ? { [USER_KEY]: s.user } : {}), [CREATED_KEY]: s.createdAt.toISOString() } : null),
      (e: Error) => callback(e),
    );
  }

  set(sessionId: string, session: Record<string, unknown>, callback: Callback): void {
    const now = this.clock.now();
    this.sweep(now);
    const created = typeof session[CREATED_KEY] === "string" ? new Date(session[CREATED_KEY]) : now;
    const data: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(session))
      if (key !== "cookie" && key !== USER_KEY && key !== CREATED_KEY && value !== undefined) data[key] = value;
    const user = typeof session[USER_KEY] === "string" ? session[USER_KEY] : null;
    this.repo
      .put({
        idHash: sessionIdHash(sessionId),
        user,
        data,
        createdAt: created,
        lastSeenAt: now,
        expiresAt: sessionExpiresAt(created, now, this.lifetime, user !== null),
      })
      .then(
        () => callback(null),
        (e: Error) => callback(e),
      );
  }

  destroy(sessionId: string, callback: Callback): void {
    this.repo.delete(sessionIdHash(sessionId)).then(
      () => callback(null),
      (e: Error) => callback(e),
    );
  }
}
