/**
 * The web surface's one error table (DESIGN.md, Errors): error kind → HTTP status, and every error answer
 * as problem details, `application/problem+json` (RFC 9457). buildApp registers it as the error handler and
 * the not-found handler of the whole application, so every web plugin (OCSP aside, which must answer in
 * OCSP, RFC 6960 Appendix A.1) answers errors the same way; routes that answer an error without throwing
 * (the CRL routes, on their hot path) call `sendProblem` directly.
 *
 * The body (RFC 9457 §3.1, §3.2):
 *   type    `urn:tsca:error:<CODE>`, one per error code: stable, documented in docs/errors.md, and not meant
 *           to be dereferenced (§3.1.1 allows a non-resolvable URI; consumers should not fetch it anyway)
 *   title   the reason phrase of the status (RFC 9110 §15), the same for every occurrence of a type (§3.1.3)
 *   status  the HTTP status code, repeated for consumers that lose the header (§3.1.2)
 *   detail  the error's one sentence, safe to show by construction (TscaError)
 *   code    the error code, for scripts (extension member, §3.2)
 *   + the error's `fields` (ca, rule, rfc, permission, …) as further extension members.
 * Never the cause, a stack trace or a driver message: those go to the server log only.
 *
 * 503 and 429 carry Retry-After (RFC 9110 §10.2.3; RFC 6585 §4). Fastify's own errors for bad input — a
 * body too large, an unsupported media type, JSON that does not parse, a URL that does not decode — are
 * turned into TscaErrors here and go through the same table: bad input is never a 500. Only a bug is (kind
 * `internal`, ERR_INTERNAL), with a detail that says nothing about it.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TscaError, isTscaError, type ErrorCode, type ErrorKind } from "../../core/errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem type of an error code (RFC 9457 §3.1.1). */
export const PROBLEM_TYPE_PREFIX = "urn:tsca:error:";

/** HTTP status per kind; a Record, so a new kind does not compile until it has a row here. */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  usage: 400,
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "too-large": 413,
  "unsupported-media-type": 415,
  "rate-limited": 429,
  unavailable: 503,
  // A bug, not bad input: the only 500, and its detail says nothing about what broke.
  internal: 500,
};

/** Reason phrases (RFC 9110 §15) of the statuses above: the problem's title. */
const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Seconds a client is asked to wait after a 503 (about one database timeout) or a 429, unless the error
 * names its own wait in the field `retryAfter`.
 */
export const RETRY_AFTER_SECONDS = 5;

/** The members RFC 9457 §3.1 defines, plus `code`: a field of the same name never replaces them. */
const RESERVED = new Set(["type", "title", "status", "detail", "instance", "code"]);

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extension: string]: string | number;
}

export const problemType = (code: ErrorCode): string => `${PROBLEM_TYPE_PREFIX}${code}`;

export function httpStatusOf(kind: ErrorKind): number {
  return HTTP_STATUS[kind];
}

/** The problem details of an error: only what TscaError promises is safe to show. */
export function problemOf(e: TscaError): Problem {
  const status = HTTP_STATUS[e.kind];
  const problem: Problem = { type: problemType(e.code), title: TITLES[status]!, status, detail: e.message, code: e.code };
  for (const [name, value] of Object.entries(e.fields)) if (!RESERVED.has(name)) problem[name] = value;
  return problem;
}

/** Sends `e` as problem+json with the status of its kind; never cached, Retry-After where it applies. */
export function sendProblem(reply: FastifyReply, e: TscaError): FastifyReply {
  const problem = problemOf(e);
  if ((problem.status === 503 || problem.status === 429) && !reply.hasHeader("retry-after")) {
    const wait = e.fields.retryAfter;
    reply.header("retry-after", String(typeof wait === "number" && Number.isInteger(wait) && wait >= 0 ? wait : RETRY_AFTER_SECONDS));
  }
  return (
    reply
      .code(problem.status)
      .header("content-type", PROBLEM_CONTENT_TYPE)
      .header("cache-control", "no-store")
      // Bytes, so Fastify adds no charset parameter: JSON is UTF-8 by definition (RFC 8259 §8.1).
      .send(Buffer.from(JSON.stringify(problem)))
  );
}

/** Fastify's errors for bad input, by their code, in our words. */
const FRAMEWORK: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "ERR_TOO_LARGE", message: "The request body is larger than this endpoint accepts." },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "ERR_UNSUPPORTED_MEDIA_TYPE",
    message: "The request body has a content type this endpoint does not accept.",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "ERR_BAD_REQUEST", message: "The request body does not match its Content-Length." },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "ERR_BAD_REQUEST", message: "The request body is empty, but its content type says JSON." },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "ERR_BAD_REQUEST", message: "The request body is not valid JSON." },
  // @fastify/csrf-protection (web admin forms, session-authenticated API calls): no secret in the session, or a wrong token.
  FST_CSRF_MISSING_SECRET: { code: "ERR_CSRF", message: "The form or request carries no valid CSRF token; reload the page and try again." },
  FST_CSRF_INVALID_TOKEN: { code: "ERR_CSRF", message: "The form or request carries no valid CSRF token; reload the page and try again." },
  FST_ERR_BAD_URL: { code: "ERR_BAD_REQUEST", message: "The URL cannot be decoded." },
  // Longer than any CA serial or name in a path (routerOptions.maxParamLength): nothing is served there.
  FST_ERR_MAX_PARAM_LENGTH: { code: "ERR_ROUTE_NOT_FOUND", message: "Nothing is served at this URL." },
};

/** The HTTP status family of a Fastify or plugin error, when there is no more specific entry above. */
const BY_STATUS: Readonly<Record<number, { code: ErrorCode; message: string }>> = {
  401: { code: "ERR_UNAUTHENTICATED", message: "This request needs credentials." },
  403: { code: "ERR_FORBIDDEN", message: "This request is not allowed." },
  404: { code: "ERR_ROUTE_NOT_FOUND", message: "Nothing is served at this URL." },
  413: { code: "ERR_TOO_LARGE", message: "The request body is larger than this endpoint accepts." },
  415: { code: "ERR_UNSUPPORTED_MEDIA_TYPE", message: "The request body has a content type this endpoint does not accept." },
  429: { code: "ERR_RATE_LIMITED", message: "Too many requests; try again later." },
};

/**
 * Any error that reaches the web surface as a TscaError. Fastify's own (and its plugins') client errors keep
 * their meaning; a schema validation failure names what failed (ajv's text names the schema path, not the
 * value sent); anything else is ERR_INTERNAL, whose message says nothing about what broke.
 */
export function toTscaError(err: unknown): TscaError {
  if (isTscaError(err)) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown };
  const known = (e.code && FRAMEWORK[e.code]) || (e.statusCode !== undefined ? BY_STATUS[e.statusCode] : undefined);
  if (known) return new TscaError(known.code, known.message, { cause: err });
  if (e.validation && typeof e.message === "string")
    return new TscaError("ERR_BAD_REQUEST", `The request is invalid: ${e.message.slice(0, 200)}.`, { cause: err });
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500)
    return new TscaError("ERR_BAD_REQUEST", "The request is malformed.", { cause: err });
  return new TscaError("ERR_INTERNAL", "An unexpected internal error occurred.", { cause: err });
}

/** The log line of an error answer: bugs at error level, a database outage at debug (the poll logs it once). */
function logError(request: FastifyRequest, original: unknown, e: TscaError): void {
  if (e.code === "ERR_INTERNAL") request.log.error({ err: original }, "request failed");
  else if (e.kind === "unavailable")
    request.log.debug({ code: e.code, err: (e.cause as Error | undefined)?.message }, "request failed: unavailable");
}

/** Maps errors Fastify meets before a route exists for the request (bad URL, over-long parameter). */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = toTscaError(err);
  logError(request, err, e);
  void sendProblem(reply, e);
}

/**
 * Makes problem+json the error and not-found answer of `app` and every plugin registered in it later.
 * `pagePrefixes`: URL prefixes of plugins that answer their own unknown URLs (the web admin's HTML 404 page).
 */
export function useProblemDetails(app: FastifyInstance, pagePrefixes: readonly string[] = []): void {
  app.setErrorHandler((err: unknown, request, reply) => {
    const e = toTscaError(err);
    logError(request, err, e);
    return sendProblem(reply, e);
  });
  const notFound = (reply: FastifyReply): FastifyReply =>
    sendProblem(reply, new TscaError("ERR_ROUTE_NOT_FOUND", "Nothing is served at this URL with this method."));
  // An unknown URL is 404 before its body is read: otherwise the body's size, type or JSON would be
  // judged first, and a POST to a mistyped URL would answer 413, 415 or 400 instead of saying the URL is wrong.
  app.addHook("onRequest", async (request, reply) => {
    if (request.is404 && !pagePrefixes.some((p) => request.url.startsWith(p))) return notFound(reply);
  });
  app.setNotFoundHandler((_request, reply) => notFound(reply));
}
