/**
 * The HTTP application of `tsca serve`, built without listening (DESIGN: `buildApp(deps)` separate from
 * `listen()`), so tests can `inject()` requests and the composition root decides where to listen.
 * One plugin per surface: OCSP here, CRLs and CA certificates in crl-routes.ts, plus /healthz. Errors of
 * every plugin are answered through problem.ts (problem+json, RFC 9457) — the error and not-found handler
 * set here, before any plugin — except OCSP's, which answers in OCSP (ocsp-status.ts).
 *
 * Request logging is off unless asked for: at OCSP volumes a log line per request would cost more than the
 * answer. Errors, warnings and the access log (when on) are structured pino lines without secrets: no
 * request bodies, no keys, no database URL.
 *
 * Hostile clients (issue 14) cannot hold the server's sockets and memory: every request must arrive whole
 * within its time limits, a silent connection is closed, and connections beyond a cap are closed as they
 * are accepted (see HttpLimits and docs/ocsp.md, "Resource limits").
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { HttpLimits } from "./http-limits.js";
import { frameworkErrorHandler, useProblemDetails } from "./problem.js";
import { ocspRoutes, type OcspService } from "./ocsp-routes.js";
import type { OcspObserver } from "./metrics/tsca-metrics.js";

export interface Health {
  ok: boolean;
  /** Shown in the /healthz body; must not contain secrets. */
  detail: Record<string, unknown>;
}

export interface WebDeps {
  logger: FastifyBaseLogger;
  ocsp: OcspService;
  /** Counts OCSP answers for /metrics (metrics/tsca-metrics.ts); absent: nothing is counted. */
  ocspObserver?: OcspObserver;
  health: () => Health;
  accessLog: boolean;
  limits: HttpLimits;
  /**
   * Reverse proxies (addresses, CIDRs) whose X-Forwarded-For/-Proto are believed (settings.trustProxy):
   * request.ip and request.protocol then describe the client, not the proxy. Empty or absent: none.
   */
  trustProxy?: string[];
  /**
   * Further surfaces (the CRL plugin) from the composition root, each registered as its own encapsulated
   * Fastify plugin: what one sets up (content-type parsers, hooks) does not reach the others.
   */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/** Server options shared with the benchmark's ceiling server, so both measure the same framework setup. */
export function createFastify(logger: FastifyBaseLogger, limits: HttpLimits, trustProxy: string[] = []): FastifyInstance {
  const app = Fastify({
    // Only named proxies are believed; otherwise X-Forwarded-* from a client would fake its address or https.
    trustProxy: trustProxy.length > 0 ? trustProxy : false,
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Between requests on a kept-alive connection; long enough for a pool of OCSP clients behind a load
    // balancer to reuse connections (RFC 9112 §9.3 leaves the idle time to the server).
    keepAliveTimeout: limits.idleTimeoutMs,
    // Socket inactivity while a request or its response is under way: a client that stops reading.
    connectionTimeout: limits.idleTimeoutMs,
    // Whole request, headers and body: a client that trickles its body a byte at a time (slowloris).
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default), so it bounds their precision.
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    return503OnClosing: true,
    requestIdHeader: false,
    routerOptions: { maxParamLength: 200 },
    // A URL that does not decode, or a parameter over maxParamLength, is problem+json too (problem.ts).
    frameworkErrors: frameworkErrorHandler,
  }) as unknown as FastifyInstance;
  // Node closes connections beyond the cap as soon as it accepts them; the kept ones are served as usual.
  app.server.maxConnections = limits.maxConnections;
  let lastDropLog = -Infinity;
  app.server.on("drop", () => {
    const now = Date.now();
    if (now - lastDropLog < 10_000) return;
    lastDropLog = now;
    logger.warn({ maxConnections: limits.maxConnections }, "connection refused: too many open connections");
  });
  return app;
}

export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = createFastify(deps.logger, deps.limits, deps.trustProxy);
  // The web admin (admin/plugin.tsx, mounted at /admin) answers its unknown URLs with an HTML page, the
  // ACME server (acme/plugin.ts) with ACME problem documents (RFC 8555 §6.7).
  useProblemDetails(app, ["/admin/", "/acme/"]);
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
  await app.register(ocspRoutes, { ocsp: deps.ocsp, ...(deps.ocspObserver ? { observer: deps.ocspObserver } : {}) });
  for (const plugin of deps.plugins ?? []) await app.register(async (instance) => plugin(instance));
  return app;
}
