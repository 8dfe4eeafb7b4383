/**
 * Who is signed in to the web admin, and what they may do. Every admin route is for a signed-in user unless
 * it says `config: { adminPublic: true }` (the login form, the static assets). The check runs as an onRequest
 * hook of the admin scope on every request: the session names the user, and the user is read afresh, so a
 * user disabled with `tsca disable_user` (or a grant taken away) stops working at the next request, whatever
 * sessions they hold; such a session is destroyed.
 *
 * Pages get the user with `adminUser(request)`, the use-case context (actor `web:NAME`) with
 * `adminContext(request)`, and ask `can(request, permission, caSerial)` before offering an action. The use
 * case checks again and refuses with ERR_FORBIDDEN, which the admin's error handler answers with a 403 page.
 */
import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Actor } from "../../../core/access/actor.js";
import type { UseCaseContext } from "../../../core/access/context.js";
import { allows, type AccessPolicy, type Permission } from "../../../core/access/permissions.js";
import { TscaError, isTscaError } from "../../../core/errors.js";
import { accessOf } from "../../../core/usecases/users.js";
import type { AdminDeps } from "./deps.js";
import { SESSION_COOKIE } from "./session-store.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** A web admin route anyone may reach without signing in (login, static assets). */
    adminPublic?: boolean;
  }
  interface Session {
    /** The signed-in user's name; absent before login. */
    user?: string;
    /** The store's bookkeeping (session-store.ts): when the session began, ISO 8601. */
    createdAt?: string;
  }
}

export interface AdminUser {
  name: string;
  access: AccessPolicy;
  /** The use-case context of this request: actor web:NAME, its access, the clock and the audit log. */
  ctx: UseCaseContext;
}

const signedIn = new WeakMap<FastifyRequest, AdminUser>();

/** The signed-in user of a request on a non-public admin route. */
export function adminUser(request: FastifyRequest): AdminUser {
  const user = signedIn.get(request);
  // Only reachable from a public route: a bug, not bad input.
  if (!user) throw new TscaError("ERR_INTERNAL", "An unexpected internal error occurred.");
  return user;
}

/** The signed-in user, or undefined (public routes: the login page shows no navigation). */
export const maybeAdminUser = (request: FastifyRequest): AdminUser | undefined => signedIn.get(request);

export const adminContext = (request: FastifyRequest): UseCaseContext => adminUser(request).ctx;

/** Whether the signed-in user holds `permission` on the CA (null: on every CA); for offering actions only. */
export const can = (request: FastifyRequest, permission: Permission, caSerial: string | null): boolean => {
  const user = signedIn.get(request);
  return user !== undefined && allows(user.access, permission, caSerial);
};

export const LOGIN_PATH = "/admin/login";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The page that reloads a cross-site navigation as a same-site one (see requireSignIn); no user data in it. */
const SAME_SITE_RELOAD =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0"><title>tsca</title>' +
  '<link rel="icon" href="data:,"></head><body><p><a href="">Continue to the tsca admin</a></p></body></html>';

/** The onRequest hook of the admin scope (after @fastify/session's, which loaded request.session). */
export function requireSignIn(deps: Pick<AdminDeps, "users" | "clock" | "random" | "auditLog">) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const name = request.session?.user;
    if (name) {
      let access: AccessPolicy | undefined;
      try {
        access = await accessOf(deps.users, name);
      } catch (e) {
        if (!isTscaError(e) || e.code !== "ERR_UNAUTHENTICATED") throw e;
        // Disabled or deleted since login: the session ends here, on every host (its row is deleted), and the
        // request goes on with a fresh, empty one (the login page needs a session for its CSRF secret).
        await request.session.regenerate();
      }
      if (access) {
        const actor: Actor = { kind: "web", id: name };
        const ctx: UseCaseContext = {
          actor,
          access,
          clock: deps.clock,
          random: deps.random,
          audit: deps.auditLog,
          requestId: randomUUID(),
        };
        signedIn.set(request, { name, access, ctx });
      }
    }
    if (signedIn.has(request)) return undefined;
    reply.header("cache-control", "no-store");
    // A link from another site arrives without the cookie (SameSite=Strict), though the browser may hold a
    // live session. Answering with the login form would store a new, empty session over it; instead the page
    // reloads itself, which the browser treats as same-site and sends the cookie with (a meta refresh, not a
    // script: the CSP allows none). Fetch Metadata (W3C) says which requests came from another site.
    if (request.method === "GET" && request.headers["sec-fetch-site"] === "cross-site" && !request.cookies?.[SESSION_COOKIE])
      return reply.code(200).header("content-type", "text/html; charset=utf-8").send(SAME_SITE_RELOAD);
    if (request.routeOptions.config.adminPublic) return undefined;
    // A page asked for without a session goes to the login form; a change without one is refused (a
    // cross-site form post arrives here too: SameSite=Strict keeps the cookie off it).
    if (SAFE_METHODS.has(request.method)) return reply.code(303).header("location", LOGIN_PATH).send();
    throw new TscaError("ERR_UNAUTHENTICATED", "You are not signed in, or your session has ended; log in again.");
  };
}
