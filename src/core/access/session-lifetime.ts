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

/**
 * A session before login exists only to carry the login form's CSRF secret; it lasts at most this long.
 * Anyone can make one by asking for the login page, so they must not pile up for the whole idle timeout.
 */
export const LOGIN_FORM_SECONDS = 900;

/**
 * The moment a session ends: the earlier of its idle end and its absolute end (for a session nobody has
 * logged in to yet, at most LOGIN_FORM_SECONDS after it began).
 */
export function sessionExpiresAt(createdAt: Date, lastSeenAt: Date, lifetime: SessionLifetime, signedIn = true): Date {
  const idle = lastSeenAt.getTime() + lifetime.idleSeconds * 1000;
  const maxAge = signedIn ? lifetime.maxAgeSeconds : Math.min(lifetime.maxAgeSeconds, LOGIN_FORM_SECONDS);
  return new Date(Math.min(idle, createdAt.getTime() + maxAge * 1000));
}

export const sessionExpired = (expiresAt: Date, now: Date): boolean => expiresAt.getTime() <= now.getTime();

/** Whether this request should record use of the session (see SESSION_TOUCH_INTERVAL_MS). */
export const sessionNeedsTouch = (lastSeenAt: Date, now: Date): boolean =>
  now.getTime() - lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS;
