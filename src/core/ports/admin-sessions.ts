/**
 * Web admin sessions (issue 9), kept in the database so that every web host sees the same ones: a login on
 * one host works on the next, and a logout or an expiry ends the session everywhere. The repository is
 * given the SHA-256 of a session id, never the id: what the table holds cannot be presented as a cookie.
 */
export interface AdminSession {
  /** Hex SHA-256 of the session id the cookie carries. */
  idHash: string;
  /** The signed-in user; null before login (the session then only carries the login form's CSRF secret). */
  user: string | null;
  /** What the web surface keeps in the session (the CSRF secret); JSON-serialisable, never a password. */
  data: Record<string, unknown>;
  createdAt: Date;
  lastSeenAt: Date;
  /** The earlier of the idle end (lastSeenAt + idle timeout) and the absolute end (createdAt + maximum age). */
  expiresAt: Date;
}

export interface AdminSessionRepository {
  get(idHash: string): Promise<AdminSession | undefined>;
  /** Insert or replace the session with this idHash. */
  put(session: AdminSession): Promise<void>;
  /** Record use: a new lastSeenAt and the expiresAt that follows from it. */
  touch(idHash: string, lastSeenAt: Date, expiresAt: Date): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Delete every session that expired at or before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}
