/**
 * Where `tsca serve` exposes /metrics (issue 13), and how the processes of a cluster share one view:
 *
 * - `--metrics-port P`: a small HTTP server of its own on --host:P with nothing but /metrics, so the public
 *   port carries no monitoring data. With `--workers N > 1` the cluster primary serves it and answers with
 *   the sum over all workers (prom-client's AggregatorRegistry asks each worker over the cluster IPC channel).
 * - `TSCA_METRICS_TOKEN`: /metrics on the main port too, for a bearer token. In a cluster the main port's
 *   /metrics is answered by whichever worker accepted the connection and shows that process only (every
 *   series then carries nothing to tell the workers apart) — scrape --metrics-port for cluster totals.
 *
 * Neither: no metrics are kept at all, and the OCSP path counts nothing.
 */
import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createFastify } from "../adapters/web/app.js";
import type { HttpLimits } from "../adapters/web/http-limits.js";
import { metricsRoutes, type MetricsSource } from "../adapters/web/metrics/metrics-routes.js";
import { useProblemDetails } from "../adapters/web/problem.js";
import type { ServeOptions } from "../adapters/cli/context.js";
import type { Settings } from "../config/settings.js";
import { TscaError } from "../core/errors.js";

/** Whether this server keeps metrics: a metrics port or a token was configured. */
export function metricsWanted(options: ServeOptions, settings: Settings): boolean {
  return options.metricsPort !== undefined || settings.metricsToken !== undefined;
}

/** In a cluster worker: answer the primary's AggregatorRegistry with this registry's figures. */
export function shareWithPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs prom-client's IPC listener (once per process); the instance itself is unused.
  new AggregatorRegistry();
}

/** In the cluster primary: the sum over every worker, read at scrape time. */
export function clusterSource(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  return { metrics: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
}

/** Listens on --host:--metrics-port with /metrics only; the caller closes it. */
export async function listenMetrics(
  options: ServeOptions & { metricsPort: number },
  source: MetricsSource,
  settings: Settings,
  limits: HttpLimits,
  logger: Logger,
): Promise<FastifyInstance> {
  const app = createFastify(logger, limits, settings.trustProxy);
  useProblemDetails(app);
  await app.register(metricsRoutes, { source, token: settings.metricsToken });
  try {
    await app.listen({ host: options.host, port: options.metricsPort });
  } catch (e) {
    await app.close();
    throw new TscaError(
      "ERR_SERVER",
      `Cannot listen on ${options.host}:${options.metricsPort} for /metrics: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      { cause: e },
    );
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.metricsPort;
  logger.info(
    {
      metricsUrl: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}/metrics`,
      metricsPort: port,
      cluster: cluster.isPrimary && options.workers > 1,
    },
    "metrics listening",
  );
  return app;
}
