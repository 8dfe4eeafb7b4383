/**
 * GET /metrics: the Prometheus text exposition (format 0.0.4). With a token configured
 * (TSCA_METRICS_TOKEN), a scrape must send `Authorization: Bearer <token>` (RFC 6750 §2.1), else 401 with
 * a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3). The token is compared as SHA-256 digests in constant
 * time, so neither its length nor its prefix leaks through timing; it is never logged.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";

export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsRoutesOptions {
  source: MetricsSource;
  /** Bearer token required to scrape; undefined: none (only for a port that is not the public one). */
  token: string | undefined;
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

export async function metricsRoutes(app: FastifyInstance, opts: MetricsRoutesOptions): Promise<void> {
  const expected = opts.token === undefined ? undefined : digest(opts.token);
  app.get("/metrics", async (req, reply) => {
    if (expected) {
      const header = req.headers.authorization ?? "";
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
      if (!m || !timingSafeEqual(digest(m[1]!), expected))
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="tsca metrics"')
          .header("cache-control", "no-store")
          .type("text/plain; charset=utf-8")
          .send("A bearer token is required (TSCA_METRICS_TOKEN).\n");
    }
    const body = await opts.source.metrics();
    return reply.header("content-type", opts.source.contentType).header("cache-control", "no-store").send(body);
  });
}
