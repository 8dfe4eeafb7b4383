/**
 * The HTTP application of `tsca serve`, built without listening (DESIGN: `buildApp(deps)` separate from
 * `listen()`), so tests can `inject()` requests and the composition root decides where to listen.
 * One plugin per surface: OCSP here, CRLs and CA certificates in crl-routes.ts, plus /healthz.
 *
 * Request logging is off unless asked for: at OCSP volumes a log line per request would cost more than the
 * answer. Errors, warnings and the access log (when on) are structured pino lines without secrets: no
 * request bodies, no keys, no database URL.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { ocspRoutes, type OcspService } from "./ocsp-routes.js";

export interface Health {
  ok: boolean;
  /** Shown in the /healthz body; must not contain secrets. */
  detail: Record<string, unknown>;
}

export interface WebDeps {
  logger: FastifyBaseLogger;
  ocsp: OcspService;
  health: () => Health;
  accessLog: boolean;
  /** Further surfaces (the CRL plugin) registered by the composition root. */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/** Server options shared with the benchmark's ceiling server, so both measure the same framework setup. */
export function createFastify(logger: FastifyBaseLogger): FastifyInstance {
  return Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Long enough for a pool of OCSP clients behind a load balancer to reuse connections.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    requestIdHeader: false,
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;
}

export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = createFastify(deps.logger);
  if (deps.accessLog)
    app.addHook("onResponse", async (req, reply) => {
      req.log.info(
        {
          method: req.method,
          url: req.url.length > 200 ? `${req.url.slice(0, 200)}…` : req.url,
          status: reply.statusCode,
          ms: Number(reply.elapsedTime.toFixed(2)),
        },
        "request",
      );
    });
  app.get("/healthz", async (_req, reply) => {
    const h = deps.health();
    return reply
      .code(h.ok ? 200 : 503)
      .header("cache-control", "no-store")
      .send({ status: h.ok ? "ok" : "unavailable", ...h.detail });
  });
  await app.register(ocspRoutes, { ocsp: deps.ocsp });
  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}
