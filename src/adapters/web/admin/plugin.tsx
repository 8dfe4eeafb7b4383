/**
 * The web admin (issue 9) under /admin/: one encapsulated Fastify plugin that buildApp registers through
 * `plugins` (src/main/server.ts), like the REST API. Everything it sets up — cookies, the session, form
 * bodies, CSRF, the security headers, its error pages — stays inside it, so the OCSP, CRL and API routes
 * beside it run exactly as without it (no extra hook or header on their hot paths).
 *
 * In order, for every admin request:
 *   1. helmet: a strict Content-Security-Policy (only this origin's files; no inline script or style;
 *      frame-ancestors 'none', CSP Level 3 §6.4.2), X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer;
 *   2. @fastify/session over the database (session-store.ts): HttpOnly, SameSite=Strict, Secure when the
 *      request came over https (itself, or through a trusted proxy's X-Forwarded-Proto: TSCA_TRUST_PROXY);
 *   3. requireSignIn (access.ts): the signed-in user, read afresh; otherwise the login page (GET) or 401;
 *   4. for POST/PUT/PATCH/DELETE: the CSRF token (hidden field `_csrf`, or the X-CSRF-Token header), else 403.
 * Errors are pages here, not problem+json: a TscaError's sentence and the status of its kind (problem.ts).
 *
 * A page registers its routes by adding a function to ADMIN_ROUTES below; it is mounted under /admin, is
 * for signed-in users unless `config: { adminPublic: true }`, and has CSRF checked on every unsafe method.
 */
import fastifyCookie from "@fastify/cookie";
import fastifyCsrf from "@fastify/csrf-protection";
import fastifyFormbody from "@fastify/formbody";
import fastifyHelmet from "@fastify/helmet";
import fastifySession from "@fastify/session";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TscaError } from "../../../core/errors.js";
import { httpStatusOf, toTscaError } from "../problem.js";
import { maybeAdminUser, requireSignIn } from "./access.js";
import type { AdminDeps } from "./deps.js";
import { CSRF_FIELD } from "./layout.js";
import { ErrorBody } from "./pages/error-page.js";
import { page } from "./render.js";
import { caPageRoutes } from "./routes/ca-page-routes.js";
import { caTreeRoutes } from "./routes/ca-tree-routes.js";
import { certificateRoutes } from "./routes/certificate-routes.js";
import { homeRoutes } from "./routes/home-routes.js";
import { issueRoutes } from "./routes/issue-routes.js";
import { loginRoutes } from "./routes/login-routes.js";
import { AdminSessionStore, SESSION_COOKIE, SESSION_COOKIE_PATH, newSessionId, unsignedIds } from "./session-store.js";

export const ADMIN_PREFIX = "/admin";

/** Form bodies are small (a CSR is a few KiB); anything larger is refused with 413. */
export const ADMIN_BODY_LIMIT = 256 * 1024;

/** The admin's pages: each registers its routes in the admin scope (paths relative to /admin). */
export const ADMIN_ROUTES: ((app: FastifyInstance, deps: AdminDeps) => Promise<void>)[] = [
  loginRoutes,
  homeRoutes,
  caTreeRoutes,
  caPageRoutes,
  certificateRoutes,
  issueRoutes,
];

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The CSRF token of a form post (the hidden field) or of a script's request (the header). */
function csrfTokenOf(request: FastifyRequest): string {
  const body = request.body as Record<string, unknown> | undefined;
  const field = body && typeof body === "object" ? body[CSRF_FIELD] : undefined;
  if (typeof field === "string") return field;
  const header = request.headers["x-csrf-token"];
  return typeof header === "string" ? header : "";
}

/** The security headers of every admin answer (helmet 8 through @fastify/helmet). */
const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
  frameguard: { action: "deny" as const },
  referrerPolicy: { policy: "no-referrer" as const },
  // Browsers ignore it over http; over https it keeps them there (RFC 6797). Subdomains are not ours to pin.
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
};

function errorPage(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toTscaError(err);
  if (e.code === "ERR_INTERNAL") request.log.error({ err }, "request failed");
  const status = httpStatusOf(e.kind);
  if (status === 429 || status === 503) reply.header("retry-after", "5");
  const title = status === 403 ? "Not allowed" : status === 401 ? "Not signed in" : status === 404 ? "Not found" : "Something went wrong";
  return page(
    request,
    reply,
    title,
    <ErrorBody detail={e.message} code={e.code} signedIn={maybeAdminUser(request) !== undefined} />,
    status,
  );
}

async function admin(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(fastifyHelmet, HELMET_OPTIONS);
  await app.register(fastifyFormbody, { bodyLimit: ADMIN_BODY_LIMIT });
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: unsignedIds,
    cookieName: SESSION_COOKIE,
    idGenerator: newSessionId,
    store: new AdminSessionStore(deps.sessions, deps.clock, deps.lifetime) as never,
    // A browser-session cookie: the lifetime is the server's business (session-store.ts). secure is set per
    // request below; "auto" would also drop SameSite to Lax on plain http.
    cookie: { path: SESSION_COOKIE_PATH, httpOnly: true, sameSite: "strict", secure: false },
    // Written when something changed (login, a new CSRF secret), not on every request; use is recorded by the store.
    rolling: false,
    saveUninitialized: false,
  });
  await app.register(fastifyCsrf, { sessionPlugin: "@fastify/session", getToken: csrfTokenOf, logLevel: "debug" });
  app.addHook("onRequest", async (request) => {
    // request.protocol is X-Forwarded-Proto only from a trusted proxy (Fastify trustProxy).
    if (request.protocol === "https" && request.session) request.session.options({ secure: true });
  });
  app.addHook("onRequest", requireSignIn(deps));
  app.addHook("onRoute", (route) => {
    route.bodyLimit = ADMIN_BODY_LIMIT;
    // Public: the login page needs its stylesheet before anyone is signed in.
    if (route.url.startsWith(`${ADMIN_PREFIX}/static/`)) route.config = { ...route.config, adminPublic: true };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => UNSAFE_METHODS.has(m))) return;
    const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [app.csrfProtection, ...existing];
  });
  app.setErrorHandler((err, request, reply) => errorPage(request, reply, err));
  // A mistyped admin URL is a page a browser shows, not the problem+json of the API (problem.ts).
  app.setNotFoundHandler((request, reply) =>
    errorPage(request, reply, new TscaError("ERR_ROUTE_NOT_FOUND", "Nothing is served at this URL with this method.")),
  );
  await app.register(fastifyStatic, {
    root: deps.staticDir,
    prefix: "/static/",
    decorateReply: false,
    index: false,
    list: false,
    maxAge: "1h",
  });
  for (const routes of ADMIN_ROUTES) await routes(app, deps);
}

/** The whole admin, mounted at /admin. */
export async function adminPlugin(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(async (scope) => admin(scope, deps), { prefix: ADMIN_PREFIX });
}
