/**
 * The REST API of issue 10, one encapsulated Fastify plugin that buildApp registers through `plugins`
 * (src/main/server.ts): the OpenAPI document and Swagger UI under /api (public), and the authenticated
 * routes under /api/v1. Everything it sets up — the TypeBox validator, the JSON-only body parsers, the
 * 64 KiB body limit, the authentication hook, the OpenAPI route collector — stays inside it, so the OCSP
 * and CRL routes beside it run exactly as without the API (no extra hook on their hot path).
 *
 * Errors go through the application's one table (problem.ts): a schema failure is a TscaError naming the
 * field (validation-errors.ts), and Fastify's own client errors (413, 415, bad JSON) are mapped there.
 */
import type { FastifyInstance } from "fastify";
import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import { authenticate } from "./auth.js";
import { caRoutes } from "./ca-routes.js";
import { certificateRoutes } from "./certificate-routes.js";
import type { ApiDeps } from "./deps.js";
import { registerOpenApi } from "./openapi.js";
import { profileRoutes } from "./profile-routes.js";
import { signingRoutes } from "./signing-routes.js";
import { schemaError, type SchemaError } from "./validation-errors.js";

export const API_PREFIX = "/api/v1";

/** Request bodies are small JSON objects (a CSR is a few KiB); anything larger is refused with 413. */
export const API_BODY_LIMIT = 64 * 1024;

export type { ApiDeps } from "./deps.js";

async function v1(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setSchemaErrorFormatter((errors, part) => schemaError(Array.from(errors as Iterable<SchemaError>), part));
  // The schemas describe the answers (OpenAPI) and the contract tests hold the answers to them; serialising
  // through them would drop a member silently instead.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only (RFC 8259), and JSON merge patch for PATCH (RFC 7396 §4): any other body is 415.
  app.removeAllContentTypeParsers();
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, jsonParser);
  app.addContentTypeParser("application/merge-patch+json", { parseAs: "string" }, jsonParser);
  app.addHook("onRoute", (route) => {
    route.bodyLimit = API_BODY_LIMIT;
  });
  app.addHook(
    "onRequest",
    authenticate({
      authenticators: deps.authenticators,
      clock: deps.clock,
      random: deps.random,
      audit: deps.auditLog,
      failuresPerMinute: deps.authFailuresPerMinute,
      requestsPerMinute: deps.requestsPerMinute,
    }),
  );
  await caRoutes(app, deps);
  await profileRoutes(app, deps);
  await certificateRoutes(app, deps);
  await signingRoutes(app, deps);
}

/** The whole API; `version` is the package version shown in the OpenAPI document. */
export async function apiPlugin(app: FastifyInstance, deps: ApiDeps, version = "1"): Promise<void> {
  await registerOpenApi(app, version);
  await app.register(async (scope) => v1(scope, deps), { prefix: API_PREFIX });
}
