/**
 * How long a web admin session lives (OWASP Session Management Cheat Sheet, "Session Expiration"): it ends
 * after `idleSeconds` without a request, and `maxAgeSeconds` after it began however busy it is. Both come
 * from settings (adminSessionIdleTimeout, adminSessionMaxAge). Pure: the caller passes the clock's time.
 */
export interface SessionLifetime {
  idleSeconds: number;
  maxAgeSeconds: number;
}

/**
 * Use is written at most this often per session: a write per page view would turn every read into a
 * write. The idle timeout is therefore exact to within this interval (never shorter than configured).
 */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

/** The moment a session ends: the earlier of its idle end and its absolute end. */
export function sessionExpiresAt(createdAt: Date, lastSeenAt: Date, lifetime: SessionLifetime): Date {
  const idle = lastSeenAt.getTime() + lifetime.idleSeconds * 1000;
  const absolute = createdAt.getTime() + lifetime.maxAgeSeconds * 1000;
  return new Date(Math.min(idle, absolute));
}

export const sessionExpired = (expiresAt: Date, now: Date): boolean => expiresAt.getTime() <= now.getTime();

/** Whether this request should record use of the session (see SESSION_TOUCH_INTERVAL_MS). */
export const sessionNeedsTouch = (lastSeenAt: Date, now: Date): boolean =>
  now.getTime() - lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS;
