/**
 * The REST API accepts a web admin session too (issue 10: "Web admin users can also call the API with their
 * session (and CSRF token)"): an Authenticator (api/auth.ts) beside the bearer one. It reads the session
 * cookie, loads the session from the database exactly as the admin does (session-store.ts: expiry, use),
 * and reads the user afresh (a disabled user is refused). A request that changes something (POST, PUT,
 * PATCH, DELETE) must carry the session's CSRF token in `X-CSRF-Token`: the browser sends the cookie with
 * any request to this origin, so the cookie alone must not be enough to act (a header cannot be set by a
 * cross-site form). The principal is `web:USER`, as on the admin's pages.
 */
import CsrfTokens from "@fastify/csrf";
import type { FastifyRequest } from "fastify";
import { TscaError } from "../../../core/errors.js";
import { accessOf } from "../../../core/usecases/users.js";
import type { UserRepository } from "../../../core/ports/user-repository.js";
import type { Authenticator } from "../api/auth.js";
import { SESSION_COOKIE, type AdminSessionStore } from "./session-store.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The session cookie's value from the Cookie header (RFC 6265 §5.4), without a cookie parser in front of the API. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== "string") return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionAuthenticator(store: AdminSessionStore, users: UserRepository): Authenticator {
  const tokens = CsrfTokens();
  return async (request) => {
    const id = sessionCookie(request);
    if (id === undefined) return undefined;
    const session = await store.load(id);
    if (!session?.user) throw new TscaError("ERR_UNAUTHENTICATED", "The web admin session has ended; log in again.");
    const access = await accessOf(users, session.user);
    if (!SAFE_METHODS.has(request.method)) {
      const secret = session.data._csrf;
      const token = request.headers["x-csrf-token"];
      if (typeof secret !== "string" || typeof token !== "string" || !tokens.verify(secret, token))
        throw new TscaError(
          "ERR_CSRF",
          "A request with a web admin session that changes something needs the session's CSRF token in X-CSRF-Token.",
        );
    }
    return { kind: "web", id: session.user, access };
  };
}
