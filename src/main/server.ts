/**
 * Composition root of `tsca serve` (bundled as dist/tsca-server.mjs): settings, database, OCSP responder
 * keys and the web adapter. It never opens CA_DIR and needs no CA key — a web host shares only the database
 * and the OCSP key directory with the key host (DESIGN principle 1).
 *
 * The web admin (/admin/, wired in main/admin.ts) and the REST API (/api/v1, wired in main/api.ts) are
 * further plugins of the same application. The REST API queues signing
 * requests; with `--worker` the worker here signs them and tells the API's waiter after each batch, so
 * `?wait=SECONDS` can answer with the certificate (cluster workers, in other processes, see it by polling).
 *
 * With `--workers N > 1` this process becomes a node:cluster primary that forks N workers (each a full
 * server on the shared port), restarts a worker that dies or does not report "listening" in time, gives up
 * when they keep dying, and forwards SIGTERM/SIGINT for a graceful stop: stop accepting, finish in-flight
 * requests, close the database.
 *
 * Revocation freshness: every worker polls the revocation change feed every TSCA_OCSP_POLL_INTERVAL ms
 * (default 500). A revocation committed to the database is therefore reflected by every worker on every
 * host within one interval plus one query; a worker that cannot read the feed for max(5 s, 10 intervals)
 * stops trusting its memory (it asks the database, and answers from memory only while that fails) and
 * reports itself unhealthy on /healthz.
 *
 * HTTPS (issue 11): with `--tls-port` each process (each cluster worker) also listens for HTTPS with
 * `--tls-cert`/`--tls-key` on that port, answered by the same application (adapters/web/https-listener.ts);
 * the pair is read and checked before anything listens (adapters/web/tls-files.ts), once more in the
 * primary so that a bad file is one sentence rather than N failing workers.
 *
 * Database outages (issue 14): the server outlives its database. Start-up with the database unreachable
 * keeps retrying with backoff (one warn line per failed attempt) and serves meanwhile — /healthz 503, OCSP
 * tryLater, CRLs 503 — and a database that goes away later is noticed by the poll; the pool reconnects by
 * itself once it is back. Every wait for the database is bounded by TSCA_DATABASE_TIMEOUT.
 */
import cluster from "node:cluster";
import { setTimeout as sleep } from "node:timers/promises";
import { pino, type Logger } from "pino";
import type { ServeOptions } from "../adapters/cli/context.js";
import { prepareDatabase, sqlitePath } from "../adapters/db/connection.js";
import { SqlOcspStatusRepository } from "../adapters/db/ocsp-status-repository.js";
import { FileOcspKeyStore } from "../adapters/keys/ocsp-key-store.js";
import type { FastifyInstance } from "fastify";
import { buildApp, createFastify } from "../adapters/web/app.js";
import type { HttpLimits } from "../adapters/web/http-limits.js";
import { crlRoutes } from "../adapters/web/crl-routes.js";
import { listenHttps, type HttpsListener } from "../adapters/web/https-listener.js";
import { loadTlsFiles } from "../adapters/web/tls-files.js";
import { loadSettings, type Settings } from "../config/settings.js";
import { TscaError } from "../core/errors.js";
import { OcspIssuers } from "../core/revocation/ocsp-issuers.js";
import { runServeWorker } from "./serve-worker.js";
import { databasePorts, realClock } from "./composition.js";
import { apiDeps, apiSurface } from "./api.js";
import { acmeDeps, acmeSurface, challengeValidator } from "./acme.js";
import { adminDeps, adminSurface } from "./admin.js";
import { SigningRequestWaiter } from "./request-waiter.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder } from "../core/revocation/ocsp-responder.js";
import { SqlOperationalFigures } from "../adapters/db/operational-figures.js";
import { TscaMetrics } from "../adapters/web/metrics/tsca-metrics.js";
import { metricsRoutes } from "../adapters/web/metrics/metrics-routes.js";
import { clusterSource, listenMetrics, metricsWanted, shareWithPrimary } from "./metrics-server.js";

export { createFastify };

/** The connection limits of `tsca serve` from settings; exported for the benchmark's ceiling server. */
export function httpLimits(settings: Settings = loadSettings()): HttpLimits {
  return {
    headersTimeoutMs: settings.httpHeadersTimeout,
    requestTimeoutMs: settings.httpRequestTimeout,
    idleTimeoutMs: settings.httpIdleTimeout,
    maxConnections: settings.httpMaxConnections,
  };
}

const GRACE_MS = 15_000;

/**
 * Told after every batch of the in-process signing worker (`serve --worker`), so the REST API's waiters
 * (`?wait=SECONDS`) read their requests again at once instead of at their next poll.
 */
const signedBatches = new Set<() => void>();

/** Start-up retries while the database is unavailable: the first wait, doubled up to the cap, ±20 %. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

/**
 * A worker must report "listening" within this long plus two database timeouts (it listens after its first
 * attempt to reach the database, or one timeout, whichever comes first); otherwise it is replaced.
 */
const WORKER_START_MS = 30_000;

/**
 * Wakes the in-process signing worker (`serve --worker`) when the REST API has queued a request; set once
 * the worker's queue is open. In a cluster it lives in the primary, which workers tell over IPC.
 */
let nudgeSigning: (() => void) | undefined;

/**
 * What a worker tells the primary over the cluster IPC channel: it listens, or (with --worker) its API
 * queued a signing request. The primary tells workers "signed" after each batch, for their waiters.
 */
interface WorkerMessage {
  tsca: "listening" | "submitted";
}
interface PrimaryMessage {
  tsca: "signed";
}

function makeLogger(): Logger {
  return pino({
    level: "info",
    base: { pid: process.pid, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Nothing secret is logged on purpose; these paths are a second line of defence.
    redact: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.keySecret", "*.key_secret"],
  });
}

/**
 * The first SIGTERM/SIGINT starts the graceful stop; later ones are only logged (the stop is bounded by
 * GRACE_MS anyway), so a supervisor that signals twice does not turn a clean stop into a killed process.
 */
function untilSignal(logger: Logger, started: () => boolean): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    const on = (sig: NodeJS.Signals): void => {
      if (!started()) {
        // Nothing is served yet (start-up may be waiting for the database): there is nothing to drain.
        logger.info({ signal: sig }, "stopped before serving");
        logger.flush();
        process.exit(0);
      }
      if (first) {
        logger.info({ signal: sig }, "already shutting down");
        return;
      }
      first = sig;
      resolve(sig);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

/** The user-safe sentence of an error plus its driver cause (no secrets: pg messages name no password). */
function reason(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : undefined;
  const message = e instanceof Error ? e.message : String(e);
  return detail && detail !== message ? `${message} (${detail})` : message;
}

/** Waits `ms`; resolves early (without error) when `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** One server in this process: the whole life from settings to graceful shutdown. */
async function runServer(options: ServeOptions, logger: Logger): Promise<void> {
  // Listen for signals from the start: one that arrives while starting stops the server right after.
  let listening = false;
  const signalled = untilSignal(logger, () => listening);
  const settings = loadSettings();
  const tlsFiles = options.tls ? loadTlsFiles(options.tls.certFile, options.tls.keyFile) : undefined;
  // No round trip yet for PostgreSQL: start-up below reaches the database, retrying while it cannot.
  const db = await prepareDatabase(settings.databaseUrl, { timeoutMs: settings.databaseTimeout });
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let started: Promise<void> = Promise.resolve();
  let waiter: SigningRequestWaiter | undefined;
  let metricsApp: FastifyInstance | undefined;
  let https: HttpsListener | undefined;
  const notifyWaiter = (): void => waiter?.notify();
  const onPrimaryMessage = (message: unknown): void => {
    if ((message as Partial<PrimaryMessage> | undefined)?.tsca === "signed") notifyWaiter();
  };
  try {
    const clock = { now: () => new Date() };
    // The repositories every composition root shares (main/composition.ts); the web host adds no CA key store.
    const ports = databasePorts(db);
    const { cas } = ports;
    // With --worker a signing request may be issued while its API request waits (?wait=SECONDS).
    if (options.worker) waiter = new SigningRequestWaiter(ports.signingRequests);
    signedBatches.add(notifyWaiter);
    // The callback keeps a closed channel (the primary is gone) from becoming an 'error' event.
    const submitted = !options.worker
      ? undefined
      : cluster.isWorker
        ? () => void process.send?.({ tsca: "submitted" } satisfies WorkerMessage, undefined, {}, () => undefined)
        : () => nudgeSigning?.();
    if (cluster.isWorker && options.worker) process.on("message", onPrimaryMessage);
    const issuers = new OcspIssuers(
      { cas, responders: ports.responders, keys: new FileOcspKeyStore(settings.ocspKeyDir), clock },
      { caListMaxAgeMs: 5_000, retryMissingMs: 5_000, defaultResponseValidity: settings.ocspResponseValidity },
    );
    const staleAfterMs = Math.max(5_000, settings.ocspPollInterval * 10);
    const responder = new OcspResponder(
      { clock, statuses: new SqlOcspStatusRepository(db.db), changes: ports.changes, issuers },
      {
        ...DEFAULT_RESPONDER_OPTIONS,
        cacheSize: settings.ocspCacheSize,
        cacheBytes: settings.ocspCacheBytes,
        staleAfterMs,
        deadlineMs: settings.databaseTimeout,
      },
    );
    // Prometheus metrics (issue 13), only when asked for: without them the OCSP path counts nothing.
    const metrics = metricsWanted(options, settings)
      ? new TscaMetrics({
          figures: new SqlOperationalFigures(db.db),
          ocspCache: () => ({ certificates: responder.cache.size, bytes: responder.cache.bytes }),
        })
      : undefined;
    if (metrics && cluster.isWorker) shareWithPrimary(metrics.registry);

    // CRLs stored since the last poll (by generate_crls on the key host): the CRL routes drop what they
    // hold in memory when the generation changes, so a new CRL is served within one poll interval.
    const { crls } = ports;
    let crlMark: number | undefined;
    let crlGeneration = 0;
    const checkCrls = async (): Promise<void> => {
      const mark = await crls.changeMark();
      if (mark === crlMark) return;
      if (crlMark !== undefined) logger.debug({ mark }, "new CRLs stored");
      crlMark = mark;
      crlGeneration++;
    };

    // The change-feed poll: a failure is logged once when it starts and once when it ends.
    let failing = false;
    const poll = async (): Promise<void> => {
      try {
        const applied = await responder.sync();
        await checkCrls();
        if (failing) logger.info("database available again: revocation change feed readable");
        failing = false;
        if (applied) logger.debug({ applied }, "revocation changes applied");
      } catch (e) {
        if (stopping.signal.aborted) return;
        if (!failing)
          logger.warn(
            { err: reason(e) },
            "database unavailable: cannot read the revocation change feed; OCSP answers from memory while valid, else tryLater",
          );
        failing = true;
      } finally {
        if (!stopping.signal.aborted) timer = setTimeout(() => void poll(), settings.ocspPollInterval);
      }
    };

    // Start-up: schema check, first read of the change feed, responder keys. Retried with backoff for as
    // long as the database cannot be used; the poll takes over once it succeeded.
    let ready = false;
    let attempted!: () => void;
    const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
    const startUp = async (): Promise<void> => {
      for (let attempt = 1, wait = RETRY_FIRST_MS; !stopping.signal.aborted; attempt++, wait = Math.min(wait * 2, RETRY_MAX_MS)) {
        try {
          await db.migrate();
          await responder.sync();
          await checkCrls();
          for (const issuer of await issuers.warm())
            if (issuer.problem) logger.warn({ ca: issuer.ca.serial }, issuer.problem);
            else
              logger.info(
                { ca: issuer.ca.serial, name: issuer.ca.name, responderValidUntil: issuer.key?.notAfter.toISOString() },
                "OCSP responder loaded",
              );
          ready = true;
          attempted();
          if (attempt > 1) logger.info({ attempt }, "database available: serving normally");
          if (!stopping.signal.aborted) timer = setTimeout(() => void poll(), settings.ocspPollInterval);
          return;
        } catch (e) {
          attempted();
          if (stopping.signal.aborted) return;
          const retryInMs = Math.round(wait * (0.8 + Math.random() * 0.4));
          logger.warn({ attempt, retryInMs, err: reason(e) }, "cannot use the database; retrying");
          await pause(retryInMs, stopping.signal);
        }
      }
    };
    started = startUp();

    const app = await buildApp({
      logger,
      ocsp: responder,
      ...(metrics ? { ocspObserver: metrics } : {}),
      accessLog: options.accessLog,
      limits: httpLimits(settings),
      trustProxy: settings.trustProxy,
      health: () => {
        const age = responder.syncAge();
        const database = ready && !failing;
        return {
          ok: database && responder.fresh(),
          detail: {
            database: database ? "ok" : "unavailable",
            revocationFeedAgeMs: Number.isFinite(age) ? age : null,
            cachedCertificates: responder.cache.size,
            cachedBytes: responder.cache.bytes,
          },
        };
      },
      plugins: [
        (a) => crlRoutes(a, { crls, cas, generation: () => crlGeneration }),
        apiSurface(apiDeps(ports, settings, waiter, submitted)),
        // ACME (RFC 8555) under /acme/: no CA key either; finalize queues a signing request (issue 11).
        acmeSurface(acmeDeps(ports, settings, challengeValidator(settings), submitted, logger)),
        // The web admin (issue 9) under /admin/: sessions in the database, no CA key, no CA_DIR.
        adminSurface(adminDeps(ports, settings, realClock, submitted)),
        // /metrics on the public port only behind a bearer token (settings.metricsToken).
        ...(metrics && settings.metricsToken
          ? [(a: FastifyInstance) => metricsRoutes(a, { source: metrics, token: settings.metricsToken })]
          : []),
      ],
    });
    // Normally the database answers at once and the first requests find everything loaded; when it does
    // not, serve anyway (tryLater, 503) once the first attempt failed or one database timeout has passed.
    const raceOver = new AbortController();
    await Promise.race([firstAttempt, pause(settings.databaseTimeout, raceOver.signal)]);
    raceOver.abort();
    try {
      // A separate metrics port first (logged before "listening"): served here by a single process, in a
      // cluster by the primary (serve()).
      if (metrics && options.metricsPort !== undefined && !cluster.isWorker)
        metricsApp = await listenMetrics({ ...options, metricsPort: options.metricsPort }, metrics, settings, httpLimits(settings), logger);
      await app.listen({ host: options.host, port: options.port });
    } catch (e) {
      await app.close();
      if (e instanceof TscaError) throw e;
      throw new TscaError(
        "ERR_SERVER",
        `Cannot listen on ${options.host}:${options.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
        { cause: e },
      );
    }
    if (options.tls && tlsFiles)
      try {
        https = await listenHttps(
          app,
          { host: options.host, port: options.tls.port, cert: tlsFiles.cert, key: tlsFiles.key },
          httpLimits(settings),
          logger,
        );
      } catch (e) {
        await app.close();
        throw new TscaError(
          "ERR_SERVER",
          `Cannot listen on ${options.host}:${options.tls.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
          { cause: e },
        );
      }
    listening = true;
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    logger.info(
      {
        url: `http://${host}:${port}`,
        port,
        ...(https && tlsFiles
          ? {
              tlsUrl: `https://${host}:${https.port}`,
              tlsPort: https.port,
              tlsNames: tlsFiles.subjectAltName,
              tlsNotAfter: tlsFiles.notAfter.toISOString(),
            }
          : {}),
        pollIntervalMs: settings.ocspPollInterval,
        staleAfterMs,
        database: ready ? "ok" : "unavailable",
      },
      "listening",
    );
    // The callback keeps a closed channel (the primary is gone) from becoming an 'error' event.
    if (cluster.isWorker) process.send?.({ tsca: "listening" } satisfies WorkerMessage, undefined, {}, () => undefined);

    const signal = await signalled;
    logger.info({ signal }, "shutting down");
    stopping.abort();
    clearTimeout(timer);
    const force = setTimeout(() => {
      logger.warn("in-flight requests did not finish in time; closing connections");
      app.server.closeAllConnections();
      https?.server.closeAllConnections();
    }, GRACE_MS);
    // Both ports stop accepting at once; requests under way on either finish (the app answers 503 meanwhile).
    await Promise.all([app.close(), https?.close()]);
    clearTimeout(force);
    logger.info("stopped");
  } finally {
    stopping.abort();
    clearTimeout(timer);
    await metricsApp?.close();
    signedBatches.delete(notifyWaiter);
    process.off("message", onPrimaryMessage);
    waiter?.close();
    // Waits at most about one database timeout for a query still under way; a start-up attempt still
    // running then fails at its next step and ends.
    await db.close();
    await started;
    // A cluster worker's IPC channel to the primary would keep it alive after a clean stop.
    if (cluster.isWorker) process.disconnect?.();
  }
}

/** The cluster primary: forks, watches, restarts and stops workers; serves nothing itself. */
function runPrimary(options: ServeOptions, logger: Logger): Promise<void> {
  // Settings and TLS files are checked here once, so a bad value is one sentence instead of N failing workers.
  const startDeadlineMs = WORKER_START_MS + 2 * loadSettings().databaseTimeout;
  if (options.tls) loadTlsFiles(options.tls.certFile, options.tls.keyFile);
  return new Promise((resolve, reject) => {
    let stopping = false;
    let failure: TscaError | undefined;
    let crashes: number[] = [];
    const deadlines = new Map<number, NodeJS.Timeout>();
    const live = (): number => Object.keys(cluster.workers ?? {}).length;
    const fork = (): void => {
      const worker = cluster.fork();
      // A worker that never reports "listening" is stuck (issue 14: workers that hung without serving).
      deadlines.set(
        worker.id,
        setTimeout(() => {
          if (stopping) return;
          logger.error({ worker: worker.id, waitedMs: startDeadlineMs }, "worker did not start listening in time; replacing it");
          worker.process.kill("SIGKILL");
        }, startDeadlineMs),
      );
    };
    const stopAll = (): void => {
      stopping = true;
      for (const t of deadlines.values()) clearTimeout(t);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
      }, GRACE_MS + 5_000).unref();
      if (live() === 0) finish();
    };
    const finish = (): void => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      if (failure) reject(failure);
      else resolve();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.info({ signal }, "already stopping workers");
        return;
      }
      logger.info({ signal }, "stopping workers");
      stopAll();
    };
    cluster.on("message", (worker, message: unknown) => {
      const kind = (message as Partial<WorkerMessage> | undefined)?.tsca;
      if (kind === "submitted") nudgeSigning?.();
      if (kind !== "listening") return;
      clearTimeout(deadlines.get(worker.id));
      deadlines.delete(worker.id);
    });
    cluster.on("exit", (worker, code, signal) => {
      clearTimeout(deadlines.get(worker.id));
      deadlines.delete(worker.id);
      if (stopping) {
        if (live() === 0) finish();
        return;
      }
      logger.error({ worker: worker.id, code, signal }, "worker exited; starting another");
      const now = Date.now();
      crashes = [...crashes.filter((t) => now - t < 30_000), now];
      if (crashes.length >= 5) {
        failure = new TscaError("ERR_SERVER", "Server workers keep exiting (5 times within 30 seconds); see the log above.");
        stopAll();
        return;
      }
      setTimeout(() => {
        if (!stopping) fork();
      }, 500);
    });
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    logger.info(
      { workers: options.workers, host: options.host, port: options.port, ...(options.tls ? { tlsPort: options.tls.port } : {}) },
      "starting workers",
    );
    for (let i = 0; i < options.workers; i++) fork();
  });
}

/**
 * `serve --worker` on SQLite: the HTTP server runs in a cluster worker and the signing worker stays in the
 * primary, even with one worker. better-sqlite3 waits for another connection's write lock synchronously
 * (busy_timeout), blocking the whole event loop; with both connections in one process, a transaction of
 * one that awaits anything asynchronous (WebCrypto, a file read) cannot finish while the other waits for
 * it, and both stall until the timeout ends in SQLITE_BUSY (ACME finalize answered 503 under load). In two
 * processes a lock wait blocks only its own. PostgreSQL waits asynchronously, so one process is fine.
 */
function signerNeedsOwnProcess(options: ServeOptions): boolean {
  return options.worker === true && sqlitePath(loadSettings().databaseUrl) !== undefined;
}

export async function serve(options: ServeOptions): Promise<void> {
  const logger = makeLogger();
  // --worker: one signing worker, in this process (the primary when there are cluster workers; on SQLite always, see signerNeedsOwnProcess).
  const stopSigning = new AbortController();
  const signing =
    options.worker && cluster.isPrimary
      ? runServeWorker(loadSettings(), logger, stopSigning.signal, {
          onBatch: () => {
            for (const notify of signedBatches) notify();
            // Cluster workers' waiters live in other processes.
            for (const w of Object.values(cluster.workers ?? {}))
              if (w?.isConnected()) w.send({ tsca: "signed" } satisfies PrimaryMessage, undefined, () => undefined);
          },
          onQueue: (nudge) => (nudgeSigning = nudge),
        }).catch((e: unknown) => logger.error({ err: reason(e) }, "signing worker failed"))
      : undefined;
  try {
    if (cluster.isPrimary && (options.workers > 1 || signerNeedsOwnProcess(options))) {
      const settings = loadSettings();
      const metricsApp =
        options.metricsPort !== undefined
          ? await listenMetrics({ ...options, metricsPort: options.metricsPort }, clusterSource(), settings, httpLimits(settings), logger)
          : undefined;
      try {
        await runPrimary(options, logger);
      } finally {
        await metricsApp?.close();
      }
    } else await runServer(options, logger);
  } catch (e) {
    if (!cluster.isWorker) throw e;
    // A worker that cannot serve says why in the log and exits non-zero, so the primary replaces it (and
    // gives up if that keeps happening); its IPC channel would otherwise keep it alive doing nothing.
    logger.error({ code: (e as Partial<TscaError>).code, err: reason(e) }, "worker failed");
    logger.flush();
    process.exit(1);
  } finally {
    stopSigning.abort();
    await signing;
    logger.flush();
  }
}
