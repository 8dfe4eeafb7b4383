/**
 * Who calls the API. Every request under /api/v1 passes `authenticate` (an onRequest hook) before any
 * route: the first authenticator that recognises the request's credentials names a principal, whose
 * use-case context the routes then take with `contextOf(request)`. Today that is the bearer token
 * (RFC 6750 §2.1: `Authorization: Bearer TOKEN`); a web-admin session (issue 9) is the next authenticator
 * in the list, with its CSRF check, and nothing else changes.
 *
 * Answers (RFC 6750 §3): no credentials → 401 with `WWW-Authenticate: Bearer realm="tsca"` and no error
 * code (§3.1 says a request without any should get none); a token that does not work (unknown, revoked,
 * expired) → 401 with `error="invalid_token"`. Failed authentications are counted per client address and,
 * past the limit, every attempt from it is 429 until its minute is over — guessing tokens (32 random bytes)
 * is hopeless anyway, but each guess costs a database lookup. Requests are counted per token too.
 */
import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { UseCaseContext } from "../../../core/access/context.js";
import type { AccessPolicy } from "../../../core/access/permissions.js";
import type { AuditLog } from "../../../core/ports/audit-log.js";
import type { Clock } from "../../../core/ports/clock.js";
import type { Random } from "../../../core/ports/random.js";
import { TscaError, isTscaError } from "../../../core/errors.js";
import { sendProblem } from "../problem.js";
import { RateLimiter } from "./rate-limiter.js";

/** An authenticated caller: the actor kind and id the audit log records, and what it may do. */
export interface Principal {
  kind: "api" | "web";
  /** `user/token-name` for a token; the user name for a session. */
  id: string;
  access: AccessPolicy;
}

/**
 * One way of proving who calls: undefined when the request does not carry this kind of credentials at all;
 * throws ERR_UNAUTHENTICATED when it carries them and they do not work.
 */
export type Authenticator = (request: FastifyRequest, now: Date) => Promise<Principal | undefined>;

/** `Authorization: Bearer TOKEN` (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110 §11.1). */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const m = /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return m ? m[1] : /^bearer\b/i.test(header) ? "" : undefined;
}

/** The bearer authenticator over the token use case (core/usecases/api-tokens.ts, passed in by main). */
export function bearerAuthenticator(
  authenticateToken: (presented: string, now: Date) => Promise<{ user: string; tokenName: string; access: AccessPolicy }>,
): Authenticator {
  return async (request, now) => {
    const presented = bearerToken(request);
    if (presented === undefined) return undefined;
    if (presented === "") throw new TscaError("ERR_UNAUTHENTICATED", "The bearer token is malformed.");
    const who = await authenticateToken(presented, now);
    return { kind: "api", id: `${who.user}/${who.tokenName}`, access: who.access };
  };
}

export interface AuthOptions {
  authenticators: Authenticator[];
  clock: Clock;
  random: Random;
  audit: AuditLog;
  /** Failed authentications per client address and minute before 429. */
  failuresPerMinute: number;
  /** Requests per principal and minute before 429; 0: no limit. */
  requestsPerMinute: number;
}

const contexts = new WeakMap<FastifyRequest, UseCaseContext>();

/** The use-case context of an authenticated request (set by the hook below). */
export function contextOf(request: FastifyRequest): UseCaseContext {
  const ctx = contexts.get(request);
  // Only reachable if a route were registered outside the authenticated scope: a bug, not bad input.
  if (!ctx) throw new TscaError("ERR_INTERNAL", "An unexpected internal error occurred.");
  return ctx;
}

const CHALLENGE = 'Bearer realm="tsca"';

function refuse(reply: FastifyReply, e: TscaError, retryAfter?: number): FastifyReply {
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  return sendProblem(reply, e);
}

/** The onRequest hook of the authenticated API scope. */
export function authenticate(opts: AuthOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const failures = new RateLimiter(opts.failuresPerMinute);
  const requests = new RateLimiter(opts.requestsPerMinute);
  return async (request, reply) => {
    const requestId = randomUUID();
    reply.header("x-request-id", requestId);
    const now = opts.clock.now();
    const address = request.ip;
    const blocked = failures.retryAfter(address, now.getTime());
    if (blocked > 0)
      return refuse(
        reply,
        new TscaError("ERR_RATE_LIMITED", "Too many failed authentications from this address; try again later."),
        blocked,
      );
    let principal: Principal | undefined;
    try {
      for (const authenticator of opts.authenticators) {
        principal = await authenticator(request, now);
        if (principal) break;
      }
    } catch (e) {
      if (!isTscaError(e) || e.code !== "ERR_UNAUTHENTICATED") throw e;
      failures.hit(address, now.getTime());
      reply.header("www-authenticate", `${CHALLENGE}, error="invalid_token", error_description="The access token is not valid"`);
      return refuse(reply, new TscaError("ERR_UNAUTHENTICATED", "The access token is unknown, revoked or expired.", { cause: e }));
    }
    if (!principal) {
      reply.header("www-authenticate", CHALLENGE);
      return refuse(reply, new TscaError("ERR_UNAUTHENTICATED", "This request needs an API token: Authorization: Bearer TOKEN."));
    }
    const wait = requests.take(`${principal.kind}:${principal.id}`, now.getTime());
    if (wait > 0) return refuse(reply, new TscaError("ERR_RATE_LIMITED", "Too many requests with this token; try again later."), wait);
    contexts.set(request, {
      actor: { kind: principal.kind, id: principal.id },
      access: principal.access,
      clock: opts.clock,
      random: opts.random,
      audit: opts.audit,
      requestId,
    });
    return undefined;
  };
}
