/**
 * Composition root of `tsca serve` (bundled as dist/tsca-server.mjs): settings, database, OCSP responder
 * keys and the web adapter. It never opens CA_DIR and needs no CA key — a web host shares only the database
 * and the OCSP key directory with the key host (DESIGN principle 1).
 *
 * With `--workers N > 1` this process becomes a node:cluster primary that forks N workers (each a full
 * server on the shared port), restarts a worker that dies, gives up when they keep dying, and forwards
 * SIGTERM/SIGINT for a graceful stop: stop accepting, finish in-flight requests, close the database.
 *
 * Revocation freshness: every worker polls the revocation change feed every TSCA_OCSP_POLL_INTERVAL ms
 * (default 500). A revocation committed to the database is therefore reflected by every worker on every
 * host within one interval plus one query; a worker that cannot read the feed for max(5 s, 10 intervals)
 * stops answering from memory (then from the database, or tryLater when that is down) and reports itself
 * unhealthy on /healthz.
 */
import cluster from "node:cluster";
import { pino, type Logger } from "pino";
import type { ServeOptions } from "../adapters/cli/context.js";
import { SqlCaRepository } from "../adapters/db/ca-repository.js";
import { openDatabase } from "../adapters/db/connection.js";
import { SqlCrlRepository } from "../adapters/db/crl-repository.js";
import { SqlOcspResponderRepository } from "../adapters/db/ocsp-responder-repository.js";
import { SqlOcspStatusRepository } from "../adapters/db/ocsp-status-repository.js";
import { SqlRevocationChangeFeed } from "../adapters/db/revocation-change-feed.js";
import { FileOcspKeyStore } from "../adapters/keys/ocsp-key-store.js";
import { buildApp, createFastify } from "../adapters/web/app.js";
import { crlRoutes } from "../adapters/web/crl-routes.js";
import { loadSettings } from "../config/settings.js";
import { TscaError } from "../core/errors.js";
import { OcspIssuers } from "../core/revocation/ocsp-issuers.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder } from "../core/revocation/ocsp-responder.js";

export { createFastify };

const GRACE_MS = 15_000;

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

/** One server in this process: the whole life from settings to graceful shutdown. */
async function runServer(options: ServeOptions, logger: Logger): Promise<void> {
  // Listen for signals from the start: one that arrives while starting stops the server right after.
  let listening = false;
  const signalled = untilSignal(logger, () => listening);
  const settings = loadSettings();
  const db = await openDatabase(settings.databaseUrl);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  try {
    const clock = { now: () => new Date() };
    const cas = new SqlCaRepository(db.db);
    const issuers = new OcspIssuers(
      { cas, responders: new SqlOcspResponderRepository(db.db), keys: new FileOcspKeyStore(settings.ocspKeyDir), clock },
      { caListMaxAgeMs: 5_000, retryMissingMs: 5_000, defaultResponseValidity: settings.ocspResponseValidity },
    );
    const staleAfterMs = Math.max(5_000, settings.ocspPollInterval * 10);
    const responder = new OcspResponder(
      { clock, statuses: new SqlOcspStatusRepository(db.db), changes: new SqlRevocationChangeFeed(db.db), issuers },
      { ...DEFAULT_RESPONDER_OPTIONS, cacheSize: settings.ocspCacheSize, staleAfterMs },
    );
    await responder.sync();
    for (const issuer of await issuers.warm())
      if (issuer.problem) logger.warn({ ca: issuer.ca.serial }, issuer.problem);
      else
        logger.info(
          { ca: issuer.ca.serial, name: issuer.ca.name, responderValidUntil: issuer.key?.notAfter.toISOString() },
          "OCSP responder loaded",
        );

    // The change-feed poll: a failure is logged once when it starts and once when it ends.
    let failing = false;
    const poll = async (): Promise<void> => {
      try {
        const applied = await responder.sync();
        if (failing) logger.info("revocation change feed readable again");
        failing = false;
        if (applied) logger.debug({ applied }, "revocation changes applied");
      } catch (e) {
        if (!failing)
          logger.warn({ err: (e as Error).message }, "cannot read the revocation change feed; answers will come from the database");
        failing = true;
      } finally {
        if (!stopped) timer = setTimeout(() => void poll(), settings.ocspPollInterval);
      }
    };
    timer = setTimeout(() => void poll(), settings.ocspPollInterval);

    const app = await buildApp({
      logger,
      ocsp: responder,
      accessLog: options.accessLog,
      health: () => {
        const age = responder.syncAge();
        return {
          ok: responder.fresh(),
          detail: { revocationFeedAgeMs: Number.isFinite(age) ? age : null, cachedCertificates: responder.cache.size },
        };
      },
      plugins: [(a) => crlRoutes(a, { crls: new SqlCrlRepository(db.db), cas })],
    });
    try {
      await app.listen({ host: options.host, port: options.port });
    } catch (e) {
      await app.close();
      throw new TscaError(
        "ERR_SERVER",
        `Cannot listen on ${options.host}:${options.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
        { cause: e },
      );
    }
    listening = true;
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    logger.info(
      {
        url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
        port,
        pollIntervalMs: settings.ocspPollInterval,
        staleAfterMs,
      },
      "listening",
    );

    const signal = await signalled;
    logger.info({ signal }, "shutting down");
    stopped = true;
    clearTimeout(timer);
    const force = setTimeout(() => {
      logger.warn("in-flight requests did not finish in time; closing connections");
      app.server.closeAllConnections();
    }, GRACE_MS);
    await app.close();
    clearTimeout(force);
    logger.info("stopped");
  } finally {
    stopped = true;
    clearTimeout(timer);
    await db.close();
    // A cluster worker's IPC channel to the primary would keep it alive after a clean stop.
    if (cluster.isWorker) process.disconnect?.();
  }
}

/** The cluster primary: forks, restarts and stops workers; serves nothing itself. */
function runPrimary(options: ServeOptions, logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    let failure: TscaError | undefined;
    let crashes: number[] = [];
    const live = (): number => Object.keys(cluster.workers ?? {}).length;
    const stopAll = (): void => {
      stopping = true;
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
    cluster.on("exit", (worker, code, signal) => {
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
        if (!stopping) cluster.fork();
      }, 500);
    });
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    logger.info({ workers: options.workers, host: options.host, port: options.port }, "starting workers");
    for (let i = 0; i < options.workers; i++) cluster.fork();
  });
}

export async function serve(options: ServeOptions): Promise<void> {
  const logger = makeLogger();
  try {
    if (cluster.isPrimary && options.workers > 1) await runPrimary(options, logger);
    else await runServer(options, logger);
  } finally {
    logger.flush();
  }
}
