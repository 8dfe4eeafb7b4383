/**
 * Logging in and out. POST /admin/login verifies the password through the core use case
 * (authenticatePassword: one refusal for every reason, both outcomes audited), then gives the browser a
 * new session id (`regenerate`: the pre-login id and its CSRF secret die, so a planted id or token is
 * worthless afterwards, OWASP Session Management "Renew the Session ID After Any Privilege Level Change")
 * and sends it to the start page with 303 (RFC 9110 §15.4.4: the browser then GETs it).
 *
 * Attempts are limited before any password is hashed: every attempt counts against the client address,
 * every failed one against the user name; past the limit the answer is 429 with Retry-After until the
 * minute is over. Counting failures per name protects one account from a botnet that spreads its guesses
 * over many addresses (at the price that such guessing can lock the name out for a minute at a time).
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { UseCaseContext } from "../../../../core/access/context.js";
import { auditEvent } from "../../../../core/access/guard.js";
import { grantsOf } from "../../../../core/access/permissions.js";
import { isTscaError } from "../../../../core/errors.js";
import { authenticatePassword } from "../../../../core/usecases/authenticate-password.js";
import { NAME_PATTERN } from "../../../../core/usecases/users.js";
import { RateLimiter } from "../../api/rate-limiter.js";
import { adminUser, LOGIN_PATH } from "../access.js";
import type { AdminDeps } from "../deps.js";
import { LoginForm } from "../pages/login-page.js";
import { page } from "../render.js";
import { SESSION_COOKIE, SESSION_COOKIE_PATH } from "../session-store.js";

interface LoginBody {
  username?: unknown;
  password?: unknown;
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

function loginPage(request: FastifyRequest, reply: FastifyReply, opts: { error?: string; username?: string; status?: number } = {}) {
  return page(
    request,
    reply,
    "Log in",
    <LoginForm
      csrf={reply.generateCsrf()}
      {...(opts.error !== undefined ? { error: opts.error } : {})}
      {...(opts.username !== undefined ? { username: opts.username } : {})}
    />,
    opts.status,
  );
}

export async function loginRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const perAddress = new RateLimiter(deps.loginAttemptsPerMinute);
  const perUser = new RateLimiter(deps.loginAttemptsPerMinute);

  app.get(LOGIN_PATH.slice("/admin".length), { config: { adminPublic: true } }, async (request, reply) => {
    if (request.session.user) return reply.code(303).header("location", "/admin/").send();
    return loginPage(request, reply);
  });

  app.post<{ Body: LoginBody }>(LOGIN_PATH.slice("/admin".length), { config: { adminPublic: true } }, async (request, reply) => {
    const name = text(request.body?.username).trim();
    const password = text(request.body?.password);
    const now = deps.clock.now().getTime();
    const userKey = name.toLowerCase();
    const wait = Math.max(perAddress.take(request.ip, now), perUser.retryAfter(userKey, now));
    if (wait > 0) {
      reply.header("retry-after", String(wait));
      return loginPage(request, reply, {
        error: "Too many login attempts; wait a minute and try again.",
        username: name,
        status: 429,
      });
    }
    // The actor is the name claimed, with no rights; NAME_PATTERN keeps junk out of the audit log.
    const ctx: UseCaseContext = {
      actor: { kind: "web", id: NAME_PATTERN.test(name) ? name : "?" },
      access: grantsOf([]),
      clock: deps.clock,
      random: deps.random,
      audit: deps.auditLog,
      requestId: randomUUID(),
    };
    let user: string;
    try {
      ({ user } = await authenticatePassword(ctx, deps, { name, password, address: request.ip }));
    } catch (e) {
      if (!isTscaError(e) || e.code !== "ERR_UNAUTHENTICATED") throw e;
      perUser.hit(userKey, now);
      return loginPage(request, reply, { error: e.message, username: name, status: 401 });
    }
    request.session.user = user;
    await request.session.regenerate(["user"]);
    return reply.code(303).header("location", "/admin/").send();
  });

  app.post("/logout", async (request, reply) => {
    const { name, ctx } = adminUser(request);
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: SESSION_COOKIE_PATH });
    await deps.auditLog
      .append(auditEvent(ctx, "session.logout", `user:${name}`, { address: request.ip }), deps.clock.now())
      .catch(() => undefined);
    return reply.code(303).header("location", LOGIN_PATH).send();
  });
}
