/**
 * Wiring of the REST API (adapters/web/api) for `tsca serve`: the repositories of the server's database,
 * the profiles and limits from settings, the bearer-token and web-admin-session authenticators, and —
 * with `serve --worker` — the waiter that lets `?wait=SECONDS` answer with the certificate.
 */
import type { FastifyInstance } from "fastify";
import type { Settings } from "../config/settings.js";
import { apiPlugin, type ApiDeps } from "../adapters/web/api/plugin.js";
import { bearerAuthenticator } from "../adapters/web/api/auth.js";
import { sessionAuthenticator } from "../adapters/web/admin/api-session.js";
import { AdminSessionStore } from "../adapters/web/admin/session-store.js";
import type { RequestWaiter } from "../adapters/web/api/deps.js";
import { Profiles } from "../core/issuance/profiles.js";
import { authenticateToken } from "../core/usecases/api-tokens.js";
import { listCertsPage } from "../core/usecases/list-certs-page.js";
import { submitResignRequest } from "../core/usecases/submit-resign-request.js";
import { type databasePorts, realClock, realRandom } from "./composition.js";

/** The package version, shown in the OpenAPI document; test/e2e/api/cas-auth.test.ts keeps it equal to package.json's. */
const API_VERSION = "0.1.0";

export function apiDeps(
  ports: ReturnType<typeof databasePorts>,
  settings: Settings,
  waiter?: RequestWaiter,
  submitted?: () => void,
): ApiDeps {
  const profiles = new Profiles(settings.profiles, settings.defaultProfile);
  return {
    cas: ports.cas,
    certs: ports.certs,
    signingRequests: ports.signingRequests,
    uow: ports.uow,
    auditLog: ports.auditLog,
    profiles,
    clock: realClock,
    random: realRandom,
    // A bearer token first; else the web admin's session cookie (with X-CSRF-Token for changes).
    authenticators: [
      bearerAuthenticator((presented, now) => authenticateToken({ tokens: ports.tokens, users: ports.users }, presented, now)),
      sessionAuthenticator(
        new AdminSessionStore(ports.adminSessions, realClock, {
          idleSeconds: settings.adminSessionIdleTimeout,
          maxAgeSeconds: settings.adminSessionMaxAge,
        }),
        ports.users,
      ),
    ],
    listCertificates: (ctx, q) => listCertsPage(ctx, { cas: ports.cas, certs: ports.certs }, q),
    submitResign: (ctx, req) => submitResignRequest(ctx, { cas: ports.cas, certs: ports.certs, uow: ports.uow, profiles }, req),
    ...(waiter ? { waiter } : {}),
    ...(submitted ? { submitted } : {}),
    authFailuresPerMinute: settings.apiAuthFailuresPerMinute,
    requestsPerMinute: settings.apiRateLimit,
  };
}

/** The API as a plugin for buildApp's `plugins`. */
export const apiSurface =
  (deps: ApiDeps) =>
  (app: FastifyInstance): Promise<void> =>
    apiPlugin(app, deps, API_VERSION);
